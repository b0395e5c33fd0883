"""Case card, missing fields, daily dose and the side-by-side table, on the Wu 2025 case and on a
synthetic case with dates, laboratory values and a weight; and the reproduction of every Wu number."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from types import SimpleNamespace
from masreview.analysis import casecard as _computed
from masreview.present import casecard as _card

casecard = SimpleNamespace(**{k: v for m in (_computed, _card) for k, v in vars(m).items() if not k.startswith('__')})
from masreview.data.loading import load_dataset
from masreview.present.reproduction import reproduction_table, unreproduced

from _synthetic_case import SYNTHETIC_ID, add_synthetic_case, copy_repo

WU = "wu-2025-j-clin-pediatr"
LI = "li-2025-front-immunol"


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = copy_repo(tmp_path_factory.mktemp("synthetic"))
    add_synthetic_case(root)
    return load_dataset(root)


def card_dict(card: pd.DataFrame) -> dict[str, tuple[str, str]]:
    return {r["item"]: (r["value"], r["basis"]) for _, r in card.iterrows()}


# --- Wu 2025 ---------------------------------------------------------------------------------------------


def test_wu_bibliographic_dates(ds):
    b = ds.source(WU).record.bibliography
    assert [d.isoformat() for d in (b.received, b.accepted, b.online, b.published)] == \
        ["2024-03-19", "2024-07-01", "2025-02-27", "2025-03-15"]
    assert b.doi == "10.12372/jcp.2025.24e0236" and b.pages == "216-219"


def test_wu_card(ds):
    c = card_dict(casecard.case_card(ds.source(WU)))
    assert c["Age"] == ("11 years", "reported")
    assert c["Sex"] == ("female", "reported")
    assert c["Underlying disease"][0] == "Systemic juvenile idiopathic arthritis (sJIA)"
    assert c["Disease duration"] == ("4 years", "reported")
    assert c["MAS episode number"] == ("3rd (2 previous + this one)", "derived")
    assert c["Treatments failed"][0] == "methylprednisolone (pulses, 3 rounds); cyclosporine; tocilizumab"
    assert c["Salvage therapy"] == ("ruxolitinib", "reported")
    assert c["Dose"][0] == "10 mg twice daily, oral (1 other ruxolitinib dose not reported)"
    assert c["Daily dose"] == ("20 mg/day; per kg: not computed (body weight not reported)", "derived")
    assert c["Duration"] == ("about 3 months", "reported")
    assert c["Laboratory values"] == ("not reported", "not reported")
    assert c["Response"] == ("not graded (no CR/PR/NR)", "not reported")
    assert c["Recurrence"] == ("no recurrence", "reported")  # measures.csv m10 states it
    assert c["Survival"] == ("alive at last follow-up", "inferred")  # no death row, no survival figure
    assert c["Last follow-up"] == ("time not reported", "reported")
    assert list(c)[:10] == ["Age", "Sex", "Underlying disease", "Disease duration", "MAS episode number",
                            "Treatments failed", "Salvage therapy", "Dose", "Daily dose", "Duration"]


def test_wu_daily_dose_invents_no_weight(ds):
    d = casecard.daily_dose(ds.source(WU))
    assert (d["dose"], d["per_day"], d["daily"], d["daily_unit"]) == (10.0, 2, 20.0, "mg/day")
    assert d["weight_kg"] is None and d["per_kg"] is None and "weight" in d["reason"]
    assert d["rows_without_dose"] == 1


def test_wu_missing_fields(ds):
    m = casecard.missing_fields(ds.source(WU))
    where = dict(zip(m["where"], m["rows"]))
    for field in ("patients.csv: weight_kg", "observations.csv: measure", "phases.csv: start_date",
                  "phases.csv: end_date", "events.csv: time", "source.yaml: criteria.mas_classification",
                  "source.yaml: criteria.refractory_definition", "source.yaml: criteria.response"):
        assert field in where, field
    assert "ruxolitinib [t4]" in where["treatments.csv: dose"]
    assert "ruxolitinib [t5]" not in where["treatments.csv: dose"]
    assert "treatments.csv: rounds" not in where  # rounds only apply to pulses, and the pulses have them
    assert "patients.csv: age_years" not in where and "patients.csv: sex" not in where
    lab = m.loc[m["where"] == "observations.csv: measure", "what"].iloc[0]
    assert "Serum ferritin" in lab and "Alanine aminotransferase" in lab
    topics = casecard.missing_topics(ds.source(WU))
    assert topics[:3] == ["laboratory values", "dates or times", "body weight"]
    assert topics[3].startswith("a ruxolitinib dose (1 of 2 ruxolitinib rows: starting dose")
    assert topics[4] == "the criteria used (MAS classification, refractory definition, response)"


def test_card_html_escapes():
    card = pd.DataFrame([{"item": "Age <b>", "value": "<script>alert(1)</script>", "basis": "reported",
                          "locator": "a & b"}])
    out = casecard.card_html(card, "Case <1>")
    assert "<script>" not in out and html.escape("<script>alert(1)</script>") in out
    assert "<caption>Case &lt;1&gt;</caption>" in out and "a &amp; b" in out


def test_side_by_side_from_both_sources(ds):
    t = casecard.compare_sources(ds, [LI, WU]).set_index("aspect")
    assert list(t.columns) == ["Li et al. 2025", "Wu et al. 2025"]
    assert list(t.index) == ["Design", "Population", "Underlying disease", "Prior therapy", "Ruxolitinib",
                             "Glucocorticoids", "Response", "Outcome", "Follow-up"]
    li, wu = t["Li et al. 2025"], t["Wu et al. 2025"]
    assert li["Population"].startswith("Adults; n = 20; 17 female, 3 male")
    assert li["Underlying disease"] == "AOSD 13, SLE 4, other-CTD 3"
    assert "CR 6/20 (30%) at week 8" in li["Response"] and "PR 10/20 (50%) at week 8" in li["Response"]
    assert "survival 19/20 (95%)" in li["Outcome"]
    assert "2.7 mg/kg/day at baseline" in li["Glucocorticoids"]
    assert wu["Population"] == "Children; n = 1; 1 female; age 11 years"
    assert wu["Underlying disease"] == "sJIA 1; disease duration 4 years; 2 previous MAS episodes"
    assert wu["Prior therapy"] == "methylprednisolone (pulses, 3 rounds); cyclosporine; tocilizumab"
    assert wu["Ruxolitinib"] == "10 mg twice daily; for about 3 months"
    assert wu["Glucocorticoids"] == "tapered (doses not reported)"
    assert wu["Outcome"] == "no recurrence" and wu["Follow-up"] == "not reported"


# --- every stated Wu number is reproduced, and a drifting row is caught ---------------------------------------


def test_wu_every_row_reproduced(ds):
    t = reproduction_table(ds.source(WU), ds)
    assert len(t) == 10
    assert set(t["status"]) == {"reproduced"}, t[t["status"] != "reproduced"].to_string()
    assert t.set_index("id").loc["m09", "reported"] == "about 3 months"


@pytest.mark.parametrize("file,old,new,measure_id", [
    ("measures.csv", "m03,age,ruxolitinib,,baseline,11,", "m03,age,ruxolitinib,,baseline,12,", "m03"),
    ("phases.csv", ",,3,month,approximate,", ",,4,month,approximate,", "m09"),
    ("treatments.csv", "P01,t1,methylprednisolone,,,pulse,unknown,3,", "P01,t1,methylprednisolone,,,pulse,unknown,2,",
     "m07"),
    ("patients.csv", "P01,ruxolitinib,female,11,sJIA,4,2,", "P01,ruxolitinib,female,11,sJIA,4,1,", "m06"),
    ("treatments.csv", "P01,t5,ruxolitinib,10,", "P01,t5,ruxolitinib,15,", "m08"),
])
def test_an_edited_row_stops_reproducing(tmp_path, file, old, new, measure_id):
    root = copy_repo(tmp_path)
    path = root / "data" / "sources" / WU / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    ds = load_dataset(root)
    bad = unreproduced(ds.source(WU), ds)
    assert bad["id"].tolist() == [measure_id]


def test_a_relapse_event_breaks_no_recurrence(tmp_path):
    root = copy_repo(tmp_path)
    with open(root / "data" / "sources" / WU / "events.csv", "a", encoding="utf-8") as f:
        f.write('P01,relapse,,,reported,"test",\n')
    ds = load_dataset(root)
    assert unreproduced(ds.source(WU), ds)["id"].tolist() == ["m10"]


def test_dose_frequency_is_part_of_the_fact(tmp_path):
    root = copy_repo(tmp_path)
    path = root / "data" / "sources" / WU / "treatments.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("10,mg,twice-daily", "10,mg,once-daily"),
                    encoding="utf-8")
    ds = load_dataset(root)
    t = reproduction_table(ds.source(WU), ds).set_index("id")
    assert t.loc["m08", "status"] != "reproduced"


# --- the same helpers on a case with dates, laboratory values and a weight -------------------------------------


def test_synthetic_card(synthetic):
    c = card_dict(casecard.case_card(synthetic.source(SYNTHETIC_ID)))
    assert c["Age"] == ("8 years", "reported")
    assert c["MAS episode number"][0] == "1st (0 previous + this one)"
    assert c["Treatments failed"][0] == ("methylprednisolone (pulses, 1 round, 30 mg/kg/day, intravenous); "
                                         "anakinra")
    assert c["Dose"][0] == "5 mg twice daily, oral; 10 mg twice daily, oral"
    assert c["Daily dose"] == ("20 mg/day; 0.67 mg/kg/day", "derived")
    assert c["Duration"] == ("90 days", "derived")
    assert c["Laboratory values"][0] == ("Serum ferritin 15000 -> 800 ng/mL (day 0 -> day 28); "
                                         "Alanine aminotransferase 450 -> 40 U/L (day 0 -> day 28)")
    assert c["Response"] == ("Complete remission at day 28", "reported")
    assert c["Recurrence"] == ("no recurrence", "reported")
    assert c["Last follow-up"] == ("day 180", "reported")


def test_synthetic_daily_dose_per_kg(synthetic):
    d = casecard.daily_dose(synthetic.source(SYNTHETIC_ID))
    assert (d["daily"], d["weight_kg"], d["per_kg_unit"]) == (20.0, 30.0, "mg/kg/day")
    assert d["per_kg"] == pytest.approx(20 / 30)


def test_synthetic_missing_fields(synthetic):
    src = synthetic.source(SYNTHETIC_ID)
    m = casecard.missing_fields(src)
    where = set(m["where"])
    assert not any(w.startswith("phases.csv") or w.startswith("patients.csv") for w in where)
    assert "source.yaml: criteria.mas_classification" not in where
    assert {"source.yaml: criteria.refractory_definition", "source.yaml: criteria.response",
            "treatments.csv: dose"} <= where
    obs = m.loc[m["where"] == "observations.csv: measure"].iloc[0]
    assert obs["missing"] == "7 of 10 measures" and "Serum ferritin" not in obs["what"]
    topics = casecard.missing_topics(src)
    assert topics[0].startswith("some laboratory values (Aspartate aminotransferase")
    assert "dates or times" not in topics and "body weight" not in topics


def test_synthetic_reproduced_and_beside_wu(synthetic):
    src = synthetic.source(SYNTHETIC_ID)
    t = reproduction_table(src, synthetic)
    assert set(t["status"]) == {"reproduced"}, t.to_string()
    assert t.set_index("id").loc["m05", "method"] == "length of phases rux-start, rux-adjusted (exact)"
    side = casecard.compare_sources(synthetic, [WU, SYNTHETIC_ID]).set_index("aspect")
    assert side.loc["Follow-up", "Doe and Roe 2026"] == "180 days"
    assert side.loc["Ruxolitinib", "Doe and Roe 2026"] == "10 mg twice daily; for 90 days"


# --- nothing on a card is reported unless a row states it -------------------------------------------------


def _row_locators(src) -> set[str]:
    return {str(x) for name in ("measures", "patients", "treatments", "observations", "events", "phases")
            for x in src[name]["locator"].dropna()}


def test_every_reported_item_names_a_row_that_states_it(synthetic):
    for src in (synthetic.source(SYNTHETIC_ID),):
        card = casecard.case_card(src)
        located = _row_locators(src)
        for _, r in card[card["basis"] == "reported"].iterrows():
            assert r["locator"], f"{r['item']}: reported without a locator"
            assert set(r["locator"].split("; ")) <= located, f"{r['item']}: locator {r['locator']!r} is no row's"


def test_no_recurrence_only_when_a_row_states_it(tmp_path):
    """A follow-up row alone says nothing about relapse: the card must not print 'no recurrence'."""
    root = copy_repo(tmp_path)
    add_synthetic_case(root)
    path = root / "data" / "sources" / SYNTHETIC_ID / "measures.csv"
    path.write_text("".join(l for l in path.read_text(encoding="utf-8").splitlines(keepends=True)
                            if ",recurrence," not in l), encoding="utf-8")
    ev = root / "data" / "sources" / SYNTHETIC_ID / "events.csv"
    ev.write_text('patient_id,event,time,time_unit,origin,locator\nC1,last-follow-up,180,day,reported,"title"\n',
                  encoding="utf-8")
    c = card_dict(casecard.case_card(load_dataset(root).source(SYNTHETIC_ID)))
    assert c["Recurrence"] == ("not reported", "not reported")
    assert c["Survival"] == ("alive at last follow-up", "inferred")
    assert "no recurrence" not in " ".join(v for v, _ in c.values())
