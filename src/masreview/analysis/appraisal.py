"""Risk of bias from the appraisals (``appraisal.csv``), by rules declared once (no HTML).

The rules (:data:`RISK_OF_BIAS_RULES`, shown on the synthesis page) turn the judgements of each report
into GRADE's risk-of-bias judgement for an outcome (*not serious*, *serious*, *very serious*):

* **Murad et al. 2018** (every report): the four questions on which a causal reading of a case or series
  rests most (:data:`KEY_ITEMS`: selection, ascertainment of exposure and of outcome, alternative causes
  ruled out) are *concerns* when answered no or unclear. None: not serious; one or two: serious; three or
  four: very serious. The other questions are shown, not counted.
* **ROBINS-I** (a comparison with controls, per result): the overall judgement is the worst domain
  (ROBINS-I guidance; *no information* ranks between serious and moderate). Low or moderate: not serious;
  serious or no information: serious; critical: very serious.
* A **cohort** is judged from its primary report (the report whose numbers represent it); for an outcome,
  the worst of its Murad judgement and its ROBINS-I judgement of that outcome, when there is one.
* An **outcome** across cohorts takes the worst judgement of the cohorts contributing to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from masreview.data import vocab
from masreview.data.appraisal import CASE_TOOL, COMPARISON_TOOL

LEVELS = ("not serious", "serious", "very serious")
KEY_ITEMS = ("selection", "exposure", "outcome", "alternative-causes")
CONCERNS = frozenset({"no", "unclear"})
ROBINS_ORDER = ("low", "moderate", "no-information", "serious", "critical")
ROBINS_TO_GRADE = {"low": "not serious", "moderate": "not serious", "no-information": "serious",
                   "serious": "serious", "critical": "very serious"}

RISK_OF_BIAS_RULES = (
    ("Case reports and series (Murad et al. 2018)",
     "a key question (" + ", ".join(KEY_ITEMS) + ") answered no or unclear is a concern; none: not serious; "
     "one or two: serious; three or four: very serious."),
    ("Comparison with controls (ROBINS-I)",
     "overall judgement = the worst domain; low or moderate: not serious; serious or no information: serious; "
     "critical: very serious."),
    ("Per outcome",
     "each cohort is judged from its primary report (the worse of Murad and, for the outcome compared, "
     "ROBINS-I); an outcome takes the worst judgement among the cohorts that contribute to it."),
)


@dataclass(frozen=True)
class Judgement:
    level: str  # one of LEVELS
    reasons: list[str] = field(default_factory=list)  # per report: its concerns
    concerns: list[str] = field(default_factory=list)  # the concerns in short, each once (for key messages)


def _worst(*levels: str) -> str:
    return max(levels, key=LEVELS.index) if levels else "not serious"


def murad_judgement(ap: pd.DataFrame) -> Judgement | None:
    """GRADE risk-of-bias level from one report's Murad answers (None when it has none)."""
    rows = ap[ap["tool"] == CASE_TOOL]
    if not len(rows):
        return None
    answers = dict(zip(rows["item"], rows["judgement"]))
    concerns = [i for i in KEY_ITEMS if answers.get(i) in CONCERNS]
    level = LEVELS[0] if not concerns else LEVELS[1] if len(concerns) <= 2 else LEVELS[2]
    reasons = [vocab.MURAD_CONCERNS[i][answers[i]] for i in concerns]
    return Judgement(level, reasons, list(reasons))


def robins_overall(ap: pd.DataFrame, outcome: str) -> str | None:
    """ROBINS-I overall judgement (worst domain) of one outcome of one report (None when not appraised)."""
    rows = ap[(ap["tool"] == COMPARISON_TOOL) & (ap["outcome"] == outcome)]
    if not len(rows):
        return None
    return max(rows["judgement"], key=ROBINS_ORDER.index)


def report_judgement(ap: pd.DataFrame, outcome: str, source_id: str = "") -> Judgement:
    """GRADE risk-of-bias level of one report for one outcome (Murad, and ROBINS-I for that outcome)."""
    m = murad_judgement(ap)
    r = robins_overall(ap, outcome)
    levels, reasons, short = [], [], []
    who = f"{source_id}: " if source_id else ""
    if m is not None:
        levels.append(m.level)
        if m.reasons:
            reasons.append(who + "Murad " + ", ".join(m.reasons))
            short += m.concerns
    if r is not None:
        levels.append(ROBINS_TO_GRADE[r])
        if ROBINS_TO_GRADE[r] != "not serious":
            worst = [vocab.ROBINS_I_DOMAINS[i][1].lower() for i, j in
                     zip(ap["item"], ap["judgement"]) if j == r and i in vocab.ROBINS_I_DOMAINS]
            reasons.append(who + f"ROBINS-I {vocab.ROBINS_I_JUDGEMENTS[r].lower()} (" + "; ".join(
                dict.fromkeys(worst)) + ")")
            short.append(f"{', '.join(dict.fromkeys(worst))} in the comparison with controls (ROBINS-I "
                         f"{vocab.ROBINS_I_JUDGEMENTS[r].lower()})")
    if not levels:
        return Judgement("serious", [who + "not appraised"], ["a report not appraised"])
    return Judgement(_worst(*levels), reasons, short)


def outcome_judgement(ds, source_ids, outcome: str) -> Judgement:
    """The worst report judgement among the primary reports ``source_ids`` contributing to ``outcome``."""
    judged = [report_judgement(ds.source(s)["appraisal"], outcome, s) for s in dict.fromkeys(source_ids)]
    if not judged:
        return Judgement("not serious", [])
    level = _worst(*(j.level for j in judged))
    return Judgement(level, [r for j in judged for r in j.reasons],
                     list(dict.fromkeys(c for j in judged for c in j.concerns)))


def traffic_lights(ds) -> pd.DataFrame:
    """One row per included report and appraisal question: source, cohort, tool, domain, item, outcome,
    judgement, support, locator, note (the data of the traffic-light table)."""
    rows = []
    for s in sorted(ds.included(), key=lambda s: (s.record.cohort_id, s.id)):
        ap = s["appraisal"]
        for r in ap.itertuples():
            items = vocab.APPRAISAL_TOOLS[r.tool][1]
            rows.append({"source_id": s.id, "cohort_id": s.record.cohort_id, "tool": r.tool,
                         "domain": items[r.item][0], "item": r.item,
                         "outcome": "" if pd.isna(r.outcome) else r.outcome, "judgement": r.judgement,
                         "support": r.support, "locator": "" if pd.isna(r.locator) else r.locator,
                         "note": "" if pd.isna(r.note) else r.note})
    return pd.DataFrame(rows, columns=["source_id", "cohort_id", "tool", "domain", "item", "outcome", "judgement",
                                       "support", "locator", "note"])
