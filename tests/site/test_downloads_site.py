"""The CSV downloads of the built site: present for every table, equal to the current data, and safe to
open in a spreadsheet (no cell a spreadsheet would run as a formula). That a formula typed into the data
comes out neutralised is checked on an edited copy in test_rebuild.py."""

from __future__ import annotations

import csv
import io
import re

import pytest

import sitecheck as sc
from masreview.book import downloads
from masreview.data.loading import load_dataset
from masreview.data.schema import TABLES

pytestmark = pytest.mark.site

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def formula_cells(text: str) -> list[str]:
    """Cells a spreadsheet would read as a formula (plain signed numbers are fine)."""
    return [c for row in csv.reader(io.StringIO(text)) for c in row
            if c.startswith(FORMULA_START) and not NUMBER.match(c.strip())]


def _built_downloads(site_dir) -> dict[str, str]:
    files = sorted((site_dir / "_downloads").rglob("masreview-*.csv"))
    return {p.name: p.read_text(encoding="utf-8") for p in files}


def test_every_table_is_offered_and_equals_the_data(site_dir):
    built = _built_downloads(site_dir)
    tables = downloads.combined_tables(load_dataset())
    assert set(built) == {downloads.download_name(t) for t in TABLES}
    for name, df in tables.items():
        expected = downloads.neutralise_frame(df).to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
        assert built[downloads.download_name(name)] == expected, f"{name}: the download is not the current data"


def test_no_download_cell_is_a_formula(site_dir):
    found = {name: formula_cells(text) for name, text in _built_downloads(site_dir).items()}
    assert {k: v for k, v in found.items() if v} == {}


def test_downloads_are_linked_from_the_synthesis(site_dir):
    page = sc.soup(site_dir / "chapters" / "synthesis.html")
    linked = {a["href"].rsplit("/", 1)[-1] for a in page.find_all("a", href=True) if "_downloads/" in a["href"]}
    assert {downloads.download_name(t) for t in TABLES} <= linked


def test_formula_check_itself():
    assert formula_cells('a,b\n=HYPERLINK("x"),-0.5\n"\'=1+1",@SUM(A1)\n') == ['=HYPERLINK("x")', "@SUM(A1)"]
