"""Every reported number of Li 2025 (Front Immunol) is reproduced from the data, and stops being
reproduced when a data value changes."""

from __future__ import annotations

import shutil

import pytest

from masreview.data import paths

from masreview.analysis import reproduce
from masreview.present.reproduction import reproduction_table, unreproduced
from masreview.data.loading import load_dataset

SOURCE = "li-2025-front-immunol"
NOT_RECOMPUTABLE = {"m14", "m15"}  # glucocorticoid medians: no individual doses published
CONTEXT = {"m01"}  # approximately 30% refractory: a background figure


@pytest.fixture(scope="module")
def table():
    ds = load_dataset()
    return reproduction_table(ds.source(SOURCE), ds).set_index("id")


def test_every_row_is_reproduced_context_or_median_only(table):
    assert set(table.index) == {f"m{i:02d}" for i in range(1, 17)}
    assert set(table.index[table["agreement"] == "context"]) == CONTEXT
    assert set(table.index[table["agreement"] == "not recomputable"]) == NOT_RECOMPUTABLE
    assert (table.drop(index=list(CONTEXT | NOT_RECOMPUTABLE))["agreement"] == "reproduced").all()
    for mid in NOT_RECOMPUTABLE:
        assert "only the published median" in table.loc[mid, "method"]


def test_p_value_row_names_the_test(table):
    row = table.loc["m13"]
    assert row["agreement"] == "reproduced"
    assert row["recomputed"] == "P = 0.0112"
    assert "reproduced by: Boschloo's exact, two-sided" in row["method"]


def test_reproduced_values(table):
    assert table.loc["m11", "recomputed"] == "19/20 (95%)"
    assert table.loc["m12", "recomputed"] == "13/21 (62%)"
    assert table.loc["m09", "recomputed"] == "10/20 (50%)"
    assert table.loc["m16", "recomputed"] == "4/20 (20%)"
    assert table.loc["m05", "recomputed"] == "13"


def _copy_repo(tmp_path):
    shutil.copytree(paths.repo_root() / "data", tmp_path / "data")
    shutil.copy(paths.repo_root() / "references.bib", tmp_path / "references.bib")
    return tmp_path / "data" / "sources" / SOURCE


def _replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("file, old, new, broken", [
    ("patients.csv", "R05,ruxolitinib,female,,AOSD,", "R05,ruxolitinib,female,,SLE,", {"m05", "m06"}),
    ("patients.csv", "R01,ruxolitinib,female,", "R01,ruxolitinib,male,", {"m03", "m04"}),
    ("observations.csv", "R07,8,week,response-state,PR,", "R07,8,week,response-state,CR,", {"m09", "m10"}),
    ("events.csv", "C21,death,", "C21,last-follow-up,", {"m12", "m13"}),
    ("events.csv", "R04,cmv-infection,", "R04,infection,", {"m16"}),
])
def test_a_changed_data_value_stops_reproduction(tmp_path, file, old, new, broken):
    folder = _copy_repo(tmp_path)
    _replace(folder / file, old, new)
    ds = load_dataset(tmp_path)
    bad = unreproduced(ds.source(SOURCE), ds)
    assert set(bad["id"]) == broken


def test_unchanged_copy_reproduces(tmp_path):
    _copy_repo(tmp_path)
    ds = load_dataset(tmp_path)
    assert unreproduced(ds.source(SOURCE), ds).empty
