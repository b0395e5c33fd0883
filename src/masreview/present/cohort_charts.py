"""A cohort's marginals and proportions as readers see them: display tables and charts (Altair)."""

from __future__ import annotations

import altair as alt
import pandas as pd

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


def marginal_display(marg: pd.DataFrame) -> pd.DataFrame:
    """Reader's version of :func:`masreview.analysis.cohort.marginal_table` (without the codes)."""
    shown = marg.drop(columns="code").rename(columns={"n": "patients", "percent": "% of group"})
    return shown.assign(**{"% of group": shown["% of group"].round().astype(int)})


def median_display(medians: pd.DataFrame) -> pd.DataFrame:
    """Reader's version of :func:`masreview.analysis.cohort.reported_medians`."""
    return medians[["when", "value", "unit", "locator"]].rename(columns={"value": "median"})


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
