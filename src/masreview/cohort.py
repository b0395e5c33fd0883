"""Describing a cohort from its patient rows: marginal tables and charts, response proportions with
exact intervals, and summaries published only as medians.

Everything here works on *marginals* (one attribute at a time). Reconstructed rows
(:mod:`masreview.reconstruct`) reproduce marginals exactly but carry no joint information, so no
helper here cross-tabulates two attributes.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import reproduce, stats, vocab

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


def group_patients(src, group: str) -> pd.DataFrame:
    p = src["patients"]
    return p[p["group"] == group]


def marginal_table(src, group: str, columns: dict[str, dict]) -> pd.DataFrame:
    """Counts of each category of each column (one at a time), in vocabulary order.

    ``columns``: column of patients.csv -> its vocabulary (e.g. ``{"sex": vocab.SEXES}``).
    Columns: characteristic, category, n, percent (of the group).
    """
    p = group_patients(src, group)
    rows = []
    names = {"sex": "Sex", "disease": "Underlying disease"}
    for col, voc in columns.items():
        counts = p[col].value_counts()
        for code, label in voc.items():
            k = int(counts.get(code, 0))
            if k:
                rows.append({"characteristic": names.get(col, col.replace("_", " ").capitalize()),
                             "category": label, "n": k, "percent": 100 * k / len(p)})
        missing = int(p[col].isna().sum())
        if missing:
            rows.append({"characteristic": names.get(col, col), "category": "Not reported", "n": missing,
                         "percent": 100 * missing / len(p)})
    return pd.DataFrame(rows)


def marginal_chart(table: pd.DataFrame, title: str, description: str) -> alt.Chart:
    """Horizontal bars, one per category, grouped by characteristic (order kept from the table).

    The values are appended to ``description`` so that screen readers get the numbers.
    """
    d = table.assign(order=range(len(table)))
    values = "; ".join(f"{r.characteristic}, {r.category}: {r.n}" for r in table.itertuples())
    return alt.Chart(d, title=title, description=f"{description} Values: {values}.").mark_bar().encode(
        y=alt.Y("category:N", title=None, sort=alt.EncodingSortField("order")),
        x=alt.X("n:Q", title="Patients", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("characteristic:N", title="Characteristic"),
        tooltip=[alt.Tooltip("characteristic:N"), alt.Tooltip("category:N"), alt.Tooltip("n:Q", title="Patients"),
                 alt.Tooltip("percent:Q", title="% of group", format=".0f")],
    ).properties(width=420, height=alt.Step(24))


def response_counts(src, group: str, timepoint: str) -> dict[str, tuple[int, int]]:
    """label -> (patients, group size at the assessment) for CR, PR, CR+PR, NR from response states."""
    states = reproduce.states_at(src, group, timepoint)
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


def proportion_display(rows: pd.DataFrame) -> pd.DataFrame:
    """Reader's version of :func:`proportion_rows`: n/N, %, exact and Wilson intervals in percent."""
    return pd.DataFrame({
        "": rows["label"],
        "n/N": [f"{k}/{n}" for k, n in zip(rows["k"], rows["n"])],
        "%": (100 * rows["estimate"]).round(1),
        "exact 95% CI (Clopper-Pearson)": [f"{100 * a:.1f} to {100 * b:.1f}" for a, b in zip(rows["cp_low"], rows["cp_high"])],
        "Wilson 95% CI": [f"{100 * a:.1f} to {100 * b:.1f}" for a, b in zip(rows["wilson_low"], rows["wilson_high"])],
    })


def proportion_chart(rows: pd.DataFrame, title: str, description: str) -> alt.LayerChart:
    """Point estimate with its exact 95% interval, one row per category (values appended to the description)."""
    d = rows.assign(order=range(len(rows)), pct=100 * rows["estimate"], lo=100 * rows["cp_low"],
                    hi=100 * rows["cp_high"], nN=[f"{k}/{n}" for k, n in zip(rows["k"], rows["n"])])
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("order"))
    x = alt.X("lo:Q", title="Percent of patients (exact 95% CI)", scale=alt.Scale(domain=[0, 100]))
    tooltip = [alt.Tooltip("label:N", title=""), alt.Tooltip("nN:N", title="n/N"),
               alt.Tooltip("pct:Q", title="%", format=".1f"), alt.Tooltip("lo:Q", title="lower", format=".1f"),
               alt.Tooltip("hi:Q", title="upper", format=".1f")]
    bars = alt.Chart(d).mark_rule(strokeWidth=2).encode(y=y, x=x, x2="hi:Q", tooltip=tooltip)
    pts = alt.Chart(d).mark_point(filled=True, size=70).encode(y=y, x="pct:Q", tooltip=tooltip)
    values = "; ".join(f"{r.label}: {r.k} of {r.n} ({100 * r.estimate:.0f}%, {100 * r.cp_low:.1f} to {100 * r.cp_high:.1f})"
                       for r in rows.itertuples())
    return alt.layer(bars, pts).properties(width=420, height=alt.Step(30), title=title,
                                           description=f"{description} Values: {values}.")


def reported_medians(src, measure: str, group: str) -> pd.DataFrame:
    """The rows of measures.csv reporting a median, in time order: timepoint, value, unit, locator."""
    m = src["measures"]
    sel = m[(m["measure"] == measure) & (m["group"] == group)].copy()
    if sel.empty:
        raise ValueError(f"no '{measure}' rows for {group}")
    sel["week"] = sel["timepoint"].map(vocab.timepoint_weeks)
    sel = sel.sort_values("week")
    return sel[["measure_id", "timepoint", "value", "unit", "decimals", "locator"]].reset_index(drop=True)


def relative_change(before: float, after: float) -> float:
    """(before - after) / before: the relative reduction from one summary to another."""
    if before == 0:
        raise ValueError("relative change from zero is undefined")
    return (float(before) - float(after)) / float(before)
