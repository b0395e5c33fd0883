"""Downloads: combined tables with source and cohort ids, neutralised against formula injection."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from masreview.data import paths
from masreview.book.downloads import (combined_tables, download_name, neutralise_cell, neutralise_frame,
                                 write_downloads)
from masreview.data.loading import load_dataset
from masreview.data.schema import TABLES

from _synthesis_fixture import add_fixture_case, add_second_report, copy_repo


@pytest.mark.parametrize("cell, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-A1", "'-A1"), ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"), ("=", "'="), ("-", "'-"),
    ("-0.5", "-0.5"), ("+3", "+3"), ("-2e-3", "-2e-3"), ("12", "12"),
    ("PR->CR", "PR->CR"), ("a=b", "a=b"), ("", ""), (None, None), (5, 5), (-1.5, -1.5),
])
def test_neutralise_cell(cell, expected):
    assert neutralise_cell(cell) == expected


def test_neutralise_frame_leaves_numbers_and_missing():
    df = pd.DataFrame({"text": ["=cmd()", pd.NA, "ok"], "n": pd.array([-1, None, 3], dtype="Int64"),
                       "x": [-0.5, 1.0, 2.0]})
    out = neutralise_frame(df)
    assert out["text"].tolist()[0] == "'=cmd()" and pd.isna(out["text"].iloc[1])
    assert out["n"].tolist()[0] == -1 and out["x"].tolist() == [-0.5, 1.0, 2.0]
    assert df["text"].iloc[0] == "=cmd()"  # the input is not modified


def test_written_files_are_neutralised_and_complete(tmp_path):
    root = copy_repo(tmp_path)
    add_fixture_case(root)
    m = root / "data" / "sources" / "doe-2026-test-case" / "measures.csv"
    m.write_text(m.read_text(encoding="utf-8").replace(",one child,", ',"=HYPERLINK(""http://x"")",'),
                 encoding="utf-8")
    ds = load_dataset(root)
    paths_ = write_downloads(ds, root)
    assert [p.name for p in paths_] == [download_name(t) for t in TABLES]
    rows = list(csv.DictReader(io.StringIO((root / "chapters" / "_downloads" / "masreview-measures.csv")
                                           .read_text(encoding="utf-8"))))
    quote = [r["quote"] for r in rows if r["source_id"] == "doe-2026-test-case" and r["measure_id"] == "m01"]
    assert quote == ["'=HYPERLINK(\"http://x\")"]
    assert {r["source_id"] for r in rows} == {s.id for s in ds.included()}
    assert list(rows[0])[:2] == ["source_id", "cohort_id"]


def test_patient_tables_say_which_rows_are_counted(tmp_path):
    root = copy_repo(tmp_path)
    add_second_report(root)
    p = combined_tables(load_dataset(root))["patients"]
    counted = p[p["counted_in_synthesis"] & (p["group"] == "ruxolitinib")]
    assert set(counted["source_id"]) >= {"li-2025-front-immunol"}
    assert "li-2026-second-report" not in set(counted["source_id"])
    assert len(counted[counted["cohort_id"] == "renji-rd-mas-ruxolitinib"]) == 20


def test_repository_downloads_write(tmp_path):
    written = write_downloads(load_dataset(paths.repo_root()), tmp_path)
    assert all(p.stat().st_size > 0 for p in written)
    before = {p: p.stat().st_mtime_ns for p in written}
    write_downloads(load_dataset(paths.repo_root()), tmp_path)  # unchanged content: files left alone
    assert before == {p: p.stat().st_mtime_ns for p in written}
