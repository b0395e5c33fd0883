"""GRADE certainty from designs and counts: start level, rating down, standard wording."""

from __future__ import annotations

from masreview.analysis import certainty as c


def test_case_series_start_very_low_and_stay_there():
    r = c.rate(["case-report", "case-series"], 12, ci_low=20, ci_high=80)
    assert r.start == "very low" and r.level == "very low"
    assert any("no control group" in x for x in r.reasons) and any("few patients (12)" in x for x in r.reasons)
    assert any("wide 95% interval (60" in x for x in r.reasons)


def test_observational_with_historical_controls_rated_down_twice():
    r = c.rate(["cohort", "case-report"], 21, historical_controls=True, ci_low=70, ci_high=99)
    assert r.start == "low" and r.level == "very low"
    assert any("historical controls" in x for x in r.reasons)


def test_randomised_large_and_precise_stays_high():
    r = c.rate(["randomised-trial"], 600, ci_low=40, ci_high=50)
    assert r.level == "high" and r.reasons == []
    assert c.statement(r, "survival") == "Ruxolitinib affects survival (high-certainty evidence)."


def test_randomised_imprecise_is_moderate():
    r = c.rate(["randomised-trial"], 80, ci_low=40, ci_high=50)
    assert r.level == "moderate" and r.reasons == ["few patients (80)"]


def test_concurrent_controls_are_not_rated_down_for_bias():
    r = c.rate(["cohort"], 1000, concurrent_controls=True, ci_low=40, ci_high=50)
    assert r.level == "low" and len(r.reasons) == 1


def test_no_reports_is_very_low():
    assert c.rate([], 0).level == "very low"


def test_very_low_uses_grade_standard_phrase():
    r = c.rate(["case-series"], 5)
    assert c.statement(r, "survival") == "The evidence is very uncertain about the effect of ruxolitinib on survival."


def test_repository_dataset_is_rated_per_outcome():
    from masreview.analysis.sof import certainty_by_outcome
    from masreview.data import vocab
    from masreview.data.loading import load_dataset

    rated = certainty_by_outcome(load_dataset())
    assert set(rated) == set(vocab.SOF_OUTCOMES)
    for r in rated.values():
        assert r.level in c.LEVELS and r.reasons


def test_key_messages_are_plain_sentences_from_the_dataset():
    from masreview.data.loading import load_dataset
    from masreview.present.keymessages import key_messages

    km = key_messages(load_dataset())
    assert km["certainty"].startswith("The evidence is very uncertain about the effect of ruxolitinib on")
    assert "risk of bias: " in km["certainty_why"] and "small numbers" in km["certainty_why"]
    assert "95% interval" in km["survival"] and "independent group" in km["evidence"]
    assert km["last_update"][:2] == "20"
    # each reason once: on the reports these tests know, the outcomes share the appraisal items and survival
    # adds the comparison with controls, so one risk-of-bias reason says both
    from _synthesis_fixture import known

    why = key_messages(known())["certainty_why"]
    assert why.count("risk of bias: ") == 1 and "(ROBINS-I serious)" in why, why


def test_a_reason_is_given_once_and_the_fuller_wording_wins():
    from masreview.present.keymessages import _add_reason

    reasons: list[str] = []
    for r in ("risk of bias: selection: unclear", "indirectness: only adults",
              "risk of bias: selection: unclear; confounding (ROBINS-I serious)", "indirectness: only adults",
              "risk of bias: selection: unclear"):
        _add_reason(reasons, r)
    assert reasons == ["risk of bias: selection: unclear; confounding (ROBINS-I serious)", "indirectness: only adults"]


def test_a_reason_that_concerns_some_outcomes_names_them():
    from masreview.present.keymessages import _for_which

    reasons = ["risk of bias: selection unclear", "indirectness: only adults", "publication bias: case reports"]
    outcomes_of = {0: ["response", "survival"], 1: ["response"], 2: ["survival", "survival"]}
    assert _for_which(reasons, outcomes_of, ["response", "survival"]) == [
        "risk of bias: selection unclear", "indirectness: only adults (for response)",
        "publication bias: case reports (for survival)"]


def test_key_messages_give_harms_and_what_the_evidence_rests_on():
    """On the reports these tests know: Li et al. print 4 of 20 with a serious infection or CMV; the exact
    95% interval of 4/20 is 5.7 to 43.7 (scipy.stats.beta quantiles, computed apart); all three were read
    as abstracts; none awaits classification among them."""
    from _synthesis_fixture import known
    from masreview.present.keymessages import key_messages

    km = key_messages(known())
    assert km["harms"].startswith("4 of 20 treated patients (20%; 95% interval 6 to 44) had a serious infection")
    assert km["reading"] == ("All 3 included reports were read as abstracts only, so doses, harms and follow-up "
                             "may be missing. The reports are those the review team found, not the result of a "
                             "database search.")
