"""The glossary: every technical word the book uses, with a plain definition.

One entry per term: its display name, the words that stand for it in text (regular expressions, matched
as whole words) and a definition a clinician can read. The glossary page (``chapters/glossary.md``)
lists them in this order; :mod:`masreview.book.glossary_links` links the first use of each term on every
other page to its entry. To add a term, add an entry here; nothing else needs changing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    name: str                 #: as the glossary shows it
    definition: str           #: plain words, one or two sentences
    forms: tuple[str, ...]    #: regular expressions of the words that stand for it in text
    case_sensitive: bool = True

    @property
    def anchor(self) -> str:
        """The entry's HTML id on the glossary page: ``term-`` and a slug of the name."""
        return "term-" + re.sub(r"[^a-z0-9]+", "-", self.name.lower().replace("\u00b2", "2")).strip("-")


def _t(name: str, definition: str, *forms: str, case_sensitive: bool = True) -> Term:
    return Term(name, definition, forms or (re.escape(name),), case_sensitive)


TERMS: tuple[Term, ...] = (
    # --- the disease and the question
    _t("MAS", "Macrophage activation syndrome: a life-threatening flare of the immune system in a patient with a "
       "rheumatic disease (such as Still's disease or lupus), with fever, falling blood counts, a very high "
       "ferritin and organ damage. It is a form of secondary HLH.",
       r"[Mm]acrophage activation syndrome", r"MAS"),
    _t("HLH", "Haemophagocytic lymphohistiocytosis: the same uncontrolled immune activation as MAS, from any "
       "cause (inherited, infection, cancer or rheumatic disease).",
       r"[Hh]a?emophagocytic lymphohistiocytosis", r"HLH"),
    _t("Refractory", "Not controlled by the first treatment, usually high-dose glucocorticoids with or without "
       "ciclosporin or anakinra. Ruxolitinib is given here as salvage: after that first treatment failed.",
       r"refractory", case_sensitive=False),
    _t("Ruxolitinib", "A tablet that blocks the JAK1 and JAK2 enzymes and so the signals of many inflammatory "
       "cytokines (such as interferon-gamma). Licensed for myelofibrosis and graft-versus-host disease; used "
       "off-label in MAS.", r"ruxolitinib", case_sensitive=False),
    _t("Historical control", "A comparison group of earlier patients treated before the new drug was used, "
       "rather than patients randomised at the same time. Differences between eras (other care, other "
       "patients) can explain a difference in outcome.", r"historical[ -]controls?", case_sensitive=False),
    # --- outcomes
    _t("CR", "Complete response: every sign of MAS resolved at the assessment, as the report defines it.",
       r"[Cc]omplete response", r"CR"),
    _t("PR", "Partial response: MAS improved by the report's criteria but did not resolve.",
       r"[Pp]artial response", r"PR"),
    _t("NR", "No response: MAS did not improve by the report's criteria (a patient who died before the "
       "assessment counts here).", r"[Nn]o response", r"NR"),
    # --- designs and data
    _t("Case report", "A publication about one patient. The review lists case reports apart and never pools "
       "them: a single remarkable patient is more likely to be published than a typical one.",
       r"case reports?", case_sensitive=False),
    _t("Reconstructed row", "A patient row the review built from published totals because the report gives "
       "no per-patient data. It reproduces the totals exactly; any breakdown across such rows (by disease, by "
       "time) is not a finding.", r"reconstructed(?: (?:patient )?rows?)?", case_sensitive=False),
    _t("Consistent by construction", "A recomputed number that agrees with the report only because the patient "
       "rows were reconstructed to match it: a check of the arithmetic, not an independent confirmation.",
       r"consistent by construction", case_sensitive=False),
    # --- intervals and tests
    _t("Clopper-Pearson interval", "The exact 95% confidence interval of a proportion, from the binomial "
       "distribution. It never covers less than 95% of the time, so it is wider than the Wilson interval, "
       "especially with few patients. The review's default.",
       r"Clopper-Pearson(?: interval)?", r"exact 95% (?:confidence )?(?:interval|CI)"),
    _t("Wilson interval", "A 95% confidence interval of a proportion from the score test: narrower than the "
       "Clopper-Pearson interval and close to 95% coverage on average; some reports print it.",
       r"Wilson(?: (?:score )?interval)?"),
    _t("Boschloo", "Boschloo's exact test of two proportions: like Fisher's exact test but more powerful, "
       "because it does not treat the column totals as fixed.", r"Boschloo(?:['\u2019]s)?(?: (?:exact )?test)?"),
    _t("Barnard", "Barnard's exact test of two proportions: an unconditional exact test, an alternative to "
       "Fisher's and Boschloo's.", r"Barnard(?:['\u2019]s)?(?: (?:exact )?test)?"),
    _t("N-1 chi-square", "Egon Pearson's chi-square test with the statistic multiplied by (N-1)/N; it behaves "
       "well in small samples. SPSS prints it as the linear-by-linear association.",
       r"N-1 chi-square(?: test)?", r"N\u22121 chi-square(?: test)?"),
    _t("Log-rank", "A test of whether two survival curves differ, comparing observed and expected deaths at "
       "each time a death occurs. It needs the death times, not only the counts.",
       r"log-rank(?: test)?", case_sensitive=False),
    _t("Kaplan-Meier", "The usual survival curve: the share of patients still alive over time, stepping down at "
       "each death and allowing for patients followed for different lengths of time.",
       r"Kaplan-Meier(?: (?:curves?|estimates?))?"),
    # --- pooling
    _t("GLMM", "Generalised linear mixed model: the review's way of pooling proportions across series. It works "
       "on the counts themselves (no correction when a series has 0% or 100%) and lets each series have its "
       "own true proportion around a common mean (random effects).", r"GLMM"),
    _t("DerSimonian-Laird", "The classic random-effects pooling method, on each series' logit proportion and its "
       "variance (0.5 added to a series with 0 or all events). The review shows it as a sensitivity analysis "
       "and gives each series' weight in it.", r"DerSimonian-Laird"),
    _t("Hartung-Knapp", "An adjustment of the pooled estimate's interval that allows for the uncertainty in the "
       "between-series variance; wider and more honest when few series are pooled.", r"Hartung-Knapp"),
    _t("Prediction interval", "The range in which the true proportion of a new, similar series is expected to "
       "fall (95%). Wider than the confidence interval of the mean; it needs at least three series.",
       r"prediction intervals?", case_sensitive=False),
    _t("tau\u00b2", "The between-series variance of the true (logit) proportions: 0 when the series differ only "
       "by chance.", r"tau\u00b2", r"tau\^2", r"\u03c4\u00b2"),
    _t("I\u00b2", "The share (%) of the variation between series that is beyond chance. Unreliable with few "
       "series.", r"I\u00b2", r"I\^2"),
    _t("Random effects", "A model in which each series has its own true proportion, drawn around a common mean; "
       "the pooled number is that mean.", r"random[ -]effects?", case_sensitive=False),
    # --- certainty
    _t("GRADE", "Grading of Recommendations, Assessment, Development and Evaluations: a way to rate how certain "
       "the evidence for an outcome is (high, moderate, low, very low). Case reports and series without "
       "concurrent controls start at low or very low.", r"GRADE"),
)


def compiled(term: Term) -> re.Pattern:
    """One pattern for all the forms of a term, as whole words (no letter, digit, hyphen or apostrophe
    next to it)."""
    body = "|".join(f"(?:{f})" for f in term.forms)
    return re.compile(rf"(?<![\w\-'\u2019])(?:{body})(?![\w\-\u00b2])", 0 if term.case_sensitive else re.I)


def by_anchor() -> dict[str, Term]:
    return {t.anchor: t for t in TERMS}
