"""Kaplan-Meier and P-value charts of the survival scenarios (Altair; Vega-Lite dropdowns, no kernel)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from masreview.analysis.survival import (GroupCounts, ScenarioGrid, consistent, km_steps,
                                         scenario_data)
from masreview.data import vocab

def _p_label(table: pd.DataFrame, printed: float, decimals: int) -> pd.Series:
    ok = consistent(table, printed, decimals)
    return [f"scenario {s}: log-rank P = {p:.4f} ({'rounds to' if c else 'does not round to'} {printed:.{decimals}f})"
            for s, p, c in zip(table["scenario"], table["p_lifelines"], ok)]


def km_chart(curves: pd.DataFrame, table: pd.DataFrame, printed: float, decimals: int,
             default: dict | None = None, grid: ScenarioGrid | None = None) -> alt.LayerChart:
    """Kaplan-Meier curves of one scenario at a time, chosen with Vega-Lite dropdowns (no kernel)."""
    grid = grid or ScenarioGrid()
    default = default or table.iloc[0][list(ScenarioGrid.PARAMETERS)].to_dict()
    names = {"treated_death_week": "Ruxolitinib death (week) ", "control_first_death_week": "First control death (week) ",
             "control_last_death_week": "Last control death (week) ", "follow_up_weeks": "Follow-up (weeks) ",
             "censoring": "Survivors' follow-up "}
    params = {p: alt.param(name=p.replace("_", ""), value=plain_value(default[p]),
                           bind=alt.binding_select(options=[plain_value(v) for v in getattr(grid, p)], name=names[p]))
              for p in ScenarioGrid.PARAMETERS}

    def match(p):
        return f"(!isValid(datum.{p}) || datum.{p} == {params[p].name})"

    curve_filter = " && ".join(match(p) for p in ScenarioGrid.PARAMETERS)
    scen_filter = " && ".join(f"datum.{p} == {params[p].name}" for p in ScenarioGrid.PARAMETERS)
    data = curves[["group_label", "time", "survival", "at_risk", "censored", *ScenarioGrid.PARAMETERS]].round(
        {"time": 3, "survival": 4})
    base = alt.Chart(data).transform_filter(curve_filter)
    color = alt.Color("group_label:N", title="Group", scale=alt.Scale(
        domain=[v for v in vocab.GROUPS.values() if v in set(curves["group_label"])]))
    x = alt.X("time:Q", title="Weeks since ruxolitinib started (scenario)", scale=alt.Scale(domain=[0, max(grid.follow_up_weeks)]))
    y = alt.Y("survival:Q", title="Surviving (Kaplan-Meier)", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    lines = base.mark_line(interpolate="step-after", strokeWidth=2).encode(x=x, y=y, color=color)
    # aria=False: a scenario without censoring leaves this layer empty, and Vega marks an empty layer as
    # an unlabelled graphic (the curves and the description carry what a screen reader needs).
    censor = base.transform_filter("datum.censored > 0").mark_tick(thickness=1.5, size=10, aria=False).encode(
        x=x, y=y, color=color,
        tooltip=[alt.Tooltip("group_label:N", title="Group"), alt.Tooltip("time:Q", title="Week", format=".1f"),
                 alt.Tooltip("censored:Q", title="Censored"), alt.Tooltip("at_risk:Q", title="At risk")])
    labels = table.assign(label=_p_label(table, printed, decimals))[[*ScenarioGrid.PARAMETERS, "label"]]
    text = alt.Chart(labels).transform_filter(scen_filter).mark_text(align="left", x=5, y=-8, fontSize=12).encode(
        text="label:N")
    return alt.layer(lines, censor, text).add_params(*params.values()).configure_legend(orient="bottom").properties(
        width=460, height=300,
        title=alt.Title("Survival under one scenario for the unpublished death times",
                        subtitle="Choose the scenario below; the published counts are fixed, the times are assumed"),
        description="Kaplan-Meier curves of the ruxolitinib group and the historical controls for the chosen scenario "
                    "of death and follow-up times, with the log-rank P of that scenario. Times are assumptions, "
                    "not published data.")


def plain_value(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return int(v) if float(v).is_integer() else float(v)
    return v


def p_distribution_chart(table: pd.DataFrame, printed: float, decimals: int) -> alt.LayerChart:
    """Log-rank P of every scenario (one tick each) by ruxolitinib death week, with the printed P marked."""
    ok = consistent(table, printed, decimals)
    half = 0.5 * 10 ** -decimals
    d = table.assign(consistent=np.where(ok, f"rounds to {printed:.{decimals}f}", f"does not round to {printed:.{decimals}f}"))
    sel = alt.selection_point(fields=["censoring"], bind="legend", name="censoringpick")
    lo = min(float(table["p_lifelines"].min()), printed) / 1.5
    hi = max(float(table["p_lifelines"].max()), printed) * 1.5
    x = alt.X("p_lifelines:Q", title="Log-rank P (lifelines), log scale",
              scale=alt.Scale(type="log", domain=[lo, hi], nice=False))
    ticks = alt.Chart(d).mark_tick(thickness=2, size=14).encode(
        x=x, y=alt.Y("treated_death_week:O", title="Ruxolitinib death (week, scenario)"),
        color=alt.Color("censoring:N", title="Survivors' follow-up (click to highlight)",
                        legend=alt.Legend(orient="bottom")),
        opacity=alt.condition(sel, alt.value(0.9), alt.value(0.08)),
        tooltip=[alt.Tooltip("scenario:Q"), alt.Tooltip("treated_death_week:Q", title="Ruxolitinib death (week)"),
                 alt.Tooltip("control_first_death_week:Q", title="First control death (week)"),
                 alt.Tooltip("control_last_death_week:Q", title="Last control death (week)"),
                 alt.Tooltip("follow_up_weeks:Q", title="Follow-up (weeks)"),
                 alt.Tooltip("censoring:N", title="Survivors' follow-up"),
                 alt.Tooltip("p_lifelines:Q", title="Log-rank P", format=".4f"),
                 alt.Tooltip("consistent:N", title="Published P")]).add_params(sel)
    band = alt.Chart(pd.DataFrame({"lo": [printed - half], "hi": [printed + half]})).mark_rect(
        opacity=0.25, color="grey").encode(x=alt.X("lo:Q", scale=alt.Scale(type="log", domain=[lo, hi], nice=False)),
                                           x2="hi:Q")
    rule = alt.Chart(pd.DataFrame({"p": [printed], "text": [f"published P = {printed:.{decimals}f}"]}))
    return alt.layer(band, rule.mark_rule(strokeDash=[4, 3]).encode(x="p:Q"),
                     rule.mark_text(align="left", dx=4, y=-6).encode(x="p:Q", text="text:N"), ticks).properties(
        width=460, height=260,
        title=alt.Title("Log-rank P over all scenarios for the unpublished death times",
                        subtitle=["Grey band: values that print as the published P.",
                                  "Click a legend entry to highlight one follow-up pattern."]),
        description="Each tick is one scenario of death and follow-up times; position is its log-rank P, rows are the "
                    "week of the ruxolitinib death. The dashed line and band mark the published P.")


def scenario_chart(counts: dict[str, GroupCounts], values: dict, p: float, grid: ScenarioGrid | None = None) -> alt.Chart:
    """Static KM chart of one scenario."""
    grid = grid or ScenarioGrid()
    steps = km_steps(scenario_data(counts, values, grid.min_follow_up_weeks))
    steps["group_label"] = steps["group"].map(vocab.GROUPS)
    return alt.Chart(steps).mark_line(interpolate="step-after").encode(
        x=alt.X("time:Q", title="Weeks (scenario)"), y=alt.Y("survival:Q", title="Surviving", axis=alt.Axis(format="%"),
                                                            scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("group_label:N", title="Group")).properties(
        width=500, height=250, title=f"Kaplan-Meier, one scenario (log-rank P = {p:.4f})",
        description="Kaplan-Meier curves for the chosen scenario of unpublished death and follow-up times.")
