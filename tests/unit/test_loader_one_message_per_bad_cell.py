"""A bad cell in a column with empty cells is reported once: the empty cells of that column are not
blamed too (pandera lists them as failure cases once coercion of the column fails)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"


def _edited(tmp_path: Path, rel: str, old: str, new: str) -> Path:
    """A copy of the valid fixture with one text replaced in one file (which must hold it)."""
    root = tmp_path / "repo"
    shutil.copytree(VALID, root)
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return root


def test_one_wrong_number_among_empty_cells_gives_one_message(tmp_path):
    root = _edited(tmp_path, "data/sources/doe-2024-example/measures.csv", "m02,age,ruxolitinib,,baseline,9,",
                   "m02,age,ruxolitinib,,baseline,nine,")
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    issues = [(i.file, i.line, i.column) for i in info.value.issues]
    assert issues == [("data/sources/doe-2024-example/measures.csv", 3, "value")], str(info.value)
    assert "got 'nine'" in str(info.value)


def test_a_placeholder_cell_gives_one_message_not_also_a_type_error(tmp_path):
    root = _edited(tmp_path, "data/sources/doe-2024-example/patients.csv", ",female,9,sJIA,", ",TODO,TODO,TODO,")
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    issues = [(i.file, i.line, i.column) for i in info.value.issues]
    rel = "data/sources/doe-2024-example/patients.csv"
    assert issues == [(rel, 2, "sex"), (rel, 2, "age_years"), (rel, 2, "disease")], str(info.value)
    assert all("still holds the template placeholder TODO" in i.message for i in info.value.issues)


def test_a_placeholder_doi_in_references_bib_gives_one_message(tmp_path):
    from masreview.data.bib import read_bibliography

    root = _edited(tmp_path, "references.bib", "10.9999/fixture.2024.1", "TODO")
    issues = []
    assert read_bibliography(root, issues) is None
    assert [str(i) for i in issues] == [
        "references.bib, line 1: entry 'doe2024example' still holds the template placeholder TODO: fill it in"]
