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


P_ROW = {"m13"}  # the P value: the source does not name its test


def test_every_row_has_its_honest_status(table):
    assert set(table.index) == {f"m{i:02d}" for i in range(1, 17)}
    assert set(table.index[table["status"] == "context"]) == CONTEXT
    assert set(table.index[table["status"] == "not recomputable"]) == NOT_RECOMPUTABLE
    assert set(table.index[table["status"] == "consistent with"]) == P_ROW
    # every patient row of this source is reconstructed: nothing may be called reproduced
    assert (table.drop(index=list(CONTEXT | NOT_RECOMPUTABLE | P_ROW))["status"] == "consistent by construction").all()
    assert "reproduced" not in set(table["status"])
    for mid in NOT_RECOMPUTABLE:
        assert "only the published median" in table.loc[mid, "method"]


def test_p_value_row_names_what_it_is_consistent_with(table):
    row = table.loc["m13"]
    assert row["status"] == "consistent with"
    assert row["recomputed"] == "P = 0.0115"
    assert "consistent with: N-1 chi-square; log-rank under some death times" in row["method"]
    assert "not identified" in row["method"]
    assert "Boschloo" not in row["method"]


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


def test_a_row_stated_by_the_source_is_reproduced_and_a_reconstructed_one_is_not(tmp_path):
    """The status follows the origin of the rows: the same count is *reproduced* only once every row it
    is recomputed from is reported by the source."""
    folder = _copy_repo(tmp_path)
    path = folder / "events.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",reconstructed,", ",reported,"), encoding="utf-8")
    path = folder / "patients.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",reconstructed,", ",reported,"), encoding="utf-8")
    ds = load_dataset(tmp_path)
    t = reproduction_table(ds.source(SOURCE), ds).set_index("id")
    assert t.loc["m11", "status"] == "reproduced"  # patients + death events, all reported now
    assert t.loc["m09", "status"] == "consistent by construction"  # observations still reconstructed
    assert t.loc["m13", "status"] == "consistent with"  # a P without its test is never reproduced


def test_every_status_is_defined_once_in_the_vocabulary():
    from masreview.data import vocab

    assert reproduce.STATUSES == tuple(vocab.REPRODUCTION_STATUSES)
    assert [vocab.status_key(c) for c in vocab.REPRODUCTION_STATUSES] == [
        "reproduced", "consistent_by_construction", "consistent_with", "context", "not_recomputable", "differs"]
