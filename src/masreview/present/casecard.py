"""A case report as readers see it: the summary card, and a case set beside a cohort.

    from masreview.present import casecard
    card = casecard.case_card(src)              # item / value / basis / locator
    casecard.card_html(card, "Case summary")    # escaped HTML table with a caption
    casecard.compare_sources(ds, [a, b])        # side by side, one column per source

Basis of a card item: ``reported`` (a row the source states), ``reconstructed`` (a row derived from
aggregates), ``derived`` (computed here from reported rows, the method given with it), ``inferred`` (read from
what the rows do not hold, e.g. alive because no death row precedes a reported last follow-up; the
locator says so) or ``not reported``. No item is *reported* unless a row states it.
"""

from __future__ import annotations


import pandas as pd

from masreview.analysis.casecard import (NOT_REPORTED, _is, _is_missing, _num, _patient, _plural, daily_dose)
from masreview.analysis.timeline import phase_duration, phase_table
from masreview.data import vocab
from masreview.data.select import weeks_column
from masreview.present.format import citation_label, printed
from masreview.data.model import Dataset, SourceData
from masreview.present.html import STACK, esc

def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _basis(rows: pd.DataFrame) -> str:
    if rows.empty:
        return NOT_REPORTED
    return "reconstructed" if (rows["origin"] == "reconstructed").any() else "reported"


def _locators(rows: pd.DataFrame) -> str:
    return "; ".join(dict.fromkeys(str(x) for x in rows["locator"].dropna()))


def _dose_phrase(r: pd.Series) -> str:
    parts = [f"{_num(r['dose'])} {r['dose_unit']}" if pd.notna(r["dose"]) else "dose not reported"]
    if not _is_missing(r["frequency"]) and r["frequency"] != "pulse":  # pulses are named with the drug
        parts[0] += " " + vocab.FREQUENCIES[r["frequency"]].lower()
    if not _is_missing(r["route"]):
        parts.append(vocab.ROUTES[r["route"]].lower())
    return ", ".join(parts)


def _drug_phrase(r: pd.Series) -> str:
    text = str(r["drug"])
    extra = []
    if _is(r["frequency"], "pulse"):
        extra.append("pulses")
    if pd.notna(r["rounds"]):
        extra.append(_plural(int(r["rounds"]), "round"))
    if pd.notna(r["dose"]):
        extra.append(_dose_phrase(r))
    return text + (f" ({', '.join(extra)})" if extra else "")


def _lab_summary(obs: pd.DataFrame) -> str:
    """'ferritin 12000 -> 450 ng/mL (day 0 -> day 28)' per numeric measure: first and last observation."""
    parts = []
    for measure, rows in obs[obs["measure"] != "response-state"].groupby("measure", sort=False):
        rows = rows.assign(_d=weeks_column(rows)).sort_values("_d")
        a, b = rows.iloc[0], rows.iloc[-1]
        name = vocab.label(vocab.OBSERVATION_MEASURES, measure)
        if len(rows) == 1:
            parts.append(f"{name} {_num(a['value'])} {a['unit']} ({a['time_unit']} {_num(a['time'])})")
        else:
            parts.append(f"{name} {_num(a['value'])} -> {_num(b['value'])} {a['unit']} "
                         f"({a['time_unit']} {_num(a['time'])} -> {b['time_unit']} {_num(b['time'])})")
    return "; ".join(parts)


def case_card(src: SourceData, patient_id: str | None = None, drug: str = "ruxolitinib") -> pd.DataFrame:
    """The summary of one case: item, value, basis and locator, from the source's patient-level tables.

    Items: age, sex, underlying disease, disease duration, MAS episode number (previous episodes + 1, the
    episode treated: derived), treatments failed, salvage therapy, dose, daily dose (derived), duration of
    the salvage therapy, other treatment (taper, concomitant), laboratory values, then the outcome items
    (response, survival, recurrence, last follow-up: see :func:`_outcomes`).
    """
    pat = _patient(src, patient_id)
    pid = pat["patient_id"]
    prow = src["patients"][src["patients"]["patient_id"] == pid]
    t = src["treatments"][src["treatments"]["patient_id"] == pid]
    obs = src["observations"][src["observations"]["patient_id"] == pid]
    ev = src["events"][src["events"]["patient_id"] == pid]
    items: list[dict] = []

    def add(item, value, basis, locator=""):
        items.append({"item": item, "value": value, "basis": basis, "locator": locator})

    def from_patient(item, column, fmt):
        v = pat[column] if column in pat.index else None
        if v is None or pd.isna(v):
            add(item, NOT_REPORTED, NOT_REPORTED)
        else:
            add(item, fmt(v), _basis(prow), _locators(prow))

    from_patient("Age", "age_years", lambda v: _plural(v, "year"))
    from_patient("Sex", "sex", lambda v: vocab.SEXES[v].lower())
    from_patient("Underlying disease", "disease", lambda v: f"{vocab.DISEASES[v]} ({v})")
    from_patient("Disease duration", "disease_duration_years", lambda v: _plural(v, "year"))
    prev = pat["previous_mas_episodes"]
    if pd.isna(prev):
        add("MAS episode number", NOT_REPORTED, NOT_REPORTED)
    else:
        add("MAS episode number", f"{_ordinal(int(prev) + 1)} ({int(prev)} previous + this one)",
            "derived", "previous episodes + 1; " + _locators(prow))

    failed = t[t["role"] == "failed"]
    add("Treatments failed", "; ".join(_drug_phrase(r) for _, r in failed.iterrows()) or NOT_REPORTED,
        _basis(failed), _locators(failed))
    salvage = t[t["role"] == "salvage"]
    combo = t[t["role"] == "combination"]  # given with the salvage drug as one regimen
    regimen = pd.concat([salvage, combo])
    add("Salvage therapy", ", ".join(dict.fromkeys(salvage["drug"])) + "".join(
        f" plus {d}" for d in dict.fromkeys(combo["drug"])) or NOT_REPORTED, _basis(regimen), _locators(regimen))
    rux = salvage[salvage["drug"] == drug]
    if rux.empty:
        add("Dose", NOT_REPORTED, NOT_REPORTED)
    else:
        dosed = rux[rux["dose"].notna()]
        text = "; ".join(_dose_phrase(r) for _, r in dosed.iterrows()) or NOT_REPORTED
        n_missing = int(rux["dose"].isna().sum())
        if n_missing and not dosed.empty:
            text += f" ({n_missing} other {drug} dose{'s' if n_missing > 1 else ''} not reported)"
        add("Dose", text, _basis(dosed) if not dosed.empty else NOT_REPORTED, _locators(rux))
    dd = daily_dose(src, drug, pid)
    if dd["daily"] is None:
        add("Daily dose", NOT_REPORTED, NOT_REPORTED, dd["reason"])
    else:
        text = f"{_num(dd['daily'])} {dd['daily_unit']}"
        text += f"; {dd['per_kg']:.2f} {dd['per_kg_unit']}" if dd["per_kg"] is not None else f"; per kg: not computed ({dd['reason']})"
        add("Daily dose", text, "derived",
            f"{_num(dd['dose'])} {dd['dose_unit']} x {dd['per_day']} a day" +
            (f" / {_num(dd['weight_kg'])} kg" if dd["weight_kg"] else ""))
    ph = phase_table(src)
    ph = ph[ph["patient_id"] == pid]
    phase_ids = list(dict.fromkeys(rux["phase_id"].dropna()))
    prows = ph[ph["phase_id"].isin(phase_ids)]
    if prows.empty:
        add("Duration", NOT_REPORTED, NOT_REPORTED)
    else:
        days, qualifier = phase_duration(ph, phase_ids, "day")
        if days is None:
            add("Duration", NOT_REPORTED, NOT_REPORTED, _locators(prows))
        elif len(prows) == 1:
            add("Duration", prows["length_text"].iloc[0], _basis(prows), _locators(prows))
        else:
            add("Duration", ("about " if qualifier == "approximate" else "") + _plural(round(days), "day"),
                "derived", "sum of phases " + ", ".join(phase_ids))
    other = t[t["role"].isin(["taper", "concomitant"])]
    if not other.empty:
        add("Other treatment", "; ".join(f"{r['drug']} ({'tapered' if r['role'] == 'taper' else 'given alongside'}"
                                         f"{', ' + _dose_phrase(r) if pd.notna(r['dose']) else ''})"
                                         for _, r in other.iterrows()), _basis(other), _locators(other))
    labs = obs[obs["measure"] != "response-state"]
    add("Laboratory values", _lab_summary(labs) or NOT_REPORTED, _basis(labs), _locators(labs))
    for item in _outcomes(src, pid, obs, ev):
        add(*item)
    return pd.DataFrame(items, columns=["item", "value", "basis", "locator"])


def _outcomes(src: SourceData, pid: str, obs: pd.DataFrame, ev: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(item, value, basis, locator) of the outcome items: response, survival, recurrence, last follow-up.

    Each says only what a row states: a patient row (observations, events) or a reported measure of the
    treated group (``recurrence``, ``survival``). Nothing is read from the absence of a row, except survival
    to a reported last follow-up with no death row, which is labelled ``inferred``.
    """
    out = []
    states = obs[obs["measure"] == "response-state"]
    if not states.empty:
        last = states.assign(_d=weeks_column(states)).sort_values("_d").iloc[-1]
        out.append(("Response", f"{vocab.RESPONSE_STATES[last['state']]} at {last['time_unit']} {_num(last['time'])}",
                    _basis(states), _locators(states)))
    else:
        out.append(("Response", "not graded (no CR/PR/NR)", NOT_REPORTED, ""))

    def when(r):
        return f" at {r['time_unit']} {_num(r['time'])}" if pd.notna(r["time"]) else " (time not reported)"

    m = src["measures"]
    m = m[m["group"] == "ruxolitinib"]
    deaths, fu = ev[ev["event"] == "death"], ev[ev["event"] == "last-follow-up"]
    surv = m[m["measure"] == "survival"]
    if not deaths.empty:
        out.append(("Survival", "; ".join("died" + when(r) for _, r in deaths.iterrows()), _basis(deaths),
                    _locators(deaths)))
    elif not surv.empty:
        out.append(("Survival", "; ".join(f"survival {printed(x)}{_when(x)}" for _, x in surv.iterrows()),
                    "reported", _locators(surv)))
    elif not fu.empty:
        out.append(("Survival", "alive at last follow-up", "inferred",
                    "no death row up to the last follow-up (" + _locators(fu) + ")"))
    else:
        out.append(("Survival", NOT_REPORTED, NOT_REPORTED, ""))
    relapses, rec = ev[ev["event"] == "relapse"], m[m["measure"] == "recurrence"]
    if not relapses.empty:
        out.append(("Recurrence", "; ".join("relapse" + when(r) for _, r in relapses.iterrows()),
                    _basis(relapses), _locators(relapses)))
    elif not rec.empty:
        out.append(("Recurrence", "; ".join((f"no recurrence{_when(x)}" if x["numerator"] == 0 else
                                             f"recurrence {printed(x)}{_when(x)}") for _, x in rec.iterrows()),
                    "reported", _locators(rec)))
    else:
        out.append(("Recurrence", NOT_REPORTED, NOT_REPORTED, ""))
    if not fu.empty:
        r = fu.iloc[-1]
        out.append(("Last follow-up", f"{r['time_unit']} {_num(r['time'])}" if pd.notna(r["time"])
                    else "time not reported", _basis(fu), _locators(fu)))
    else:
        out.append(("Last follow-up", NOT_REPORTED, NOT_REPORTED, ""))
    return out


def card_html(card: pd.DataFrame, caption: str) -> str:
    """The card as an HTML table with a caption; every cell is escaped."""
    e = esc
    rows = "".join(
        f'<tr><th scope="row">{e(str(r["item"]))}</th><td data-label="Value">{e(str(r["value"]))}</td>'
        f'<td data-label="Basis" class="basis basis-{e(str(r["basis"]).replace(" ", "-"))}">{e(str(r["basis"]))}</td>'
        f'<td data-label="Where stated / how derived">{e(str(r["locator"]))}</td></tr>'
        for _, r in card.iterrows())
    return (f'<table class="masreview-table masreview-case-card {STACK}"><caption>{e(caption)}</caption>'
            '<thead><tr><th scope="col">Item</th><th scope="col">Value</th><th scope="col">Basis</th>'
            f'<th scope="col">Where stated / how derived</th></tr></thead><tbody>{rows}</tbody></table>')




def _measures(src: SourceData, measure: str, group: str = "ruxolitinib") -> pd.DataFrame:
    m = src["measures"]
    return m[(m["measure"] == measure) & (m["group"] == group)]




def _when(row: pd.Series) -> str:
    tp = row["timepoint"]
    return "" if tp in ("overall", "baseline") else f" at {tp.replace('-', ' ')}"


def source_profile(src: SourceData, group: str = "ruxolitinib") -> dict[str, str]:
    """The treated group of a source in a few phrases: reported measures first, patient rows otherwise.

    Keys: Source, Design, Population, Underlying disease, Prior therapy, Ruxolitinib, Glucocorticoids,
    Response, Outcome, Follow-up. 'not reported' where neither holds anything.
    """
    r = src.record
    p = src["patients"]
    p = p[p["group"] == group]
    ids = set(p["patient_id"])
    prof = {"Source": citation_label(src), "Design": vocab.DESIGNS[r.design]}

    n_rows = _measures(src, "patients", group)
    n = int(n_rows["numerator"].iloc[0]) if not n_rows.empty and pd.notna(n_rows["numerator"].iloc[0]) else len(p)
    pop = [vocab.POPULATIONS[r.population], f"n = {n}"]
    sex = _measures(src, "sex", group)
    if not sex.empty:
        pop.append(", ".join(f"{int(x['numerator'])} {x['category']}" for _, x in sex.iterrows()))
    elif p["sex"].notna().any():
        pop.append(", ".join(f"{k} {s}" for s, k in p["sex"].value_counts().items()))
    age = _measures(src, "age", group)
    if not age.empty:
        pop.append("age " + printed(age.iloc[0]))
    elif len(p) == 1 and pd.notna(p["age_years"].iloc[0]):
        pop.append("age " + _plural(p["age_years"].iloc[0], "year"))
    prof["Population"] = "; ".join(pop)

    dis = _measures(src, "underlying-disease", group)
    if not dis.empty:
        text = ", ".join(f"{x['category']} {int(x['numerator'])}" for _, x in dis.iterrows())
    elif p["disease"].notna().any():
        text = ", ".join(f"{d} {k}" for d, k in p["disease"].value_counts().items())
    else:
        text = ", ".join(r.underlying_diseases)
    dur = _measures(src, "disease-duration", group)
    if not dur.empty:
        text += "; disease duration " + printed(dur.iloc[0])
    prev = _measures(src, "previous-mas-episodes", group)
    if not prev.empty:
        text += f"; {printed(prev.iloc[0])} previous MAS episode{'s' if prev['numerator'].iloc[0] != 1 else ''}"
    prof["Underlying disease"] = text

    t = src["treatments"]
    t = t[t["patient_id"].isin(ids)]
    failed = t[t["role"] == "failed"]
    if failed.empty:
        prof["Prior therapy"] = NOT_REPORTED
    elif len(ids) == 1:
        prof["Prior therapy"] = "; ".join(_drug_phrase(x) for _, x in failed.iterrows())
    else:
        counts = failed.groupby("drug", sort=False)["patient_id"].nunique()
        prof["Prior therapy"] = "; ".join(f"{d} {k}/{len(ids)}" for d, k in counts.items())

    rux = []
    for _, x in _measures(src, "ruxolitinib-dose", group).iterrows():
        freq = vocab.FREQUENCIES.get(x["category"], "") if pd.notna(x["category"]) else ""
        rux.append(printed(x) + (f" {freq.lower()}" if freq else ""))
    for _, x in _measures(src, "ruxolitinib-duration", group).iterrows():
        rux.append("for " + printed(x))
    prof["Ruxolitinib"] = "; ".join(rux) or NOT_REPORTED

    gc = _measures(src, "glucocorticoid-dose", group)
    if not gc.empty:
        prof["Glucocorticoids"] = "median daily dose " + "; ".join(
            f"{printed(x)}{_when(x) or ' at ' + x['timepoint']}" for _, x in gc.iterrows())
    elif (t["role"] == "taper").any():
        tap = t[t["role"] == "taper"]
        prof["Glucocorticoids"] = "tapered" + ("" if tap["dose"].notna().any() else " (doses not reported)")
    else:
        prof["Glucocorticoids"] = NOT_REPORTED

    resp = _measures(src, "response", group)
    if not resp.empty:
        prof["Response"] = "; ".join(f"{x['category']} {printed(x)}{_when(x)}" for _, x in resp.iterrows())
    else:
        prof["Response"] = NOT_REPORTED + " as CR/PR/NR"

    out = []
    for measure, word in (("survival", "survival"), ("recurrence", "recurrence"), ("adverse-event", None)):
        for _, x in _measures(src, measure, group).iterrows():
            name = word or (vocab.label(vocab.EVENTS, x["category"]) if x["category"] in vocab.EVENTS
                            else str(x["category"]))
            if measure == "recurrence" and x["numerator"] == 0 and pd.isna(x["denominator"]):
                out.append(f"no recurrence{_when(x)}")
            else:
                out.append(f"{name} {printed(x)}{_when(x)}")
    prof["Outcome"] = "; ".join(out) or NOT_REPORTED

    ev = src["events"]
    fu = ev[(ev["patient_id"].isin(ids)) & (ev["event"] == "last-follow-up") & ev["time"].notna()]
    if fu.empty:
        prof["Follow-up"] = NOT_REPORTED
    else:
        days = fu["time"] * fu["time_unit"].map(vocab.TIME_UNITS).astype(float)
        prof["Follow-up"] = (f"{_num(round(days.iloc[0]))} days" if len(fu) == 1
                             else f"median {_num(round(days.median()))} days ({len(fu)} patients)")
    return prof


def compare_sources(ds: Dataset, source_ids: list[str], group: str = "ruxolitinib") -> pd.DataFrame:
    """Sources side by side: one row per aspect of :func:`source_profile`, one column per source."""
    profiles = {sid: source_profile(ds.source(sid), group) for sid in source_ids}
    labels = [profiles[s]["Source"] for s in source_ids]
    if len(set(labels)) < len(labels):
        labels = [f"{profiles[s]['Source']} ({s})" for s in source_ids]
    aspects = [k for k in profiles[source_ids[0]] if k != "Source"]
    return pd.DataFrame({"aspect": aspects, **{lab: [profiles[s][a] for a in aspects]
                                               for lab, s in zip(labels, source_ids)}})
