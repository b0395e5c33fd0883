"""Reproduction checks: every reported-measure row recomputed from patient-level rows or counts.

Each measure of :data:`masreview.data.vocab.MEASURES` has one recompute function registered here with
:func:`recomputes`. :func:`reproduction_table` applies them to every row of a source's
``measures.csv`` and compares the result with the printed number at the printed precision.

Statuses are those of :data:`masreview.data.vocab.REPRODUCTION_STATUSES` (defined there once): a number
that matches is *reproduced* only when the rows it is recomputed from are stated by the source; when
any of them was reconstructed from published aggregates it is *consistent by construction*. A P value
whose test the source does not name is *consistent with* the tests (or scenarios) that give it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from masreview.analysis import stats

from masreview.data import vocab
from masreview.data.select import events, group_patients, states_at, weeks_column
from masreview.data.model import Dataset, SourceData

STATUSES = tuple(vocab.REPRODUCTION_STATUSES)
AGREEMENTS = STATUSES  # former name


@dataclass(frozen=True)
class Recomputed:
    """What the data give for one reported row."""

    method: str
    value: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    agreement: str | None = None  # set by the recomputer only for context / not recomputable / consistent with
    detail: str = ""
    uses: tuple[str, ...] = ("patients",)  # tables whose rows of the group it is recomputed from


Recomputer = Callable[[SourceData, pd.Series, "Dataset | None"], Recomputed]
RECOMPUTERS: dict[str, Recomputer] = {}


def recomputes(measure: str):
    """Register the function that recomputes ``measure`` (one per measure of the vocabulary)."""
    if measure not in vocab.MEASURES:
        raise KeyError(f"unknown measure '{measure}'")

    def deco(fn: Recomputer) -> Recomputer:
        RECOMPUTERS[measure] = fn
        return fn

    return deco


# --- helpers on patient-level rows ------------------------------------------------------------------


def _count(method: str, k: int, n: int | None, row: pd.Series) -> Recomputed:
    value = 100 * k / n if (n and row["unit"] == "percent") else (k if row["unit"] != "percent" else None)
    return Recomputed(method=method, value=value, numerator=int(k), denominator=None if n is None else int(n))


def _n(src: SourceData, group: str) -> int:
    return len(group_patients(src, group))


def _with(rc: Recomputed, **changes) -> Recomputed:
    from dataclasses import replace

    return replace(rc, **changes)


# --- recomputers -----------------------------------------------------------------------------------


@recomputes("patients")
def _patients(src, row, ds=None):
    return _count("rows of patients.csv in the group", _n(src, row["group"]), None, row)


@recomputes("sex")
def _sex(src, row, ds=None):
    p = group_patients(src, row["group"])
    return _count(f"patients with sex = {row['category']}", int((p["sex"] == row["category"]).sum()), len(p), row)


@recomputes("underlying-disease")
def _disease(src, row, ds=None):
    p = group_patients(src, row["group"])
    return _count(f"patients with disease = {row['category']}", int((p["disease"] == row["category"]).sum()),
                  len(p), row)


@recomputes("active-disease-baseline")
def _active(src, row, ds=None):
    p = group_patients(src, row["group"])
    return _count("patients with active disease at baseline", int((p["active_disease_baseline"] == "yes").sum()),
                  len(p), row)


@recomputes("response")
def _response(src, row, ds=None):
    states = states_at(src, row["group"], row["timepoint"])
    if states.empty:
        return Recomputed("response states in observations.csv", agreement="not recomputable",
                          detail=f"no response-state observations at {row['timepoint']}")
    cat = row["category"]
    if cat == "NR":  # the sources count a death before the assessment as no response
        k, method = int(states.isin(["NR", "dead"]).sum()), f"patients in state NR or dead at {row['timepoint']}"
    elif cat == "CR+PR":
        k, method = int(states.isin(["CR", "PR"]).sum()), f"patients in state CR or PR at {row['timepoint']}"
    else:
        k, method = int((states == cat).sum()), f"patients in state {cat} at {row['timepoint']}"
    return _with(_count(method, k, len(states), row), uses=("patients", "observations"))


@recomputes("response-transition")
def _transition(src, row, ds=None):
    """Category 'A->B' at week-N: patients in A at week N-1 and in B at week N."""
    before_state, after_state = row["category"].split("->")
    w = int(vocab.timepoint_weeks(row["timepoint"]))
    before = states_at(src, row["group"], f"week-{w - 1}")
    after = states_at(src, row["group"], f"week-{w}")
    if before.empty or after.empty:
        return Recomputed("weekly response states", agreement="not recomputable",
                          detail=f"no states at week {w - 1} and week {w}")
    both = pd.concat([before.rename("a"), after.rename("b")], axis=1).dropna()
    k = int(((both["a"] == before_state) & (both["b"] == after_state)).sum())
    return _with(_count(f"patients in {before_state} at week {w - 1} and {after_state} at week {w}", k, None, row),
                 uses=("patients", "observations"))


@recomputes("first-response-time")
def _first_time(src, row, ds=None):
    obs = src["observations"]
    ids = set(group_patients(src, row["group"])["patient_id"])
    sel = obs[(obs["measure"] == "response-state") & obs["patient_id"].isin(ids)]
    targets = ["CR", "PR"] if row["category"] in ("CR+PR", "any") else [row["category"]]
    hit = sel[sel["state"].isin(targets)]
    if hit.empty:
        return Recomputed("first assessment with the state", agreement="not recomputable",
                          detail=f"no patient reaches {row['category']} in observations.csv")
    weeks = weeks_column(hit)
    return Recomputed(f"earliest week at which any patient is in {row['category']}", value=float(weeks.min()),
                      uses=("patients", "observations"))


@recomputes("survival")
def _survival(src, row, ds=None):
    n = _n(src, row["group"])
    dead = events(src, row["group"], "death")["patient_id"].nunique()
    return _with(_count("patients without a death event", n - dead, n, row), uses=("patients", "events"))


@recomputes("adverse-event")
def _adverse(src, row, ds=None):
    n = _n(src, row["group"])
    k = events(src, row["group"], row["category"])["patient_id"].nunique()
    return _with(_count(f"patients with a {row['category']} event", k, n, row), uses=("patients", "events"))


@recomputes("recurrence")
def _recurrence(src, row, ds=None):
    n = _n(src, row["group"])
    ev = src["events"]
    if not ev["patient_id"].isin(set(group_patients(src, row["group"])["patient_id"])).any():
        # no events at all: nothing says whether anyone relapsed (a last-follow-up row records "none")
        return Recomputed("relapse events in events.csv", agreement="not recomputable",
                          detail="no events recorded for the group")
    k = events(src, row["group"], "relapse")["patient_id"].nunique()
    return _with(_count("patients with a relapse event", k, n, row), uses=("patients", "events"))


@recomputes("survival-comparison")
def _survival_p(src, row, ds=None):
    """Which tests on the survival counts give the printed P. The source does not name its test, so a
    match is *consistent with* the tests (and log-rank arrangements) that give it, never *reproduced*."""
    from masreview.analysis import logrank, survival  # log-rank bounds over death-time arrangements

    counts = []
    pair = tuple(row["group"].split("-vs-")) if "-vs-" in row["group"] else ("ruxolitinib", "historical-control")
    for g in pair:  # the two groups the measure compares (ruxolitinib-vs-<control>)
        n = _n(src, g)
        counts += [n - events(src, g, "death")["patient_id"].nunique(), n]
    if 0 in counts[1::2]:
        return Recomputed("tests on survival", agreement="not recomputable", detail="a group has no patients")
    tests = stats.two_by_two_tests(*counts)
    d = int(row["decimals"])
    match = tests[[stats.rounds_to(p, row["value"], d) for p in tests["P"]]]
    names = [survival.short_test_name(t) for t in match["test"]]
    group_counts = {g: survival.GroupCounts(counts[2 * i + 1], counts[2 * i + 1] - counts[2 * i])
                    for i, g in enumerate(pair)}
    bounds = logrank.logrank_bounds(group_counts, logrank.DeathWindows(), printed=row["value"], decimals=d)
    if bounds.n_printing > 0:
        names.append("log-rank under some death times")
    where = f"{counts[0]}/{counts[1]} vs {counts[2]}/{counts[3]} survivors"
    if not names:
        return Recomputed(f"2x2 tests and log-rank arrangements on {where}", value=float(tests["P"].iloc[0]),
                          agreement="differs", detail="no test and no death-time arrangement gives the printed P",
                          uses=("patients", "events"))
    value = float(match["P"].iloc[0]) if len(match) else None
    return Recomputed(f"2x2 tests and log-rank arrangements on {where}", value=value, agreement="consistent with",
                      detail="consistent with: " + "; ".join(names)
                             + ". The source does not name its test; the test is not identified", uses=("patients", "events"))


@recomputes("glucocorticoid-dose")
def _gc(src, row, ds=None):
    obs = src["observations"]
    ids = set(group_patients(src, row["group"])["patient_id"])
    weeks = weeks_column(obs)
    sel = obs[(obs["measure"] == "glucocorticoid-dose") & obs["patient_id"].isin(ids)
              & ((weeks - vocab.timepoint_weeks(row["timepoint"])).abs() < 1e-9)]
    if sel.empty:
        return Recomputed("median of glucocorticoid-dose observations", agreement="not recomputable",
                          detail=f"no individual doses at {row['timepoint']}: only the published median")
    return Recomputed(f"median of {len(sel)} glucocorticoid-dose observations", value=float(sel["value"].median()),
                      uses=("patients", "observations"))


def _patient_value(column: str, label: str) -> Recomputer:
    def fn(src, row, ds=None):
        p = group_patients(src, row["group"])
        vals = p[column].dropna()
        if vals.empty:
            return Recomputed(f"{label} in patients.csv", agreement="not recomputable", detail=f"no {column} values")
        if len(vals) == 1:
            return Recomputed(f"{label} of the patient", value=float(vals.iloc[0]), numerator=None)
        return Recomputed(f"median {label} of {len(vals)} patients", value=float(vals.median()))
    return fn


RECOMPUTERS["age"] = _patient_value("age_years", "age")
RECOMPUTERS["disease-duration"] = _patient_value("disease_duration_years", "disease duration")


@recomputes("previous-mas-episodes")
def _prev(src, row, ds=None):
    p = group_patients(src, row["group"])
    vals = p["previous_mas_episodes"].dropna()
    if vals.empty:
        return Recomputed("previous_mas_episodes", agreement="not recomputable", detail="no values")
    return Recomputed("previous MAS episodes of the patient(s), summed", value=float(vals.sum()),
                      numerator=int(vals.sum()))


def _salvage(src: SourceData, group: str) -> pd.DataFrame:
    t = src["treatments"]
    ids = set(group_patients(src, group)["patient_id"])
    return t[(t["drug"] == "ruxolitinib") & t["patient_id"].isin(ids)]


@recomputes("ruxolitinib-dose")
def _rux_dose(src, row, ds=None):
    t = _salvage(src, row["group"])
    t = t[t["dose"].notna() & (t["dose_unit"] == row["unit"])]
    freq = row["category"] if pd.notna(row["category"]) and row["category"] in vocab.FREQUENCIES else None
    if freq is not None:  # '10 mg twice daily': the frequency is part of what is reported
        t = t[t["frequency"] == freq]
    if t.empty:
        return Recomputed("ruxolitinib rows of treatments.csv", agreement="not recomputable",
                          detail=f"no ruxolitinib dose in {row['unit']}" + (f" given {freq}" if freq else ""))
    return Recomputed(f"dose of the last ruxolitinib row ({t['frequency'].iloc[-1]})", value=float(t["dose"].iloc[-1]),
                      uses=("patients", "treatments"))


@recomputes("treatment-rounds")
def _rounds(src, row, ds=None):
    t = src["treatments"]
    ids = set(group_patients(src, row["group"])["patient_id"])
    t = t[(t["drug"] == row["category"]) & t["patient_id"].isin(ids)]
    if t.empty or t["rounds"].isna().all():
        return Recomputed("rounds in treatments.csv", agreement="not recomputable", detail=f"no {row['category']} rounds")
    k = int(t["rounds"].sum())
    return Recomputed(f"rounds of {row['category']} in treatments.csv", value=float(k), numerator=k,
                      uses=("patients", "treatments"))


@recomputes("ruxolitinib-duration")
def _rux_duration(src, row, ds=None):
    from masreview.analysis.timeline import phase_duration, phase_table  # the case-timeline helpers own durations

    t = _salvage(src, row["group"])
    ph = phase_table(src)
    per_patient, how = [], []
    for pid, rows in t.groupby("patient_id", sort=False):
        phase_ids = list(dict.fromkeys(rows["phase_id"].dropna()))
        if not phase_ids:
            continue
        value, qualifier = phase_duration(ph[ph["patient_id"] == pid], phase_ids, row["unit"])
        if value is not None:
            per_patient.append(value)
            how.append(f"phase{'s' if len(phase_ids) > 1 else ''} {', '.join(phase_ids)} ({qualifier})")
    if not per_patient:
        return Recomputed("phases of the ruxolitinib rows", agreement="not recomputable",
                          detail="no ruxolitinib phase with a known length")
    if len(per_patient) == 1:
        return Recomputed(f"length of {how[0]}", value=float(per_patient[0]), uses=("patients", "treatments", "phases"))
    return Recomputed(f"median length of the ruxolitinib phases of {len(per_patient)} patients",
                      value=float(pd.Series(per_patient).median()), uses=("patients", "treatments", "phases"))


@recomputes("refractory-fraction")
def _context(src, row, ds=None):
    return Recomputed("background figure from the literature", agreement="context",
                      detail="not a result of this source's patients; shown as quoted")


# --- outcomes stated in words (vocab.IN_WORDS_KIND) ----------------------------------------------------


def _in_words(what: str) -> Recomputed:
    return Recomputed(f"{what}: stated in words", agreement="context",
                      detail="reported in words; the rows hold nothing to recompute it from, shown as stated")


@recomputes("fever-resolution")
def _fever(src, row, ds=None):
    return _in_words("fever resolution")


@recomputes("glucocorticoid-taper")
def _taper(src, row, ds=None):
    ids = set(group_patients(src, row["group"])["patient_id"])
    t = src["treatments"]
    t = t[t["patient_id"].isin(ids)]
    if t.empty or pd.isna(row["numerator"]) or row["category"] == "not-tapered":
        return _in_words("glucocorticoid taper")
    k = t[t["role"] == "taper"]["patient_id"].nunique()
    return _with(_count("patients with a glucocorticoid taper row (treatments.csv role taper)", k, len(ids), row),
                 uses=("patients", "treatments"))


@recomputes("adverse-events")
def _adverse_words(src, row, ds=None):
    ids = set(group_patients(src, row["group"])["patient_id"])
    ev = src["events"]
    ev = ev[ev["patient_id"].isin(ids)]
    if ev.empty or pd.isna(row["numerator"]):
        return _in_words("adverse events")
    harms = ev[~ev["event"].isin(["last-follow-up", "relapse", "death"])]
    k = len(ids) - harms["patient_id"].nunique() if row["category"] == "none" else \
        ev[ev["event"] == row["category"]]["patient_id"].nunique()
    return _with(_count("patients without an adverse event row" if row["category"] == "none" else
                        f"patients with a {row['category']} event", k, len(ids), row), uses=("patients", "events"))


# --- the table ---------------------------------------------------------------------------------------


def _agrees(row: pd.Series, rc: Recomputed) -> bool:
    d = int(row["decimals"])
    checks = []
    if pd.notna(row["numerator"]):
        checks.append(rc.numerator is not None and int(row["numerator"]) == rc.numerator)
    if pd.notna(row["denominator"]):
        checks.append(rc.denominator is not None and int(row["denominator"]) == rc.denominator)
    if pd.notna(row["value"]):
        checks.append(rc.value is not None and stats.rounds_to(rc.value, row["value"], d))
    return bool(checks) and all(checks)


def rows_origins(src: SourceData, group: str, tables: tuple[str, ...]) -> set[str]:
    """Origins (reported / reconstructed) of the rows of ``tables`` that belong to the patients of ``group``."""
    p = src["patients"]
    ids = set(p["patient_id"]) if group not in vocab.GROUPS else set(group_patients(src, group)["patient_id"])
    out: set[str] = set()
    for t in tables:
        try:
            df = src[t]
        except KeyError:
            continue
        if df is None or "origin" not in df.columns or "patient_id" not in df.columns:
            continue
        out |= set(df.loc[df["patient_id"].isin(ids), "origin"].dropna())
    return out


def reproduce_row(src: SourceData, row: pd.Series, ds: Dataset | None = None) -> tuple[Recomputed, str]:
    """The recomputed value of a reported row and its status (a code of vocab.REPRODUCTION_STATUSES)."""
    rc = RECOMPUTERS[row["measure"]](src, row, ds)
    if rc.agreement is None and "patients" in rc.uses and src["patients"].empty:  # totals only, no rows
        rc = _with(rc, value=None, numerator=None, denominator=None, agreement="not recomputable",
                   detail="no patient rows: the report gives only totals (rows may be rebuilt from them with "
                          "reconstruction.yaml)")
    if rc.agreement in ("context", "not recomputable", "differs", "consistent with"):
        status = rc.agreement
    elif not _agrees(row, rc):
        status = "differs"
    elif "reconstructed" in rows_origins(src, row["group"], rc.uses):
        status = "consistent by construction"
    else:
        status = "reproduced"
    assert status in vocab.REPRODUCTION_STATUSES
    return rc, status


def status_tally(statuses) -> dict[str, int]:
    """How many rows have each status (every status of the vocabulary, zeros included)."""
    statuses = list(statuses)
    return {code: sum(s == code for s in statuses) for code in vocab.REPRODUCTION_STATUSES}
