"""Downloadable CSV files of the combined data, safe to open in a spreadsheet.

:func:`write_downloads` writes every table of every included source, combined, with ``source_id`` and
``cohort_id`` columns in front (the patient-level tables also get ``counted_in_synthesis``: whether the
row's source is the cohort's primary source, i.e. whether the synthesis counts these patients), into
``chapters/_downloads/``. The synthesis chapter links them with the ``{download}`` role.

Written twice, to be sure the links never point at a missing or stale file:

* by the Sphinx hook below (``builder-inited``), before any page is read, from the data of the book
  being built; add ``masreview.book.downloads`` to ``sphinx: extra_extensions`` in ``_config.yml``;
* by the synthesis chapter itself when it executes (JupyterLab, a fresh build).

Cells are neutralised against spreadsheet formula injection (:func:`neutralise_cell`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from masreview.data.loading import load_dataset
from masreview.data.model import Dataset
from masreview.data.schema import TABLES

DOWNLOAD_DIR = Path("chapters") / "_downloads"  # relative to the repository root
FILE_PATTERN = "masreview-{table}.csv"
PATIENT_LEVEL = tuple(name for name, spec in TABLES.items() if spec.patient_level)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) gets a leading single
    quote, unless the text is a plain number such as ``-0.5`` or ``+3``. Numbers, missing values and
    other text are returned unchanged.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_FORMULA_START) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and column name) passed through :func:`neutralise_cell`."""
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col])
                or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(neutralise_cell, na_action="ignore")
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def combined_tables(ds: Dataset) -> dict[str, pd.DataFrame]:
    """table name -> all included sources' rows, with source_id, cohort_id (and counted_in_synthesis)."""
    out = {}
    for name in TABLES:
        df = ds.table(name)
        if name in PATIENT_LEVEL:
            primary = {cid: c.primary_source for cid, c in ds.cohorts.items()}
            df.insert(2, "counted_in_synthesis",
                      [primary.get(c) == s for s, c in zip(df["source_id"], df["cohort_id"])])
        out[name] = df
    return out


def download_name(table: str) -> str:
    return FILE_PATTERN.format(table=table)


def write_downloads(ds: Dataset, root: Path) -> list[Path]:
    """Write the combined tables as neutralised CSV under ``<root>/chapters/_downloads``; return the paths.

    A file is rewritten only when its content changes (so a build does not see a needless change).
    """
    folder = Path(root) / DOWNLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in combined_tables(ds).items():
        text = neutralise_frame(df).to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
        path = folder / download_name(name)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _write_on_build(app) -> None:
    root = Path(app.srcdir)
    if (root / "data").is_dir():
        write_downloads(load_dataset(root), root)


def setup(app) -> dict[str, Any]:
    """Sphinx extension: write the download files before any page is read."""
    from masreview import __version__

    app.connect("builder-inited", _write_on_build)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
