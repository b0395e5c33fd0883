"""The summary of findings: per outcome, the evidence behind it, the estimate under the pooling rules and
the GRADE certainty with every domain computed from the data (no HTML).

Outcomes (:data:`masreview.data.vocab.SOF_OUTCOMES`): overall and complete response and survival as the
synthesis counts them (:func:`masreview.analysis.synthesis.cohort_outcomes`); serious infections or CMV
and glucocorticoid sparing from each cohort's primary report (:func:`infection_rows`,
:func:`glucocorticoid_rows`). Proportions follow the pooling rules (:mod:`masreview.analysis.pooling`):
pooled from two series or cohorts, else the single series' own estimate, case reports apart. A median
glucocorticoid dose is never pooled (no spread is reported to weigh it).

The GRADE domains (:data:`GRADE_RULES`): risk of bias from the appraisals
(:mod:`masreview.analysis.appraisal`); inconsistency from I\u00b2 or non-overlapping intervals;
indirectness from the populations covered and surrogate outcomes; imprecision in
:func:`masreview.analysis.certainty.rate`; publication bias from the designs contributing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from masreview.analysis import appraisal, certainty
from masreview.analysis.pooling import Pooled, pool_proportions, pooled_results, split_case_reports
from masreview.analysis.stats import proportion_ci
from masreview.analysis.synthesis import cohort_outcomes, cohort_reports, cohorts_table
from masreview.data import vocab
from masreview.data.select import TREATED

INFECTION_EVENTS = ("cmv-infection", "infection")
I2_SERIOUS = 50.0  # I2 (%) from which inconsistency is serious (GRADE: substantial heterogeneity)
POPULATIONS_ASKED = ("adult", "paediatric")  # the review question covers patients of any age
SURROGATE = {"glucocorticoid-sparing": "the glucocorticoid dose stands in for glucocorticoid toxicity"}

GRADE_RULES = (
    ("Risk of bias", "from the appraisal of each contributing cohort's primary report (rules above)."),
    ("Inconsistency", f"serious when I\u00b2 is {I2_SERIOUS:.0f}% or more (from 3 series), or when the exact 95% "
     "intervals of two series do not overlap; not assessable with one series (not rated down)."),
    ("Indirectness", "serious when the cohorts cover only adults or only children (the question covers any "
     "age), or when the outcome is a surrogate (a median glucocorticoid dose)."),
    ("Imprecision", f"serious with fewer than {certainty.OPTIMAL_INFORMATION_SIZE} patients or a 95% interval "
     f"wider than {certainty.WIDE_INTERVAL:.0f} percentage points."),
    ("Publication bias", "serious when a single-patient case report contributes (favourable single cases "
     "are the ones published); otherwise undetected (fewer than 10 cohorts: it cannot be tested)."),
)


@dataclass(frozen=True)
class SofRow:
    outcome: str
    label: str
    rows: pd.DataFrame  # assessable cohort rows (cohort_outcomes columns; glucocorticoids: their own)
    reports: list[str]  # every included report of the contributing cohorts
    cohorts: list[str]
    patients: int
    pooled: Pooled | None  # proportions only
    certainty: certainty.Certainty
    statement: str
    kind: str = "proportion"  # or "median"
    extra: dict = field(default_factory=dict)


def infection_rows(ds) -> pd.DataFrame:
    """Per cohort, treated patients with a reported infection (CMV or other) over treated patients; a
    cohort whose primary report says nothing of infections is not assessable."""
    rows = []
    for c in cohorts_table(ds).itertuples():
        src = ds.source(c.primary_source)
        ev = src["events"]
        m = src["measures"]
        m = m[(m["measure"] == "adverse-event") & (m["group"] == TREATED) & m["category"].isin(INFECTION_EVENTS)]
        treated = src["patients"][src["patients"]["group"] == TREATED]
        hit = ev[ev["event"].isin(INFECTION_EVENTS) & ev["patient_id"].isin(treated["patient_id"])]
        events = total = None
        if len(hit) and len(treated):
            events, total, basis = hit["patient_id"].nunique(), len(treated), "patient rows"
        elif len(m) and m["denominator"].notna().any():
            best = m.loc[m["numerator"].astype(float).idxmax()]
            events, total, basis = int(best["numerator"]), int(best["denominator"]), "reported measures"
        ok = events is not None
        ci = proportion_ci(events, total) if ok else None
        rows.append({"cohort_id": c.cohort_id, "primary_source": c.primary_source, "outcome": "infection",
                     "events": events, "total": total, "assessable": ok, "design": c.design, "treated": c.treated,
                     "population": c.population, "percent": 100 * ci.estimate if ok else None,
                     "ci_low": 100 * ci.low if ok else None, "ci_high": 100 * ci.high if ok else None,
                     "basis": basis if ok else "", "timepoint": "overall" if ok else "",
                     "reason": "" if ok else "infections not reported"})
    return pd.DataFrame(rows)


def glucocorticoid_rows(ds) -> pd.DataFrame:
    """Per cohort, the glucocorticoid dose at baseline and at the latest timepoint the primary report gives
    (medians as printed), or a taper it describes without doses."""
    rows = []
    for c in cohorts_table(ds).itertuples():
        src = ds.source(c.primary_source)
        m = src["measures"]
        m = m[(m["measure"] == "glucocorticoid-dose") & (m["group"] == TREATED)].copy()
        m["weeks"] = m["timepoint"].map(vocab.timepoint_weeks)
        m = m[m["weeks"].notna() & m["value"].notna()]
        tr = src["treatments"]
        taper = tr[(tr["role"] == "taper")]
        row = {"cohort_id": c.cohort_id, "primary_source": c.primary_source, "design": c.design,
               "treated": c.treated, "population": c.population, "assessable": False, "baseline": None,
               "later": None, "unit": "", "timepoint": "", "taper_only": False, "locator": ""}
        if len(m) >= 2 and m["weeks"].min() == 0:
            first, last = m.loc[m["weeks"].idxmin()], m.loc[m["weeks"].idxmax()]
            row.update(assessable=True, baseline=float(first["value"]), later=float(last["value"]),
                       unit=first["unit"], timepoint=last["timepoint"].replace("-", " "),
                       locator="; ".join(dict.fromkeys([first["locator"], last["locator"]])))
        elif len(taper):
            row.update(assessable=True, taper_only=True, locator="; ".join(dict.fromkeys(taper["locator"])))
        rows.append(row)
    return pd.DataFrame(rows)


def _inconsistency(series: pd.DataFrame, p: Pooled | None) -> tuple[str, str]:
    if p is not None and p.heterogeneity_estimable and p.i2 is not None and p.i2 >= I2_SERIOUS:
        return "serious", f"heterogeneity across series (I\u00b2 {p.i2:.0f}%)"
    if len(series) >= 2 and {"ci_low", "ci_high"} <= set(series.columns):
        lows, highs = series["ci_low"].astype(float), series["ci_high"].astype(float)
        if lows.max() > highs.min():
            return "serious", "the 95% intervals of the series do not overlap"
    return "not serious", ""


def _indirectness(outcome: str, rows: pd.DataFrame) -> tuple[str, str]:
    reasons = []
    pops = set(rows["population"]) if len(rows) else set()
    if pops and "mixed" not in pops and not set(POPULATIONS_ASKED) <= pops:
        only = " and ".join(vocab.POPULATIONS[p].lower() for p in sorted(pops))
        reasons.append(f"only {only}, while the question covers any age")
    if outcome in SURROGATE:
        reasons.append(SURROGATE[outcome])
    return ("serious", "; ".join(reasons)) if reasons else ("not serious", "")


def _publication_bias(rows: pd.DataFrame) -> tuple[str, str]:
    _, cases = split_case_reports(rows) if len(rows) else (rows, rows)
    if len(cases):
        return "serious", "single-patient case reports contribute, and favourable cases are the ones published"
    return "not serious", ""


def _rate(ds, outcome: str, rows: pd.DataFrame, p: Pooled | None, low=None, high=None) -> certainty.Certainty:
    series, _ = split_case_reports(rows) if len(rows) else (rows, rows)
    primaries = list(rows["primary_source"]) if len(rows) else []
    rob = appraisal.outcome_judgement(ds, primaries, outcome)
    return certainty.rate([ds.source(s).record.design for s in primaries],
                          int(rows["total"].sum()) if len(rows) and "total" in rows else
                          int(rows["treated"].fillna(0).sum()) if len(rows) else 0,
                          ci_low=low, ci_high=high,
                          risk_of_bias=(rob.level, "; ".join(rob.concerns) or "a report not appraised"),
                          inconsistency=_inconsistency(series, p), indirectness=_indirectness(outcome, rows),
                          publication_bias=_publication_bias(rows))


def _interval(rows: pd.DataFrame, p: Pooled | None):
    series, _ = split_case_reports(rows) if len(rows) else (rows, rows)
    if p is not None and p.pooled:
        return p.ci_low, p.ci_high
    if len(series) == 1:
        return float(series.iloc[0]["ci_low"]), float(series.iloc[0]["ci_high"])
    return None, None


def _row(ds, outcome: str, rows: pd.DataFrame, p: Pooled | None, kind: str = "proportion") -> SofRow:
    members = cohort_reports(ds)
    cohorts = list(dict.fromkeys(rows["cohort_id"])) if len(rows) else []
    low, high = _interval(rows, p) if kind == "proportion" else (None, None)
    c = _rate(ds, outcome, rows, p, low, high)
    rob = appraisal.outcome_judgement(ds, list(rows["primary_source"]) if len(rows) else [], outcome)
    total = (int(rows["total"].sum()) if kind == "proportion" else int(rows["treated"].fillna(0).sum())) \
        if len(rows) else 0
    phrase = vocab.SOF_OUTCOMES[outcome].split(" (")[0].lower()
    return SofRow(outcome, vocab.SOF_OUTCOMES[outcome], rows,
                  [s.id for cid in cohorts for s in members.get(cid, [])], cohorts, total, p, c,
                  certainty.statement(c, phrase), kind, {"bias_details": rob.reasons})


def summary_of_findings(ds) -> list[SofRow]:
    """One :class:`SofRow` per outcome of :data:`masreview.data.vocab.SOF_OUTCOMES`, in that order."""
    oc = cohort_outcomes(ds)
    pooled = pooled_results(oc) if len(oc) else {}
    out = []
    for outcome in ("overall-response", "complete-response", "survival"):
        rows = oc[(oc["outcome"] == outcome) & oc["assessable"]] if len(oc) else oc
        out.append(_row(ds, outcome, rows, pooled.get(outcome)))
    inf = infection_rows(ds)
    inf = inf[inf["assessable"]] if len(inf) else inf
    series, cases = split_case_reports(inf) if len(inf) else (inf, inf)
    p = pool_proportions(series["events"].astype(int), series["total"].astype(int), series["cohort_id"],
                         "infection", tuple(cases["cohort_id"])) if len(inf) else None
    out.append(_row(ds, "infection", inf, p))
    gc = glucocorticoid_rows(ds)
    gc = gc[gc["assessable"]] if len(gc) else gc
    out.append(_row(ds, "glucocorticoid-sparing", gc, None, kind="median"))
    return out


def certainty_by_outcome(ds) -> dict[str, certainty.Certainty]:
    """outcome -> :class:`~masreview.analysis.certainty.Certainty`, every GRADE domain computed from the data."""
    return {row.outcome: row.certainty for row in summary_of_findings(ds)}
