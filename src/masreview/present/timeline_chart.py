"""A case timeline drawn so that known lengths are to scale and unknown ones are visibly unknown."""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from masreview.analysis.timeline import LENGTH_STATUS
from masreview.data import vocab

def _chart_unit(days: pd.Series) -> str:
    longest = days.max() if days.notna().any() else 0
    return "month" if longest >= 60 else "week" if longest >= 14 else "day"


def timeline_data(ph: pd.DataFrame, patient_id: str | None = None) -> tuple[pd.DataFrame, str, str]:
    """The rows the chart draws, the mode (``dates`` or ``lengths``) and the unit of the length axis.

    ``dates``: every phase has a first and last day, drawn on a calendar axis. ``lengths``: otherwise;
    each phase is a bar from zero whose length is to scale when known, and unknown lengths are drawn as
    a dashed, unfilled box across the whole axis with the words "length not reported".
    """
    if patient_id is None:
        ids = list(dict.fromkeys(ph["patient_id"]))
        if len(ids) != 1:
            raise ValueError(f"the phases hold {len(ids)} patients: pass patient_id (one of {', '.join(ids)})")
        patient_id = ids[0]
    d = ph[ph["patient_id"] == patient_id].sort_values("order").copy()
    if d.empty:
        raise ValueError(f"no phases for patient '{patient_id}'")
    d["phase"] = ["\n".join(textwrap.wrap(f"{int(o)}. {lab}", 36)) for o, lab in zip(d["order"], d["label"])]
    d["how_known"] = d["length_status"].map(LENGTH_STATUS)
    dated = d["start_date"].notna().all() and d["end_date"].notna().all()
    unit = "day" if dated else _chart_unit(d["days"])
    d["length"] = (d["days"] / vocab.TIME_UNITS[unit]).round(2)
    known_max = d["length"].max() if d["length"].notna().any() else 1.0
    d["x0"] = 0.0
    d["x1"] = d["length"].fillna(known_max)
    d["drugs"] = d["drugs"].replace("", "none recorded")
    d["start"] = d["start_date"].dt.strftime("%Y-%m-%d")
    # The calendar end is the day after the last day, so that a one-day phase has a width.
    d["end"] = (d["end_date"] + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    cols = ["order", "phase", "label", "phase_id", "length", "x0", "x1", "length_text", "length_status", "how_known",
            "drugs", "start", "end", "locator"]
    d = d[cols].astype(object).where(d[cols].notna(), None)
    return d.reset_index(drop=True), ("dates" if dated else "lengths"), unit


def timeline_chart(ph: pd.DataFrame, patient_id: str | None = None, title: str | None = None,
                   width: int = 330) -> alt.LayerChart:
    """Phases of one patient in order (top to bottom).

    Known lengths are to scale (stated: solid; approximate: lighter with "about" in the label); unknown
    lengths are dashed, unfilled boxes spanning the axis and labelled "length not reported", so that no
    reader takes them for a measured length. With dates for every phase, the x axis is the calendar.
    Hovering a phase shows its drugs and where the source states it.
    """
    d, mode, unit = timeline_data(ph, patient_id)
    order = list(d["phase"])
    statuses = [s for s in LENGTH_STATUS if s in set(d["length_status"])]
    color = alt.Color("how_known:N", title="How the length is known",
                      scale=alt.Scale(domain=[LENGTH_STATUS[s] for s in statuses],
                                      range=[{"stated": "#1f5f8b", "approximate": "#7fb3d5",
                                              "from-dates": "#1f5f8b", "unknown": "#ffffff"}[s]
                                             for s in statuses]),
                      legend=alt.Legend(orient="bottom", direction="vertical", symbolStrokeColor="#555", labelLimit=400))
    y = alt.Y("phase:N", sort=order, title=None,
              axis=alt.Axis(labelExpr="split(datum.value, '\\n')", labelLimit=240, labelFontSize=11,
                            labelAlign="left", labelPadding=232))
    tooltip = [alt.Tooltip("label:N", title="Phase"), alt.Tooltip("length_text:N", title="Length"),
               alt.Tooltip("drugs:N", title="Drugs"), alt.Tooltip("locator:N", title="Stated in")]
    patient = patient_id or str(ph["patient_id"].iloc[0])
    title = title or f"Treatment timeline of patient {patient}"
    n_unknown = int((d["length_status"] == "unknown").sum())
    if mode == "dates":
        tooltip[1:1] = [alt.Tooltip("start:N", title="First day"), alt.Tooltip("end:N", title="Day after the last")]
        description = (f"Gantt chart of {len(d)} phases on a calendar axis, from {d['start'].iloc[0]} "
                       f"to the end of the last phase; every phase has reported dates.")
        base = alt.Chart(d)
        heading = alt.Title(title, subtitle="Phases in order; bars span the reported dates")
        bars = base.mark_bar(stroke="#333", strokeWidth=1, height=22).encode(
            x=alt.X("start:T", title="Date"), x2="end:T", y=y, color=color, tooltip=tooltip)
        text = base.mark_text(align="left", dx=4, fontSize=11).encode(x="end:T", y=y, text="length_text:N")
        return alt.layer(bars, text, title=heading, description=description).properties(
            width=width, height=alt.Step(44))
    description = (f"{len(d)} phases in order from top to bottom. Bars start at zero and are to scale in "
                   f"{unit}s where the source states a length; {n_unknown} phase"
                   f"{'s' if n_unknown != 1 else ''} without a reported length "
                   f"{'are' if n_unknown != 1 else 'is'} drawn as dashed empty boxes across the axis.")
    base = alt.Chart(d)
    heading = alt.Title(title, subtitle=f"Phases in order; known lengths to scale ({unit}s), "
                                        "dashed boxes: length not reported")
    # No length known at all: no length axis (an axis from 0 to 1 would suggest a scale that is not there).
    x = alt.X("x0:Q", title=f"Length of the phase ({unit}s)", scale=alt.Scale(nice=False),
              axis=None if n_unknown == len(d) else alt.Axis())
    known = base.transform_filter(alt.datum.length_status != "unknown").mark_bar(
        stroke="#1f5f8b", strokeWidth=1, height=22).encode(x=x, x2="x1:Q", y=y, color=color, tooltip=tooltip)
    unknown = base.transform_filter(alt.datum.length_status == "unknown").mark_bar(
        stroke="#777", strokeWidth=1.5, strokeDash=[5, 4], height=22).encode(
        x=x, x2="x1:Q", y=y, color=color, tooltip=tooltip)
    known_text = base.transform_filter(alt.datum.length_status != "unknown").mark_text(
        align="left", dx=4, fontSize=11, fontWeight="bold").encode(x="x1:Q", y=y, text="length_text:N")
    unknown_text = base.transform_filter(alt.datum.length_status == "unknown").transform_calculate(
        mid="datum.x1 / 2").mark_text(fontSize=11, fontStyle="italic", color="#555").encode(
        x="mid:Q", y=y, text=alt.value("length not reported"))
    # Only the layers that draw something: an empty one leaves an unlabelled graphic for screen readers.
    layers = [layer for layer, drawn in ((unknown, n_unknown), (known, len(d) - n_unknown),
                                         (unknown_text, n_unknown), (known_text, len(d) - n_unknown)) if drawn]
    return alt.layer(*layers, title=heading, description=description).properties(width=width, height=alt.Step(44))
