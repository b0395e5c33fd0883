"""The numbers a reader sees, recomputed from data/ independently of the chapters.

Each entry of :data:`RECOMPUTE` names a chapter, a glue key and how to get its value from the loaded
data with the package's helpers, scipy or statsmodels, without calling the code the chapter calls to
produce the number. :func:`number_problems` compares the values with what the built page shows, and
:func:`pasted_problems` compares every glued value with the text pasted into the page. Used on the
main build (test_numbers.py) and on an edited, rebuilt copy (test_rebuild.py).
"""

from __future__ import annotations

import math
from numbers import Number
from pathlib import Path
from typing import Callable

import pandas as pd
from scipy import stats as sps

import sitecheck as sc
from masreview.data import select
from masreview.data import vocab
from masreview.data.model import Dataset, SourceData

LI = "li-2025-front-immunol"
ACR = "li-2025-acr-abstract-1179"
WU = "wu-2025-j-clin-pediatr"
TREATED, CONTROL = "ruxolitinib", "historical-control"
PER_DAY = {"once-daily": 1, "twice-daily": 2, "three-times-daily": 3}


# --- independent recomputation ----------------------------------------------------------------------


def group_ids(src: SourceData, group: str) -> set[str]:
    p = src["patients"]
    return set(p.loc[p["group"] == group, "patient_id"])


def survivors(src: SourceData, group: str) -> tuple[int, int]:
    """(alive at last follow-up, patients) of a group: patients without a death event."""
    ids = group_ids(src, group)
    ev = src["events"]
    dead = set(ev.loc[(ev["event"] == "death") & ev["patient_id"].isin(ids), "patient_id"])
    return len(ids) - len(dead), len(ids)


def state_count(src: SourceData, state: str, timepoint: str = "week-8") -> int:
    states = select.states_at(src, TREATED, timepoint)
    if state == "CR+PR":
        return int(states.isin(["CR", "PR"]).sum())
    if state == "NR":  # as the sources count: a death before the assessment is no response
        return int(states.isin(["NR", "dead"]).sum())
    return int((states == state).sum())


def exact_ci_text(k: int, n: int) -> str:
    ci = sps.binomtest(k, n).proportion_ci(method="exact")
    return f"{100 * ci.low:.1f}% to {100 * ci.high:.1f}%"


def two_by_two(src: SourceData) -> list[list[int]]:
    """Survivors and deaths with the groups as COLUMNS (scipy's Boschloo and Barnard take each column as
    one binomial sample)."""
    (k1, n1), (k2, n2) = survivors(src, TREATED), survivors(src, CONTROL)
    return [[k1, k2], [n1 - k1, n2 - k2]]


def n_minus_1_p(src: SourceData) -> float:
    """Egon Pearson's N-1 chi-square by hand: (ad - bc)^2 (N - 1) / (product of the margins)."""
    (a, c), (b, d) = two_by_two(src)
    n = a + b + c + d
    return float(sps.chi2.sf((a * d - b * c) ** 2 * (n - 1) / ((a + b) * (c + d) * (a + c) * (b + d)), 1))


def measure_value(src: SourceData, measure: str, timepoint: str | None = None) -> float:
    m = src["measures"]
    sel = m[(m["measure"] == measure) & ((m["timepoint"] == timepoint) if timepoint else True)]
    assert len(sel) == 1, f"{src.id}: {len(sel)} rows of {measure} {timepoint}"
    return float(sel["value"].iloc[0])


def printed_p(src: SourceData) -> str:
    row = src["measures"].query("measure == 'survival-comparison'").iloc[0]
    return f"{row['value']:.{int(row['decimals'])}f}"


def rux_dose(src: SourceData) -> pd.Series:
    t = src["treatments"]
    return t[(t["drug"] == "ruxolitinib") & t["dose"].notna()].iloc[-1]


def primary_sources(ds: Dataset) -> list[SourceData]:
    cohorts = sorted({s.record.cohort_id for s in ds.included()})
    return [ds.source(ds.cohorts[c].primary_source) for c in cohorts]


class Prefix(str):
    """An expected text that the glued or shown text must start with (the rest names case reports apart)."""


class Contains(str):
    """An expected text that the glued or shown text must contain."""


def headline_survival(ds: Dataset) -> str:
    """The survival headline under the pooling rules, by hand: case reports (one treated patient or the
    design case-report) are never pooled; one series gives its own count and exact interval (scipy's
    Clopper-Pearson); two or more are pooled (the GLMM itself is checked against R's metafor in the unit
    tests, so here only that they are pooled and how many)."""
    series = [s for s in primary_sources(ds)
              if s.record.design != "case-report" and len(group_ids(s, TREATED)) > 1]
    if len(series) == 1:
        k, n = survivors(series[0], TREATED)
        ci = sps.binomtest(k, n).proportion_ci(method="exact")
        return Prefix(f"not pooled: only one cohort or series; {k}/{n} = {100 * k / n:.1f}% "
                      f"(exact 95% CI {100 * ci.low:.1f} to {100 * ci.high:.1f})")
    if len(series) > 1:
        return Contains(f"pooled over {len(series)} series (GLMM")
    return Prefix("no assessable cohort or series")


def treated_once(ds: Dataset) -> int:
    return sum(len(group_ids(s, TREATED)) for s in primary_sources(ds))


def _li(f: Callable[[SourceData], object]) -> Callable[[Dataset], object]:
    return lambda ds: f(ds.source(LI))


def _acr(f: Callable[[SourceData], object]) -> Callable[[Dataset], object]:
    return lambda ds: f(ds.source(ACR))


def _wu(f: Callable[[SourceData], object]) -> Callable[[Dataset], object]:
    return lambda ds: f(ds.source(WU))


def _surv_text(src: SourceData, group: str) -> str:
    k, n = survivors(src, group)
    return f"{k}/{n} ({100 * k / n:.0f}%)"


RECOMPUTE: dict[str, dict[str, Callable[[Dataset], object]]] = {
    "intro": {
        "n_sources": lambda ds: len(ds.included()),
        "n_cohorts": lambda ds: len(primary_sources(ds)),
        "n_treated_once": treated_once,
    },
    f"chapters/{LI}": {
        "li_n_ruxolitinib": _li(lambda s: len(group_ids(s, TREATED))),
        "li_n_historical_control": _li(lambda s: len(group_ids(s, CONTROL))),
        "li_week": _li(lambda s: vocab.timepoint_weeks(
            s["measures"].query("measure == 'response'")["timepoint"].iloc[0])),
        "li_cr_k": _li(lambda s: state_count(s, "CR")),
        "li_pr_k": _li(lambda s: state_count(s, "PR")),
        "li_nr_k": _li(lambda s: state_count(s, "NR")),
        "li_cr_pr_k": _li(lambda s: state_count(s, "CR+PR")),
        "li_cr_ci": _li(lambda s: exact_ci_text(state_count(s, "CR"), len(group_ids(s, TREATED)))),
        "li_cr_pr_ci": _li(lambda s: exact_ci_text(state_count(s, "CR+PR"), len(group_ids(s, TREATED)))),
        "li_surv_ruxolitinib_k": _li(lambda s: survivors(s, TREATED)[0]),
        "li_surv_ruxolitinib_n": _li(lambda s: survivors(s, TREATED)[1]),
        "li_surv_historical_control_k": _li(lambda s: survivors(s, CONTROL)[0]),
        "li_surv_historical_control_n": _li(lambda s: survivors(s, CONTROL)[1]),
        "li_surv_ruxolitinib_pct": _li(lambda s: 100 * survivors(s, TREATED)[0] / survivors(s, TREATED)[1]),
        "li_surv_ruxolitinib_ci": _li(lambda s: exact_ci_text(*survivors(s, TREATED))),
        "li_surv_historical_control_ci": _li(lambda s: exact_ci_text(*survivors(s, CONTROL))),
        "li_rd": _li(lambda s: 100 * (survivors(s, TREATED)[0] / survivors(s, TREATED)[1]
                                      - survivors(s, CONTROL)[0] / survivors(s, CONTROL)[1])),
        "li_p_printed": _li(printed_p),
        "li_p_boschloo": _li(lambda s: float(sps.boschloo_exact(two_by_two(s)).pvalue)),
        "li_p_barnard": _li(lambda s: float(sps.barnard_exact(two_by_two(s)).pvalue)),
        "li_p_n1": _li(n_minus_1_p),
        "li_p_fisher2": _li(lambda s: float(sps.fisher_exact(two_by_two(s)).pvalue)),
        "li_gc_before": _li(lambda s: measure_value(s, "glucocorticoid-dose", "baseline")),
        "li_gc_after": _li(lambda s: measure_value(s, "glucocorticoid-dose", "week-8")),
        "li_cmv_k": _li(lambda s: s["events"].query("event == 'cmv-infection'")["patient_id"].nunique()),
    },
    f"chapters/{ACR}": {
        "acr_n": _acr(lambda s: len(group_ids(s, TREATED))),
        "acr_pr8": _acr(lambda s: state_count(s, "PR")),
        "acr_cr8": _acr(lambda s: state_count(s, "CR")),
        "acr_nr8": _acr(lambda s: state_count(s, "NR")),
        "acr_deaths": _acr(lambda s: survivors(s, TREATED)[1] - survivors(s, TREATED)[0]),
        "acr_surv_rux": _acr(lambda s: _surv_text(s, TREATED)),
        "acr_surv_ctl": _acr(lambda s: _surv_text(s, CONTROL)),
        "acr_p": _acr(printed_p),
    },
    f"chapters/{WU}": {
        "wu_age": _wu(lambda s: float(s["patients"]["age_years"].iloc[0])),
        "wu_disease_years": _wu(lambda s: float(s["patients"]["disease_duration_years"].iloc[0])),
        "wu_previous_mas": _wu(lambda s: int(s["patients"]["previous_mas_episodes"].iloc[0])),
        "wu_episode": _wu(lambda s: int(s["patients"]["previous_mas_episodes"].iloc[0]) + 1),
        "wu_mp_rounds": _wu(lambda s: int(s["treatments"].query("drug == 'methylprednisolone'")["rounds"].iloc[0])),
        "wu_dose": _wu(lambda s: float(rux_dose(s)["dose"])),
        "wu_per_day": _wu(lambda s: PER_DAY[rux_dose(s)["frequency"]]),
        "wu_daily": _wu(lambda s: float(rux_dose(s)["dose"]) * PER_DAY[rux_dose(s)["frequency"]]),
        "wu_rux_months": _wu(lambda s: float(s["phases"].query("phase_id == 'ruxolitinib'")["duration"].iloc[0])),
    },
    "chapters/synthesis": {
        "synth_reports": lambda ds: len(ds.included()),
        "synth_cohorts": lambda ds: len(primary_sources(ds)),
        "synth_patients": treated_once,
        "synth_headline_survival": headline_survival,
    },
    "chapters/whats-new": {
        "news_reports": lambda ds: len(ds.included()),
        "news_cohorts": lambda ds: len(primary_sources(ds)),
        "news_patients": treated_once,
        "news_survival": headline_survival,
    },
}


# --- comparing with the built pages -----------------------------------------------------------------

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Sphinx turns straight quotes into typographic ones ("smart quotes"); compare without them."""
    return " ".join(text.translate(_QUOTES).split())


def page_roles(build_dir: Path, book_root: Path, doc: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(glue roles in the chapter's prose, texts pasted on its page), both in order."""
    roles = sc.prose_glue_roles((book_root / f"{doc}.md").read_text(encoding="utf-8"))
    pasted = sc.pasted_texts(sc.soup(build_dir / "html" / f"{doc}.html"))
    return roles, pasted


def pasted_problems(build_dir: Path, book_root: Path, doc: str) -> list[str]:
    """Every glue role of a page pastes exactly the value the executed chapter glued."""
    store = sc.glue_store(build_dir).get(doc, {})
    roles, pasted = page_roles(build_dir, book_root, doc)
    problems = []
    if len(roles) != len(pasted):
        problems.append(f"{doc}: {len(roles)} glue roles in the source, {len(pasted)} pasted values on the page")
    for (role, key, fmt), shown in zip(roles, pasted):
        if key not in store:
            problems.append(f"{doc}: {key} is not in the glue store")
            continue
        want = sc.expected_text(role, store[key], fmt)
        if normalise(want) != normalise(shown):
            problems.append(f"{doc}: {{glue:{role}}}`{key}` shows {shown!r}, glued {want!r}")
    return problems


def _same(value: object, text: str, role: str, fmt: str) -> bool:
    if isinstance(value, Prefix):
        return normalise(text).startswith(normalise(value))
    if isinstance(value, Contains):
        return normalise(value) in normalise(text)
    if isinstance(value, Number) and not isinstance(value, bool):
        if role == "text" and fmt and fmt[-1] != "s":
            return normalise(sc.expected_text("text", repr(float(value)), fmt)) == normalise(text)
        try:
            return math.isclose(float(text), float(value), rel_tol=1e-9, abs_tol=1e-12)
        except ValueError:
            return False
    return normalise(str(value)) == normalise(text)


def number_problems(build_dir: Path, book_root: Path, ds: Dataset) -> list[str]:
    """Every number of :data:`RECOMPUTE`, recomputed from ``ds``, equals the glued value and the page text."""
    store = sc.glue_store(build_dir)
    problems = []
    for doc, keys in RECOMPUTE.items():
        roles, pasted = page_roles(build_dir, book_root, doc)
        for key, fn in keys.items():
            value = fn(ds)
            stored = store.get(doc, {}).get(key)
            if stored is None:
                problems.append(f"{doc}: {key} was not glued")
                continue
            if not _same(value, stored, "any", ""):
                problems.append(f"{doc}: {key} glued {stored!r}, data give {value!r}")
            for (role, k, fmt), shown in zip(roles, pasted):
                if k == key and not _same(value, shown, role, fmt):
                    problems.append(f"{doc}: page shows {key} as {shown!r}, data give {value!r}")
    return problems
