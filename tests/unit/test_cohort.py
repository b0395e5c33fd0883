"""Cohort marginals, response proportions with exact intervals, reported medians (masreview.analysis.cohort)."""

from __future__ import annotations

import pytest

from types import SimpleNamespace
from masreview.analysis import cohort as _cohort
from masreview.present import cohort_charts as _charts

cohort = SimpleNamespace(**{k: v for m in (_cohort, _charts) for k, v in vars(m).items() if not k.startswith('__')})

from masreview.data import vocab
from masreview.data.loading import load_dataset

SOURCE = "li-2025-front-immunol"


@pytest.fixture(scope="module")
def src():
    return load_dataset().source(SOURCE)


def test_marginal_table(src):
    t = cohort.marginal_table(src, "ruxolitinib", {"sex": vocab.SEXES, "disease": vocab.DISEASES})
    assert t["n"].tolist() == [17, 3, 13, 4, 3]
    assert t["category"].tolist()[:2] == ["Female", "Male"]
    assert t["percent"].tolist() == pytest.approx([85, 15, 65, 20, 15])


def test_marginal_table_counts_missing(src):
    t = cohort.marginal_table(src, "historical-control", {"sex": vocab.SEXES})
    assert t.to_dict("records") == [{"characteristic": "Sex", "category": "Not reported", "n": 21, "percent": 100.0,
                                     "code": "sex-not-reported"}]


def test_response_counts(src):
    assert cohort.response_counts(src, "ruxolitinib", "week-8") == {
        "CR": (6, 20), "PR": (10, 20), "CR+PR": (16, 20), "NR": (4, 20)}
    with pytest.raises(ValueError):
        cohort.response_counts(src, "ruxolitinib", "week-3")


def test_proportion_rows_exact_bounds():
    r = cohort.proportion_rows({"CR+PR": (16, 20), "CR": (6, 20), "CMV": (4, 20)}).set_index("key")
    # Clopper-Pearson 16/20: 0.563 to 0.943; Wilson 16/20: 0.584 to 0.919 (standard tables)
    assert r.loc["CR+PR", ["cp_low", "cp_high"]].tolist() == pytest.approx([0.563, 0.943], abs=5e-4)
    assert r.loc["CR+PR", ["wilson_low", "wilson_high"]].tolist() == pytest.approx([0.584, 0.919], abs=5e-4)
    # 6/20: 0.119 to 0.543; 4/20: 0.057 to 0.437
    assert r.loc["CR", ["cp_low", "cp_high"]].tolist() == pytest.approx([0.119, 0.543], abs=5e-4)
    assert r.loc["CMV", ["cp_low", "cp_high"]].tolist() == pytest.approx([0.057, 0.437], abs=5e-4)


def test_proportion_display_and_chart():
    rows = cohort.proportion_rows({"CR": (6, 20)}, {"CR": "Complete remission"})
    d = cohort.proportion_display(rows)
    assert d.iloc[0].tolist() == ["Complete remission", "6/20", 30.0, "11.9 to 54.3", "14.5 to 51.9"]
    spec = cohort.proportion_chart(rows, "t", "d").to_dict()
    assert spec["title"] == "t"
    assert spec["description"] == "d Values: Complete remission: 6 of 20 (30%, 11.9 to 54.3)."


def test_marginal_chart(src):
    t = cohort.marginal_table(src, "ruxolitinib", {"sex": vocab.SEXES})
    spec = cohort.marginal_chart(t, "Sex", "Bars").to_dict()
    assert spec["description"] == "Bars Values: Sex, Female: 17; Sex, Male: 3."
    assert spec["mark"]["type"] == "bar"


def test_reported_medians_and_relative_change(src):
    m = cohort.reported_medians(src, "glucocorticoid-dose", "ruxolitinib")
    assert m["timepoint"].tolist() == ["baseline", "week-8"]
    assert m["value"].tolist() == [2.7, 0.5]
    assert cohort.relative_change(2.7, 0.5) == pytest.approx(0.8148, abs=1e-4)  # (2.7-0.5)/2.7
    with pytest.raises(ValueError):
        cohort.relative_change(0, 1)
    with pytest.raises(ValueError):
        cohort.reported_medians(src, "ferritin", "ruxolitinib")


def test_glue_helpers_derive_keys_from_codes(monkeypatch):
    """One call glues a family: keys from vocabulary codes, intervals in one shape (hand values)."""
    import pandas as pd

    from masreview.book import glue

    glued = {}
    monkeypatch.setattr(glue, "glue_number", lambda k, v: glued.__setitem__(k, v))
    monkeypatch.setattr(glue, "glue_text", lambda k, v: glued.__setitem__(k, v))
    glue.glue_proportions("x", cohort.proportion_rows({"CR+PR": (1, 2)}))
    assert glued["x_cr_pr_k"] == 1 and glued["x_cr_pr_n"] == 2 and glued["x_cr_pr_pct"] == 50.0
    # Clopper-Pearson for 1/2: [1 - 0.975**0.5, 0.975**0.5] = [0.0126, 0.9874] (hand computation)
    assert glued["x_cr_pr_ci"] == "1.3% to 98.7%"
    glue.glue_counts("y", pd.DataFrame({"code": ["other-CTD"], "n": [3]}))
    assert glued["y_other_ctd"] == 3
    assert glue.key_of("active_disease_baseline-yes") == "active_disease_baseline_yes"
