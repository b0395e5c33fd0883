"""The synthesis as readers see it: pooled and per-cohort tables, the forest plot, subgroups, the flow."""

from __future__ import annotations

import pandas as pd

from masreview.analysis.pooling import (Pooled, heterogeneity_text, pool_proportions, pooled_results,
                                       split_case_reports)
from masreview.analysis.stats import proportion_ci
from masreview.analysis.synthesis import OUTCOMES, Flow, cohort_outcomes, cohorts_table, flow_counts, patient_outcomes
from masreview.data import vocab
from masreview.data.model import Dataset
from masreview.present.format import citation_label
from masreview.present.html import esc

def _exact(r) -> str:
    return f"{int(r['events'])}/{int(r['total'])} = {r['percent']:.1f}% (exact 95% CI {r['ci_low']:.1f} to {r['ci_high']:.1f})"


def report_labels(ds: Dataset) -> dict[str, str]:
    """cohort id -> the name of its primary report as readers know it ("Li et al. 2025")."""
    return {cid: citation_label(ds.source(c.primary_source)) for cid, c in ds.cohorts.items()
            if c.primary_source in ds.sources}


def _name(r, labels: dict[str, str] | None) -> str:
    """A cohort as readers know it: its report's author and year, else its label (never its id)."""
    get = r.get if hasattr(r, "get") else (lambda k, d=None: getattr(r, k, d))
    return (labels or {}).get(get("cohort_id")) or get("cohort") or get("cohort_id")


def _cases_text(outcomes: pd.DataFrame, outcome: str, p: Pooled, labels: dict[str, str] | None = None) -> str:
    """'case report Wu et al. 2025: 1/1, listed apart' for the case reports of an outcome (never pooled)."""
    rows = outcomes[(outcomes["outcome"] == outcome) & outcomes["cohort_id"].isin(p.case_reports)]
    return "; ".join(f"case report {_name(r, labels)}: {int(r['events'])}/{int(r['total'])}, listed apart, not pooled"
                     for _, r in rows.iterrows())


def pooled_table(outcomes: pd.DataFrame, pooled: dict[str, Pooled],
                 labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Reader-facing table: one row per outcome; series pooled by GLMM (or why not), case reports apart."""
    rows = []
    for outcome, label in OUTCOMES.items():
        p = pooled[outcome]
        sel = outcomes[(outcomes["outcome"] == outcome) & outcomes["assessable"]]
        h = heterogeneity_text(p)
        if p.pooled:
            est = f"{p.percent:.1f} ({p.ci_low:.1f} to {p.ci_high:.1f})"
        elif p.k == 1:
            est = "not pooled: only one cohort or series; " + _exact(sel[sel["cohort_id"] == p.series[0]].iloc[0])
        else:
            est = "not pooled: no cohort or series"
        rows.append({
            "Outcome": label,
            "Series/cohorts": p.k,
            "Patients in series": p.total,
            "GLMM % (95% CI)": est,
            "Hartung-Knapp 95% CI": h["hk"], "Prediction interval": h["pi"],
            "tau\u00b2": h["tau2"], "I\u00b2 (%)": h["i2"],
            "DerSimonian-Laird % (sensitivity)": (f"{p.dl_percent:.1f} ({p.dl_ci_low:.1f} to {p.dl_ci_high:.1f})"
                                                  if p.pooled else ""),
            "Case reports (never pooled)": _cases_text(outcomes, outcome, p, labels) or "none",
        })
    return pd.DataFrame(rows)


def case_report_table(outcomes: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Single-patient case reports with their outcomes as reported (never pooled), follow-up and
    implied outcomes marked with their locator. ``labels``: :func:`report_labels`."""
    _, cases = split_case_reports(outcomes)
    rows = []
    for cohort_id, o in cases.groupby("cohort_id", sort=False):
        row = {"Case report": o.iloc[0]["cohort"], "Source": _name(o.iloc[0], labels)}
        for r in o.itertuples():
            row[OUTCOMES[r.outcome]] = _outcome_cell(r, None)
        row["Follow-up"] = o.iloc[0]["follow_up"]
        rows.append(row)
    return pd.DataFrame(rows, columns=["Case report", "Source", *OUTCOMES.values(), "Follow-up"])


PER_COHORT_CELL = ("events/assessable patients = percent (exact 95% interval), when assessed; weight in the "
                   "DerSimonian-Laird sensitivity analysis when pooled; follow-up for survival")


def _outcome_cell(r, p: Pooled | None) -> str:
    """One cohort's result for one outcome, in one cell (see :data:`PER_COHORT_CELL`)."""
    if not r.assessable:
        return f"not assessable: {r.reason}" if r.reason else "not assessable"
    text = f"{r.events}/{r.total} = {r.percent:.1f}% ({r.ci_low:.1f} to {r.ci_high:.1f})"
    if r.timepoint:
        text += f", {r.timepoint}"
    if r.outcome == "survival" and getattr(r, "follow_up", ""):
        text += f" ({r.follow_up})" if r.timepoint else f", follow-up {r.follow_up}"
    if getattr(r, "implied", ""):
        text += f"; implied ({r.implied})"
    if p is not None and r.cohort_id in p.case_reports:
        text += "; case report: not pooled"
    elif p is not None and p.pooled and r.cohort_id in p.weights:
        text += f"; DL weight {100 * p.weights[r.cohort_id]:.1f}%"
        if r.cohort_id in p.corrected:
            text += " [0.5 added in DL: 0 or all events]"
    return text


def per_cohort_table(outcomes: pd.DataFrame, pooled: dict[str, Pooled],
                     labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Reader-facing table, one row per cohort and one column per outcome.

    Each outcome cell holds events/assessable, percent with its exact 95% interval, the assessment and the
    cohort's weight in the pooled estimate (:data:`PER_COHORT_CELL`), or "not assessable" with the reason.
    "Counted from" names the basis of the assessable outcomes (per outcome where they differ); "Note" holds
    the remarks on assessable outcomes (such as treated patients without a response state).
    """
    rows = []
    for cohort_id, o in outcomes.groupby("cohort_id", sort=False):
        first = o.iloc[0]
        row = {"Cohort": first["cohort"], "Report": _name(first, labels),
               "Population": vocab.POPULATIONS[first["population"]]}
        bases: dict[str, list[str]] = {}
        notes: list[str] = []
        for r in o.itertuples():
            row[OUTCOMES[r.outcome]] = _outcome_cell(r, pooled[r.outcome])
            if r.assessable:
                bases.setdefault(r.basis, []).append(OUTCOMES[r.outcome].split(" (")[0].lower())
                if r.reason and r.reason not in notes:
                    notes.append(r.reason)
        row["Counted from"] = (next(iter(bases)) if len(bases) == 1
                               else "; ".join(f"{', '.join(names)}: {basis}" for basis, names in bases.items()))
        row["Note"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows, columns=["Cohort", "Report", "Population", *OUTCOMES.values(), "Counted from", "Note"])


#: Above this many assessable cohorts for one outcome, the forest plot shows their spread in one row
#: (median, interquartile range and range of the cohorts' proportions) instead of one row per cohort: the
#: chart stays readable and the page light. Every cohort's own number stays in the per-cohort table and
#: the downloads.
FOREST_MAX_COHORTS = 40


SPREAD_KIND = "cohorts: median, interquartile range, range"


def forest_data(outcomes: pd.DataFrame, pooled: dict[str, Pooled],
                max_cohorts: int = FOREST_MAX_COHORTS) -> pd.DataFrame:
    """Rows for the forest plot: each assessable cohort (exact CI) and each pooled estimate; for an
    outcome with more than ``max_cohorts`` assessable cohorts, one row of their spread instead (with
    ``q1``/``q3`` columns, present only then)."""
    rows = []
    assessable = outcomes[outcomes["assessable"]]
    counts = assessable["outcome"].value_counts()
    many = {o for o, k in counts.items() if k > max_cohorts}
    for r in assessable.itertuples():
        if r.outcome in many:
            continue
        case = r.cohort_id in pooled[r.outcome].case_reports if r.outcome in pooled else False
        rows.append({"outcome": OUTCOMES[r.outcome],
                     "row": f"{r.cohort_id} ({r.events}/{r.total}{', case report, not pooled' if case else ''})",
                     "kind": "cohort (exact 95% CI)", "percent": r.percent, "low": r.ci_low, "high": r.ci_high,
                     "label": r.cohort, "order": 0})
    for outcome in OUTCOMES:
        if outcome in many:
            pct = assessable.loc[assessable["outcome"] == outcome, "percent"].astype(float)
            q1, median, q3 = (float(v) for v in pct.quantile([0.25, 0.5, 0.75]))
            rows.append({"outcome": OUTCOMES[outcome], "row": f"{len(pct)} cohorts (each in the table)",
                         "kind": SPREAD_KIND, "percent": median, "low": float(pct.min()), "high": float(pct.max()),
                         "label": f"{len(pct)} cohorts: median {median:.1f}%, interquartile range {q1:.1f} to "
                                  f"{q3:.1f}%, range {pct.min():.1f} to {pct.max():.1f}%",
                         "order": 0, "q1": q1, "q3": q3})
    for outcome, p in pooled.items():
        if p.pooled:
            h = heterogeneity_text(p)
            rows.append({"outcome": OUTCOMES[outcome], "row": f"pooled series, GLMM (k = {p.k})",
                         "kind": "pooled (random effects, 95% CI)", "percent": p.percent, "low": p.ci_low,
                         "high": p.ci_high, "label": f"I\u00b2 {h['i2']}, tau\u00b2 {h['tau2']}", "order": 1})
    columns = ["outcome", "row", "kind", "percent", "low", "high", "label", "order"]
    return pd.DataFrame(rows, columns=columns + (["q1", "q3"] if many else []))


def forest_chart(outcomes: pd.DataFrame, pooled: dict[str, Pooled]):
    """Altair forest plot: one panel per outcome, cohorts with exact CIs, pooled rows as diamonds.

    Panels are concatenated (not faceted) so that each has only its own rows; tooltips give the numbers.
    """
    import altair as alt

    data = forest_data(outcomes, pooled)
    spread = "q1" in data.columns
    kinds = ["cohort (exact 95% CI)", "pooled (random effects, 95% CI)"] + ([SPREAD_KIND] if spread else [])
    colour = alt.Color("kind:N", scale=alt.Scale(domain=kinds, range=["#1f4e79", "#b35806", "#555555"][:len(kinds)]),
                       title=None)
    scale = alt.Scale(domain=[0, 100])
    panels = []
    labels = list(OUTCOMES.values())
    for n, label in enumerate(labels):
        rows = data[data["outcome"] == label]
        if not len(rows):
            continue
        base = alt.Chart(rows).encode(
            y=alt.Y("row:N", title=None, sort=alt.EncodingSortField("order", order="ascending"),
                    axis=alt.Axis(labelLimit=320)),
            tooltip=[alt.Tooltip("label:N", title="cohort"), alt.Tooltip("percent:Q", format=".1f", title="%"),
                     alt.Tooltip("low:Q", format=".1f", title="95% CI low"),
                     alt.Tooltip("high:Q", format=".1f", title="95% CI high"), alt.Tooltip("kind:N", title="row")],
        )
        last = n == len(labels) - 1 or not any(len(data[data["outcome"] == later]) for later in labels[n + 1:])
        x_axis = alt.Axis(title="Percent of patients" if last else None, labels=last)
        rule = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", scale=scale, axis=x_axis), x2="high:Q",
                                                    color=colour)
        point = base.mark_point(filled=True, size=90, opacity=1).encode(
            x=alt.X("percent:Q", scale=scale, axis=x_axis),
            shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=["square", "diamond", "circle"][:len(kinds)]),
                            title=None),
            color=colour,
        )
        layers = [rule, point]
        if spread and (rows["kind"] == SPREAD_KIND).any():
            layers.insert(1, base.transform_filter(alt.datum.kind == SPREAD_KIND).mark_rule(
                strokeWidth=9, opacity=0.45).encode(x=alt.X("q1:Q", scale=scale, axis=x_axis), x2="q3:Q",
                                                   color=colour))
        panels.append(alt.layer(*layers).properties(width=420, title=alt.Title(label, anchor="start",
                                                                                fontSize=12)))
    return alt.vconcat(
        *panels,
        title=alt.Title("Proportions per independent cohort and pooled",
                        subtitle="Squares: cohorts and case reports with exact 95% intervals; diamonds: GLMM "
                                 "pooled estimate of series only (two or more; case reports never pooled)." + (
                                     f" With more than {FOREST_MAX_COHORTS} cohorts, one grey row shows their "
                                     "median (circle), interquartile range (thick) and range (thin)."
                                     if spread else "")),
        description=("Forest plot of overall response, complete response and survival: for each independent "
                     "cohort its proportion with an exact 95% confidence interval, and where two or more series or "
                     "cohorts (not case reports) report the outcome a GLMM random-effects pooled proportion."),
    ).resolve_scale(color="shared", shape="shared")


def subgroup_population(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per population (adult / paediatric / mixed) and outcome: cohorts, events/patients, pooled when k >= 2."""
    rows = []
    for pop in vocab.POPULATIONS:
        sel = outcomes[outcomes["population"] == pop]
        if not len(sel):
            continue
        for outcome, label in OUTCOMES.items():
            o = sel[(sel["outcome"] == outcome) & sel["assessable"]]
            series, cases = split_case_reports(o)
            p = pool_proportions(series["events"].astype(int), series["total"].astype(int), series["cohort_id"],
                                 outcome, tuple(cases["cohort_id"]))
            rows.append(_subgroup_row(vocab.POPULATIONS[pop], label, sel[sel["outcome"] == outcome], o, p))
    return pd.DataFrame(rows)


def _subgroup_row(group: str, outcome_label: str, all_rows: pd.DataFrame, o: pd.DataFrame, p: Pooled) -> dict:
    if p.pooled:
        est = f"pooled (GLMM) {p.percent:.1f} ({p.ci_low:.1f} to {p.ci_high:.1f}); I\u00b2 {heterogeneity_text(p)['i2']}"
    elif p.k == 1:
        r = o[o["cohort_id"] == p.series[0]].iloc[0]
        est = f"one cohort: {r['percent']:.1f} ({r['ci_low']:.1f} to {r['ci_high']:.1f}), not pooled"
    else:
        est = "no assessable cohort or series"
    if p.case_reports:
        cases = o[o["cohort_id"].isin(p.case_reports)]
        est += "; case report" + ("s" if len(cases) > 1 else "") + " apart: " + ", ".join(
            f"{int(e)}/{int(t)}" for e, t in zip(cases["events"], cases["total"]))
    return {"Subgroup": group, "Outcome": outcome_label,
            "Cohorts (assessable/all)": f"{p.k + len(p.case_reports)}/{all_rows['cohort_id'].nunique()}",
            "Events/patients": f"{int(o['events'].sum())}/{int(o['total'].sum())}" if len(o) else "",
            "% (95% CI)": est}


def disease_level(ds: Dataset, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Outcome counts by underlying disease, only where the data give disease-level outcomes.

    A cohort contributes to a disease when its primary source lists that disease alone (all its
    patients have it), or, for a cohort of several diseases, through patients whose disease and outcome
    rows are all *reported* (never reconstructed: a reconstructed joint distribution is not a finding).
    Columns: cohort_id, disease, outcome, events, total, how. ``outcomes``: :func:`cohort_outcomes` of
    ``ds`` when already computed.
    """
    rows = []
    oc = cohort_outcomes(ds) if outcomes is None else outcomes
    for c in cohorts_table(ds).itertuples():
        src = ds.source(c.primary_source)
        if len(c.diseases) == 1:
            for r in oc[(oc["cohort_id"] == c.cohort_id) & oc["assessable"]].itertuples():
                rows.append({"cohort_id": c.cohort_id, "disease": c.diseases[0], "outcome": r.outcome,
                             "events": int(r.events), "total": int(r.total), "how": "single-disease cohort"})
            continue
        if not len(src["patients"]):
            continue
        po = patient_outcomes(src)
        po = po[(po["disease_origin"] == "reported") & po["disease"].notna()]
        for disease, g in po.groupby("disease"):
            surv = g[g["survival_origin"] == "reported"]
            if len(surv) == len(g):
                rows.append({"cohort_id": c.cohort_id, "disease": disease, "outcome": "survival",
                             "events": int(surv["alive"].sum()), "total": len(surv), "how": "reported patient rows"})
            resp = g[g["response_origin"] == "reported"]
            if len(resp):
                for outcome, hit in (("overall-response", resp["response_state"].isin(["CR", "PR"])),
                                     ("complete-response", resp["response_state"] == "CR")):
                    rows.append({"cohort_id": c.cohort_id, "disease": disease, "outcome": outcome,
                                 "events": int(hit.sum()), "total": len(resp), "how": "reported patient rows"})
    return pd.DataFrame(rows, columns=["cohort_id", "disease", "outcome", "events", "total", "how"])


def subgroup_disease(ds: Dataset, outcomes: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Per disease and outcome (only disease-level data, see :func:`disease_level`); and the cohorts left out.
    ``outcomes``: :func:`cohort_outcomes` of ``ds`` when already computed."""
    dl = disease_level(ds, outcomes)
    rows = []
    for disease in vocab.DISEASES:
        sel = dl[dl["disease"] == disease]
        if not len(sel):
            continue
        for outcome, label in OUTCOMES.items():
            o = sel[sel["outcome"] == outcome]
            o = o.assign(percent=[100 * e / t for e, t in zip(o["events"], o["total"])],
                         ci_low=[100 * proportion_ci(e, t).low for e, t in zip(o["events"], o["total"])],
                         ci_high=[100 * proportion_ci(e, t).high for e, t in zip(o["events"], o["total"])])
            o = o.merge(outcomes_design(ds), on="cohort_id", how="left")
            series, cases = split_case_reports(o)
            p = pool_proportions(series["events"], series["total"], series["cohort_id"], outcome,
                                 tuple(cases["cohort_id"]))
            rows.append(_subgroup_row(vocab.DISEASES[disease], label, sel, o, p))
    covered = set(dl["cohort_id"])
    left_out = [c for c in cohorts_table(ds)["cohort_id"] if c not in covered]
    return pd.DataFrame(rows), left_out


def outcomes_design(ds: Dataset) -> pd.DataFrame:
    """cohort_id, design, treated of each cohort (to tell case reports from series)."""
    return cohorts_table(ds)[["cohort_id", "design", "treated"]]


def flow_html(f: Flow) -> str:
    """The flow as an accessible HTML diagram (boxes and arrows; the text holds every count)."""
    box = ('<div style="border:1px solid #555;border-radius:4px;padding:0.5em 0.8em;max-width:24em;'
           'background:var(--pst-color-surface, #f7f7f7)">{}</div>')
    side = ('<div style="border:1px dashed #777;border-radius:4px;padding:0.5em 0.8em;max-width:22em;'
            'margin-left:1.5em">{}</div>')
    arrow = '<div aria-hidden="true" style="margin:0.2em 0 0.2em 2em;font-size:1.3em">&#8595;</div>'
    reasons = "".join(f"<li>{esc(vocab.EXCLUSION_REASONS[r])}: {n}</li>" for r, n in f.exclusion_reasons.items())
    excl = (f"<strong>Reports excluded: {f.excluded}</strong>" +
            (f"<ul style='margin:0.3em 0 0 1em'>{reasons}</ul>" if reasons else "") +
            (f"<strong>Awaiting classification: {f.awaiting}</strong>" if f.awaiting else ""))
    row = '<div style="display:flex;align-items:center;flex-wrap:wrap">{}{}</div>'
    parts = [
        box.format(f"<strong>Reports identified: {f.identified}</strong><br>folders under data/sources"),
        arrow,
        row.format(box.format(f"<strong>Reports screened: {f.screened}</strong>"), side.format(excl)),
        arrow,
        row.format(box.format(f"<strong>Reports included: {f.included_reports}</strong>"),
                   side.format(f"<strong>Further reports of a cohort already counted: {f.second_reports}</strong>"
                               "<br>kept in the evidence table; no patients added")),
        arrow,
        box.format(f"<strong>Independent cohorts in the synthesis: {f.cohorts}</strong><br>"
                   f"ruxolitinib-treated patients, each counted once: {f.patients}"),
    ]
    label = (f"Flow of reports: {f.identified} identified, {f.screened} screened, {f.excluded} excluded, "
             f"{f.awaiting} awaiting classification, "
             f"{f.included_reports} included, {f.second_reports} further reports of a cohort already counted, "
             f"{f.cohorts} independent cohorts with {f.patients} treated patients.")
    return (f'<figure class="masreview-flow" role="group" aria-label="{esc(label)}">'
            + "".join(parts) + "</figure>")


def headline(ds: Dataset) -> dict:
    """The review's headline numbers: reports, cohorts, patients once, and per outcome the pooled or single
    estimate (plain floats/ints/strings, ready for glue)."""
    f = flow_counts(ds)
    out = {"reports": f.included_reports, "cohorts": f.cohorts, "patients": f.patients}
    if f.cohorts == 0:
        for outcome in OUTCOMES:
            out[outcome] = "no data"
        return out
    oc = cohort_outcomes(ds)
    pooled = pooled_results(oc)
    for outcome in OUTCOMES:
        p = pooled[outcome]
        sel = oc[(oc["outcome"] == outcome) & oc["assessable"]]
        if p.pooled:
            text = (f"{p.percent:.1f}% pooled over {p.k} series (GLMM, 95% CI {p.ci_low:.1f} to "
                    f"{p.ci_high:.1f})")
        elif p.k == 1:
            text = "not pooled: only one cohort or series; " + _exact(sel[sel["cohort_id"] == p.series[0]].iloc[0])
        else:
            text = "no assessable cohort or series"
        if p.case_reports:
            text += "; " + _cases_text(oc, outcome, p, report_labels(ds))
        out[outcome] = text
    return out
