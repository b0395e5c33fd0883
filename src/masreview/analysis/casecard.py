"""Case reports: the daily dose and what the source does not give, computed from the loaded data.

    from masreview.analysis import casecard
    casecard.missing_fields(src)    # what the data model holds no value for
    casecard.daily_dose(src)        # 10 mg twice daily -> 20 mg/day (mg/kg only with a weight)

The case card and the side-by-side comparison that show these are in :mod:`masreview.present.casecard`.
"""

from __future__ import annotations

import pandas as pd

from masreview.data import schema

from masreview.data import vocab
from masreview.data.model import SourceData

#: Administrations per day of the frequencies of :data:`masreview.data.vocab.FREQUENCIES` that have one.
FREQ_PER_DAY: dict[str, int] = {"once-daily": 1, "twice-daily": 2, "three-times-daily": 3}

NOT_REPORTED = "not reported"


# --- small formatting helpers ---------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{float(x):g}"


def _plural(value: float, unit: str) -> str:
    return f"{_num(value)} {unit}" + ("" if float(value) == 1 else "s")


def _is(value, code: str) -> bool:
    """``value == code`` for cells that may be NA."""
    return isinstance(value, str) and value == code


def _is_missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == "unknown"


def _patient(src: SourceData, patient_id: str | None) -> pd.Series:
    p = src["patients"]
    if p.empty:
        raise ValueError(f"{src.id}: patients.csv has no rows: a case card needs a patient")
    if patient_id is None:
        treated = p[p["group"] == "ruxolitinib"]
        if len(treated) != 1:
            raise ValueError(f"{src.id}: {len(treated)} ruxolitinib-treated patients: pass patient_id")
        return treated.iloc[0]
    sel = p[p["patient_id"] == patient_id]
    if sel.empty:
        raise KeyError(f"{src.id}: no patient '{patient_id}' (have: {', '.join(p['patient_id'])})")
    return sel.iloc[0]


# --- daily dose -------------------------------------------------------------------------------------------


def daily_dose(src: SourceData, drug: str = "ruxolitinib", patient_id: str | None = None) -> dict:
    """The daily dose of ``drug`` from the last row of treatments.csv that gives a dose.

    Daily dose = dose x administrations per day (:data:`FREQ_PER_DAY`). A dose per kilogram is computed
    only when patients.csv holds the body weight; otherwise ``per_kg`` is None and ``reason`` says why
    (no weight is ever assumed).
    """
    pat = _patient(src, patient_id)
    t = src["treatments"]
    rows = t[(t["patient_id"] == pat["patient_id"]) & (t["drug"] == drug)]
    with_dose = rows[rows["dose"].notna()]
    out = {"drug": drug, "patient_id": str(pat["patient_id"]), "dose": None, "dose_unit": None, "frequency": None,
           "per_day": None, "daily": None, "daily_unit": None, "weight_kg": None, "per_kg": None,
           "per_kg_unit": None, "rows_without_dose": int(rows["dose"].isna().sum()), "reason": ""}
    if with_dose.empty:
        out["reason"] = f"no {drug} dose in treatments.csv"
        return out
    r = with_dose.iloc[-1]
    out.update(dose=float(r["dose"]), dose_unit=str(r["dose_unit"]), frequency=str(r["frequency"]))
    per_day = FREQ_PER_DAY.get(r["frequency"])
    if per_day is None:
        out["reason"] = f"frequency '{r['frequency']}' has no fixed number of doses a day"
        return out
    out.update(per_day=per_day, daily=float(r["dose"]) * per_day, daily_unit=f"{r['dose_unit']}/day")
    weight = pat.get("weight_kg")
    if weight is None or pd.isna(weight):
        out["reason"] = "body weight not reported"
        return out
    out.update(weight_kg=float(weight), per_kg=out["daily"] / float(weight), per_kg_unit=f"{r['dose_unit']}/kg/day")
    return out


# --- the case card --------------------------------------------------------------------------------------


# --- what the source does not give -----------------------------------------------------------------------

# Columns that are identifiers, provenance or structure rather than facts about the patient.
_NOT_FACTS = {"patient_id", "treatment_id", "phase_id", "order", "label", "group", "origin", "locator", "note",
              "duration_qualifier", "role", "drug", "event", "measure", "state", "value", "unit",
              "dose_unit", "duration_unit", "time_unit"}


def _applies(table: str, column: str, df: pd.DataFrame) -> pd.Series:
    """Rows for which a value of ``column`` is expected."""
    everywhere = pd.Series(True, index=df.index)
    if (table, column) == ("treatments", "rounds"):
        return df["frequency"] == "pulse"
    if (table, column) == ("phases", "duration"):
        return df["start_date"].isna() | df["end_date"].isna()
    return everywhere


def _row_name(table: str, r: pd.Series) -> str:
    if table == "treatments":
        return f"{r['drug']} [{r['treatment_id']}]"
    if table == "phases":
        return f"{int(r['order'])}. {r['phase_id']}"
    if table == "events":
        return f"{r['event']} ({r['patient_id']})"
    return str(r["patient_id"])


def missing_fields(src: SourceData) -> pd.DataFrame:
    """Every fact the data model has a place for and this source leaves empty.

    For each patient-level table (schema.TABLES), each fact column (not identifiers or provenance) with
    empty or ``unknown`` cells where a value applies: which rows. A table without rows is one entry;
    for observations, the measures of the vocabulary never observed. Then the ``criteria`` fields of
    source.yaml left empty. Columns: where (file and field), what (the schema's description),
    missing (k of n rows), rows.
    """
    out = []
    for spec in schema.TABLES.values():
        if not spec.patient_level:
            continue
        df = src[spec.name]
        if spec.name == "observations":
            seen = set(df["measure"])
            absent = [vocab.label(vocab.OBSERVATION_MEASURES, m) for m in vocab.OBSERVATION_MEASURES if m not in seen]
            if absent:
                out.append({"where": f"{spec.file}: measure", "what": "Per-time observations: " + ", ".join(absent),
                            "missing": "no rows" if df.empty else f"{len(absent)} of {len(vocab.OBSERVATION_MEASURES)}"
                            " measures", "rows": ""})
            continue
        if df.empty:
            out.append({"where": spec.file, "what": spec.description, "missing": "no rows", "rows": ""})
            continue
        for col in spec.columns:
            if col.name in _NOT_FACTS:
                continue
            applies = _applies(spec.name, col.name, df)
            n = int(applies.sum())
            empty = applies & df[col.name].map(_is_missing).astype(bool)
            k = int(empty.sum())
            if n and k:
                out.append({"where": f"{spec.file}: {col.name}", "what": col.help,
                            "missing": f"{k} of {n} row{'s' if n != 1 else ''}",
                            "rows": f"all {n}" if k == n and n > 2 else
                            "; ".join(_row_name(spec.name, r) for _, r in df[empty].iterrows())})
    for name, fld in schema.Criteria.model_fields.items():
        if getattr(src.record.criteria, name) is None:
            out.append({"where": f"source.yaml: criteria.{name}", "what": fld.description, "missing": "not given",
                        "rows": ""})
    return pd.DataFrame(out, columns=["where", "what", "missing", "rows"])


_LAB_MEASURES = [m for m in vocab.OBSERVATION_MEASURES if vocab.OBSERVATION_MEASURES[m][1] not in (None, "mg/kg/day")]


def missing_topics(src: SourceData, drug: str = "ruxolitinib") -> list[str]:
    """The gaps of :func:`missing_fields` in a reader's words, most important first.

    Laboratory values (no lab measure observed), dates (no phase or event date), body weight, the dose of
    ``drug`` (rows of it without a dose), and the criteria left empty in source.yaml.
    """
    miss = missing_fields(src)
    where = set(miss["where"].str.split(":").str[0] + ":" + miss["where"].str.split(":").str[1].str.strip())
    out = []
    obs = src["observations"]
    if not obs["measure"].isin(_LAB_MEASURES).any():
        out.append("laboratory values")
    elif any(m not in set(obs["measure"]) for m in _LAB_MEASURES):
        out.append("some laboratory values (" + ", ".join(vocab.label(vocab.OBSERVATION_MEASURES, m) for m in
                                                        _LAB_MEASURES if m not in set(obs["measure"])) + ")")
    dated = src["phases"]["start_date"].notna().any() or src["phases"]["end_date"].notna().any()
    if not dated and src["events"]["time"].isna().all():
        out.append("dates or times")
    elif {"phases.csv:start_date", "phases.csv:end_date"} & where:
        out.append("some dates")
    if "patients.csv:weight_kg" in where:
        out.append("body weight")
    t = src["treatments"]
    rows = t[t["drug"] == drug]
    k = int(rows["dose"].isna().sum())
    if k:
        out.append(f"a {drug} dose ({k} of {len(rows)} {drug} row{'s' if len(rows) != 1 else ''}: "
                   + "; ".join(str(n) for n in rows[rows["dose"].isna()]["note"].fillna(rows["treatment_id"])) + ")")
    crit = [name.replace("_", " ").replace("mas ", "MAS ") for name in schema.Criteria.model_fields
            if getattr(src.record.criteria, name) is None]
    if crit:
        out.append("the criteria used (" + ", ".join(crit) + ")")
    return out


# --- a source beside another -------------------------------------------------------------------------------


