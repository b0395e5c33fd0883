"""Deterministic reconstruction of patient-level rows from published marginal counts.

A source that publishes only aggregates ("17 females, 3 males"; "AOSD n = 13, SLE n = 4, other n = 3";
"19/20 survived") still gets patient rows, so that every reported count is *recomputed* from rows
like any other source. The rows are built by one declared rule, **declared order**:

* a group of ``n`` patients gets the ids ``<prefix>01 ... <prefix>n``;
* for each attribute, the categories are assigned to the patients in the order the reconstruction
  spec lists them, in blocks (the first 17 ids are female, the next 3 male); a category marked
  ``remainder`` takes whatever the reported counts leave over;
* events (death, infection) go to the first ``k`` ids, or the last ``k`` when the spec says
  ``from_end``.

Each attribute is filled independently of the others, so every *marginal* count is exact and the
*joint* distribution (which disease went with which response, who had CMV) is an artefact of the
order, not information: chapters must never present cross-tabulations of reconstructed rows.

The rule is declared per source in ``data/sources/<id>/reconstruction.yaml``, whose counts are
references to rows of that source's ``measures.csv`` (so the reconstruction follows the reported
numbers). ``python -m masreview generate data/sources/<id>`` (re)writes the CSV files; a unit
test asserts the files on disk equal the generator's output (:mod:`masreview.generate.files`).
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from masreview.data import schema
from masreview.data.specs import Category, CountRef, ReconstructionSpec


# --- the generic core -----------------------------------------------------------------------------


def patient_ids(prefix: str, n: int) -> list[str]:
    """``prefix01 ... prefixNN`` (at least two digits, zero-padded so that ids sort in order)."""
    width = max(2, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def assign_in_order(n: int, counts: dict[str, int], remainder: str | None = None,
                    fill: str | None = None) -> list[str | None]:
    """Categories for positions 1..n: each category ``counts[c]`` times, in the dict's order.

    ``remainder`` (a category not in ``counts``) takes the positions the counts leave over and comes last;
    without it, left-over positions get ``fill`` (None: not reported). Raises ValueError when the counts
    exceed ``n``, or when a remainder is declared and would be negative.
    """
    if any(k < 0 for k in counts.values()):
        raise ValueError(f"negative count in {counts}")
    total = sum(counts.values())
    if total > n:
        raise ValueError(f"counts {counts} add up to {total}, more than the {n} patients of the group")
    out: list[str | None] = []
    for category, k in counts.items():
        out += [category] * k
    rest = n - total
    out += [remainder if remainder is not None else fill] * rest
    return out


def flag_in_order(n: int, k: int, from_end: bool = False) -> list[bool]:
    """``k`` of ``n`` positions flagged: the first ``k``, or the last ``k`` with ``from_end``."""
    if not 0 <= k <= n:
        raise ValueError(f"cannot flag {k} of {n} patients")
    flags = [True] * k + [False] * (n - k)
    return flags[::-1] if from_end else flags


def marginal_counts(values: Sequence) -> dict:
    """Count of each value, in order of first appearance (None/NA counted as None)."""
    out: dict = {}
    for v in values:
        key = None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else v
        out[key] = out.get(key, 0) + 1
    return out


# --- applying the spec ---------------------------------------------------------------------------------


def _count(ref: CountRef, measures: pd.DataFrame) -> int:
    rows = measures[measures["measure_id"] == ref.measure]
    if rows.empty:
        raise ValueError(f"reconstruction refers to measure '{ref.measure}', which is not in measures.csv")
    r = rows.iloc[0]
    if ref.complement:
        if pd.isna(r["numerator"]) or pd.isna(r["denominator"]):
            raise ValueError(f"measure '{ref.measure}' needs numerator and denominator for a complement")
        return int(r["denominator"]) - int(r["numerator"])
    v = r[ref.field]
    if pd.isna(v):
        raise ValueError(f"measure '{ref.measure}' has no {ref.field}")
    return int(v)


def _cite(ids: Sequence[str], measures: pd.DataFrame) -> str:
    """'measures m03, m05 (abstract, results, sentence 1)': the aggregates a row comes from."""
    ids = list(dict.fromkeys(ids))
    locs = list(dict.fromkeys(measures.set_index("measure_id").loc[ids, "locator"]))
    return f"reconstructed from measures {', '.join(ids)} ({'; '.join(locs)})"


def _refs(categories: Sequence[Category]) -> list[str]:
    return [c.count.measure for c in categories if c.count is not None]


def _fill(n: int, categories: Sequence[Category], measures: pd.DataFrame) -> list[str | None]:
    counts = {c.value: _count(c.count, measures) for c in categories if c.count is not None}
    rem = [c.value for c in categories if c.remainder]
    if len(rem) > 1:
        raise ValueError("at most one remainder category")
    if rem and categories[-1].value != rem[0]:
        raise ValueError(f"the remainder category '{rem[0]}' must be listed last")
    return assign_in_order(n, counts, remainder=rem[0] if rem else None)


def reconstruct(spec: ReconstructionSpec, measures: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """patients / observations / events frames (strings, CSV-ready) from the spec and measures.csv."""
    patients, observations, events = [], [], []
    for g in spec.groups:
        n = _count(g.size, measures)
        ids = patient_ids(g.id_prefix, n)
        cols = {c.column: _fill(n, c.categories, measures) for c in g.columns}
        refs = [g.size.measure] + [m for c in g.columns for m in _refs(c.categories)]
        for i, pid in enumerate(ids):
            row = {"patient_id": pid, "group": g.group}
            row.update({c: v for c, v in ((c, vals[i]) for c, vals in cols.items())})
            row.update({"origin": "reconstructed", "locator": _cite(refs, measures),
                        "note": f"position {i + 1} of {n} in declared order; joint distribution not published"
                        + (f"; {g.note}" if g.note else "")})
            patients.append(row)
        for o in g.observations:
            states = _fill(n, o.categories, measures)
            rem = next((c.value for c in o.categories if c.remainder), None)
            for pid, state in zip(ids, states):
                if state is None:
                    continue
                used = [g.size.measure, *_refs(o.categories)] if state == rem else \
                    [next(c.count.measure for c in o.categories if c.value == state)]
                note = None
                if state == rem:
                    note = "remainder: in none of the reported states" + \
                        (f"; {o.remainder_note}" if o.remainder_note else "")
                observations.append({"patient_id": pid, "time": _num(o.time), "time_unit": o.time_unit,
                                     "measure": o.measure, "state": state, "value": None, "unit": None,
                                     "origin": "reconstructed", "locator": _cite(used, measures), "note": note})
        for e in g.events:
            k = _count(e.count, measures)
            for pid, flag in zip(ids, flag_in_order(n, k, from_end=e.from_end)):
                if flag:
                    events.append({"patient_id": pid, "event": e.event, "time": None, "time_unit": None,
                                   "origin": "reconstructed", "locator": _cite([e.count.measure], measures),
                                   "note": e.note or "time not published"})
    out = {"patients": pd.DataFrame(patients), "observations": pd.DataFrame(observations),
           "events": pd.DataFrame(events)}
    for name, df in out.items():
        spec_cols = [c.name for c in schema.TABLES[name].columns
                     if c.required or (not df.empty and c.name in df.columns and df[c.name].notna().any())]
        out[name] = df.reindex(columns=spec_cols) if not df.empty else df
    return out


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))
