"""Synthesis across sources: cohorts counted once, per-cohort outcomes, pooling, subgroups, the flow.

Everything here is computed from the loaded :class:`~masreview.data.loading.Dataset` alone, so a source
added under ``data/sources/`` appears in every table and number without code changes.

Rules (stated again in the synthesis and methods chapters, from :data:`RULES`):

* **Cohorts once.** Reports sharing a ``cohort_id`` describe the same patients. A cohort's numbers
  come from its ``primary_source`` (``data/cohorts.yaml``); other reports of it appear in the evidence
  table but add no patients.
* **Patient rows first.** When the primary source has patient rows (``patients.csv``), outcomes are
  counted from them (reported or reconstructed, and the basis says which); otherwise from its
  reported measures.
* **Response** is read at the primary source's main assessment: the latest time at which it records a
  response state for its treated patients (``observations.csv``), or, without such rows, the latest
  timepoint of its ``response`` measures. Overall response is CR or PR; a patient who died before the
  assessment counts as not responding. A treated patient without a recorded response state at that
  time is *not assessable* and leaves the denominator; a cohort with no assessable patient does not
  contribute to response. A response is never inferred from free text.
* **Survival** is alive at the last follow-up the source reports: treated patients without a death
  event (patient rows), or the source's ``survival`` measure for the treated group. Each cohort's
  follow-up (its ``last-follow-up`` events) is carried beside it.
* **Implied.** An outcome the report implies rather than states is marked ``implied`` with the
  locator it rests on: survival counted from the absence of a death row when the source prints no
  survival figure for the treated group (the locator of its last-follow-up or death rows).
* **Mixed series.** A series of secondary HLH of mixed causes counts its MAS patients only
  (``mas_subgroup.n_mas``), and adds outcomes only when it reports theirs apart (``outcomes_separate``).
* **Pooling** is in :mod:`masreview.analysis.pooling`; tables, charts and the evidence table that show
  these outcomes are in :mod:`masreview.present`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from masreview.data import vocab
from masreview.data.model import Dataset, SourceData
from masreview.data.select import TREATED, in_days, timepoint_label, treated_n
from masreview.analysis.stats import proportion_ci


OUTCOMES: dict[str, str] = {
    "overall-response": "Overall response (CR or PR)",
    "complete-response": "Complete response (CR)",
    "survival": "Survival to last follow-up",
}


# ---------------------------------------------------------------------------------------------------
# Cohorts and their patients
# ---------------------------------------------------------------------------------------------------


def cohort_reports(ds: Dataset) -> dict[str, list[SourceData]]:
    """cohort_id -> included reports of it, primary source first, then by source id."""
    out: dict[str, list[SourceData]] = {}
    for s in sorted(ds.included(), key=lambda s: s.id):
        out.setdefault(s.record.cohort_id, []).append(s)
    for cid, members in out.items():
        primary = ds.cohorts[cid].primary_source
        members.sort(key=lambda s: (s.id != primary, s.id))
    return dict(sorted(out.items(), key=lambda kv: kv[1][0].id))


def primary_source(ds: Dataset, cohort_id: str) -> SourceData | None:
    """The report whose rows represent the cohort (None when it is not an included source)."""
    pid = ds.cohorts[cohort_id].primary_source
    s = ds.sources.get(pid)
    return s if s is not None and s.record.status == "included" else None




def patient_outcomes(src: SourceData) -> pd.DataFrame:
    """One row per treated patient of a source with patient rows: disease, survival, main response.

    Columns: patient_id, disease, disease_origin, alive, survival_origin, response_state,
    response_origin, response_time (label of the main assessment, '' when none).
    """
    # Plain Python over the columns (the synthesis calls this once per cohort, several times per page).
    p = src["patients"]
    treated = [(pid, disease, origin) for pid, group, disease, origin in
               zip(*(p[c].tolist() for c in ("patient_id", "group", "disease", "origin"))) if group == TREATED]
    ev = src["events"]
    deaths: dict = {}  # patient -> origin of their first death row
    for pid, event, origin in zip(*(ev[c].tolist() for c in ("patient_id", "event", "origin"))):
        if event == "death":
            deaths.setdefault(pid, origin)
    obs = src["observations"]
    ids = {pid for pid, _, _ in treated}
    states = [(pid, in_days(t, u), state, origin) for pid, t, u, measure, state, origin in
              zip(*(obs[c].tolist() for c in ("patient_id", "time", "time_unit", "measure", "state", "origin")))
              if measure == "response-state" and pid in ids]
    label, at = "", {}  # at: patient -> (state, origin) of their first row at the main assessment
    if states:
        latest = max(days for _, days, _, _ in states)
        for pid, days, state, origin in states:
            if abs(days - latest) < 1e-9:
                at.setdefault(pid, (state, origin))
        label = timepoint_label(latest)
    rows = []
    for pid, disease, origin in treated:
        dead = pid in deaths
        state = at[pid][0] if pid in at else None
        rows.append({
            "patient_id": pid,
            "disease": disease if pd.notna(disease) else None,
            "disease_origin": origin,
            "alive": not dead,
            "survival_origin": deaths[pid] if dead else origin,
            "response_state": state,
            "response_origin": at[pid][1] if state is not None else None,
            "response_time": label if state is not None else "",
        })
    return pd.DataFrame(rows, columns=["patient_id", "disease", "disease_origin", "alive", "survival_origin",
                                       "response_state", "response_origin", "response_time"])


def _basis(origins) -> str:
    origins = set(o for o in origins if o)
    if not origins:
        return ""
    return "patient rows (reconstructed)" if "reconstructed" in origins else "patient rows (reported)"


def _from_patients(po: pd.DataFrame) -> dict[str, dict]:
    """Outcome counts from :func:`patient_outcomes` rows."""
    out = {}
    n = len(po)
    out["survival"] = dict(events=int(po["alive"].sum()), total=n, basis=_basis(po["survival_origin"]),
                           timepoint="last follow-up", reason="")
    assessed = po[po["response_state"].notna()]
    tp = assessed["response_time"].iloc[0] if len(assessed) else ""
    missing = n - len(assessed)
    reason = "" if len(assessed) else "no response state recorded for a treated patient"
    if len(assessed) and missing:
        reason = f"{missing} treated patient(s) without a response state at {tp}: not assessable"
    states = assessed["response_state"]
    for outcome, hit in (("overall-response", states.isin(["CR", "PR"])), ("complete-response", states == "CR")):
        out[outcome] = dict(events=int(hit.sum()) if len(assessed) else None,
                            total=len(assessed) if len(assessed) else None,
                            basis=_basis(assessed["response_origin"]), timepoint=tp, reason=reason)
    return out


def _from_measures(src: SourceData, n: int | None) -> dict[str, dict]:
    """Outcome counts from a source's reported measures (no patient rows)."""
    m = src["measures"]
    m = m[m["group"] == TREATED]
    out = {}
    surv = m[m["measure"] == "survival"]
    if len(surv) and pd.notna(surv["numerator"].iloc[-1]) and pd.notna(surv["denominator"].iloc[-1]):
        out["survival"] = dict(events=int(surv["numerator"].iloc[-1]), total=int(surv["denominator"].iloc[-1]),
                               basis="reported measures", timepoint="last follow-up", reason="")
    else:
        out["survival"] = dict(events=None, total=None, basis="", timepoint="", reason="survival not reported")
    resp = m[m["measure"] == "response"].copy()
    resp["weeks"] = resp["timepoint"].map(vocab.timepoint_weeks)
    resp = resp[resp["weeks"].notna()]
    empty = dict(events=None, total=None, basis="", timepoint="", reason="no response state reported")
    out["overall-response"] = dict(empty)
    out["complete-response"] = dict(empty)
    if len(resp):
        latest = resp[resp["weeks"] == resp["weeks"].max()]
        tp = latest["timepoint"].iloc[0].replace("-", " ")
        dens = latest["denominator"].dropna()
        total = int(dens.iloc[0]) if len(dens) else n
        counts = {c: int(k) for c, k in zip(latest["category"], latest["numerator"]) if pd.notna(k)}
        if total:
            if "CR" in counts:
                out["complete-response"] = dict(events=counts["CR"], total=total, basis="reported measures",
                                                timepoint=tp, reason="")
            if "CR" in counts and "PR" in counts:
                out["overall-response"] = dict(events=counts["CR"] + counts["PR"], total=total,
                                               basis="reported measures", timepoint=tp, reason="")
    return out


def follow_up(src: SourceData) -> str:
    """The follow-up a source reports for its treated patients ('not stated' when it gives no time)."""
    ev = src["events"]
    ev = ev[ev["event"] == "last-follow-up"]
    times = [(in_days(t, u), t, u) for t, u in zip(ev["time"], ev["time_unit"]) if pd.notna(t) and pd.notna(u)]
    if not times:
        return "not stated"
    lo, hi = min(times), max(times)
    unit = lambda x: f"{x[1]:g} {x[2]}"
    return f"up to {unit(hi)}" if len(times) == 1 or lo[0] == hi[0] else f"{unit(lo)} to {unit(hi)}"


def _implied_survival(src: SourceData) -> str:
    """Locator(s) when survival is implied (counted from patient rows, no survival figure printed)."""
    m = src["measures"]
    if not len(src["patients"]) or ((m["measure"] == "survival") & (m["group"] == TREATED)).any():
        return ""
    ev = src["events"]
    rows = ev[ev["event"].isin(["last-follow-up", "death"])]
    locs = list(dict.fromkeys(str(x) for x in rows["locator"] if pd.notna(x) and str(x)))
    return "; ".join(locs) if locs else "patient rows (no death reported)"


def _mas_subgroup_only(src: SourceData, counts: dict[str, dict]) -> dict[str, dict]:
    """A series of secondary HLH of mixed causes adds outcomes only when it gives its MAS patients'
    outcomes apart (source.yaml ``mas_subgroup.outcomes_separate``); otherwise none is assessable."""
    sub = src.record.mas_subgroup
    if sub is None or sub.outcomes_separate:
        return counts
    reason = (f"outcomes of the {sub.n_mas} MAS patients not reported apart from the other HLH patients "
              f"({sub.locator})")
    return {k: dict(events=None, total=None, basis="", timepoint="", reason=reason) for k in counts}


def cohorts_table(ds: Dataset) -> pd.DataFrame:
    """One row per independent cohort: label, primary source, reports, population, diseases, treated n,
    the primary source's design."""
    rows = []
    for cid, members in cohort_reports(ds).items():
        prim = primary_source(ds, cid) or members[0]
        rows.append({
            "cohort_id": cid,
            "cohort": ds.cohorts[cid].label,
            "primary_source": prim.id,
            "reports": [s.id for s in members],
            "population": prim.record.population,
            "diseases": list(prim.record.underlying_diseases),
            "treated": treated_n(prim),
            "design": prim.record.design,
        })
    return pd.DataFrame(rows, columns=["cohort_id", "cohort", "primary_source", "reports", "population",
                                       "diseases", "treated", "design"])


def cohort_outcomes(ds: Dataset) -> pd.DataFrame:
    """One row per cohort and outcome, counted from the cohort's primary source (see the module rules).

    Columns: cohort_id, cohort, primary_source, population, diseases, outcome, events, total,
    assessable, percent, ci_low, ci_high (exact, in percent), timepoint, basis, reason, design, treated,
    follow_up, implied (the locator when the outcome is implied, else '').
    """
    rows = []
    for c in cohorts_table(ds).itertuples():
        src = ds.source(c.primary_source)
        counts = _from_patients(patient_outcomes(src)) if len(src["patients"]) else _from_measures(src, c.treated)
        counts = _mas_subgroup_only(src, counts)
        fu, implied = follow_up(src), _implied_survival(src)
        for outcome in OUTCOMES:
            d = counts[outcome]
            ok = d["events"] is not None and d["total"]
            ci = proportion_ci(d["events"], d["total"]) if ok else None
            rows.append({
                "cohort_id": c.cohort_id, "cohort": c.cohort, "primary_source": c.primary_source,
                "population": c.population, "diseases": c.diseases, "outcome": outcome,
                "events": d["events"] if ok else None, "total": d["total"] if ok else None, "assessable": bool(ok),
                "percent": 100 * ci.estimate if ok else None, "ci_low": 100 * ci.low if ok else None,
                "ci_high": 100 * ci.high if ok else None, "timepoint": d["timepoint"], "basis": d["basis"],
                "reason": d["reason"] if not ok else d["reason"],
                "design": c.design, "treated": c.treated, "follow_up": fu,
                "implied": implied if outcome == "survival" and ok else "",
            })
    df = pd.DataFrame(rows, columns=["cohort_id", "cohort", "primary_source", "population", "diseases", "outcome",
                                     "events", "total", "assessable", "percent", "ci_low", "ci_high", "timepoint",
                                     "basis", "reason", "design", "treated", "follow_up", "implied"])
    for col in ("events", "total"):
        df[col] = df[col].astype("Int64")
    return df


# ---------------------------------------------------------------------------------------------------
# Flow of sources (PRISMA-style)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    identified: int
    screened: int
    excluded: int
    exclusion_reasons: dict  # reason code (vocab.EXCLUSION_REASONS) -> number of reports
    awaiting: int  # awaiting classification: neither included nor excluded yet
    included_reports: int
    second_reports: int  # included reports of a cohort whose primary source is another report
    cohorts: int
    patients: int  # treated patients, each cohort counted once


def flow_counts(ds: Dataset) -> Flow:
    """Counts of the flow, from the sources' status fields and the cohort grouping."""
    all_sources = list(ds.sources.values())
    excluded = [s for s in all_sources if s.record.status == "excluded"]
    reasons: dict[str, int] = {}
    for s in excluded:
        reasons[s.record.exclusion_reason] = reasons.get(s.record.exclusion_reason, 0) + 1
    ct = cohorts_table(ds)
    included = ds.included()
    return Flow(
        identified=len(all_sources), screened=len(all_sources), excluded=len(excluded),
        exclusion_reasons=dict(sorted(reasons.items())),
        awaiting=sum(s.record.status == "awaiting" for s in all_sources), included_reports=len(included),
        second_reports=len(included) - len(ct), cohorts=len(ct),
        patients=int(sum(int(n) for n in ct["treated"] if n is not None and not pd.isna(n))),
    )


# ---------------------------------------------------------------------------------------------------
# A dataset as of a changelog entry
# ---------------------------------------------------------------------------------------------------


def subset(ds: Dataset, source_ids) -> Dataset:
    """The dataset restricted to some sources (cohorts whose primary source is absent fall back to the
    earliest present report of them)."""
    from masreview.data.schema import Cohort

    keep = {sid: s for sid, s in ds.sources.items() if sid in set(source_ids)}
    cohorts = {}
    for cid, c in ds.cohorts.items():
        members = sorted(s.id for s in keep.values() if s.record.cohort_id == cid)
        if not members:
            continue
        prim = c.primary_source if c.primary_source in keep else members[0]
        cohorts[cid] = Cohort(label=c.label, primary_source=prim, notes=c.notes)
    return Dataset(sources=keep, cohorts=cohorts, changelog=[])


def last_update(ds: Dataset) -> str:
    """Date of the latest changelog entry (ISO), or 'not yet recorded'."""
    return max(e.date for e in ds.changelog).isoformat() if ds.changelog else "not yet recorded"
