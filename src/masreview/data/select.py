"""The one selector of each thing in a source's rows: the patients of a group, their events and deaths,
response states at a timepoint, and times in days or weeks. Every layer above uses these."""

from __future__ import annotations

import pandas as pd

from masreview.data import vocab
from masreview.data.model import SourceData

#: The group every pooled and summarised outcome is about.
TREATED = "ruxolitinib"


def in_days(time, unit: str) -> float:
    """A time in ``unit`` (a key of :data:`masreview.data.vocab.TIME_UNITS`) as days."""
    return float(time) * vocab.TIME_UNITS[unit]


def in_weeks(time, unit: str) -> float:
    return in_days(time, unit) / 7.0


def weeks_column(df: pd.DataFrame) -> pd.Series:
    """The ``time`` column of a table with ``time_unit``, as weeks."""
    return df["time"] * df["time_unit"].map(vocab.TIME_UNITS).astype(float) / 7.0


def group_patients(src: SourceData, group: str = TREATED) -> pd.DataFrame:
    """patients.csv rows of ``group``."""
    p = src["patients"]
    return p[p["group"] == group]


def treated_n(src: SourceData) -> int | None:
    """Patients with MAS treated with ruxolitinib: patient rows if any, else the reported count (None:
    neither). In a series of secondary HLH of mixed causes (source.yaml ``mas_subgroup``), its MAS
    patients only (``n_mas``)."""
    sub = getattr(src.record, "mas_subgroup", None)
    if sub is not None:
        return int(sub.n_mas)
    p = src["patients"]
    if len(p):
        return int((p["group"] == TREATED).sum())
    m = src["measures"]
    row = m[(m["measure"] == "patients") & (m["group"] == TREATED)]
    return int(row["numerator"].iloc[0]) if len(row) and pd.notna(row["numerator"].iloc[0]) else None


def events(src: SourceData, group: str, event: str) -> pd.DataFrame:
    """events.csv rows of ``event`` for the patients of ``group``."""
    ev = src["events"]
    ids = set(group_patients(src, group)["patient_id"])
    return ev[(ev["event"] == event) & ev["patient_id"].isin(ids)]


def deaths(src: SourceData, group: str = TREATED) -> int:
    """Patients of ``group`` with a death event."""
    return int(events(src, group, "death")["patient_id"].nunique())


def states_at(src: SourceData, group: str, timepoint: str) -> pd.Series:
    """Response state per patient of ``group`` at ``timepoint`` (index: patient_id)."""
    obs = src["observations"]
    ids = set(group_patients(src, group)["patient_id"])
    sel = obs[(obs["measure"] == "response-state")
              & ((weeks_column(obs) - vocab.timepoint_weeks(timepoint)).abs() < 1e-9)
              & obs["patient_id"].isin(ids)]
    return sel.set_index("patient_id")["state"]


def timepoint_label(days: float) -> str:
    """'week 8' / 'day 3' / 'month 3' for a time in days (the largest whole unit)."""
    for unit in ("month", "week", "day"):
        n = days / vocab.TIME_UNITS[unit]
        if abs(n - round(n)) < 1e-9 and n >= 1:
            return f"{unit} {int(round(n))}"
    return f"day {days:g}"


def rows_of(ds, src: SourceData) -> SourceData:
    """The source whose patient-level rows answer ``src``'s measures: ``src`` itself when it has patient
    rows; otherwise, for a further report of a cohort, the cohort's primary report when that has rows
    (the same patients, so a further report needs only its own measures)."""
    if len(src["patients"]) or ds is None or src.record.cohort_id not in getattr(ds, "cohorts", {}):
        return src
    primary = ds.sources.get(ds.cohorts[src.record.cohort_id].primary_source)
    return primary if primary is not None and primary is not src and len(primary["patients"]) else src


def measure_row(src: SourceData, measure: str, group: str = TREATED, category: str | None = None,
                timepoint: str | None = None):
    """The one row of measures.csv with this meaning (measure, group, category, timepoint), looked up by
    meaning rather than by row id. Raises KeyError naming what is missing, or ValueError when several match."""
    m = src["measures"]
    sel = m[(m["measure"] == measure) & (m["group"] == group)]
    if category is not None:
        sel = sel[sel["category"] == category]
    if timepoint is not None:
        sel = sel[sel["timepoint"] == timepoint]
    if sel.empty:
        raise KeyError(f"{src.id}: no '{measure}' row for {group}"
                       + (f", {category}" if category else "") + (f" at {timepoint}" if timepoint else ""))
    if len(sel) > 1:
        raise ValueError(f"{src.id}: {len(sel)} '{measure}' rows for {group}: say which "
                         f"({', '.join(sel['measure_id'])})")
    return sel.iloc[0]
