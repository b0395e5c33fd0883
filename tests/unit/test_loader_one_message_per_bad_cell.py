"""A bad cell in a column with empty cells is reported once: the empty cells of that column are not
blamed too (pandera lists them as failure cases once coercion of the column fails)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"


def test_one_wrong_number_among_empty_cells_gives_one_message(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(VALID, root)
    measures = root / "data/sources/doe-2024-example/measures.csv"
    text = measures.read_text(encoding="utf-8")
    assert "m02,age,ruxolitinib,,baseline,9," in text
    measures.write_text(text.replace("m02,age,ruxolitinib,,baseline,9,", "m02,age,ruxolitinib,,baseline,nine,"),
                        encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    issues = [(i.file, i.line, i.column) for i in info.value.issues]
    assert issues == [("data/sources/doe-2024-example/measures.csv", 3, "value")], str(info.value)
    assert "got 'nine'" in str(info.value)
