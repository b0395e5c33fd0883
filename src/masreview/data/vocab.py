"""The one vocabulary of the review: designs, populations, groups, states, measures, units, origins.

Every table, schema, helper and chapter uses these names. A value outside them is a data error
(see :mod:`masreview.data.schema`). To add a term, add it here with a label; nothing else needs changing.
"""

from __future__ import annotations

import re

# --- sources -------------------------------------------------------------------------------------

DESIGNS: dict[str, str] = {
    "cohort": "Cohort study",
    "case-series": "Case series",
    "case-report": "Case report",
    "conference-abstract": "Conference abstract",
}

POPULATIONS: dict[str, str] = {
    "adult": "Adults",
    "paediatric": "Children",
    "mixed": "Adults and children",
}

STATUSES: dict[str, str] = {
    "included": "Included in the review",
    "excluded": "Screened and excluded (reason given)",
    "awaiting": "Awaiting classification: what could be read does not settle inclusion",
}

# Why a screened report is excluded (source.yaml: exclusion_reason), with an optional exclusion_note.
EXCLUSION_REASONS: dict[str, str] = {
    "wrong-drug": "Not ruxolitinib (another JAK inhibitor or another drug)",
    "not-mas": "No patient with MAS (HLH of another cause, or no HLH at all)",
    "no-separable-mas-data": "MAS patients present, but their outcomes are not reported separately",
    "not-refractory": "Ruxolitinib given first line, not as salvage",
    "no-outcomes": "No outcome of ruxolitinib reported",
    "duplicate-report": "Same patients as another report, nothing to add",
    "not-primary-report": "A review or commentary, not a report of patients",
}

# How much of a report could be read (source.yaml: extraction.read_extent).
READ_EXTENTS: dict[str, str] = {
    "full-text": "Full text",
    "abstract": "Abstract",
    "abstract-first-sentences": "Only the first sentences of the abstract",
    "title-only": "Title only",
}

# Underlying rheumatic diseases (codes used in patients.csv and source.yaml).
DISEASES: dict[str, str] = {
    "AOSD": "Adult-onset Still's disease",
    "SLE": "Systemic lupus erythematosus",
    "sJIA": "Systemic juvenile idiopathic arthritis",
    "other-CTD": "Other connective tissue disease",
}

# --- patients -----------------------------------------------------------------------------------

ORIGINS: dict[str, str] = {
    "reported": "Stated by the source for this patient",
    "reconstructed": "Reconstructed from published aggregates by a documented, deterministic method",
}

GROUPS: dict[str, str] = {
    "ruxolitinib": "Treated with ruxolitinib",
    "historical-control": "Historical controls (no ruxolitinib)",
}

SEXES: dict[str, str] = {"female": "Female", "male": "Male"}

# Response to treatment at an assessment. "dead" is a state of its own in per-time observations;
# sources may count a death among the non-responders (the measure row says so in its note).
RESPONSE_STATES: dict[str, str] = {
    "CR": "Complete remission",
    "PR": "Partial remission",
    "NR": "No response",
    "dead": "Died",
}
RESPONSE_ORDER = ["CR", "PR", "NR", "dead"]

EVENTS: dict[str, str] = {
    "death": "Death",
    "cmv-infection": "Cytomegalovirus infection",
    "infection": "Other infection",
    "relapse": "Relapse or recurrence of MAS",
    "last-follow-up": "Last follow-up (censoring time)",
}

# Quantities measured over time in observations.csv, with the unit they must carry.
OBSERVATION_MEASURES: dict[str, tuple[str, str | None]] = {
    "response-state": ("Response state", None),
    "glucocorticoid-dose": ("Daily glucocorticoid dose", "mg/kg/day"),
    "ferritin": ("Serum ferritin", "ng/mL"),
    "alt": ("Alanine aminotransferase", "U/L"),
    "ast": ("Aspartate aminotransferase", "U/L"),
    "platelets": ("Platelet count", "10^9/L"),
    "fibrinogen": ("Fibrinogen", "g/L"),
    "triglycerides": ("Triglycerides", "mmol/L"),
    "crp": ("C-reactive protein", "mg/L"),
    "temperature": ("Body temperature", "degC"),
}

FREQUENCIES: dict[str, str] = {
    "once-daily": "Once daily",
    "twice-daily": "Twice daily",
    "three-times-daily": "Three times daily",
    "pulse": "Pulse (high dose on consecutive days)",
    "weekly": "Weekly",
    "single-dose": "Single dose",
    "unknown": "Not reported",
}

ROUTES: dict[str, str] = {"oral": "Oral", "intravenous": "Intravenous", "subcutaneous": "Subcutaneous",
                          "unknown": "Not reported"}

# --- time ---------------------------------------------------------------------------------------

TIME_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}
DURATION_QUALIFIERS: dict[str, str] = {
    "exact": "Stated exactly",
    "approximate": "Stated approximately (\"about\")",
    "unknown": "Not stated",
}

# --- units --------------------------------------------------------------------------------------

UNITS: dict[str, str] = {
    "patients": "number of patients",
    "percent": "percent",
    "p": "P value",
    "mg/kg/day": "milligrams per kilogram per day",
    "mg": "milligrams",
    "mg/day": "milligrams per day",
    "day": "days",
    "week": "weeks",
    "month": "months",
    "year": "years",
    "count": "number (of episodes, rounds)",
    "ng/mL": "nanograms per millilitre",
    "U/L": "units per litre",
    "10^9/L": "10^9 per litre",
    "g/L": "grams per litre",
    "mmol/L": "millimoles per litre",
    "mg/L": "milligrams per litre",
    "degC": "degrees Celsius",
}

# The units a dose is given in (treatments.csv: dose_unit).
DOSE_UNITS: dict[str, str] = {k: UNITS[k] for k in ("mg", "mg/day", "mg/kg/day")}

# --- reported measures ---------------------------------------------------------------------------

# kind: what the number is.  count: numerator (and denominator when printed as n/N); proportion:
# value in percent with numerator/denominator; median; p-value; time: when something happened;
# context: a background figure quoted from the literature, not a result of the source's patients.
MEASURE_KINDS = ("count", "proportion", "median", "p-value", "time", "context")

MEASURES: dict[str, dict[str, str]] = {
    "patients": {"label": "Patients", "kind": "count"},
    "sex": {"label": "Sex", "kind": "count"},
    "age": {"label": "Age", "kind": "time"},
    "underlying-disease": {"label": "Underlying disease", "kind": "count"},
    "disease-duration": {"label": "Duration of underlying disease", "kind": "time"},
    "previous-mas-episodes": {"label": "Previous MAS episodes", "kind": "count"},
    "active-disease-baseline": {"label": "Active disease at baseline", "kind": "count"},
    "response": {"label": "Response", "kind": "count"},
    "response-transition": {"label": "Change of response state", "kind": "count"},
    "first-response-time": {"label": "Time of first response", "kind": "time"},
    "survival": {"label": "Survival", "kind": "proportion"},
    "survival-comparison": {"label": "Survival comparison", "kind": "p-value"},
    "glucocorticoid-dose": {"label": "Daily glucocorticoid dose", "kind": "median"},
    "ruxolitinib-dose": {"label": "Ruxolitinib dose", "kind": "count"},
    "ruxolitinib-duration": {"label": "Ruxolitinib duration", "kind": "time"},
    "treatment-rounds": {"label": "Treatment rounds", "kind": "count"},
    "adverse-event": {"label": "Adverse event", "kind": "count"},
    "recurrence": {"label": "Recurrence", "kind": "count"},
    "refractory-fraction": {"label": "Share of MAS refractory to standard treatment", "kind": "context"},
}

# Status of a reported number in a reproduction table (code -> definition). Defined here once; the
# methods page is generated from this dict and chapters glue tallies keyed by :func:`status_key`.
REPRODUCTION_STATUSES: dict[str, str] = {
    "reproduced": "Recomputed, at the printed precision, from data that are independent of the printed "
                  "number: rows stated by the source (origin reported), not rows built to match it.",
    "consistent by construction": "The patient rows it is recomputed from were reconstructed from published "
                                  "aggregates (origin reconstructed) so as to match it: agreement checks the "
                                  "reconstruction, it is not independent evidence for the number.",
    "consistent with": "Matched by a named set of methods or scenarios; which one the source used is not "
                       "identified (for example a P value that several tests, or a test under some unpublished "
                       "death times, would give).",
    "context": "A background figure quoted from the literature, not a result of the source's patients, or an "
               "outcome the source states only in words with no rows to recompute it from; shown as quoted.",
    "not recomputable": "The data hold nothing to recompute it from (for example a median with no individual "
                        "values); the reason is given in the row.",
    "differs": "A recomputed number that does not match the printed one: a defect in the data, the "
               "reconstruction or the source.",
}


def status_key(code: str) -> str:
    """Glue-key fragment of a reproduction status: ``'not recomputable'`` -> ``'not_recomputable'``."""
    if code not in REPRODUCTION_STATUSES:
        raise KeyError(f"unknown reproduction status '{code}'")
    return code.replace(" ", "_").replace("-", "_")


# Groups a reported measure can refer to: the patient groups, a comparison of two of them, or the
# wider literature (for context figures).
MEASURE_GROUPS: dict[str, str] = {
    **GROUPS,
    "ruxolitinib-vs-historical-control": "Ruxolitinib versus historical controls",
    "literature": "Background literature quoted by the source",
}

# The categories a reported measure may carry (measures.csv column ``category``); a measure not listed has
# none (the cell stays empty). A response-transition is 'FROM->TO' of two response states; treatment-rounds
# names a drug.
_TRANSITIONS = {f"{a}->{b}": f"{a} to {b}" for a in ("CR", "PR", "NR") for b in ("CR", "PR", "NR", "dead") if a != b}
DRUG_RE = re.compile(r"^[a-z][a-z0-9 -]*\Z")
MEASURE_CATEGORIES: dict[str, dict[str, str] | re.Pattern] = {
    "sex": SEXES,
    "underlying-disease": DISEASES,
    "response": RESPONSE_STATES,
    "first-response-time": RESPONSE_STATES,
    "response-transition": _TRANSITIONS,
    "adverse-event": EVENTS,
    "ruxolitinib-dose": FREQUENCIES,
    "treatment-rounds": DRUG_RE,
}

# Timepoints: baseline, overall (whole follow-up), or a number of days/weeks/months from the start of
# ruxolitinib (week-8 = the assessment at week 8).
TIMEPOINT_RE = re.compile(r"^(baseline|overall|(day|week|month)-[0-9]+)\Z")
TIMEPOINT_HELP = "baseline, overall, or day-N / week-N / month-N"

# Source ids: firstauthor-year-shortname in lowercase.
SOURCE_ID_RE = re.compile(r"^[a-z][a-z-]*-(19|20)[0-9][0-9]-[a-z0-9]+(-[a-z0-9]+)*\Z")
SOURCE_ID_HELP = "firstauthor-year-shortname in lowercase letters, digits and hyphens (e.g. li-2025-front-immunol)"


def timepoint_weeks(timepoint: str) -> float | None:
    """Weeks from the start of ruxolitinib for ``week-N`` / ``day-N`` / ``month-N`` (None otherwise)."""
    m = re.match(r"^(day|week|month)-([0-9]+)\Z", timepoint)
    if not m:
        return 0.0 if timepoint == "baseline" else None
    return int(m.group(2)) * TIME_UNITS[m.group(1)] / 7.0


def label(vocabulary: dict, code: str) -> str:
    """The reader-facing label of a code, e.g. ``label(DISEASES, "AOSD")``."""
    value = vocabulary[code]
    return value["label"] if isinstance(value, dict) else value[0] if isinstance(value, tuple) else value


#: Statuses a row of measures.csv may declare in ``expected_status`` (with its reason in ``note``); every other
#: row must be recomputed from the rows (reproduced, consistent by construction or consistent with).
DECLARED_STATUSES: dict[str, str] = {
    "context": "a background figure quoted from the literature",
    "not recomputable": "the data hold nothing to recompute it from",
}
DECLARED_STATUS_HELP = ("Only for a number the data cannot recompute: 'context' (a background figure from the "
                        "literature) or 'not recomputable' (e.g. a median without individual values); give the reason "
                        "in note. Empty: the number must be recomputed from the rows, or the build stops")


# --- real series: honest codes (contributors and researchers) --------------------------------------------
#
# Codes that published series need so that nothing is forced into a code that does not fit: an underlying
# disease that is not reported or not rheumatic, concurrent controls, a salvage drug given as part of a
# combination regimen, and outcomes a report gives only in words ("fever resolved", "steroids tapered",
# "no adverse reactions"). They extend the dictionaries above in place, so every schema and page that
# reads those dictionaries knows them.

DISEASES.update({
    "non-rheumatic": "Non-rheumatic cause (infection, malignancy or another secondary HLH trigger)",
    "not-reported": "Underlying disease not reported",
})

GROUPS.update({"concurrent-control": "Concurrent controls (no ruxolitinib, treated in the same period)"})
MEASURE_GROUPS.update({"concurrent-control": GROUPS["concurrent-control"],
                       "ruxolitinib-vs-concurrent-control": "Ruxolitinib versus concurrent controls"})

# The role of a drug in treatments.csv (column ``role``).
TREATMENT_ROLES: dict[str, str] = {
    "failed": "failed prior treatment",
    "salvage": "salvage therapy",
    "combination": "given with the salvage drug as one regimen (e.g. ruxolitinib plus etoposide)",
    "concomitant": "given alongside",
    "taper": "tapered",
}

# Outcomes stated only in words: each is a measure with a locator and a category, counted in patients
# (numerator: how many; empty when the words give no number). Recomputed from rows when rows hold them;
# otherwise shown as stated in words (reproduction status ``context``), never turned into a note.
IN_WORDS_KIND = "in-words"
MEASURE_KINDS = (*MEASURE_KINDS, IN_WORDS_KIND)
FEVER_RESOLUTION: dict[str, str] = {"resolved": "Fever resolved", "persisted": "Fever persisted"}
GLUCOCORTICOID_TAPER: dict[str, str] = {"tapered": "Glucocorticoids tapered", "stopped": "Glucocorticoids stopped",
                                        "not-tapered": "Glucocorticoids not tapered"}
MEASURES.update({
    "fever-resolution": {"label": "Fever resolution (stated in words)", "kind": IN_WORDS_KIND},
    "glucocorticoid-taper": {"label": "Glucocorticoid taper (stated in words)", "kind": IN_WORDS_KIND},
    "adverse-events": {"label": "Adverse events (stated in words)", "kind": IN_WORDS_KIND},
})
MEASURE_CATEGORIES.update({
    "fever-resolution": FEVER_RESOLUTION,
    "glucocorticoid-taper": GLUCOCORTICOID_TAPER,
    "adverse-events": {"none": "No adverse event or reaction", **EVENTS},
})

# source.yaml ``overlap.decision``: a new report that looks like an existing cohort's patients
# (same DOI, or first author + setting + overlapping period) has been checked and is distinct.
OVERLAP_DECISIONS: dict[str, str] = {
    "checked-distinct": "Checked against the matching report: different patients (the reason says how)",
}


# --- appraisal (appraisal.csv) ------------------------------------------------------------------
#
# Two tools, each defined once: Murad et al. 2018 (BMJ Evidence-Based Medicine) for case reports and case
# series, 8 questions in 4 domains, answered yes / no / unclear; ROBINS-I (Sterne et al. 2016) for a
# comparison with (historical) controls, 7 bias domains judged low / moderate / serious / critical / no
# information. Each item: (domain, question as a reader sees it).

MURAD_ITEMS: dict[str, tuple[str, str]] = {
    "selection": ("Selection", "Does the patient(s) represent the whole experience of the investigator "
                               "(centre), or is the selection method unclear?"),
    "exposure": ("Ascertainment", "Was the exposure (ruxolitinib) adequately ascertained?"),
    "outcome": ("Ascertainment", "Was the outcome adequately ascertained?"),
    "alternative-causes": ("Causality", "Were other alternative causes that may explain the observation "
                                        "ruled out?"),
    "challenge-rechallenge": ("Causality", "Was there a challenge/rechallenge phenomenon?"),
    "dose-response": ("Causality", "Was there a dose-response effect?"),
    "follow-up": ("Causality", "Was follow-up long enough for outcomes to occur?"),
    "reporting": ("Reporting", "Is the case(s) described with sufficient details to allow other investigators "
                               "to replicate the research or allow practitioners to make inferences related "
                               "to their own practice?"),
}
MURAD_ANSWERS: dict[str, str] = {"yes": "Yes", "no": "No", "unclear": "Unclear"}
# A key question answered "no" or "unclear", as a reason for rating the certainty down, in plain words.
MURAD_CONCERNS: dict[str, dict[str, str]] = {
    "selection": {"no": "the patients may not be all those treated at the centre",
                  "unclear": "unclear whether the patients are all those treated at the centre"},
    "exposure": {"no": "ruxolitinib use not documented well enough",
                 "unclear": "unclear how ruxolitinib use was documented"},
    "outcome": {"no": "outcomes not assessed well enough",
                "unclear": "unclear how outcomes were assessed"},
    "alternative-causes": {"no": "other explanations of the improvement (such as the other treatments given) not "
                                 "ruled out",
                           "unclear": "unclear whether other explanations of the improvement were ruled out"},
}

ROBINS_I_DOMAINS: dict[str, tuple[str, str]] = {
    "confounding": ("Pre-intervention", "Bias due to confounding"),
    "selection-of-participants": ("Pre-intervention", "Bias in selection of participants into the study"),
    "classification-of-interventions": ("At intervention", "Bias in classification of interventions"),
    "deviations": ("Post-intervention", "Bias due to deviations from intended interventions"),
    "missing-data": ("Post-intervention", "Bias due to missing data"),
    "outcome-measurement": ("Post-intervention", "Bias in measurement of outcomes"),
    "reported-result": ("Post-intervention", "Bias in selection of the reported result"),
}
ROBINS_I_JUDGEMENTS: dict[str, str] = {"low": "Low", "moderate": "Moderate", "serious": "Serious",
                                       "critical": "Critical", "no-information": "No information"}

#: tool id -> (label, its items, its judgement scale)
APPRAISAL_TOOLS: dict[str, tuple[str, dict, dict]] = {
    "murad-2018": ("Murad et al. 2018 (case reports and series)", MURAD_ITEMS, MURAD_ANSWERS),
    "robins-i": ("ROBINS-I (comparison with controls)", ROBINS_I_DOMAINS, ROBINS_I_JUDGEMENTS),
}
APPRAISAL_ITEMS: dict[str, str] = {**{k: v[1] for k, v in MURAD_ITEMS.items()},
                                   **{k: v[1] for k, v in ROBINS_I_DOMAINS.items()}}
APPRAISAL_JUDGEMENTS: dict[str, str] = {**MURAD_ANSWERS, **ROBINS_I_JUDGEMENTS}
#: Outcomes of the summary of findings (appraisal.csv: a judgement may concern one of them only).
SOF_OUTCOMES: dict[str, str] = {
    "overall-response": "Overall response (CR or PR)",
    "complete-response": "Complete response (CR)",
    "survival": "Survival to last follow-up",
    "infection": "Serious infections or cytomegalovirus (CMV)",
    "glucocorticoid-sparing": "Glucocorticoid sparing",
}
#: What the support column says when the text read is silent on an item (only part of a report was read).
NOT_IN_WHAT_WAS_READ = "not in what was read"
#: A cell of the practical table when the full text was read and the item is absent.
NOT_REPORTED = "not reported"
