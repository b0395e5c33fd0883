"""Other salvage options, as published: the context figures of ``data/context.yaml`` as a reader's table."""

from __future__ import annotations

from masreview.data.model import Dataset
from masreview.present.format import citation_label
from masreview.present.html import HTML, Link, esc
from masreview.present.sources import source_url


def context_rows(ds: Dataset) -> list[dict]:
    """Treatment, figure as published, where it is printed (quote and locator) and the report (linked)."""
    rows = []
    for f in ds.context:
        src = ds.sources[f.source]
        rows.append({
            "Treatment": f.treatment,
            "As published": f.figure,
            "Where": HTML(f"{esc(f.locator)}: <q>{esc(f.quote)}</q>"),
            "Report": Link(citation_label(src), source_url(src)),
        })
    return rows
