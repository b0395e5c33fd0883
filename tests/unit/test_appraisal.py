"""Appraisal as data: appraisal.csv is validated, required and complete; risk of bias, the summary of
findings and the practical table are computed from it (synthetic fixtures only)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from _appraisal_fixture import appraisal_csv
from masreview.analysis import appraisal as rob, certainty, sof
from masreview.analysis.practical import practical_rows
from masreview.book.contribute import new_source
from masreview.data import paths, vocab
from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError
from masreview.present import appraisal as bottom

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"
SOURCE = "doe-2024-example"


@pytest.fixture
def root(tmp_path) -> Path:
    r = tmp_path / "repo"
    shutil.copytree(VALID, r)
    return r


def _appraisal(root: Path) -> Path:
    return root / "data" / "sources" / SOURCE / "appraisal.csv"


def _messages(root: Path) -> str:
    with pytest.raises(DataValidationError) as e:
        load_dataset(root)
    return str(e.value)


def test_fixture_loads_with_every_murad_question(root):
    ap = load_dataset(root).source(SOURCE)["appraisal"]
    assert list(ap["item"]) == list(vocab.MURAD_ITEMS) and set(ap["judgement"]) == {"yes"}


def test_missing_file_is_refused_for_an_included_report(root):
    _appraisal(root).unlink()
    assert "appraisal.csv: is missing" in _messages(root)


def test_a_question_left_out_is_named(root):
    lines = _appraisal(root).read_text().splitlines()
    _appraisal(root).write_text("\n".join(line for line in lines if ",dose-response," not in line) + "\n")
    assert "murad-2018 leaves out dose-response" in _messages(root)


def test_a_judgement_off_the_tool_scale_is_refused(root):
    _appraisal(root).write_text(appraisal_csv({"selection": "serious"}))
    assert "'serious' is not on the scale of murad-2018" in _messages(root)


def test_a_comparison_with_controls_needs_robins_i(root):
    m = root / "data" / "sources" / SOURCE / "measures.csv"
    m.write_text(m.read_text().rstrip("\n") + "\nm99,survival,historical-control,,overall,50,1,2,percent,0,,"
                 "\"abstract, sentence 9\"\n")
    assert "has no robins-i rows" in _messages(root)
    _appraisal(root).write_text(appraisal_csv(robins={}))
    load_dataset(root)


def test_murad_rule_counts_key_concerns():
    import pandas as pd

    def judged(answers):
        rows = [{"tool": "murad-2018", "item": i, "outcome": None, "judgement": answers.get(i, "yes")}
                for i in vocab.MURAD_ITEMS]
        return rob.report_judgement(pd.DataFrame(rows), "survival").level

    assert judged({}) == "not serious"
    assert judged({"dose-response": "no"}) == "not serious"  # not a key question
    assert judged({"selection": "unclear"}) == "serious"
    assert judged({"selection": "unclear", "outcome": "no", "exposure": "unclear"}) == "very serious"


def test_robins_overall_is_the_worst_domain():
    import pandas as pd

    rows = [{"tool": "robins-i", "item": d, "outcome": "survival", "judgement": "low"} for d in vocab.ROBINS_I_DOMAINS]
    rows[0]["judgement"] = "critical"
    assert rob.robins_overall(pd.DataFrame(rows), "survival") == "critical"
    assert rob.report_judgement(pd.DataFrame(rows), "survival").level == "very serious"
    assert rob.robins_overall(pd.DataFrame(rows), "overall-response") is None


def test_rating_down_for_risk_of_bias_moves_the_level():
    kw = dict(ci_low=40, ci_high=50, concurrent_controls=True)
    assert certainty.rate(["cohort"], 400, risk_of_bias=("not serious", ""), **kw).level == "low"
    c = certainty.rate(["cohort"], 400, risk_of_bias=("serious", "selection unclear"), **kw)
    assert c.level == "very low" and c.domains["risk of bias"] == ("serious", "selection unclear")


def test_changing_one_appraisal_answer_changes_the_summary_of_findings(root):
    def survival(ds):
        return next(r for r in sof.summary_of_findings(ds) if r.outcome == "survival")

    ds = load_dataset(root)
    before = survival(ds)
    assert before.certainty.domains["risk of bias"][0] == "not serious"
    html_before = bottom.sof_table(ds, sof.summary_of_findings(ds)).markup

    _appraisal(root).write_text(appraisal_csv({"alternative-causes": "no"}))
    ds = load_dataset(root)
    after = survival(ds)
    judgement, reason = after.certainty.domains["risk of bias"]
    assert judgement == "serious" and "other explanations of the improvement (such as the other treatments given) not ruled out" in reason
    assert "risk of bias" in " ".join(after.certainty.reasons)
    assert bottom.sof_table(ds, sof.summary_of_findings(ds)).markup != html_before
    assert "\u2212 No" in bottom.traffic_light_table(ds).markup


def test_every_outcome_has_a_row_and_a_grade_sentence(root):
    rows = sof.summary_of_findings(load_dataset(root))
    assert [r.outcome for r in rows] == list(vocab.SOF_OUTCOMES)
    for r in rows:
        assert set(r.certainty.domains) == set(certainty.DOMAIN_CODES)
        assert r.statement.startswith("The evidence is very uncertain") or "certainty evidence" in r.statement


def test_practical_cells_follow_what_was_read(root):
    rec = root / "data" / "sources" / SOURCE / "source.yaml"
    text = rec.read_text()
    rec.write_text(text.replace("  from_text: synthetic\n", "  from_text: synthetic\n  read_extent: abstract\n"))
    row = practical_rows(load_dataset(root))[0]
    assert row["Infection monitoring and prophylaxis"] == vocab.NOT_IN_WHAT_WAS_READ
    rec.write_text(text.replace("  from_text: synthetic\n", "  from_text: synthetic\n  read_extent: full-text\n"))
    row = practical_rows(load_dataset(root))[0]
    assert row["Infection monitoring and prophylaxis"] == vocab.NOT_REPORTED
    assert row["Dose and schedule"] not in (vocab.NOT_REPORTED, vocab.NOT_IN_WHAT_WAS_READ)


def test_new_source_writes_an_appraisal_template(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("_toc.yml", "references.bib"):
        shutil.copy(paths.repo_root() / name, repo / name)
    shutil.copytree(paths.repo_root() / "data", repo / "data")
    (repo / "chapters").mkdir()
    new_source(repo, "roe-2027-example", "case-series")
    text = (repo / "data/sources/roe-2027-example/appraisal.csv").read_text()
    rows = [line for line in text.splitlines() if line.startswith("murad-2018,")]
    assert [r.split(",")[1] for r in rows] == list(vocab.MURAD_ITEMS)
    assert "## Appraisal" in (repo / "chapters/roe-2027-example.md").read_text()
