"""The pooling rules of the synthesis: a case report is never pooled with a cohort; two cohorts are pooled
by the GLMM, which matches R's metafor (rma.glmm) on the same data."""

import os
import shutil
import subprocess

import pandas as pd
import pytest

from masreview.analysis import pooling
from masreview.analysis.stats import proportion_ci
from masreview.present import synthesis as views


def outcome_rows(cohorts):
    """cohort_outcomes-like rows: (cohort_id, design, treated, events, total) per cohort, one outcome each."""
    rows = []
    for cid, design, treated, events, total in cohorts:
        ci = proportion_ci(events, total)
        for outcome in pooling.OUTCOMES:
            rows.append(dict(cohort_id=cid, cohort=cid, primary_source=cid, population="adult", diseases=[],
                             outcome=outcome, events=events, total=total, assessable=True,
                             percent=100 * ci.estimate, ci_low=100 * ci.low, ci_high=100 * ci.high,
                             timepoint="", basis="reported measures", reason="", design=design,
                             treated=treated, follow_up="not stated", implied=""))
    df = pd.DataFrame(rows)
    for col in ("events", "total"):
        df[col] = df[col].astype("Int64")
    return df


def test_cohort_and_case_report_are_not_pooled():
    oc = outcome_rows([("cohort-a", "cohort", 20, 19, 20), ("case-b", "case-report", 1, 1, 1)])
    for outcome, p in pooling.pooled_results(oc).items():
        assert not p.pooled and p.k == 1 and p.series == ("cohort-a",) and p.case_reports == ("case-b",)
        assert p.percent is None and p.tau2 is None and p.note == "not pooled: only one cohort or series"
    table = views.pooled_table(oc, pooling.pooled_results(oc))
    cell = table.iloc[0]["GLMM % (95% CI)"]
    assert cell.startswith("not pooled: only one cohort or series; 19/20 = 95.0% (exact 95% CI 75.1 to 99.9)")
    assert table.iloc[0]["Case reports (never pooled)"] == "case report case-b: 1/1, listed apart, not pooled"
    cases = views.case_report_table(oc)
    assert list(cases["Case report"]) == ["case-b"]


def test_one_treated_patient_is_a_case_report_whatever_the_design():
    oc = outcome_rows([("cohort-a", "cohort", 20, 19, 20), ("tiny", "case-series", 1, 1, 1)])
    assert pooling.pooled_results(oc)["survival"].case_reports == ("tiny",)


def test_two_case_reports_are_not_pooled_either():
    oc = outcome_rows([("case-a", "case-report", 1, 1, 1), ("case-b", "case-report", 1, 0, 1)])
    p = pooling.pooled_results(oc)["survival"]
    assert not p.pooled and p.k == 0 and p.case_reports == ("case-a", "case-b")


R_GLMM = r"""
suppressPackageStartupMessages(library(metafor))
a <- commandArgs(trailingOnly = TRUE)
xi <- as.numeric(strsplit(a[1], ";")[[1]]); ni <- as.numeric(strsplit(a[2], ";")[[1]])
g <- rma.glmm(measure = "PLO", xi = xi, ni = ni, method = "ML")
p <- predict(g, transf = transf.ilogit)
dl <- predict(rma(yi, vi, data = escalc(measure = "PLO", xi = xi, ni = ni), method = "DL"), transf = transf.ilogit)
cat(sprintf("%.17g", c(p$pred, p$ci.lb, p$ci.ub, dl$pred, dl$ci.lb, dl$ci.ub)), sep = "\n")
"""


def metafor(events, totals, tmp_path):
    if os.environ.get("MASREVIEW_NO_R") == "1":
        pytest.skip("MASREVIEW_NO_R=1: R oracle skipped on request")
    if shutil.which("Rscript") is None:
        pytest.fail("Rscript not found: run `make r-oracle`, or set MASREVIEW_NO_R=1")
    script = tmp_path / "glmm.R"
    script.write_text(R_GLMM)
    res = subprocess.run(["Rscript", "--vanilla", str(script), ";".join(map(str, events)),
                          ";".join(map(str, totals))], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return [100 * float(v) for v in res.stdout.split()]


def test_two_cohorts_are_pooled_by_glmm_matching_metafor(tmp_path):
    oc = outcome_rows([("cohort-a", "cohort", 20, 19, 20), ("cohort-b", "case-series", 20, 16, 20)])
    p = pooling.pooled_results(oc)["survival"]
    assert p.pooled and p.k == 2 and p.method == "GLMM (ML)" and not p.case_reports
    assert p.tau2 is None and p.i2 is None and p.pi_low is None  # k = 2: not estimable
    r = metafor([19, 16], [20, 20], tmp_path)
    assert (p.percent, p.ci_low, p.ci_high) == pytest.approx(tuple(r[:3]), abs=0.1)  # 1e-3 on the proportion
    assert (p.dl_percent, p.dl_ci_low, p.dl_ci_high) == pytest.approx(tuple(r[3:]), abs=1e-4)
    text = views.pooled_table(oc, pooling.pooled_results(oc)).iloc[0]
    assert text["tau\u00b2"] == "not estimable (k = 2)" and text["I\u00b2 (%)"] == "not estimable (k = 2)"
