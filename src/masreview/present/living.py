"""The living part of the review: the dated changelog ("What's new") and how to cite.

* :func:`whats_new_rows`: one row per entry of ``data/changelog.yaml``, with the headline numbers the
  review gives after that update. They are recomputed from today's data restricted to the sources
  added up to that entry (so a later correction of a source's data shows in every row); the numbers
  printed on the date of the update are not stored.
* :func:`read_citation`, :func:`review_citation`, :func:`review_bibtex`: the review's citation, read
  from ``CITATION.cff`` at the repository root (never typed twice).
* :func:`bibtex_entries`: each included source's BibTeX entry from ``references.bib``, by the
  ``bibtex_key`` of its record.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from masreview.data import paths
from masreview.data.bib import read_bibliography

from masreview.analysis.synthesis import subset
from masreview.present.synthesis import headline
from masreview.data.model import Dataset
from masreview.present.sources import short_citation
from masreview.present.html import STACK, esc, safe_href

HEADLINE_LABELS = {
    "reports": "reports", "cohorts": "cohorts", "patients": "patients counted once",
    "survival": "survival", "complete-response": "complete response", "overall-response": "overall response",
}


def sources_by_entry(ds: Dataset) -> list[tuple]:
    """(entry, sources present after it) for each changelog entry, oldest first."""
    out, present = [], []
    for entry in sorted(ds.changelog, key=lambda e: e.date):
        for sid in entry.sources_added:
            if sid not in present:
                present.append(sid)
        out.append((entry, list(present)))
    return out


def unlogged_sources(ds: Dataset) -> list[str]:
    """Included sources that no changelog entry adds (a contributor forgot the entry)."""
    logged = {sid for e in ds.changelog for sid in e.sources_added}
    return sorted(s.id for s in ds.included() if s.id not in logged)


def headline_changes(before: dict, after: dict) -> str:
    """'cohorts 0 -> 2; patients counted once 0 -> 21; ...' (only what changed)."""
    if not before.get("reports"):
        return "first headline numbers of the review"
    parts = []
    for key, label in HEADLINE_LABELS.items():
        if before.get(key) != after.get(key):
            parts.append(f"{label}: {before.get(key)} \u2192 {after.get(key)}")
    return "; ".join(parts) if parts else "no change in the headline numbers"


def whats_new_rows(ds: Dataset) -> list[dict]:
    """One dict per changelog entry, newest first: date, sources added/changed, summary, headline after the
    update and what changed in it."""
    rows = []
    previous = headline(subset(ds, []))
    for entry, present in sources_by_entry(ds):
        after = headline(subset(ds, present))
        rows.append({
            "date": entry.date.isoformat(), "added": list(entry.sources_added),
            "changed": list(entry.sources_changed), "summary": entry.summary.strip(),
            "headline": after, "changes": headline_changes(previous, after),
        })
        previous = after
    return rows[::-1]


_SCREENED = {"excluded": "excluded", "awaiting": "awaiting classification"}


def _source_links(ds: Dataset, ids: list[str], prefix: str) -> str:
    links = []
    for sid in ids:
        s = ds.sources.get(sid)
        text = esc(short_citation(s) if s is not None else sid)
        if s is not None and s.record.status == "included":
            links.append(f'<a href="{safe_href(prefix + sid + ".html")}">{text}</a>')
        else:
            links.append(text + (f" ({_SCREENED.get(s.record.status, s.record.status)})" if s is not None else ""))
    return "<br>".join(links) if links else ""


_WHATS_NEW_COLUMNS = ("Date", "Sources added", "Sources changed", "What changed", "Headline numbers after the update")


def whats_new_html(ds: Dataset, chapter_prefix: str = "") -> str:
    """The dated table of updates, newest first, as accessible HTML (every text escaped)."""
    e = esc
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in _WHATS_NEW_COLUMNS)
    body = []
    for r in whats_new_rows(ds):
        h = r["headline"]
        numbers = (f"{h['reports']} reports, {h['cohorts']} cohorts, {h['patients']} patients counted once<br>"
                   f"survival: {e(str(h['survival']))}<br>complete response: {e(str(h['complete-response']))}<br>"
                   f"overall response: {e(str(h['overall-response']))}<br><em>changed: {e(r['changes'])}</em>")
        cells = (_source_links(ds, r["added"], chapter_prefix), _source_links(ds, r["changed"], chapter_prefix),
                 e(r["summary"]), numbers)
        body.append(f'<tr><th scope="row">{e(r["date"])}</th>'
                    + "".join(f'<td data-label="{e(c)}">{v}</td>' for c, v in zip(_WHATS_NEW_COLUMNS[1:], cells))
                    + "</tr>")
    caption = ("Evidence updates, newest first, generated from data/changelog.yaml. Headline numbers are "
               "recomputed from the current data of the sources added up to each update.")
    return (f'<div style="overflow-x:auto"><table class="dataframe masreview-table {STACK}"><caption>{e(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


# --- citing ------------------------------------------------------------------------------------------


def read_citation(root: Path | None = None) -> dict:
    """CITATION.cff at the repository root, parsed."""
    root = Path(root) if root is not None else paths.repo_root()
    data = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("CITATION.cff: expected a mapping of fields")
    for key in ("cff-version", "title", "authors", "version", "date-released", "message"):
        if key not in data:
            raise ValueError(f"CITATION.cff: the field '{key}' is missing")
    return data


def _author_names(cff: dict) -> list[str]:
    names = []
    for a in cff["authors"]:
        if "name" in a:
            names.append(str(a["name"]))
        else:
            names.append(" ".join(str(a[k]) for k in ("given-names", "family-names") if k in a))
    return names


def review_citation(cff: dict) -> str:
    """'The masreview contributors. Title. Version 0.1.0, released 2026-11-22.' (plus the URL when given)."""
    text = f"{', '.join(_author_names(cff))}. {str(cff['title']).rstrip('.')}. Version {cff['version']}, " \
           f"released {cff['date-released']}."
    if cff.get("url"):
        text += f" {cff['url']}"
    return text


def review_bibtex(cff: dict, key: str = "masreview") -> str:
    """A BibTeX @misc entry for the review, from CITATION.cff (entity authors in double braces)."""
    names = []
    for a in cff["authors"]:
        if "name" in a:  # an entity: braces keep BibTeX from splitting it into first and last names
            names.append("{" + str(a["name"]) + "}")
        else:
            names.append(", ".join(str(a[k]) for k in ("family-names", "given-names") if k in a))
    authors = " and ".join(names)
    date = str(cff["date-released"])
    fields = [("author", "{" + authors + "}"), ("title", "{" + str(cff["title"]) + "}"), ("year", date[:4]),
              ("version", str(cff["version"])), ("note", f"Living review, version {cff['version']}, released {date}")]
    if cff.get("url"):
        fields.append(("url", str(cff["url"])))
    body = ",\n".join(f"  {k:<8}= {{{v}}}" if not (v.startswith("{") and v.endswith("}")) else f"  {k:<8}= {v}"
                      for k, v in fields)
    return f"@misc{{{key},\n{body}\n}}"


def bibtex_entries(root: Path | None = None) -> dict[str, str]:
    """BibTeX key -> the entry as BibTeX text (read by :func:`masreview.data.bib.read_bibliography`)."""
    issues: list = []
    entries = read_bibliography(Path(root) if root is not None else paths.repo_root(), issues)
    if entries is None:
        raise ValueError("; ".join(str(i) for i in issues))
    return {k: e.bibtex() for k, e in entries.items()}


def source_bibtex(ds: Dataset, root: Path | None = None) -> list[tuple[str, str, str]]:
    """(source id, short citation, BibTeX entry) for each included source, in source-id order."""
    entries = bibtex_entries(root)
    return [(s.id, short_citation(s), entries[s.record.bibliography.bibtex_key])
            for s in sorted(ds.included(), key=lambda s: s.id)]


def pre(text: str, label: str) -> str:
    """Preformatted text (escaped) with an accessible label, for a BibTeX entry or a citation."""
    return (f'<pre class="masreview-citation" aria-label="{esc(label)}" '
            f'style="white-space:pre-wrap">{esc(text)}</pre>')


def source_citations_html(ds: Dataset, root: Path | None = None) -> str:
    """Each included report: its citation and its BibTeX entry (all text escaped)."""
    from masreview.present.sources import full_citation

    parts = []
    for sid, _short, entry in source_bibtex(ds, root):
        parts.append(f"<p><strong>{esc(sid)}</strong>: {esc(full_citation(ds.source(sid)))}</p>"
                     + pre(entry, f"BibTeX entry of {sid}"))
    return "".join(parts)
