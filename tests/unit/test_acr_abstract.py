"""ACR Convergence 2025 abstract 1179: the record, every stated fact reproduced, agreement with the
Front Immunol report of the same cohort, and the wording differences between the two."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from masreview.present import crosssource as cs

from masreview.data import paths
from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError
from masreview.present.reproduction import reproduction_table, unreproduced

ACR, FI = "li-2025-acr-abstract-1179", "li-2025-front-immunol"


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def test_record(ds):
    r = ds.source(ACR).record
    assert r.cohort_id == ds.source(FI).record.cohort_id == "renji-rd-mas-ruxolitinib"
    assert (r.design, r.population) == ("conference-abstract", "adult")
    b = r.bibliography
    assert (b.meeting, b.abstract_number, b.volume, b.issue, b.bibtex_key) == (
        "ACR Convergence 2025", "1179", "77", "suppl 9", "li2025acr1179")
    assert "Poster Session B" in b.session and "27 October 2025" in b.session
    assert b.url.startswith("https://acrabstracts.org/abstract/efficacy-and-safety-of-ruxolitinib")
    assert len(b.authors) == 10


def test_every_number_has_a_row_with_a_locator(ds):
    m = ds.source(ACR)["measures"].set_index("measure_id")
    assert m["locator"].notna().all() and m["quote"].notna().all()
    got = {(r.measure, r.category if pd.notna(r.category) else "", r.timepoint):
           (None if pd.isna(r.numerator) else int(r.numerator), None if pd.isna(r.value) else float(r.value))
           for r in m.itertuples()}
    assert got[("patients", "", "baseline")] == (20, None)
    assert got[("sex", "female", "baseline")] == (17, None) and got[("sex", "male", "baseline")] == (3, None)
    assert [got[("underlying-disease", d, "baseline")][0] for d in ("AOSD", "SLE", "other-CTD")] == [13, 4, 3]
    assert got[("survival", "", "overall")] in {(19, 95.0), (13, 62.0)}
    assert m.loc["m11", "value"] == 0.011
    assert got[("response", "PR", "week-1")] == (9, None)
    assert got[("first-response-time", "CR", "overall")] == (None, 2.0)
    assert got[("response-transition", "PR->CR", "week-3")] == (2, None)
    assert got[("response-transition", "NR->PR", "week-3")] == (1, None)
    assert got[("response", "PR", "week-8")] == (10, 50.0) and got[("response", "CR", "week-8")] == (6, 30.0)
    assert got[("response", "NR", "week-8")] == (4, None)
    assert got[("glucocorticoid-dose", "", "baseline")] == (None, 2.7)
    assert got[("glucocorticoid-dose", "", "week-8")] == (None, 0.5)
    assert got[("adverse-event", "cmv-infection", "overall")] == (4, 20.0)


def test_every_stated_fact_is_reproduced(ds):
    t = reproduction_table(ds.source(ACR), ds).set_index("id")
    assert unreproduced(ds.source(ACR), ds).empty
    assert t.loc["m01", "status"] == "context"
    assert set(t.loc[["m19", "m20"], "status"]) == {"not recomputable"}  # only medians are published
    assert t.loc["m11", "status"] == "consistent with"  # the P value: the test is not identified
    rest = t.drop(index=["m01", "m11", "m19", "m20"])
    assert (rest["status"] == "consistent by construction").all(), rest[rest["status"] != "consistent by construction"]
    assert "N-1 chi-square" in t.loc["m11", "method"] and "Boschloo" not in t.loc["m11", "method"]


def _copy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(paths.data_dir(), root / "data")
    shutil.copyfile(paths.repo_root() / "references.bib", root / "references.bib")
    return root


@pytest.mark.parametrize("old,new,measure", [
    ("m12,response,ruxolitinib,PR,week-1,,9,", "m12,response,ruxolitinib,PR,week-1,,8,", "m12"),
    ("m14,response-transition,ruxolitinib,PR->CR,week-3,,2,", "m14,response-transition,ruxolitinib,PR->CR,week-3,,3,",
     "m14"),
    ("m13,first-response-time,ruxolitinib,CR,overall,2,", "m13,first-response-time,ruxolitinib,CR,overall,3,", "m13"),
])
def test_a_changed_number_stops_being_reproduced(tmp_path, old, new, measure):
    root = _copy_repo(tmp_path)
    f = root / "data" / "sources" / ACR / "measures.csv"
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new), encoding="utf-8")
    ds = load_dataset(root)
    bad = unreproduced(ds.source(ACR), ds)
    assert list(bad["id"]) == [measure]


def test_a_changed_weekly_state_stops_being_reproduced(tmp_path):
    root = _copy_repo(tmp_path)
    f = root / "data" / "sources" / ACR / "observations.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("R01,1,week,response-state,PR"))
    lines[i] = lines[i].replace(",PR,", ",NR,", 1)
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ds = load_dataset(root)
    assert "m12" in set(unreproduced(ds.source(ACR), ds)["id"])


def test_a_disagreeing_shared_number_is_refused(tmp_path):
    root = _copy_repo(tmp_path)
    f = root / "data" / "sources" / ACR / "measures.csv"
    f.write_text(f.read_text(encoding="utf-8").replace(",62,13,21,", ",57,12,21,"), encoding="utf-8")
    with pytest.raises(DataValidationError, match="disagrees"):
        load_dataset(root)


def test_shared_measures_all_agree(ds):
    t = cs.shared_measures(ds.source(FI), ds.source(ACR))
    assert len(t) == 16 and (t["agree"] == "yes").all()
    assert set(cs.only_in(ds.source(ACR), ds.source(FI))["id"]) == {"m12", "m13", "m14", "m15", "m18"}


def test_wording_differences_are_found(ds):
    d = cs.record_differences(ds.source(FI), ds.source(ACR)).set_index("aspect")
    assert d.loc["title: words only in one"].tolist() == ["rheumatic", "connective tissue"]
    assert d.loc["population abbreviation in the text"].tolist() == ["RD-MAS", "CTD-MAS"]
    assert d.loc["number of authors"].tolist() == ["11", "10"]
    assert d.loc["authors only in one"].tolist() == ["Yuan Y", "(none)"]


def test_word_difference():
    assert cs.word_difference("A rheumatic disease", "a connective tissue disease") == (
        ["rheumatic"], ["connective", "tissue"])
