"""The practical table: for each included report, how ruxolitinib was given and what came with it (no HTML).

Every cell is the reported value, read from the report's rows (``treatments.csv``, ``measures.csv``,
``events.csv``, ``phases.csv``), or, when the rows hold nothing for it, *not reported* (the full text was
read) or *not in what was read* (only part of it, e.g. the abstract; from ``extraction.read_extent``,
or ``extraction.from_text`` when that is not given).
"""

from __future__ import annotations

import pandas as pd

from masreview.data import vocab
from masreview.data.appraisal import read_extent
from masreview.data.select import TREATED

#: Drugs that, given alongside ruxolitinib, are infection prophylaxis.
PROPHYLAXIS_DRUGS = frozenset({"aciclovir", "acyclovir", "valaciclovir", "ganciclovir", "valganciclovir",
                               "letermovir", "trimethoprim-sulfamethoxazole", "cotrimoxazole", "fluconazole",
                               "posaconazole", "voriconazole", "entecavir", "tenofovir", "isoniazid"})
COLUMNS = ("Dose and schedule", "Duration", "Concomitant and previous treatments",
           "Infection monitoring and prophylaxis", "Harms")


def absent(src) -> str:
    """What an empty cell says: not reported (full text read) or not in what was read."""
    return vocab.NOT_REPORTED if read_extent(src.record) == "full-text" else vocab.NOT_IN_WHAT_WAS_READ


def _num(v) -> str:
    return f"{float(v):g}"


def _dose(src) -> list[str]:
    tr = src["treatments"]
    rux = tr[(tr["drug"] == "ruxolitinib") & tr["dose"].notna()]
    out = [f"{_num(r.dose)} {r.dose_unit or ''} {vocab.FREQUENCIES[r.frequency].lower()}".replace("  ", " ")
           + ("" if pd.isna(r.note) else f" ({str(r.note).lower()})") for r in rux.itertuples()]
    if out:
        return out
    m = src["measures"]
    m = m[(m["measure"] == "ruxolitinib-dose") & m["value"].notna()]
    return [f"{_num(r.value)} {r.unit} " + ("" if pd.isna(r.category) else vocab.FREQUENCIES.get(r.category, r.category)
                                             .lower()) for r in m.itertuples()]


def _duration(src) -> list[str]:
    m = src["measures"]
    m = m[(m["measure"] == "ruxolitinib-duration") & m["value"].notna()]
    out = [("about " if r.qualifier == "approximately" else "") + f"{_num(r.value)} {r.unit}"
           + ("s" if float(r.value) != 1 and not str(r.unit).endswith("s") else "") for r in m.itertuples()]
    if out:
        return out
    ph, tr = src["phases"], src["treatments"]
    ids = set(tr.loc[tr["drug"] == "ruxolitinib", "phase_id"].dropna())
    return [("about " if r.duration_qualifier == "approximate" else "") + f"{_num(r.duration)} {r.duration_unit}"
            for r in ph[ph["phase_id"].isin(ids) & ph["duration"].notna()].itertuples()]


def _treatments(src) -> list[str]:
    tr = src["treatments"]
    tr = tr[tr["drug"] != "ruxolitinib"]
    out = []
    for role, label in (("failed", "before (not enough effect)"), ("concomitant", "alongside"),
                        ("taper", "tapered alongside")):
        rows = tr[tr["role"] == role]
        if len(rows):
            drugs = [r.drug + (f" ({int(r.rounds)} rounds)" if pd.notna(r.rounds) else "")
                     + (f" {_num(r.dose)} {r.dose_unit}" if pd.notna(r.dose) else "") for r in rows.itertuples()]
            out.append(f"{label}: " + ", ".join(dict.fromkeys(drugs)))
    m = src["measures"]
    gc = m[(m["measure"] == "glucocorticoid-dose") & (m["group"] == TREATED) & m["value"].notna()]
    if len(gc):
        out.append("glucocorticoid alongside, median daily dose " + " then ".join(
            f"{_num(r.value)} {r.unit} ({r.timepoint.replace('-', ' ')})" for r in gc.itertuples()))
    return out


def _prophylaxis(src) -> list[str]:
    tr = src["treatments"]
    rows = tr[tr["drug"].isin(PROPHYLAXIS_DRUGS)]
    return [f"{r.drug} ({r.role})" for r in rows.itertuples()]


def _harms(src) -> list[str]:
    m = src["measures"]
    ae = m[(m["measure"] == "adverse-event") & (m["group"] == TREATED)]
    out = [f"{vocab.EVENTS.get(r.category, r.category)}: {int(r.numerator)}"
           + (f"/{int(r.denominator)}" if pd.notna(r.denominator) else "") for r in ae.itertuples()
           if pd.notna(r.numerator)]
    sv = m[(m["measure"] == "survival") & (m["group"] == TREATED) & m["numerator"].notna() & m["denominator"].notna()]
    if len(sv):
        r = sv.iloc[-1]
        out.append(f"deaths: {int(r['denominator']) - int(r['numerator'])}/{int(r['denominator'])}")
    if not out:
        ev, pts = src["events"], src["patients"]
        treated = set(pts.loc[pts["group"] == TREATED, "patient_id"])
        ev = ev[ev["event"].isin(["cmv-infection", "infection"]) & ev["patient_id"].isin(treated)]
        out = [f"{vocab.EVENTS[e]}: {n}/{len(treated)}" for e, n in ev.groupby("event")["patient_id"].nunique().items()]
    return out


def practical_rows(ds) -> list[dict]:
    """One dict per included report: source_id, design, read (how much was read), and the :data:`COLUMNS`."""
    rows = []
    for s in sorted(ds.included(), key=lambda s: (s.record.cohort_id, s.id)):
        miss = absent(s)
        row = {"source_id": s.id, "design": vocab.DESIGNS[s.record.design],
               "read": vocab.READ_EXTENTS[read_extent(s.record)]}
        for col, cells in zip(COLUMNS, (_dose(s), _duration(s), _treatments(s), _prophylaxis(s), _harms(s))):
            row[col] = "; ".join(cells) if cells else miss
        rows.append(row)
    return rows
