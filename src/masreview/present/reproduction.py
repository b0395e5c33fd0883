"""The reproduction table of a source: each reported number beside its recomputed value, method and status."""

from __future__ import annotations

import pandas as pd

from masreview.analysis.reproduce import Recomputed, reproduce_row, status_tally
from masreview.data import vocab
from masreview.data.model import Dataset, SourceData
from masreview.data.select import rows_of
from masreview.present.format import describe, printed


def _format(row: pd.Series, rc: Recomputed) -> str:
    if rc.value is None and rc.numerator is None:
        return ""
    fake = row.copy()
    fake["numerator"] = rc.numerator if rc.numerator is not None else pd.NA
    # Show the recomputed number in the shape the source printed it ("17", not "17/20 (17)").
    fake["denominator"] = rc.denominator if (rc.denominator is not None and pd.notna(row["denominator"])) else pd.NA
    keep_value = rc.value is not None and (pd.notna(row["value"]) or rc.numerator is None)
    fake["value"] = rc.value if keep_value else pd.NA
    fake["qualifier"] = pd.NA
    if rc.value is not None and row["unit"] == "p":
        fake["decimals"] = max(int(row["decimals"]), 4)
    return printed(fake)


def reproduction_table(src: SourceData, ds: Dataset | None = None) -> pd.DataFrame:
    """Every reported-measure row of a source: reported, recomputed, method, status, locator.

    ``status`` is a code of :data:`masreview.data.vocab.REPRODUCTION_STATUSES` (defined on the methods page).
    """
    rows = []
    patients = rows_of(ds, src)
    borrowed = f"; from the patient rows of {patients.id}, the same cohort" if patients is not src else ""
    for _, row in src["measures"].iterrows():
        rc, agreement = reproduce_row(patients, row, ds)
        rows.append({
            "id": row["measure_id"],
            "measure": describe(row),
            "reported": printed(row),
            "recomputed": _format(row, rc),
            "method": rc.method + (f" ({rc.detail})" if rc.detail else "") + (borrowed if rc.method else ""),
            "status": agreement,
            "locator": row["locator"],
        })
    return pd.DataFrame(rows, columns=["id", "measure", "reported", "recomputed", "method", "status", "locator"])


def unreproduced(src: SourceData, ds: Dataset | None = None) -> pd.DataFrame:
    """Rows that should reproduce but do not (``differs``): the list a test asserts is empty."""
    t = reproduction_table(src, ds)
    return t[t["status"] == "differs"]


def tally(table: pd.DataFrame) -> dict[str, int]:
    """Rows of a reproduction table per status (every status of the vocabulary, zeros included)."""
    return status_tally(table["status"])


def tally_sentence(table: pd.DataFrame) -> str:
    """'12 reproduced, 3 consistent by construction, ...': the non-zero statuses in vocabulary order."""
    t = tally(table)
    parts = [f"{k} {code}" for code, k in t.items() if k]
    return (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else (parts[0] if parts else "none")


def statuses_table() -> pd.DataFrame:
    """The reproduction statuses and their definitions, for the methods page."""
    return pd.DataFrame([{"status": k, "meaning": v} for k, v in vocab.REPRODUCTION_STATUSES.items()])


def reported_table(src: SourceData) -> pd.DataFrame:
    """Every number a source states, as it states it: id, measure, reported, locator, quote."""
    m = src["measures"]
    return pd.DataFrame({"measure_id": m["measure_id"], "measure": [describe(r) for _, r in m.iterrows()],
                         "reported": [printed(r) for _, r in m.iterrows()], "locator": m["locator"],
                         "quote": m["quote"] if "quote" in m else ""})
