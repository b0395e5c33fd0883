"""Charts of weekly response (Altair; interactivity through Vega-Lite params, no kernel) and their phrases.

The range charts take the long table of :func:`masreview.analysis.trajectories.ranges_by_reading`
(or a dict of assumption set -> ranges, read as the default reading) and carry a checkbox per switch
of :class:`masreview.generate.readings.Reading` and a dropdown of assumption sets.
"""

from __future__ import annotations

from functools import reduce

import pandas as pd

from masreview.analysis.trajectories import WEEK_STATUS, median_time_range, under
from masreview.data import vocab
from masreview.generate.readings import SWITCHES, Reading
from masreview.generate.weekly import STATES, Facts


STATE_COLORS = {"CR": "#1b7837", "PR": "#7fbf7b", "NR": "#b2abd2", "dead": "#40004b"}


STATE_LABELS = {s: vocab.RESPONSE_STATES[s] for s in STATES}


def _ranges_long(ranges: dict[str, pd.DataFrame] | pd.DataFrame) -> pd.DataFrame:
    """The long table with a column per reading switch and one of assumption sets (charts drop the
    reading's description: the checkboxes show it)."""
    if isinstance(ranges, pd.DataFrame):
        return ranges.drop(columns=["reading", "determined"], errors="ignore")
    frames = []
    for name, r in ranges.items():
        r = r.copy()
        for k, v in reversed(list(Reading().switches().items())):
            r.insert(0, k, v)
        r.insert(len(SWITCHES), "assumptions", name)
        frames.append(r.drop(columns="determined"))
    return pd.concat(frames, ignore_index=True)


def _changes_the_chart(long: pd.DataFrame, switch: str, shown: dict) -> bool:
    """Whether flipping ``switch`` (the other switches at their default, the rows the chart shows first
    selected by ``shown``) changes any plotted range: a checkbox that changes nothing is not offered."""
    rows = long
    for k, v in {**{o: bool(getattr(Reading(), o)) for o in SWITCHES if o != switch}, **shown}.items():
        rows = rows[rows[k] == v]
    key = [c for c in ("assumptions", "week", "quantity") if c in rows.columns]
    sides = [rows[rows[switch] == v].set_index(key)[["min", "max"]].sort_index() for v in (True, False)]
    return not sides[0].equals(sides[1])


def _reading_params(long: pd.DataFrame, shown: dict | None = None):
    """A checkbox per reading switch that changes what the chart first shows (``shown``: e.g. the
    assumption set its menu starts at), and the predicate that keeps the rows of the ticked reading."""
    import altair as alt

    params, preds = [], []
    for k, s in SWITCHES.items():
        values = sorted(long[k].unique())
        if len(values) == 1 or not _changes_the_chart(long, k, shown or {}):
            preds.append(alt.datum[k] == bool(getattr(Reading(), k))) if len(values) > 1 else None
            continue
        p = alt.param(name=k, value=bool(getattr(Reading(), k)), bind=alt.binding_checkbox(name=f"{s.label} "))
        params.append(p)
        preds.append(alt.datum[k] == p)
    return params, preds


def _filtered(chart, preds):
    return chart.transform_filter(reduce(lambda a, b: a & b, preds)) if preds else chart


def weekly_chart(counts: pd.DataFrame, ranges: dict[str, pd.DataFrame] | pd.DataFrame, status: dict[int, str],
                 n: int):
    """Stacked weekly bars of the reconstruction, with how far each boundary can move.

    Bars: the reconstructed count in each state (CR at the bottom, then PR, NR, dead); fully opaque
    in weeks whose counts the abstract states, faded elsewhere. Whiskers: the range of the boundary
    above CR, above PR and above NR (the cumulative counts) over every trajectory the facts allow,
    under the assumption set picked in the dropdown and the reading ticked in the checkboxes (a week
    that reading does not assess has no whisker).
    """
    import altair as alt

    long = counts.melt(id_vars="week", value_vars=list(STATES), var_name="state", value_name="patients")
    long["order"] = long["state"].map({s: i for i, s in enumerate(STATES)})
    long["status"] = long["week"].map(status)
    long["label"] = long["state"].map(STATE_LABELS)
    long_r = _ranges_long(ranges)
    keys = [*SWITCHES, "assumptions"]
    rows = []
    for key, r in long_r.groupby(keys, sort=False):
        idx = r.set_index(["week", "quantity"])
        for w in sorted(r["week"].unique()):
            for boundary, q, flip in (("top of CR", "CR", False), ("top of PR", "CR or PR", False),
                                      ("top of NR", "dead", True)):
                lo, hi = int(idx.at[(w, q), "min"]), int(idx.at[(w, q), "max"])
                if flip:
                    lo, hi = n - hi, n - lo
                rows.append({**dict(zip(keys, key)), "week": int(w), "boundary": boundary, "low": lo, "high": hi,
                             "range": f"{lo}" if lo == hi else f"{lo} to {hi}"})
    whiskers = pd.DataFrame(rows)
    names = list(dict.fromkeys(long_r["assumptions"]))
    choice = alt.param(name="assumptions", value=names[0],
                       bind=alt.binding_select(options=names, name="Ranges under assumption: "))
    switches, preds = _reading_params(long_r, {"assumptions": names[0]})
    x = alt.X("week:O", title="Week of ruxolitinib (weekly assessment)", axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(long).mark_bar(size=34).encode(
        x=x,
        y=alt.Y("patients:Q", title="Patients", stack="zero", scale=alt.Scale(domain=[0, n])),
        color=alt.Color("state:N", scale=alt.Scale(domain=list(STATES), range=[STATE_COLORS[s] for s in STATES]),
                        title="State", sort=list(STATES)),
        order=alt.Order("order:Q"),
        opacity=alt.Opacity("status:N", scale=alt.Scale(domain=list(WEEK_STATUS), range=[1.0, 0.6, 0.3]),
                            title="Week"),
        tooltip=[alt.Tooltip("week:O", title="Week"), alt.Tooltip("label:N", title="State"),
                 alt.Tooltip("patients:Q", title="Patients (reconstruction)"), alt.Tooltip("status:N", title="Week")],
    )
    wf = _filtered(alt.Chart(whiskers), [alt.datum.assumptions == choice, *preds])
    tips = [alt.Tooltip("week:O", title="Week"), alt.Tooltip("boundary:N", title="Boundary"),
            alt.Tooltip("range:N", title="Possible patients below it"), alt.Tooltip("assumptions:N")]
    rule = wf.mark_rule(strokeWidth=2, color="black", xOffset=24).encode(x=x, y="low:Q", y2="high:Q", tooltip=tips)
    lo_tick = wf.mark_tick(color="black", width=8, thickness=2, xOffset=24).encode(x=x, y="low:Q", tooltip=tips)
    hi_tick = wf.mark_tick(color="black", width=8, thickness=2, xOffset=24).encode(x=x, y="high:Q", tooltip=tips)
    labels = alt.Chart(pd.DataFrame([{"week": w, "text": "reported"} for w, s in status.items() if s == "reported"])
                       ).mark_text(dy=-8, fontSize=11).encode(x=x, y=alt.value(0), text="text:N")
    return alt.layer(bars, rule, lo_tick, hi_tick, labels).add_params(choice, *switches).properties(
        width=460, height=320,
        title=alt.Title("Response at each weekly assessment",
                        subtitle=["Bars: one reconstruction (fewest changes, each as late as possible); "
                                  "faded weeks are not stated",
                                  "Whiskers: where the top of CR, of PR and of NR can lie given the stated facts,",
                                  "under the assumptions and the reading chosen below (no whisker: week not assessed)"]),
        description=f"Stacked bars of complete remission, partial remission, no response and death at weeks "
                    f"{min(status)} to {max(status)} for the {n} treated patients, from one reconstruction. "
                    f"Weeks marked reported are stated in the abstract. Black whiskers show the range of each "
                    f"cumulative boundary consistent with the stated facts, under the assumption set chosen in the "
                    f"dropdown and the reading of the narrative chosen with the checkboxes.").configure_legend(
        orient="bottom", direction="horizontal")


def _sigmoid_band(x0: float, x1: float, a0: float, a1: float, b0: float, b1: float, k: int = 16) -> list[tuple]:
    out = []
    for i in range(k + 1):
        s = i / k
        f = s * s * (3 - 2 * s)  # smoothstep
        out.append((x0 + (x1 - x0) * s, a0 + (a1 - a0) * f, b0 + (b1 - b0) * f))
    return out


def flow_chart(moves: pd.DataFrame, counts: pd.DataFrame, n: int, gap: float = 0.6):
    """Alluvial chart of the reconstruction: a column of states per week, bands for patients moving
    between assessments (width = patients). Click a state in the legend to follow its patients."""
    import altair as alt

    node_w = 0.12
    weeks = list(counts["week"])
    order = list(STATES)  # top to bottom

    def node_spans(row) -> dict[str, tuple[float, float]]:
        spans, top = {}, n + gap * (len(order) - 1)
        for s in order:
            k = int(row[s])
            spans[s] = (top - k, top)
            top -= k + (gap if k else 0)
        return spans

    spans = {int(r["week"]): node_spans(r) for _, r in counts.iterrows()}
    nodes = [{"week": w, "x0": w - node_w, "x1": w + node_w, "y0": spans[w][s][0], "y1": spans[w][s][1],
              "state": s, "label": STATE_LABELS[s], "patients": int(counts.set_index("week").at[w, s])}
             for w in weeks for s in order if spans[w][s][1] > spans[w][s][0]]
    bands = []
    out_used = {(w, s): 0.0 for w in weeks for s in order}
    in_used = {(w, s): 0.0 for w in weeks for s in order}
    mv = moves[moves["patients"] > 0].copy()
    mv["fo"] = mv["from"].map(order.index)
    mv["to_o"] = mv["to"].map(order.index)
    for lid, r in enumerate(mv.sort_values(["week", "fo", "to_o"]).itertuples()):
        w1 = int(r.week)
        w0 = weeks[weeks.index(w1) - 1]
        k = int(r.patients)
        s_top = spans[w0][r._2][1] - out_used[(w0, r._2)]
        out_used[(w0, r._2)] += k
        t_top = spans[w1][r.to][1] - in_used[(w1, r.to)]
        in_used[(w1, r.to)] += k
        for x, top, bot in _sigmoid_band(w0 + node_w, w1 - node_w, s_top, t_top, s_top - k, t_top - k):
            bands.append({"link": lid, "x": x, "top": top, "bottom": bot, "from": r._2, "to": r.to,
                          "move": f"{r._2} -> {r.to}", "into week": w1, "patients": k})
    bands_df, nodes_df = pd.DataFrame(bands), pd.DataFrame(nodes)
    pick = alt.selection_point(fields=["state"], bind="legend", name="follow")
    color = alt.Color("state:N", scale=alt.Scale(domain=list(STATES), range=[STATE_COLORS[s] for s in STATES]),
                      title="State (click to follow)", sort=list(STATES))
    xs = alt.Scale(domain=[weeks[0] - 0.3, weeks[-1] + 0.3])
    ys = alt.Scale(domain=[0, n + gap * (len(order) - 1)])
    link = alt.Chart(bands_df).transform_calculate(state="datum.from").mark_area(interpolate="linear").encode(
        x=alt.X("x:Q", scale=xs, title="Week of ruxolitinib", axis=alt.Axis(values=weeks, format="d")),
        y=alt.Y("top:Q", scale=ys, axis=None), y2="bottom:Q", detail="link:N", color=color,
        opacity=alt.condition(pick, alt.value(0.55), alt.value(0.08)),
        tooltip=[alt.Tooltip("into week:O"), alt.Tooltip("move:N"), alt.Tooltip("patients:Q")])
    node = alt.Chart(nodes_df).mark_rect(stroke="white").encode(
        x=alt.X("x0:Q", scale=xs), x2="x1:Q", y=alt.Y("y0:Q", scale=ys), y2="y1:Q", color=color,
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.3)),
        tooltip=[alt.Tooltip("week:O"), alt.Tooltip("label:N", title="State"), alt.Tooltip("patients:Q")])
    return alt.layer(link, node).add_params(pick).properties(
        width=500, height=320,
        title=alt.Title("Moves between weekly assessments (one reconstruction)",
                        subtitle=["Band width = patients. Stated: the week-1 and week-8 counts and some moves into",
                                  "weeks 2 and 3; every other move is the reconstruction rule's choice"]),
        description="Alluvial chart of the reconstructed weekly response states: columns of complete remission, "
                    "partial remission, no response and death at each week, with bands for the patients moving "
                    "between consecutive assessments.").configure_legend(orient="bottom", direction="horizontal")


def week_slider_chart(ranges: dict[str, pd.DataFrame] | pd.DataFrame, counts: pd.DataFrame, facts: Facts):
    """Pick a week with the slider and a reading with the checkboxes: the possible count in each state
    under each assumption set (bars from min to max) and the reconstruction (dot)."""
    import altair as alt

    long = _ranges_long(ranges)
    long = long[long["quantity"].isin(list(STATES) + ["NR or dead"])].copy()
    names = list(dict.fromkeys(long["assumptions"]))
    switches, preds = _reading_params(long, {"week": int(facts.weeks[0])})
    rec = counts.set_index("week")
    rec_v = []
    for _, r in long.iterrows():
        q = r["quantity"]
        rec_v.append(int(rec.at[r["week"], "NR"] + rec.at[r["week"], "dead"]) if q == "NR or dead"
                     else int(rec.at[r["week"], q]))
    long["reconstruction"] = rec_v
    long["range"] = [f"{a}" if a == b else f"{a} to {b}" for a, b in zip(long["min"], long["max"])]
    long["fixed"] = (long["min"] == long["max"]).map({True: "fixed by the facts", False: "a range"})
    week = alt.param(name="week", value=int(facts.weeks[0]),
                     bind=alt.binding_range(min=int(facts.weeks[0]), max=int(facts.weeks[-1]), step=1,
                                            name="Week "))
    base = _filtered(alt.Chart(long), [alt.datum.week == week, *preds])
    y = alt.Y("quantity:N", sort=list(STATES) + ["NR or dead"], title=None)
    yo = alt.YOffset("assumptions:N", sort=names)
    color = alt.Color("assumptions:N", title="Assumptions", sort=names,
                      scale=alt.Scale(range=["#2166ac", "#f4a582"]))
    tips = [alt.Tooltip("week:O"), alt.Tooltip("quantity:N", title="State"), alt.Tooltip("assumptions:N"),
            alt.Tooltip("range:N", title="Possible patients"), alt.Tooltip("reconstruction:Q"),
            alt.Tooltip("fixed:N", title="")]
    bar = base.mark_bar(height=12, cornerRadius=2).encode(
        x=alt.X("min:Q", title="Patients", scale=alt.Scale(domain=[0, facts.n])), x2="max:Q", y=y, yOffset=yo,
        color=color, tooltip=tips)
    point_lo = base.mark_tick(thickness=3, size=14).encode(x="min:Q", y=y, yOffset=yo, color=color, tooltip=tips)
    dot = base.mark_point(shape="diamond", filled=True, size=60, color="black").encode(
        x="reconstruction:Q", y=y, tooltip=tips)
    text = base.mark_text(align="left", dx=6, fontSize=11).encode(x="max:Q", y=y, yOffset=yo, text="range:N")
    return alt.layer(bar, point_lo, dot, text).add_params(week, *switches).properties(
        width=440, height=260,
        title=alt.Title("What the abstract allows at one week (move the slider)",
                        subtitle=["Bars: fewest to most patients possible in each state; diamond: the reconstruction",
                                  "Under the reading chosen below; nothing shown: the reading does not assess that week"]),
        description="For the week chosen with the slider and the reading of the narrative chosen with the "
                    "checkboxes, horizontal bars give the smallest and largest number of patients possible in each "
                    "response state under each assumption set; a diamond marks the reconstruction."
    ).configure_legend(orient="bottom", direction="horizontal")


def cumulative_chart(ranges: dict[str, pd.DataFrame] | pd.DataFrame, n: int):
    """Time to first response and to CR: bands of the cumulative number of patients who had reached it,
    under the reading chosen with the checkboxes."""
    import altair as alt

    long = _ranges_long(ranges)
    long = long[long["quantity"].isin(["responded by then", "CR by then"])].copy()
    names = list(dict.fromkeys(long["assumptions"]))
    switches, preds = _reading_params(long)
    long["what"] = long["quantity"].map({"responded by then": "first response (PR or CR)", "CR by then": "first CR"})
    long["range"] = [f"{a}" if a == b else f"{a} to {b}" for a, b in zip(long["min"], long["max"])]
    color = alt.Color("assumptions:N", title="Assumptions", sort=names,
                      scale=alt.Scale(range=["#2166ac", "#f4a582"]))
    x = alt.X("week:Q", title="Week of ruxolitinib", axis=alt.Axis(format="d", tickMinStep=1))
    panels = []
    for what in ("first response (PR or CR)", "first CR"):
        base = _filtered(alt.Chart(long[long["what"] == what]), preds)
        band = base.mark_area(opacity=0.3, interpolate="step-after").encode(
            x=x, y=alt.Y("min:Q", title="Patients reached by then", scale=alt.Scale(domain=[0, n])), y2="max:Q",
            color=color)
        edge = base.mark_point(filled=True, size=30).encode(
            x=x, y="max:Q", color=color,
            tooltip=[alt.Tooltip("week:Q"), alt.Tooltip("assumptions:N"), alt.Tooltip("range:N", title="Patients")])
        half = alt.Chart(pd.DataFrame({"y": [n / 2]})).mark_rule(strokeDash=[4, 3], color="grey").encode(y="y:Q")
        panels.append(alt.layer(band, edge, half).properties(width=220, height=220, title=what))
    return alt.hconcat(*panels).add_params(*switches).properties(
        title=alt.Title("Time to first response and to CR, as far as the facts allow",
                        subtitle=["Bands: fewest to most patients who had reached it by each assessed week; dashed: "
                                  "half the cohort (the median)", "Under the reading chosen below"]),
        description="Cumulative number of patients who had a first response (left) or a first complete remission "
                    "(right) by each week, as ranges consistent with the stated facts under each assumption set and "
                    "the reading of the narrative chosen with the checkboxes."
    ).configure_legend(orient="bottom", direction="horizontal")


def range_phrase(ranges: pd.DataFrame, week: int, quantity: str) -> str:
    """'6' when the facts fix it, '1 to 4' otherwise (for glue in prose)."""
    r = ranges[(ranges["week"] == week) & (ranges["quantity"] == quantity)].iloc[0]
    lo, hi = int(r["min"]), int(r["max"])
    return f"{lo}" if lo == hi else f"{lo} to {hi}"


def median_phrase(early: int | None, late: int | None, last_week: int) -> str:
    """'week 2 or 3', 'week 2', 'week 2 at the earliest (possibly not within 8 weeks)', 'not within 8 weeks'."""
    if early is None:
        return f"not reached within {last_week} weeks"
    if late is None:
        return f"week {early} at the earliest, possibly not within {last_week} weeks"
    return f"week {early}" if early == late else f"between week {early} and week {late}"


def reading_summary(long: pd.DataFrame, readings: list[Reading], n: int, last_week: int) -> pd.DataFrame:
    """One row per reading: for each assumption set, the patients who had ever responded and ever
    reached CR by the last week, and the median time to first response, as phrases."""
    rows = []
    for reading in readings:
        row = {"reading": reading.describe()}
        for name in dict.fromkeys(long["assumptions"]):
            r = under(long, reading, name)
            row[f"responded by week {last_week} ({name})"] = range_phrase(r, last_week, "responded by then")
            row[f"CR by week {last_week} ({name})"] = range_phrase(r, last_week, "CR by then")
            row[f"median time to first response ({name})"] = median_phrase(
                *median_time_range(r, "responded by then", n), last_week)
        rows.append(row)
    return pd.DataFrame(rows)


def across_phrase(lo: int, hi: int, distinct: int, n_readings: int) -> str:
    """A range over every reading: '16 under each of the 16 readings' or 'anywhere from 16 to 19 (the
    range depends on the reading)'."""
    if distinct == 1:
        return f"{lo if lo == hi else f'{lo} to {hi}'} under each of the {n_readings} readings"
    return f"anywhere from {lo} to {hi} (the range depends on the reading)"


def change_phrase(changed: int, compared: int) -> str:
    """'none of the 48 ranges changes' or '12 of the 48 ranges change'."""
    if changed == 0:
        return f"none of the {compared} ranges changes"
    return f"{changed} of the {compared} ranges change{'s' if changed == 1 else ''}"


def median_across(long: pd.DataFrame, readings: list[Reading], assumptions: str, n: int, last_week: int) -> str:
    """The median time to first response over every reading, as a phrase."""
    medians = {median_phrase(*median_time_range(under(long, r, assumptions), "responded by then", n), last_week)
               for r in readings}
    if len(medians) == 1:
        return f"{medians.pop()} under each of the {len(readings)} readings"
    return f"one of: {'; '.join(sorted(medians))}, depending on the reading"


def weeks_phrase(weeks) -> str:
    """'1, 2, 3 and 8' (for glue in prose)."""
    weeks = [str(int(w)) for w in weeks]
    return weeks[0] if len(weeks) == 1 else f"{', '.join(weeks[:-1])} and {weeks[-1]}"
