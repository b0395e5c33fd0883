"""The forest plot as clinicians know it: one row per series or cohort, named by its report (author and
year), with events/patients, the proportion and its 95% interval in words and as a drawn interval, and
the weight; the pooled row (GLMM) only when series are pooled; case reports in their own section below,
never as cohorts.

It is an HTML table with a small drawing in each row (no script, no chart library): it fits any column
width, screen readers read the numbers, and the page stays light.
"""

from __future__ import annotations

import pandas as pd

from masreview.analysis.pooling import Pooled
from masreview.analysis.synthesis import OUTCOMES
from masreview.present.html import HTML, esc

FOREST_CLASS = "masreview-forest"

#: Above this many assessable series for one outcome, their rows give way to one row of their spread
#: (median, interquartile range, range); each series' own number stays in the per-cohort table.
FOREST_MAX_ROWS = 40


def _pct(v: float) -> str:
    return f"{min(100.0, max(0.0, float(v))):.2f}%"


def _interval_svg(low: float, high: float, est: float, shape: str = "square", size: float = 8.0,
                  q1: float | None = None, q3: float | None = None) -> str:
    """A drawn interval on a 0-100% scale (percent positions, so it fits any column width)."""
    parts = ['<svg class="masreview-forest-draw" width="100%" height="18" aria-hidden="true" focusable="false">',
             '<line x1="50%" x2="50%" y1="0" y2="18" class="masreview-forest-grid"/>',
             f'<line x1="{_pct(low)}" x2="{_pct(high)}" y1="9" y2="9" stroke="currentColor" stroke-width="1.5"/>']
    if q1 is not None and q3 is not None:
        parts.append(f'<line x1="{_pct(q1)}" x2="{_pct(q3)}" y1="9" y2="9" stroke="currentColor" '
                     'stroke-width="6" opacity="0.45"/>')
    if shape == "diamond":
        lo, mid, hi = (min(100.0, max(0.0, float(v))) for v in (low, est, high))
        parts.append('<svg width="100%" height="18" viewBox="0 0 100 18" preserveAspectRatio="none">'
                     f'<polygon points="{lo:.2f},9 {mid:.2f},2 {hi:.2f},9 {mid:.2f},16" '
                     'class="masreview-forest-pooled"/></svg>')
    else:
        half = size / 2
        mark = (f'<circle cx="0" cy="9" r="{half:.1f}" fill="currentColor"/>' if shape == "circle" else
                f'<rect x="{-half:.1f}" y="{9 - half:.1f}" width="{size:.1f}" height="{size:.1f}" fill="currentColor"/>')
        parts.append(f'<svg x="{_pct(est)}" overflow="visible">{mark}</svg>')
    return "".join(parts) + "</svg>"


def _axis_svg() -> str:
    ticks = "".join(f'<text x="{t}%" y="12" text-anchor="{a}">{t}%</text>'
                    for t, a in ((0, "start"), (50, "middle"), (100, "end")))
    return (f'<svg class="masreview-forest-axis" width="100%" height="16" aria-hidden="true" focusable="false">'
            f'{ticks}</svg>')


def _row(cells: list[str], cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    head, *rest = cells
    return (f'<tr{klass}><th scope="row">{head}</th>' + "".join(f"<td>{c}</td>" for c in rest[:2])
            + f'<td class="masreview-forest-plot">{rest[2]}</td>' + "".join(f"<td>{c}</td>" for c in rest[3:])
            + "</tr>")


def _estimate(pct: float, lo: float, hi: float) -> str:
    return f"{pct:.1f}% ({lo:.1f} to {hi:.1f})"


def forest_html(outcomes: pd.DataFrame, pooled: dict[str, Pooled], labels: dict[str, str] | None = None,
                max_rows: int = FOREST_MAX_ROWS) -> HTML:
    """The forest plot (see the module). ``labels``: cohort id -> the name of its report ("Li et al.
    2025"), :func:`masreview.present.format.citation_label` of the cohort's primary source; without it, the
    cohort's label."""
    def name(r) -> str:
        return esc((labels or {}).get(r.cohort_id) or r.cohort)

    n_cols = 5
    body: list[str] = []
    cases_rows: list[str] = []
    assessable = outcomes[outcomes["assessable"]]
    for outcome, title in OUTCOMES.items():
        p = pooled.get(outcome)
        rows = assessable[assessable["outcome"] == outcome]
        cases = rows[rows["cohort_id"].isin(p.case_reports)] if p else rows.iloc[0:0]
        series = rows[~rows["cohort_id"].isin(cases["cohort_id"])]
        body.append(f'<tbody><tr class="masreview-forest-outcome"><th scope="colgroup" colspan="{n_cols}">'
                    f"{esc(title)}</th></tr>")
        if not len(series):
            body.append(f'<tr><td colspan="{n_cols}">No series or cohort reports this outcome.</td></tr>')
        elif len(series) > max_rows:
            pct = series["percent"].astype(float)
            q1, med, q3 = (float(v) for v in pct.quantile([0.25, 0.5, 0.75]))
            body.append(_row([f"{len(series)} series and cohorts",
                              f"{int(series['events'].sum())}/{int(series['total'].sum())}",
                              _interval_svg(pct.min(), pct.max(), med, "circle", q1=q1, q3=q3),
                              f"median {med:.1f}% (interquartile range {q1:.1f} to {q3:.1f}; range "
                              f"{pct.min():.1f} to {pct.max():.1f})", "each in the per-cohort table"]))
        else:
            for r in series.itertuples():
                w = p.weights.get(r.cohort_id) if p is not None and p.pooled else None
                size = 6 + 8 * (w ** 0.5) if w is not None else 8
                body.append(_row([name(r), f"{int(r.events)}/{int(r.total)}",
                                  _interval_svg(r.ci_low, r.ci_high, r.percent, size=size),
                                  _estimate(r.percent, r.ci_low, r.ci_high),
                                  f"{100 * w:.1f}%" if w is not None else "not pooled"]))
        if p is not None and p.pooled:
            body.append(_row([f"Pooled, GLMM ({p.k} series)", f"{int(p.events)}/{int(p.total)}",
                              _interval_svg(p.ci_low, p.ci_high, p.percent, "diamond"),
                              _estimate(p.percent, p.ci_low, p.ci_high), "100%"], "masreview-forest-pooled-row"))
        body.append("</tbody>")
        for r in cases.itertuples():
            cases_rows.append(_row([f"{name(r)}<br><small>{esc(title.split(' (')[0].lower())}</small>",
                                    f"{int(r.events)}/{int(r.total)}",
                                    _interval_svg(r.ci_low, r.ci_high, r.percent),
                                    _estimate(r.percent, r.ci_low, r.ci_high), "never pooled"]))
    if cases_rows:
        body.append(f'<tbody class="masreview-forest-cases"><tr class="masreview-forest-outcome">'
                    f'<th scope="colgroup" colspan="{n_cols}">Case reports (one patient each; listed apart, '
                    f"never pooled)</th></tr>" + "".join(cases_rows) + "</tbody>")
    caption = ("Forest plot. Each row: the report (author and year), events over assessable patients, the "
               "proportion with its exact (Clopper-Pearson) 95% interval, drawn on a 0 to 100% scale, and the "
               "series' weight in the DerSimonian-Laird sensitivity analysis when series are pooled. The "
               "pooled row (diamond, GLMM random effects) appears only where two or more series report the "
               "outcome. Case reports are listed apart below and never pooled.")
    head = ('<thead><tr><th scope="col">Report</th><th scope="col">Events/<wbr>patients</th>'
            f'<th scope="col" class="masreview-forest-plot"><span class="visually-hidden">Interval drawn on '
            f"a 0 to 100% scale</span>{_axis_svg()}</th>"
            '<th scope="col">% (95% CI)</th><th scope="col">Weight</th></tr></thead>')
    return HTML(f'<div class="masreview-table-scroll"><table class="{FOREST_CLASS} masreview-table">'
                f"<caption>{esc(caption)}</caption>{head}{''.join(body)}</table></div>")
