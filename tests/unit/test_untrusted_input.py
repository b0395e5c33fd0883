"""Hostile inputs are refused quickly, and what is valid is read exactly as written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from masreview.data.loading import load_dataset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASE = "data/sources/doe-2024-example"


def test_billion_laughs_is_refused_in_bounded_time(tmp_path):
    """Run in a subprocess with a timeout: an alias expansion would take minutes and gigabytes."""
    root = tmp_path / "laughs"
    shutil.copytree(FIXTURES / "valid", root)
    shutil.copyfile(FIXTURES / "bad/yaml-billion-laughs/data/cohorts.yaml", root / "data/cohorts.yaml")
    done = subprocess.run([sys.executable, "-m", "masreview", "--root", str(root), "validate"],
                          capture_output=True, text=True, timeout=10)
    assert done.returncode == 1
    assert "data/cohorts.yaml, line 1: defines the anchor &a" in done.stderr


def test_quoted_cell_keeps_hash_lines_blank_lines_and_line_separators(tmp_path):
    root = tmp_path / "cells"
    shutil.copytree(FIXTURES / "valid", root)
    patients = root / CASE / "patients.csv"
    note = "first line\r\n# not a comment\n\n  indented\u2028after a line separator"
    text = patients.read_text(encoding="utf-8")
    patients.write_bytes(("# a template comment\n" + text.rstrip("\n") + '"' + note.replace('"', '""') + '"\n')
                         .encode("utf-8"))
    ds = load_dataset(root)
    assert ds.source("doe-2024-example")["patients"].loc[0, "note"] == note.strip()


def test_quoted_cells_of_every_table_keep_comment_and_blank_lines_byte_for_byte(tmp_path):
    """A line starting with '#' or a blank line is a template comment only between records: inside a quoted
    cell of any table it is text, kept exactly (CRLF, tabs and U+2028 included), and later rows keep their lines."""
    root = tmp_path / "kept"
    shutil.copytree(FIXTURES / "valid", root)
    cell = "abstract,\n# sentence 3, not a comment\n\n\t#\r\n  \u2028 end"
    quoted = '"' + cell + '"'
    src = root / CASE
    for name, old in (("measures.csv", '"abstract, sentence 3"'), ("treatments.csv", '"abstract, sentence 3"'),
                      ("appraisal.csv", '"synthetic, paragraph 1"'), ("phases.csv", '"abstract, sentence 2"')):
        path = src / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_bytes(("# a template comment\n\n" + text.replace(old, quoted, 1)).encode("utf-8"))
    ds = load_dataset(root)
    s = ds.source("doe-2024-example")
    assert s["measures"].loc[2, "locator"] == cell
    assert s["treatments"].loc[1, "locator"] == cell
    assert s["appraisal"].loc[0, "support"] == cell
    assert s["phases"].loc[0, "locator"] == cell
    # a row after the multi-line cell keeps the line it has in an editor
    assert s["appraisal"].attrs["lines"][1] == 3 + 1 + 5
