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


#: Statuses a row passes with when it declares nothing: it was recomputed from the rows.
RECOMPUTED = ("reproduced", "consistent by construction", "consistent with")


def reproduction_issues(ds: Dataset) -> list:
    """The reproduction gate: every row of every source's measures.csv is recomputed from the rows, or
    declares in ``expected_status`` (with its reason in ``note``) that it is context or not recomputable, and
    is classified so. Anything else (a row that differs, a new row nobody can recompute, a stale declaration)
    is an :class:`~masreview.data.model.Issue` naming the file, line and column."""
    from masreview.data.model import Issue
    from masreview.data.tables import row_line

    issues = []
    for src in ds.sources.values():
        measures = src["measures"]
        if measures.empty:
            continue
        table = reproduction_table(src, ds)
        rel = f"data/sources/{src.id}/measures.csv"
        declared = measures["expected_status"] if "expected_status" in measures else [None] * len(measures)
        for i, (row, want) in enumerate(zip(table.itertuples(), declared)):
            want = want if isinstance(want, str) and want else None
            line = row_line(measures, measures.index[i]) if "lines" in measures.attrs else None
            what = f"row {row.id} ({row.measure})"
            if want is not None:
                note = measures["note"].iloc[i]
                if row.status != want:
                    issues.append(Issue(rel, f"{what} declares expected_status '{want}' but is {row.status} "
                                             f"(recomputed {row.recomputed!r} by {row.method}): remove or correct "
                                             "the declaration", line=line, column="expected_status"))
                elif not (isinstance(note, str) and note.strip()):
                    issues.append(Issue(rel, f"{what} declares '{want}': give the reason in note", line=line,
                                        column="note"))
            elif row.status not in RECOMPUTED:
                issues.append(Issue(rel, f"{what} {'is ' * (row.status != 'differs')}{row.status}: reported {row.reported!r}, recomputed "
                                         f"{row.recomputed!r} by {row.method}. Correct the data, or declare "
                                         "expected_status (context or not recomputable) with the reason in note",
                                    line=line, column="value"))
    return issues
