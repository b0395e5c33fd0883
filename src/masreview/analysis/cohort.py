"""Describing a cohort from its patient rows: marginal tables, response proportions with
exact intervals, and summaries published only as medians.

Everything here works on *marginals* (one attribute at a time). Reconstructed rows
(:mod:`masreview.generate.reconstruct`) reproduce marginals exactly but carry no joint information, so no
helper here cross-tabulates two attributes.
"""

from __future__ import annotations

import pandas as pd

from masreview.analysis import stats

from masreview.data import vocab
from masreview.data.select import group_patients, states_at

# Response categories reported or derived at an assessment: label -> states counted.
RESPONSE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "CR": ("CR",),
    "PR": ("PR",),
    "CR+PR": ("CR", "PR"),
    "NR": ("NR", "dead"),
}
RESPONSE_LABELS = {
    "CR": "Complete remission (CR)",
    "PR": "Partial remission (PR)",
    "CR+PR": "Overall response (CR + PR)",
    "NR": "No response (NR, including any death before the assessment)",
}


# The baseline characteristics a cohort chapter shows: column of patients.csv -> the categories counted.
BASELINE = {"sex": vocab.SEXES, "disease": vocab.DISEASES, "active_disease_baseline": {"yes": "Active disease"}}


def marginal_table(src, group: str, columns: dict[str, dict] | None = None) -> pd.DataFrame:
    """Counts of each category of each column (one at a time), in vocabulary order.

    ``columns``: column of patients.csv -> its vocabulary (e.g. ``{"sex": vocab.SEXES}``); default
    :data:`BASELINE`.
    Columns: characteristic, category, n, percent (of the group), code (the vocabulary code).
    """
    p = group_patients(src, group)
    rows = []
    columns = BASELINE if columns is None else columns
    names = {"sex": "Sex", "disease": "Underlying disease"}
    for col, voc in columns.items():
        counts = p[col].value_counts()
        for code, label in voc.items():
            k = int(counts.get(code, 0))
            if k:
                rows.append({"characteristic": names.get(col, col.replace("_", " ").capitalize()),
                             "category": label, "n": k, "percent": 100 * k / len(p),
                             "code": code if col in ("sex", "disease") else f"{col}-{code}"})
        missing = int(p[col].isna().sum())
        if missing:
            rows.append({"characteristic": names.get(col, col), "category": "Not reported", "n": missing,
                         "percent": 100 * missing / len(p), "code": f"{col}-not-reported"})
    return pd.DataFrame(rows, columns=["characteristic", "category", "n", "percent", "code"])


def response_counts(src, group: str, timepoint: str) -> dict[str, tuple[int, int]]:
    """label -> (patients, group size at the assessment) for CR, PR, CR+PR, NR from response states."""
    states = states_at(src, group, timepoint)
    n = len(states)
    if n == 0:
        raise ValueError(f"no response states for {group} at {timepoint}")
    return {label: (int(states.isin(list(s)).sum()), n) for label, s in RESPONSE_CATEGORIES.items()}


def proportion_rows(counts: dict[str, tuple[int, int]], labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Numeric table: key, label, k, n, estimate, Clopper-Pearson and Wilson 95% bounds (fractions)."""
    rows = []
    for key, (k, n) in counts.items():
        cp = stats.proportion_ci(k, n, "clopper-pearson")
        wi = stats.proportion_ci(k, n, "wilson")
        rows.append({"key": key, "label": (labels or {}).get(key, key), "k": k, "n": n, "estimate": cp.estimate,
                     "cp_low": cp.low, "cp_high": cp.high, "wilson_low": wi.low, "wilson_high": wi.high})
    return pd.DataFrame(rows)


def reported_medians(src, measure: str, group: str) -> pd.DataFrame:
    """The rows of measures.csv reporting a median, in time order: timepoint, value, unit, locator."""
    m = src["measures"]
    sel = m[(m["measure"] == measure) & (m["group"] == group)].copy()
    if sel.empty:
        raise ValueError(f"no '{measure}' rows for {group}")
    sel["week"] = sel["timepoint"].map(vocab.timepoint_weeks)
    sel = sel.sort_values("week")
    sel["when"] = sel["timepoint"].str.replace("-", " ")
    return sel[["measure_id", "timepoint", "when", "value", "unit", "decimals", "locator"]].reset_index(drop=True)


def relative_change(before: float, after: float) -> float:
    """(before - after) / before: the relative reduction from one summary to another."""
    if before == 0:
        raise ValueError("relative change from zero is undefined")
    return (float(before) - float(after)) / float(before)


def group_sizes(src) -> pd.DataFrame:
    """Patient rows per group of a source, and 'all': columns group, n."""
    counts = src["patients"]["group"].value_counts()
    rows = [{"group": g, "n": int(n)} for g, n in counts.items()]
    return pd.DataFrame(rows + [{"group": "all", "n": int(counts.sum())}], columns=["group", "n"])
