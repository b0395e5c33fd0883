"""Case timelines: ordered phases whose dates and lengths may or may not be known.

A case report rarely gives dates. ``phases.csv`` always records the *order* of the phases and, when the
source states it, their length (exactly, or approximately: "about 3 months") or their first and last
day. :func:`phase_table` turns those rows into one tidy table per source with each phase's length in
days (stated, computed from dates, or unknown) and the drugs given in it; :func:`timeline_chart`
draws it so that known lengths are to scale and unknown ones are visibly unknown.

    from masreview.timeline import phase_table, timeline_chart
    ph = phase_table(ds.source("wu-2025-j-clin-pediatr"))
    timeline_chart(ph)
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from . import vocab
from .loading import SourceData

#: How the length of a phase is known, as shown to readers (legend order).
LENGTH_STATUS: dict[str, str] = {
    "stated": "Length stated",
    "approximate": "Length stated approximately (about)",
    "from-dates": "Length from the reported dates",
    "unknown": "Length not reported",
}

_PHASE_COLUMNS = ["patient_id", "phase_id", "order", "label", "start_date", "end_date", "duration",
                  "duration_unit", "duration_qualifier", "days", "length_status", "length_text", "drugs",
                  "origin", "locator", "note"]


def _plural(value: float, unit: str) -> str:
    v = f"{value:g}"
    return f"{v} {unit}" + ("" if value == 1 else "s")


def length_text(duration, unit, qualifier, days=None) -> str:
    """'4 years', 'about 3 months', '28 days (from dates)' or 'not reported'."""
    if pd.notna(duration) and pd.notna(unit):
        text = _plural(float(duration), str(unit))
        return ("about " + text) if qualifier == "approximate" else text
    if days is not None and pd.notna(days):
        return _plural(float(days), "day") + " (from dates)"
    return "not reported"


def phase_table(src: SourceData) -> pd.DataFrame:
    """The phases of every patient of a source, in order, with their length in days where known.

    Columns: those of ``phases.csv`` plus ``days`` (length in days: the stated duration converted with
    :data:`masreview.vocab.TIME_UNITS`, or first to last day inclusive when both dates are reported;
    empty when unknown), ``length_status`` (a key of :data:`LENGTH_STATUS`), ``length_text`` (a reader's
    phrase) and ``drugs`` (the drugs of ``treatments.csv`` given in the phase, in row order). When only
    the dates are reported, ``duration``/``duration_unit`` are filled from them in days and
    ``duration_qualifier`` is ``exact``.
    """
    ph = src["phases"].copy()
    if ph.empty:
        return pd.DataFrame(columns=_PHASE_COLUMNS)
    ph = ph.sort_values(["patient_id", "order"], kind="stable").reset_index(drop=True)
    days, status = [], []
    for _, r in ph.iterrows():
        if pd.notna(r["duration"]) and pd.notna(r["duration_unit"]):
            days.append(float(r["duration"]) * vocab.TIME_UNITS[r["duration_unit"]])
            status.append("approximate" if r["duration_qualifier"] == "approximate" else "stated")
        elif pd.notna(r["start_date"]) and pd.notna(r["end_date"]):
            days.append(float((r["end_date"] - r["start_date"]).days + 1))
            status.append("from-dates")
        else:
            days.append(float("nan"))
            status.append("unknown")
    ph["days"] = days
    ph["length_status"] = status
    from_dates = ph["length_status"] == "from-dates"
    ph["duration"] = ph["duration"].astype("float64")
    ph.loc[from_dates, "duration"] = ph.loc[from_dates, "days"]
    ph["duration_unit"] = ph["duration_unit"].astype("object")
    ph.loc[from_dates, "duration_unit"] = "day"
    ph.loc[from_dates, "duration_qualifier"] = "exact"
    ph["length_text"] = [length_text(r["duration"], r["duration_unit"], r["duration_qualifier"])
                         + (" (from dates)" if r["length_status"] == "from-dates" else "")
                         for _, r in ph.iterrows()]
    tr = src["treatments"]
    ph["drugs"] = [", ".join(dict.fromkeys(tr[(tr["patient_id"] == r["patient_id"]) &
                                              (tr["phase_id"] == r["phase_id"])]["drug"]))
                   for _, r in ph.iterrows()]
    return ph[_PHASE_COLUMNS]


def phase_duration(ph: pd.DataFrame, phase_ids, unit: str) -> tuple[float | None, str]:
    """Total length of some phases of one patient in ``unit`` and how it is known.

    Returns ``(None, "unknown")`` when any of them has no known length; the qualifier is
    ``approximate`` when any length is approximate, else ``exact``.
    """
    sel = ph[ph["phase_id"].isin(list(phase_ids))]
    if sel.empty or sel["days"].isna().any():
        return None, "unknown"
    qualifier = "approximate" if (sel["length_status"] == "approximate").any() else "exact"
    return float(sel["days"].sum() / vocab.TIME_UNITS[unit]), qualifier


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
    x = alt.X("x0:Q", title=f"Length of the phase ({unit}s)", scale=alt.Scale(nice=False))
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
    return alt.layer(unknown, known, unknown_text, known_text, title=heading, description=description).properties(
        width=width, height=alt.Step(44))
