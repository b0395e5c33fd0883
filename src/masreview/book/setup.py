"""What every chapter's first cell calls: one preamble, glue that stays plain, escaped tables.

    from masreview.book.setup import setup, glue_number, glue_text, show_table
    ds = setup()          # validated dataset; offline charts on; display options set
"""

from __future__ import annotations

import numbers

import pandas as pd

from masreview.data.loading import load_dataset
from masreview.data.model import Dataset
from masreview.present.html import HTML, Link, Table, html_table, pct, show_table

__all__ = ["setup", "glue_number", "glue_text", "glue_status_tally", "plain", "PlainText",
           "show_table", "html_table", "HTML", "Link", "Table", "pct"]

_DATASET: Dataset | None = None
_LOADED_FROM: tuple | None = None  # data_fingerprint() when _DATASET was loaded


def data_fingerprint() -> tuple:
    """A cheap fingerprint of the inputs: (relative path, size, mtime in ns) of every file under data/
    and of references.bib. Any edit, added or removed file changes it; nothing is read."""
    from masreview.data import paths

    root = paths.repo_root()
    data = paths.data_dir()
    entries = []
    candidates = [root / "references.bib"] + (sorted(data.rglob("*")) if data.is_dir() else [])
    for f in candidates:
        try:
            st = f.stat()
        except OSError:
            continue
        if f.is_file():
            entries.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(entries)


def setup(reload: bool = False) -> Dataset:
    """Enable the offline chart renderer and return the validated dataset.

    Loaded once per kernel, and again whenever a file under data/ (or references.bib) changed since the
    last load, so that "Run All" in JupyterLab after editing a CSV shows the edited data.
    """
    global _DATASET, _LOADED_FROM
    from masreview.present.charts import enable_offline_charts, in_book_build

    enable_offline_charts()
    if not in_book_build():
        _lab_note()
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_colwidth", 200)
    now = data_fingerprint()
    if _DATASET is None or reload or now != _LOADED_FROM:
        _DATASET = load_dataset()
        _LOADED_FROM = now
    return _DATASET


#: Shown by :func:`setup` outside the book build (JupyterLab): glue roles are filled in by the book only.
LAB_NOTE = (
    "*Running outside the book build.* The numbers in the text are glue roles that only the book build "
    "fills in: here they show as their names (such as `li_n_measures:.0f`). Each value is listed under "
    "the cell that computes it, as `glue: name = value`."
)


def _lab_note() -> None:
    from IPython.display import Markdown, display

    display(Markdown(LAB_NOTE))


def _show_glued(name: str, value) -> None:
    """Outside the book build, show a glued value under its cell (the prose cannot paste it there)."""
    from masreview.present.charts import in_book_build

    if in_book_build():
        return
    from IPython.display import display

    display({"text/plain": f"glue: {name} = {value}"}, raw=True)


class PlainText(str):
    """A string whose repr is itself, so that ``{glue}`` shows it without quotes."""

    def __repr__(self) -> str:  # noqa: D105
        return str(self)


def plain(value):
    """numpy scalars -> Python numbers (numpy 2 scalars break glue formatting)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def glue_number(name: str, value) -> float | int:
    """Glue a number (as a plain int/float) for ``{glue:text}`name:.1f``` in prose; returns it."""
    from myst_nb import glue

    v = plain(value)
    if not isinstance(v, (int, float)):
        raise TypeError(f"glue_number('{name}'): expected a number, got {type(value).__name__}")
    glue(name, v, display=False)
    _show_glued(name, v)
    return v


def glue_text(name: str, text: str) -> str:
    """Glue a ready-formatted phrase for ``{glue}`name``` in prose; returns it."""
    from myst_nb import glue

    t = PlainText(str(text))
    glue(name, t, display=False)
    _show_glued(name, t)
    return t




def glue_status_tally(prefix: str, table: pd.DataFrame) -> dict[str, int]:
    """Glue, for a reproduction table, ``{prefix}_rep_{status}`` (one number per status of the vocabulary,
    keys from :func:`masreview.data.vocab.status_key`) and ``{prefix}_rep_summary`` (a phrase); returns the tally."""
    from masreview.data import vocab
    from masreview.present.reproduction import tally, tally_sentence

    t = tally(table)
    for code, k in t.items():
        glue_number(f"{prefix}_rep_{vocab.status_key(code)}", k)
    glue_text(f"{prefix}_rep_summary", tally_sentence(table))
    return t
