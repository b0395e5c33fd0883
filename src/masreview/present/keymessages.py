"""Key messages for the landing page: plain sentences from the synthesis and the certainty rating.

Every sentence is built from the dataset (counts, pooled or single-cohort proportions, GRADE level and
reasons); the chapter glues them as text, so nothing from data is ever read as markup.
"""

from __future__ import annotations

from masreview.analysis import certainty
from masreview.analysis.sof import certainty_by_outcome, summary_of_findings
from masreview.analysis.pooling import pooled_results, split_case_reports
from masreview.analysis.synthesis import OUTCOMES, cohort_outcomes, flow_counts, last_update
from masreview.data.appraisal import read_extent
from masreview.data.model import Dataset

#: Outcome id -> (what happened, in plain words; the outcome as GRADE's sentence names it).
PLAIN = {
    "overall-response": ("responded", "response"),
    "complete-response": ("had a complete response", "complete response"),
    "survival": ("were alive at last follow-up", "survival"),
}


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k == 1 else many}"


def outcome_sentence(outcome: str, oc, pooled) -> str:
    """'About 92 in 100 patients responded (95% interval 67 to 98), pooled from 2 cohorts.', or one series'
    own numbers; case reports are never pooled and are named apart (the pooling rules)."""
    what = PLAIN[outcome][0]
    rows = oc[(oc["outcome"] == outcome) & oc["assessable"]] if len(oc) else oc
    series, cases = split_case_reports(rows) if len(rows) else (rows, rows)
    p = pooled.get(outcome)
    apart = ""
    if len(cases):
        apart = (f" {_n(len(cases), 'single-patient case report', 'single-patient case reports')} "
                 f"({int(cases['events'].sum())} of {_n(int(cases['total'].sum()), 'patient', 'patients')}) "
                 "listed apart, not pooled.")
    if p is not None and p.pooled:
        return (f"about {p.percent:.0f} in 100 treated patients {what} (95% interval {p.ci_low:.0f} to "
                f"{p.ci_high:.0f}; {_n(p.k, 'group', 'groups')}, {p.total} patients, pooled)." + apart)
    if len(series) == 1:
        r = series.iloc[0]
        return (f"{int(r['events'])} of {_n(int(r['total']), 'treated patient', 'treated patients')} {what} "
                f"({r['percent']:.0f}%; 95% interval {r['ci_low']:.0f} to {r['ci_high']:.0f}; one series only, "
                "so nothing is pooled)." + apart)
    if len(cases):
        return "no series or cohort reports how many patients " + what + "." + apart
    return f"no cohort reports how many patients {what}."


def harms_sentence(ds: Dataset) -> str:
    """Serious infections (or CMV) as the cohorts report them, each with its exact 95% interval."""
    row = next((r for r in summary_of_findings(ds) if r.outcome == "infection"), None)
    rows = row.rows[row.rows["assessable"]] if row is not None and len(row.rows) else []
    if not len(rows):
        return "no included report gives serious infections in what was read."
    parts = [f"{int(r['events'])} of {_n(int(r['total']), 'treated patient', 'treated patients')} "
             f"({r['percent']:.0f}%; 95% interval {r['ci_low']:.0f} to {r['ci_high']:.0f})"
             for r in rows.to_dict("records")]
    where = "" if len(parts) == 1 else f" in {_n(len(parts), 'group', 'groups')}"
    return (f"{'; '.join(parts)} had a serious infection or a cytomegalovirus (CMV) infection{where}; "
            "no report compares this with patients not given ruxolitinib.")


def reading_sentence(ds: Dataset) -> str:
    """How much of the included reports could be read, and what the screening still holds."""
    included = [s for s in ds.sources.values() if s.record.status == "included"]
    abstracts = [s for s in included if read_extent(s.record) == "abstract"]
    awaiting = sum(s.record.status == "awaiting" for s in ds.sources.values())
    parts = []
    if included and len(abstracts) == len(included):
        whole = f"All {len(included)} included reports were" if len(included) > 1 else "The included report was"
        parts.append(f"{whole} read as abstracts only, so doses, harms and follow-up may be missing.")
    elif abstracts:
        parts.append(f"{len(abstracts)} of the {len(included)} included reports were read as abstracts only.")
    found = "The reports are those the review team found, not the result of a database search"
    if awaiting:
        belongs = "it belongs" if awaiting == 1 else "they belong"
        found += (f"; {_n(awaiting, 'more report awaits', 'more reports await')} classification (what could be read "
                  f"does not settle whether {belongs}) and could change these numbers")
    parts.append(found + ".")
    return " ".join(parts)


def _add_reason(reasons: list[str], r: str) -> int:
    """Add a reason once: one that another already says is dropped, and one that says more than an
    earlier one (risk of bias in the comparison with controls besides the appraisal items) replaces it.
    Returns the position of the reason that says it."""
    for i, earlier in enumerate(reasons):
        if r in earlier:
            return i
        if earlier in r:
            reasons[i] = r
            return i
    reasons.append(r)
    return len(reasons) - 1


def _for_which(reasons: list[str], outcomes_of: dict[int, list[str]], all_outcomes: list[str]) -> list[str]:
    """Each reason, naming the outcomes it concerns when it does not concern them all."""
    out = []
    for i, r in enumerate(reasons):
        names = list(dict.fromkeys(outcomes_of.get(i, [])))
        out.append(r if len(names) in (0, len(all_outcomes)) else f"{r} (for {' and '.join(names)})")
    return out


def key_messages(ds: Dataset) -> dict[str, str]:
    """Plain-text key messages (ready for ``glue_text``): counts, one sentence per outcome, the GRADE
    statement per outcome with its reasons, and the date of the last evidence update."""
    f = flow_counts(ds)
    out = {
        "evidence": (f"{_n(f.included_reports, 'published report', 'published reports')} of "
                     f"{_n(f.cohorts, 'independent group', 'independent groups')} of patients; "
                     f"{_n(f.patients, 'patient', 'patients')} treated with ruxolitinib, each counted once."),
        "last_update": last_update(ds),
        "harms": (lambda h: h[:1].upper() + h[1:])(harms_sentence(ds)),
        "reading": reading_sentence(ds),
    }
    oc = cohort_outcomes(ds) if f.cohorts else None
    pooled = pooled_results(oc) if f.cohorts else {}
    rated = certainty_by_outcome(ds) if f.cohorts else {}
    statements, reasons, imprecise, outcomes_of = [], [], False, {}
    for outcome in OUTCOMES:
        sentence = outcome_sentence(outcome, oc, pooled) if f.cohorts else "no data yet."
        out[outcome] = sentence[:1].upper() + sentence[1:]
        c = rated.get(outcome) or certainty.rate([], 0)
        out[f"certainty_{outcome}"] = c.level
        statements.append(certainty.statement(c, PLAIN[outcome][1]))
        for code, r in zip(c.codes, c.reasons):
            if code == "imprecision":
                imprecise = True
            else:
                outcomes_of.setdefault(_add_reason(reasons, r), []).append(PLAIN[outcome][1])
    reasons = _for_which(reasons, outcomes_of, [PLAIN[o][1] for o in OUTCOMES])
    if imprecise:
        reasons.append(f"small numbers ({_n(f.patients, 'patient', 'patients')} in all) and wide 95% intervals")
    levels = {out[f"certainty_{o}"] for o in OUTCOMES}
    if len(levels) == 1 and levels == {"very low"}:
        names = [PLAIN[o][1] for o in OUTCOMES]
        out["certainty"] = ("The evidence is very uncertain about the effect of ruxolitinib on "
                            f"{', '.join(names[:-1])} and {names[-1]}.")
    else:
        out["certainty"] = " ".join(statements)
    out["certainty_why"] = "; ".join(reasons) + "." if reasons else ""
    return out
