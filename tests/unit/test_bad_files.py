"""Bad inputs the fixture corpus cannot hold (symbolic links, files too large to keep in the repository, hostile
repetitions): each is rejected with its file named, and a flood of repeated keys, columns or rows gives a
bounded number of messages (how long validation takes is measured by tests/bench.py, not here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
SRC = "data/sources/doe-2024-example"


def _rejected(root: Path) -> str:
    with pytest.raises(DataValidationError) as info:
        load_dataset(root)
    for issue in info.value.issues:
        assert issue.file.startswith(("data/", "references.bib")), issue
    return str(info.value)


@pytest.fixture
def root(tmp_path) -> Path:
    shutil.copytree(VALID, tmp_path / "repo")
    return tmp_path / "repo"


@pytest.mark.parametrize("rel", [f"{SRC}/events.csv", "data/cohorts.yaml", "references.bib"])
def test_symbolic_link_out_of_the_repository_is_not_read(root, tmp_path, rel):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret-content\n", encoding="utf-8")
    (root / rel).unlink()
    (root / rel).symlink_to(outside)
    text = _rejected(root)
    assert f"{rel}: is a symbolic link" in text and "secret-content" not in text


def test_csv_larger_than_the_limit(root):
    rows = "".join(f"P1,infection,{i},day,reported,here\n" for i in range(40_000))
    (root / SRC / "events.csv").write_text("patient_id,event,time,time_unit,origin,locator\n" + rows)
    assert f"{SRC}/events.csv: is larger than 1000000 bytes" in _rejected(root)


def test_yaml_larger_than_the_limit(root):
    path = root / SRC / "source.yaml"
    path.write_text(path.read_text().replace("summary:", "notes: " + "x" * 100_001 + "\nsummary:"))
    assert f"{SRC}/source.yaml: is larger than 100000 bytes" in _rejected(root)


def test_thousands_of_repeated_yaml_keys_give_twenty_messages_quickly(root):
    path = root / SRC / "source.yaml"
    path.write_text(path.read_text().replace("summary:", "criteria: {" + ", ".join(["a: 1"] * 15_000) + "}\nsummary:"))
    text = _rejected(root)
    assert text.count("repeats the key 'a'") == 20


def test_thousands_of_unknown_columns_give_twenty_messages_quickly(root):
    path = root / SRC / "events.csv"
    head, *rest = path.read_text().splitlines(keepends=True)
    path.write_text(head.rstrip("\n") + "," + ",".join(f"c{i}" for i in range(50_000)) + "\n" + "".join(rest))
    assert _rejected(root).count("unknown column") == 20


def test_thousands_of_duplicate_rows_are_each_reported_quickly(root):
    rows = "P1,infection,1,day,reported,here\n" * 5_000
    (root / SRC / "events.csv").write_text("patient_id,event,time,time_unit,origin,locator\n" + rows)
    text = _rejected(root)
    assert text.count("duplicate patient_id/event/time 'P1/infection/1.0' (first at line 2)") == 4_999


def test_a_source_folder_that_is_a_symbolic_link_is_not_read(root, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.copytree(root / SRC, outside)
    (root / "data" / "sources" / "doe-2025-linked").symlink_to(outside)
    assert "data/sources/doe-2025-linked: is a symbolic link" in _rejected(root)
