"""The evidence map: every screened report by year, design and population, sized by patients, coloured by
decision (Altair; values also in the chart description for screen readers)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from masreview.data import vocab
from masreview.data.model import Dataset
from masreview.data.select import treated_n
from masreview.present.format import citation_label

DECISIONS = {"included": "Included", "excluded": "Excluded", "awaiting": "Awaiting classification"}
DECISION_COLOURS = {"Included": "#1b7837", "Excluded": "#b2182b", "Awaiting classification": "#999999"}
NOT_RECORDED = "not recorded"


def evidence_map_data(ds: Dataset) -> pd.DataFrame:
    """One row per report: label, year, design, population, decision, reason, treated patients (included)."""
    rows = []
    for s in sorted(ds.sources.values(), key=lambda s: (s.record.bibliography.year, s.id)):
        r = s.record
        included = r.status == "included"
        rows.append({
            "report": citation_label(s),
            "year": int(r.bibliography.year),
            "design": vocab.DESIGNS[r.design] if r.design else NOT_RECORDED,
            "population": vocab.POPULATIONS[r.population] if r.population else NOT_RECORDED,
            "decision": DECISIONS[r.status],
            "reason": vocab.EXCLUSION_REASONS[r.exclusion_reason] if r.exclusion_reason else "",
            "patients": treated_n(s) if included else None,
            "patients_text": str(treated_n(s)) if included and treated_n(s) is not None else "not counted",
        })
    return pd.DataFrame(rows, columns=["report", "year", "design", "population", "decision", "reason",
                                       "patients", "patients_text"])


def evidence_map_chart(data: pd.DataFrame) -> alt.Chart:
    """Year (x) by design (rows), a circle per report: area by treated patients, colour by decision."""
    said = [f"{r.report} ({', '.join(str(x) for x in (r.year, r.design, r.population) if x != NOT_RECORDED)}): "
            f"{r.decision.lower()}" + (f", {r.patients_text} treated patients" if pd.notna(r.patients) else "")
            for r in data.itertuples()]
    # Each circle's label for screen readers says what the tooltip says (Vega's own would read the
    # drawing size, 1, as the patients of a report that is not counted).
    d = data.assign(size=data["patients"].fillna(1).clip(lower=1).astype(float), said=said)
    values = "; ".join(said)
    decisions = [k for k in DECISION_COLOURS if k in set(data["decision"])]
    return alt.Chart(d).mark_circle(opacity=0.75, stroke="#333", strokeWidth=0.5).encode(
        x=alt.X("year:O", title="Year of publication", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("design:N", title=None, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("report:N"),
        size=alt.Size("size:Q", title="Treated patients", scale=alt.Scale(range=[60, 900]), legend=None),
        color=alt.Color("decision:N", title="Decision", scale=alt.Scale(
            domain=decisions, range=[DECISION_COLOURS[k] for k in decisions]), legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("report:N", title="Report"), alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("design:N", title="Design"), alt.Tooltip("population:N", title="Population"),
                 alt.Tooltip("decision:N", title="Decision"), alt.Tooltip("reason:N", title="Reason"),
                 alt.Tooltip("patients_text:N", title="Treated patients")],
        description="said:N",
    ).properties(width=560, height=max(120, 70 * data["design"].nunique()),  # a band of 70 px per design
                 title=alt.Title("Evidence map: every report screened",
                                 subtitle="Circle area: treated patients of an included report; colour: decision"),
                 description="Each circle is one report, placed by year of publication and design. "
                             f"Values: {values}.")
