"""Overlap check: a report that may describe patients already in the review must say so.

Two included reports of different cohorts *match* when they share a DOI, or when they share the first
author's surname, the setting (centre, compared without case, punctuation or spacing) and an overlapping
period (source.yaml ``period``). (Two folders with one DOI are refused outright by the duplicate-DOI
rule of :mod:`masreview.data.crosscheck`, whatever their cohorts: one publication, one folder; this
check adds no second message for them.) The later report of a matching pair (by year, then source id) fails
validation until its record says either ``cohort_id: <the earlier report's cohort>`` (the same patients:
then they are counted once) or ``overlap: {decision: checked-distinct, reason: ...}``.
"""

from __future__ import annotations

import re
from itertools import combinations

from masreview.data.model import Dataset, Issue


def _surname(authors: list[str]) -> str:
    return authors[0].split()[0].lower() if authors and authors[0].split() else ""


def _setting(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def _periods_overlap(a, b) -> bool:
    return a is not None and b is not None and a.start <= b.end and b.start <= a.end


def match_reason(a, b) -> str:
    """Why two source records look like the same patients ('' when they do not)."""
    ra, rb = a.bibliography, b.bibliography
    if ra.doi and rb.doi and ra.doi.lower() == rb.doi.lower():
        return f"the same DOI ({ra.doi})"
    if (_surname(ra.authors) and _surname(ra.authors) == _surname(rb.authors) and _setting(a.setting)
            and _setting(a.setting) == _setting(b.setting) and _periods_overlap(a.period, b.period)):
        return (f"the same first author ({ra.authors[0].split()[0]}), setting and an overlapping period "
                f"({a.period.start} to {a.period.end}; {b.period.start} to {b.period.end})")
    return ""


def overlap_issues(ds: Dataset) -> list[Issue]:
    """One located issue per matching pair of included reports in different cohorts, on the later report."""
    out = []
    included = sorted((s for s in ds.sources.values() if s.record.status == "included"),
                      key=lambda s: (s.record.bibliography.year, s.id))
    for early, late in combinations(included, 2):
        a, b = early.record, late.record
        if a.cohort_id == b.cohort_id or b.overlap is not None:
            continue
        why = match_reason(a, b)
        if why and not why.startswith("the same DOI"):
            out.append(Issue(f"data/sources/{late.id}/source.yaml",
                             f"may report the patients of '{early.id}' (cohort '{a.cohort_id}'): {why}. "
                             f"Write cohort_id: {a.cohort_id} if they are the same patients, or "
                             "overlap: {decision: checked-distinct, reason: ...} if they are not",
                             column="cohort_id"))
    return out
