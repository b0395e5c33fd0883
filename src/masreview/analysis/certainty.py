"""Certainty of the evidence (GRADE), as plain rules over what the dataset holds.

GRADE rates the certainty of a body of evidence per outcome. Evidence from randomised trials starts
at *high*; from non-randomised (observational) studies at *low*; uncontrolled case reports and case
series start at *very low* (Murad et al. 2018; GRADE guidance on non-randomised studies). It is then
rated down, one level per serious concern, never below *very low*:

* **risk of bias**: read from the appraisals of the reports (``appraisal.csv``, rules in
  :mod:`masreview.analysis.appraisal`) when given (``risk_of_bias``); otherwise no concurrent control
  group (single-arm reports), or only historical controls;
* **inconsistency**, **indirectness**, **publication bias**: judgements computed by the caller
  (:mod:`masreview.analysis.sof`), each *not serious*, *serious* or *very serious* with its reason;
* **imprecision**: fewer patients than :data:`OPTIMAL_INFORMATION_SIZE`, or a 95% interval wider
  than :data:`WIDE_INTERVAL` percentage points.

The rating of the dataset's outcomes, every domain computed from the data, is
:func:`masreview.analysis.sof.summary_of_findings`. Nothing here is an effect estimate: the function takes the designs and counts and returns the level,
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
    codes: list[str] = field(default_factory=list)  # per reason: "design", "bias", "imprecision", ... (DOMAIN_CODES)
    domains: dict = field(default_factory=dict)  # GRADE domain -> (judgement, reason or "")

    @property
    def label(self) -> str:
        return f"{self.level} certainty"


#: The five GRADE domains for rating down, with the code each reason carries.
DOMAIN_CODES = {"risk of bias": "bias", "inconsistency": "inconsistency", "indirectness": "indirectness",
                "imprecision": "imprecision", "publication bias": "publication-bias"}
#: Levels of concern in a domain and how many levels each rates down.
STEPS = {"not serious": 0, "serious": 1, "very serious": 2}


def rate(designs, patients: int, *, historical_controls: bool = False, concurrent_controls: bool = False,
         ci_low: float | None = None, ci_high: float | None = None, risk_of_bias: tuple | None = None,
         inconsistency: tuple | None = None, indirectness: tuple | None = None,
         publication_bias: tuple | None = None) -> Certainty:
    """GRADE level for one outcome from the designs of the included cohorts and their patients.

    ``designs``: design ids of the cohorts' primary reports (``masreview.data.vocab.DESIGNS``);
    ``patients``: patients assessed for the outcome, each counted once; ``ci_low``/``ci_high``: the
    95% interval in percent, when there is one. ``risk_of_bias``, ``inconsistency``, ``indirectness``,
    ``publication_bias``: (judgement, reason) with judgement a key of :data:`STEPS`; a given risk of bias
    replaces the rule on control groups.
    """
    designs = set(designs)
    reasons: list[str] = []
    codes: list[str] = []
    if not designs:
        return Certainty("very low", ["no included report"], "very low", ["design"],
                         {d: ("not assessable", "no included report") for d in DOMAIN_CODES})
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
    domains: dict = {}
    if risk_of_bias is not None:
        down += _judged("risk of bias", risk_of_bias, reasons, codes, domains)
    elif not designs & RANDOMISED_DESIGNS:
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
    if risk_of_bias is None:
        domains["risk of bias"] = ("serious", reasons[-1]) if "bias" in codes else ("not serious", "")
    for name, given in (("inconsistency", inconsistency), ("indirectness", indirectness)):
        if given is not None:
            down += _judged(name, given, reasons, codes, domains)
    imprecise = []
    if patients < OPTIMAL_INFORMATION_SIZE:
        imprecise.append(f"few patients ({patients})")
    if ci_low is not None and ci_high is not None and ci_high - ci_low > WIDE_INTERVAL:
        imprecise.append(f"a wide 95% interval ({ci_high - ci_low:.0f} percentage points)")
    if imprecise:
        reasons.append(" and ".join(imprecise))
        codes.append("imprecision")
        down += 1
    domains["imprecision"] = ("serious", reasons[-1]) if imprecise else ("not serious", "")
    if publication_bias is not None:
        down += _judged("publication bias", publication_bias, reasons, codes, domains)
    level = LEVELS[max(0, LEVELS.index(start) - down)]
    return Certainty(level, reasons, start, codes, domains)


def _judged(name: str, given: tuple, reasons: list, codes: list, domains: dict) -> int:
    """Record a domain judged by the caller; the number of levels it rates down."""
    judgement, reason = given
    if judgement not in STEPS:
        raise ValueError(f"{name}: judgement must be one of {', '.join(STEPS)}; got '{judgement}'")
    domains[name] = (judgement, reason if STEPS[judgement] else "")
    if STEPS[judgement]:
        reasons.append(f"{name}: {reason}")
        codes.append(DOMAIN_CODES[name])
    return STEPS[judgement]


def statement(c: Certainty, outcome: str, intervention: str = "ruxolitinib") -> str:
    """GRADE's standard wording (Santesso et al. 2020) for an outcome at certainty ``c``."""
    if c.level == "very low":
        return f"The evidence is very uncertain about the effect of {intervention} on {outcome}."
    verb = {"low": "may affect", "moderate": "probably affects", "high": "affects"}[c.level]
    return f"{intervention[:1].upper()}{intervention[1:]} {verb} {outcome} ({c.level}-certainty evidence)."
