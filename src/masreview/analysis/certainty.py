"""Certainty of the evidence (GRADE), as plain rules over what the dataset holds.

GRADE rates the certainty of a body of evidence per outcome. Evidence from randomised trials starts
at *high*; from non-randomised (observational) studies at *low*; uncontrolled case reports and case
series start at *very low* (Murad et al. 2018; GRADE guidance on non-randomised studies). It is then
rated down, one level per serious concern, never below *very low*:

* **risk of bias**: no concurrent control group (single-arm reports), or only historical controls;
* **imprecision**: fewer patients than :data:`OPTIMAL_INFORMATION_SIZE`, or a 95% interval wider
  than :data:`WIDE_INTERVAL` percentage points.

Nothing here is an effect estimate: the function takes the designs and counts and returns the level,
the reasons in plain words, and GRADE's standard sentence (Santesso et al. 2020, J Clin Epidemiol).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("very low", "low", "moderate", "high")

#: Total patients below which a proportion is imprecise (GRADE's optimal information size rule of thumb).
OPTIMAL_INFORMATION_SIZE = 300
#: A 95% interval wider than this (percentage points) is imprecise whatever the number of patients.
WIDE_INTERVAL = 30.0

#: Designs that are uncontrolled descriptions of treated patients (start at very low).
CASE_DESIGNS = frozenset({"case-report", "case-series", "conference-abstract"})
RANDOMISED_DESIGNS = frozenset({"randomised-trial", "rct"})


@dataclass(frozen=True)
class Certainty:
    level: str  # one of LEVELS
    reasons: list[str] = field(default_factory=list)  # why it is not high, in plain words
    start: str = "high"
    codes: list[str] = field(default_factory=list)  # per reason: "design", "bias" or "imprecision"

    @property
    def label(self) -> str:
        return f"{self.level} certainty"


def rate(designs, patients: int, *, historical_controls: bool = False, concurrent_controls: bool = False,
         ci_low: float | None = None, ci_high: float | None = None) -> Certainty:
    """GRADE level for one outcome from the designs of the included cohorts and their patients.

    ``designs``: design ids of the cohorts' primary reports (``masreview.data.vocab.DESIGNS``);
    ``patients``: patients assessed for the outcome, each counted once; ``ci_low``/``ci_high``: the
    95% interval in percent, when there is one.
    """
    designs = set(designs)
    reasons: list[str] = []
    codes: list[str] = []
    if not designs:
        return Certainty("very low", ["no included report"], "very low", ["design"])
    if designs <= RANDOMISED_DESIGNS:
        start = "high"
    elif designs & CASE_DESIGNS and not designs - CASE_DESIGNS:
        start = "very low"
        reasons.append("only case reports and case series (single-arm, no comparison group)")
        codes.append("design")
    else:
        start = "low"
        reasons.append("observational studies and case reports, no randomised controlled trial")
        codes.append("design")
    down = 0
    if not designs & RANDOMISED_DESIGNS:
        if concurrent_controls:
            pass
        elif historical_controls:
            reasons.append("any comparison is with historical controls, treated at another time")
            codes.append("bias")
            down += 1
        else:
            reasons.append("no control group: what would have happened without ruxolitinib is unknown")
            codes.append("bias")
            down += 1
    imprecise = []
    if patients < OPTIMAL_INFORMATION_SIZE:
        imprecise.append(f"few patients ({patients})")
    if ci_low is not None and ci_high is not None and ci_high - ci_low > WIDE_INTERVAL:
        imprecise.append(f"a wide 95% interval ({ci_high - ci_low:.0f} percentage points)")
    if imprecise:
        reasons.append(" and ".join(imprecise))
        codes.append("imprecision")
        down += 1
    level = LEVELS[max(0, LEVELS.index(start) - down)]
    return Certainty(level, reasons, start, codes)


def statement(c: Certainty, outcome: str, intervention: str = "ruxolitinib") -> str:
    """GRADE's standard wording (Santesso et al. 2020) for an outcome at certainty ``c``."""
    if c.level == "very low":
        return f"The evidence is very uncertain about the effect of {intervention} on {outcome}."
    verb = {"low": "may affect", "moderate": "probably affects", "high": "affects"}[c.level]
    return f"{intervention[:1].upper()}{intervention[1:]} {verb} {outcome} ({c.level}-certainty evidence)."


def for_dataset(ds) -> dict[str, Certainty]:
    """outcome -> :class:`Certainty` over the independent cohorts of ``ds`` (primary reports only)."""
    from masreview.analysis.pooling import pooled_results
    from masreview.analysis.synthesis import OUTCOMES, cohort_outcomes, cohorts_table

    ct = cohorts_table(ds)
    oc = cohort_outcomes(ds)
    pooled = pooled_results(oc) if len(ct) else {}
    out = {}
    for outcome in OUTCOMES:
        rows = oc[(oc["outcome"] == outcome) & oc["assessable"]] if len(oc) else oc
        primaries = [ds.source(s) for s in rows["primary_source"]] if len(rows) else []
        historical = any(_has_historical_controls(s) for s in primaries)
        low = high = None
        p = pooled.get(outcome)
        if p is not None and p.pooled:
            low, high = p.ci_low, p.ci_high
        elif len(rows) == 1:
            low, high = float(rows.iloc[0]["ci_low"]), float(rows.iloc[0]["ci_high"])
        out[outcome] = rate([s.record.design for s in primaries], int(rows["total"].sum()) if len(rows) else 0,
                            historical_controls=historical, ci_low=low, ci_high=high)
    return out


def _has_historical_controls(src) -> bool:
    for table in ("patients", "measures"):
        try:
            t = src[table]
        except (KeyError, LookupError):
            continue
        if len(t) and "group" in t.columns and (t["group"] == "historical-control").any():
            return True
    return False
