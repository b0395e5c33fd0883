"""The clinician's bottom line as readers see it: the traffic-light table of appraisals, each report's own
appraisal, the summary of findings and the practical table (every cell from data escaped)."""

from __future__ import annotations

import pandas as pd

from masreview.analysis import appraisal as ap
from masreview.analysis.practical import COLUMNS as PRACTICAL_COLUMNS, absent, practical_rows
from masreview.analysis.sof import SofRow
from masreview.data import vocab
from masreview.present.format import citation_label
from masreview.present.html import HTML, Link, esc, html_table
from masreview.present.sources import short_citation

# judgement -> (symbol, colour); the word is always shown, so the colour is never the only signal.
# (the colours, for light and dark mode, are in the site's style sheet: masreview-light-<level>)
_LIGHT = {"yes": ("+", "good"), "low": ("+", "good"),
          "moderate": ("~", "mid"), "unclear": ("?", "mid"), "no-information": ("?", "mid"),
          "no": ("\u2212", "bad"), "serious": ("!", "bad"), "critical": ("!!", "worst")}


def light(judgement: str, support: str = "") -> HTML:
    """One traffic-light cell: symbol, colour and word; the supporting words as its tooltip."""
    symbol, colour = _LIGHT[judgement]
    word = vocab.APPRAISAL_JUDGEMENTS[judgement]
    title = f' title="{esc(support)}"' if support else ""
    return HTML(f'<span class="masreview-light masreview-light-{colour}"{title}>'
                f"{esc(symbol)} {esc(word)}</span>")


def traffic_light_table(ds, link_prefix: str = "") -> HTML:
    """One row per included report: the Murad answers, then the ROBINS-I overall judgement per result."""
    tl = ap.traffic_lights(ds)
    rows = []
    for sid, g in tl.groupby("source_id", sort=False):
        row = {"Report": Link(sid, f"{link_prefix}{sid}.html")}
        murad = g[g["tool"] == "murad-2018"].set_index("item")
        for item, (domain, _) in vocab.MURAD_ITEMS.items():
            head = f"{domain}: {item.replace('-', ' ')}"
            row[head] = light(murad.at[item, "judgement"], murad.at[item, "support"]) if item in murad.index else ""
        src = ds.source(sid)
        cells = []
        for outcome in vocab.SOF_OUTCOMES:
            overall = ap.robins_overall(src["appraisal"], outcome)
            if overall:
                cells.append(f"{esc(vocab.SOF_OUTCOMES[outcome].split(' (')[0])}: {light(overall).markup}")
        row["ROBINS-I (comparison with controls), overall"] = HTML("<br>".join(cells) or "not a comparison")
        rows.append(row)
    return html_table(rows, "Appraisal of every included report: Murad et al. 2018 questions (+ yes, ? unclear, "
                            "\u2212 no) and the ROBINS-I overall judgement of a comparison with controls (the worst "
                            "domain). Hover over a judgement for the words that support it.")


def report_appraisal(src) -> pd.DataFrame:
    """A report's own appraisal: one row per question, with its judgement and what supports it."""
    a = src["appraisal"]
    rows = []
    for r in a.itertuples():
        tool_label, items, _ = vocab.APPRAISAL_TOOLS[r.tool]
        rows.append({"Tool": tool_label.split(" (")[0], "Domain": items[r.item][0], "Question": items[r.item][1],
                     "Result": "" if pd.isna(r.outcome) else vocab.SOF_OUTCOMES[r.outcome],
                     "Judgement": vocab.APPRAISAL_JUDGEMENTS[r.judgement],
                     "Support": r.support + ("" if pd.isna(r.locator) else f" ({r.locator})"),
                     "Note": "" if pd.isna(r.note) else r.note})
    return pd.DataFrame(rows, columns=["Tool", "Domain", "Question", "Result", "Judgement", "Support", "Note"])


def _cases(ds, row: SofRow) -> str:
    p = row.pooled
    if p is None or not p.case_reports:
        return ""
    cases = row.rows[row.rows["cohort_id"].isin(p.case_reports)]
    return " Case reports apart, never pooled: " + "; ".join(
        f"{_who(ds, r)} {int(r['events'])}/{int(r['total'])}" for _, r in cases.iterrows()) + "."


def _who(ds, r) -> str:
    """A cohort as readers know it: the citation label of its primary report."""
    return citation_label(ds.source(r["primary_source"]))


def estimate_text(ds, row: SofRow) -> str:
    """The estimate under the pooling rules, in words."""
    if row.kind == "median":
        if not len(row.rows):
            return "No report gives glucocorticoid doses."
        parts = []
        for r in row.rows.to_dict("records"):
            if r["taper_only"]:
                parts.append(f"{_who(ds, r)}: taper reported, doses {absent(ds.source(r['primary_source']))}")
            else:
                parts.append(f"{_who(ds, r)}: median daily dose {r['baseline']:g} to {r['later']:g} {r['unit']} "
                             f"by {r['timepoint']}")
        return "; ".join(parts) + ". Not pooled: medians are reported without spread."
    p = row.pooled
    if p is not None and p.pooled:
        text = f"{p.percent:.0f}% (95% CI {p.ci_low:.0f} to {p.ci_high:.0f}), pooled from {p.k} series ({p.method})."
    elif p is not None and p.k == 1:
        r = row.rows[row.rows["cohort_id"] == p.series[0]].iloc[0]
        text = (f"{int(r['events'])}/{int(r['total'])} = {r['percent']:.0f}% (95% CI {r['ci_low']:.0f} to "
                f"{r['ci_high']:.0f}). Not pooled: one series only.")
    else:
        text = "Not pooled: no series or cohort reports it."
    return text + _cases(ds, row)


def _reasons(row: SofRow) -> HTML:
    items = []
    for domain, (judgement, reason) in row.certainty.domains.items():
        text = f"{domain.capitalize()}: {judgement}" + (f" ({reason})" if reason else "")
        items.append(f"<li>{esc(text)}</li>")
    return HTML(f"<ul>{''.join(items)}</ul>")


def _evidence(ds, r: SofRow) -> HTML:
    """How many reports, cohorts and patients, then each report by its citation, linked to its chapter."""
    count = (f"{len(r.reports)} report{'s' if len(r.reports) != 1 else ''}, {len(r.cohorts)} "
             f"cohort{'s' if len(r.cohorts) != 1 else ''}, {r.patients} patient{'s' if r.patients != 1 else ''}")
    links = "; ".join(Link(short_citation(ds.source(sid)), f"{sid}.html").html() for sid in r.reports)
    return HTML(esc(count) + (f" ({links})" if links else ""))


def sof_table(ds, rows: list[SofRow]) -> HTML:
    """The summary of findings: evidence behind each outcome, estimate, certainty and why, in plain words."""
    out = []
    for r in rows:
        out.append({
            "Outcome": r.label,
            "Evidence": _evidence(ds, r),
            "Estimate (95% interval)": estimate_text(ds, r),
            "Certainty (GRADE)": f"{r.certainty.level} (starts {r.certainty.start})",
            "Rating down, domain by domain": _reasons(r),
            "What this means": r.statement,
        })
    return html_table(out, "Summary of findings: ruxolitinib as salvage therapy for refractory MAS. Certainty is "
                           "computed from the appraisals and the rules below, never typed.")


def practical_table(ds) -> HTML:
    """Per included report: dose and schedule, duration, other treatments, infection prophylaxis, harms."""
    rows = [{"Report": Link(r["source_id"], f"{r['source_id']}.html"), "Read": r["read"],
             **{c: r[c] for c in PRACTICAL_COLUMNS}} for r in practical_rows(ds)]
    return html_table(rows, "How ruxolitinib was given, per report: the reported value, 'not reported' (full text "
                            "read, absent) or 'not in what was read' (only the abstract was read).")
