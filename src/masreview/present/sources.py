"""The list of sources as readers see it: citations, links, sizes; generated from data/ only."""

from __future__ import annotations

import pandas as pd

from masreview.data import vocab
from masreview.data.links import check_url, doi_url
from masreview.data.select import treated_n
from masreview.present.format import authors_shown, citation_label
from masreview.data.model import Dataset, SourceData


def short_citation(src: SourceData) -> str:
    """'Li et al. 2025, Frontiers in Immunology': the citation label and the journal."""
    label, journal = citation_label(src), src.record.bibliography.journal
    return label if label.startswith(journal) else f"{label}, {journal}"


def full_citation(src: SourceData) -> str:
    """Vancouver-style citation text (no markup)."""
    b = src.record.bibliography
    shown, more = authors_shown(b.authors)
    authors = ", ".join(shown[:6]) + (", et al" if shown and (more or len(shown) > 6) else "")  # ". " follows
    where = b.journal + f" {b.year}"
    if b.volume:
        where += f";{b.volume}"
        if b.issue:
            where += f"({b.issue})"
    if b.pages:
        where += f":{b.pages}"
    if b.abstract_number:
        where += f", abstract {b.abstract_number}"
    return f"{authors + '. ' if authors else ''}{b.title}. {where}."


def source_url(src: SourceData) -> str:
    """The address of the publication: its DOI at doi.org, else its URL; only links that data/links.py accepts."""
    b = src.record.bibliography
    return doi_url(b.doi) if b.doi else check_url(b.url)




def sources_overview(ds: Dataset, included_only: bool = True) -> pd.DataFrame:
    """One row per source: id, citation, title, summary, design, population, diseases, n treated, cohort, status."""
    rows = []
    for s in (ds.included() if included_only else ds.sources.values()):
        r = s.record
        rows.append({
            "source_id": s.id,
            "citation": short_citation(s),
            "title": r.bibliography.title,
            "summary": " ".join(r.summary.split()),
            "journal": r.bibliography.journal,
            "url": source_url(s),
            "design": vocab.DESIGNS[r.design],
            "population": vocab.POPULATIONS[r.population],
            "underlying diseases": ", ".join(vocab.DISEASES[d] for d in r.underlying_diseases),
            "treated (n)": treated_n(s),
            "cohort": r.cohort_id,
            "primary report of cohort": ds.cohorts[r.cohort_id].primary_source == s.id,
            "status": r.status,
        })
    return pd.DataFrame(rows)


def source_card(src: SourceData):
    """The record of a source as a two-column table: citation, design, population, cohort, extraction."""
    from masreview.present.html import Link, html_table

    r = src.record
    rows = [
        ("Citation", full_citation(src)),
        ("Link", Link(source_url(src), source_url(src))),
        ("Design", vocab.DESIGNS[r.design]),
        ("Population", vocab.POPULATIONS[r.population]),
        ("Underlying diseases", ", ".join(vocab.DISEASES[d] for d in r.underlying_diseases)),
        ("Cohort", r.cohort_id),
        ("Summary", r.summary),
        ("Extracted", f"{r.extraction.date.isoformat()} by {r.extraction.by}, from {r.extraction.from_text}"),
    ]
    rows += _context_rows(r)
    if r.notes:
        rows.append(("Notes", r.notes))
    return html_table([{"Field": k, "Value": v} for k, v in rows], caption=f"The source: {short_citation(src)}")


def _context_rows(r) -> list[tuple[str, str]]:
    """Rows of the source card for the optional fields the record gives (none when it gives none)."""
    rows = []
    if r.setting:
        rows.append(("Setting", r.setting))
    if r.period:
        rows.append(("Period", f"{r.period.start} to {r.period.end}"))
    if r.mas_subgroup:
        sub = r.mas_subgroup
        rows.append(("MAS subgroup", f"{sub.n_mas} patients with MAS in a series of secondary HLH ({sub.locator}); "
                     + ("their outcomes are reported apart" if sub.outcomes_separate
                        else "their outcomes are not reported apart and are not pooled")))
    for name, label in (("mas_classification", "MAS criteria"), ("refractory_definition", "Refractory MAS"),
                        ("response", "Response criteria")):
        rows.append((label, getattr(r.criteria, name) or "not reported"))
    if r.overlap:
        rows.append(("Overlap checked", r.overlap.reason))
    return rows


def cohort_description(src: SourceData, group: str = "ruxolitinib") -> pd.DataFrame:
    """Counts of sex and underlying disease among a group's patient rows, with how the rows are known."""
    p = src["patients"]
    p = p[p["group"] == group]
    rows = []
    for column, vocabulary, label in (("sex", vocab.SEXES, "Sex"), ("disease", vocab.DISEASES, "Underlying disease")):
        for code, name in vocabulary.items():
            sel = p[p[column] == code]
            if len(sel):
                rows.append({"characteristic": label, "category": name, "patients": len(sel),
                             "of": len(p), "origin of rows": ", ".join(sorted(set(sel["origin"])))})
        unknown = p[p[column].isna()]
        if len(unknown):
            rows.append({"characteristic": label, "category": "not reported", "patients": len(unknown),
                         "of": len(p), "origin of rows": ", ".join(sorted(set(unknown["origin"])))})
    return pd.DataFrame(rows)


def screened_rows(ds: Dataset) -> list[dict]:
    """One row per report screened and not included (excluded or awaiting): the reader's table of them."""
    from masreview.present.html import HTML, Link, esc

    rows = []
    # Excluded first, then awaiting; newest first within each; then by label.
    order = sorted(ds.sources.values(), key=lambda s: (s.record.status != "excluded", -s.record.bibliography.year,
                                                        citation_label(s), s.id))
    for s in order:
        r = s.record
        if r.status == "included":
            continue
        ex = r.extraction
        reason = vocab.EXCLUSION_REASONS[r.exclusion_reason] + ". " if r.exclusion_reason else ""
        extent = vocab.READ_EXTENTS[ex.read_extent] if ex.read_extent else ex.from_text
        read = HTML(f"{esc(extent)}, {ex.date.isoformat()}" +
                    (f' ({Link("page read", ex.read_at).html()})' if ex.read_at else ""))
        rows.append({
            "Report": Link(full_citation(s), source_url(s)) if source_url(s) else full_citation(s),
            "Decision": "Excluded" if r.status == "excluded" else "Awaiting classification",
            "Reason": reason + (r.exclusion_note or ""),
            "What was read": read,
        })
    return rows
