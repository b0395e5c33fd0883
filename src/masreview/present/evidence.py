"""The evidence table: one row per report, what it says in a reader's words (every cell escaped)."""

from __future__ import annotations


import pandas as pd

from masreview.data import vocab
from masreview.data.model import Dataset, SourceData
from masreview.analysis.synthesis import cohort_reports, flow_counts, patient_outcomes
from masreview.data.select import TREATED, in_days, timepoint_label, treated_n
from masreview.present.format import printed
from masreview.present.sources import short_citation, source_url
from masreview.present.html import STACK, esc, safe_href

def _fmt_num(v: float, decimals) -> str:
    d = int(decimals) if pd.notna(decimals) else 0
    return f"{float(v):.{d}f}"


def _category_label(cat) -> str:
    if pd.isna(cat):
        return ""
    for vocabulary in (vocab.EVENTS, vocab.DISEASES, vocab.FREQUENCIES):
        if cat in vocabulary:
            return vocabulary[cat].lower() if vocabulary is not vocab.DISEASES else cat
    return str(cat)


def _records(df: pd.DataFrame) -> list[dict]:
    """The rows of ``df`` as ``{column: cell}``: the cells ``iterrows()`` gives, without a Series per row
    (the evidence table calls these helpers for every report)."""
    if not len(df):
        return []
    columns = list(df.columns)
    return [dict(zip(columns, values)) for values in df.values]


_RANK = {s: i for i, s in enumerate(vocab.RESPONSE_ORDER)}


def _by_time_and_state(r: dict) -> tuple:
    """Sort key: weeks, then response order, missing ones last (as sort_values on both columns)."""
    weeks = vocab.timepoint_weeks(r["timepoint"])
    rank = _RANK.get(r["category"]) if pd.notna(r["category"]) else None
    return (weeks is None, weeks or 0.0, rank is None, rank or 0)


def _response_text(src: SourceData) -> str:
    rows = [r for r in _records(src["measures"]) if r["measure"] == "response" and r["group"] == TREATED]
    if rows:
        by_timepoint: dict[str, list[dict]] = {}  # in order of first appearance after sorting
        for r in sorted(rows, key=_by_time_and_state):
            by_timepoint.setdefault(r["timepoint"], []).append(r)
        return "; ".join(tp.replace("-", " ") + ": " + ", ".join(f"{r['category']} {printed(r)}" for r in g)
                         for tp, g in by_timepoint.items())
    po = patient_outcomes(src) if len(src["patients"]) else pd.DataFrame()
    if len(po) and po["response_state"].notna().any():
        a = po[po["response_state"].notna()]
        counts = a["response_state"].value_counts()
        return a["response_time"].iloc[0] + ": " + ", ".join(f"{s} {int(counts[s])}/{len(a)}" for s in
                                                            vocab.RESPONSE_ORDER if s in counts)
    return "not graded (no response state reported)"


def _survival_text(src: SourceData) -> str:
    m = _records(src["measures"])
    parts = []
    for group, prefix in ((TREATED, ""), ("historical-control", "historical controls ")):
        for r in m:
            if r["measure"] == "survival" and r["group"] == group:
                parts.append(prefix + printed(r))
    for r in m:
        if r["measure"] == "survival-comparison":
            parts.append(printed(r))
    if parts:
        return "; ".join(parts)
    if len(src["patients"]):
        p = src["patients"]
        treated = [pid for pid, group in zip(p["patient_id"].tolist(), p["group"].tolist()) if group == TREATED]
        ev = src["events"]
        ids = set(treated)
        deaths = {pid for pid, event in zip(ev["patient_id"].tolist(), ev["event"].tolist())
                  if event == "death" and pid in ids}
        return f"deaths recorded: {len(deaths)} of {len(treated)}" if deaths else \
            f"no death reported ({len(treated)} alive at last report)"
    return "not reported"


def _adverse_text(src: SourceData) -> str:
    m = src["measures"]
    m = m[(m["measure"] == "adverse-event") & (m["group"] == TREATED)]
    if not len(m):
        return "not reported"
    return "; ".join(f"{_category_label(r['category'])} {printed(r)}" for r in _records(m))


def _dose_text(src: SourceData) -> str:
    t = src["treatments"]
    t = t[(t["drug"] == "ruxolitinib") & t["dose"].notna()]
    parts = []
    for r in _records(t):
        freq = vocab.FREQUENCIES.get(r["frequency"], "").lower()
        route = r["route"] if pd.notna(r["route"]) and r["route"] != "unknown" else ""
        parts.append(", ".join(x for x in (f"{r['dose']:g} {r['dose_unit']} {freq}".strip(), route) if x))
    if not parts:
        m = src["measures"]
        for r in _records(m[m["measure"] == "ruxolitinib-dose"]):
            cat = vocab.FREQUENCIES.get(r["category"], "").lower() if pd.notna(r["category"]) else ""
            parts.append(" ".join(x for x in (printed(r), cat) if x))
    text = "; ".join(dict.fromkeys(parts)) if parts else "not reported"
    undosed = src["treatments"][(src["treatments"]["drug"] == "ruxolitinib") & src["treatments"]["dose"].isna()]
    if parts and len(undosed):
        text += "; other doses not stated"
    m = src["measures"]
    dur = m[m["measure"] == "ruxolitinib-duration"]
    if len(dur):
        text += "; given for " + printed(dur.iloc[0])
    return text


def _follow_up_text(src: SourceData) -> str:
    m = _records(src["measures"])
    parts = []
    weeks = [w for w in (vocab.timepoint_weeks(r["timepoint"]) for r in m if r["group"] == TREATED)
             if w is not None and w > 0]
    if weeks:
        parts.append("outcomes reported to " + timepoint_label(7 * float(max(weeks))))
    for r in m:
        if r["measure"] != "recurrence":
            continue
        k = printed(r)
        parts.append(f"recurrence: {k} patient{'' if k == '1' else 's'}" if k.isdigit() else f"recurrence: {k}")
    ev = src["events"]
    fu = [(t, u) for e, t, u in zip(ev["event"].tolist(), ev["time"].tolist(), ev["time_unit"].tolist())
          if e == "last-follow-up" and pd.notna(t)]
    if fu:
        times = sorted(in_days(t, u) for t, u in fu)
        parts.append("last follow-up " + (timepoint_label(times[0]) if len(times) == 1 else
                                          f"{timepoint_label(times[0])} to {timepoint_label(times[-1])}"))
    else:
        parts.append("length of follow-up not stated")
    return "; ".join(parts)


def evidence_rows(ds: Dataset) -> list[dict]:
    """One dict per included report, grouped by cohort (primary report first)."""
    rows = []
    for cid, members in cohort_reports(ds).items():
        primary = ds.cohorts[cid].primary_source
        for s in members:
            r = s.record
            n = treated_n(s)
            rows.append({
                "cohort_id": cid, "cohort": ds.cohorts[cid].label, "source_id": s.id,
                "primary": s.id == primary, "citation": short_citation(s), "url": source_url(s),
                "bibtex_key": r.bibliography.bibtex_key,
                "design": vocab.DESIGNS[r.design], "population": vocab.POPULATIONS[r.population],
                "diseases": ", ".join(vocab.DISEASES[d] for d in r.underlying_diseases),
                "n": n, "dose": _dose_text(s), "response": _response_text(s), "survival": _survival_text(s),
                "adverse events": _adverse_text(s), "follow-up": _follow_up_text(s),
            })
    return rows


EVIDENCE_COLUMNS = ["Report: design, population, underlying diseases", "Treated (n)", "Ruxolitinib dose",
                    "Response", "Survival", "Adverse events", "Follow-up"]


def evidence_table_html(ds: Dataset, chapter_prefix: str = "") -> str:
    """The evidence table as accessible HTML: one row group per cohort, cohort counted once in the total.

    Every text cell is escaped; links point to the source's chapter (``<prefix><id>.html``) and its DOI.
    """
    e = esc
    rows = evidence_rows(ds)
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in EVIDENCE_COLUMNS)
    body = []
    for cid, group in pd.DataFrame(rows).groupby("cohort_id", sort=False):
        first = group.iloc[0]
        nrep = len(group)
        body.append(f'<tbody><tr><th scope="rowgroup" colspan="{len(EVIDENCE_COLUMNS)}" '
                    f'style="text-align:left">Cohort {e(cid)}: {e(first["cohort"])}'
                    f'{" (" + str(nrep) + " reports of the same patients, counted once)" if nrep > 1 else ""}'
                    "</th></tr>")
        for _, r in group.iterrows():
            report = (f'<a href="{safe_href(chapter_prefix + r["source_id"] + ".html")}">{e(r["citation"])}</a>'
                      f' (<a href="{safe_href(r["url"])}">publication</a>)<br>{e(r["design"])}; '
                      f'{e(r["population"]).lower()}; {e(r["diseases"])}')
            if not r["primary"]:
                report += "<br><em>further report of this cohort: its patients are not added again</em>"
            n = "" if r["n"] is None or pd.isna(r["n"]) else str(int(r["n"]))
            n_cell = n if r["primary"] else (f"({n}, same patients)" if n else "")
            cells = [report, n_cell] + \
                [e(str(r[k])) for k in ("dose", "response", "survival", "adverse events", "follow-up")]
            body.append("<tr>" + "".join(f'<td data-label="{e(col)}">{c}</td>'
                                         for col, c in zip(EVIDENCE_COLUMNS, cells)) + "</tr>")
        body.append("</tbody>")
    f = flow_counts(ds)
    foot = (f'<tfoot><tr><th scope="row" style="text-align:left">Patients counted once '
            f'({f.cohorts} cohort{"s" if f.cohorts != 1 else ""}, {f.included_reports} report'
            f'{"s" if f.included_reports != 1 else ""})</th><td>{f.patients}</td>'
            f'<td colspan="{len(EVIDENCE_COLUMNS) - 2}"></td></tr></tfoot>')
    caption = ("Evidence table of the included reports, generated from data/sources: numbers as the reports "
               "print them. Reports of the same cohort are grouped; the total counts each cohort once.")
    return (f'<div style="overflow-x:auto"><table class="dataframe masreview-table masreview-evidence {STACK}" '
            f'style="font-size:0.85em">'
            f"<caption>{e(caption)}</caption><thead><tr>{head}</tr></thead>{''.join(body)}{foot}</table></div>")
