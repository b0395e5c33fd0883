"""Case timelines: ordered phases whose dates and lengths may or may not be known.

A case report rarely gives dates. ``phases.csv`` always records the *order* of the phases and, when the
source states it, their length (exactly, or approximately: "about 3 months") or their first and last
day. :func:`phase_table` turns those rows into one tidy table per source with each phase's length in
days (stated, computed from dates, or unknown) and the drugs given in it;
:func:`masreview.present.timeline_chart.timeline_chart` draws it.
"""

from __future__ import annotations


import pandas as pd

from masreview.data import vocab
from masreview.data.model import SourceData

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
    :data:`masreview.data.vocab.TIME_UNITS`, or first to last day inclusive when both dates are reported;
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


