"""Links and references on the built site: no broken internal link or anchor, every citation resolves
to a bibliography entry, every source has a BibTeX entry with a DOI or URL.

The crawler reads every HTML page under ``_build/html`` (theme pages included: the search page and the
index are what a reader reaches from the navigation bar) and every ``href`` / ``src`` that stays on
the site. Links to other hosts (the DOI of a paper) are not fetched: the machines that build the book
are offline; that they stay links to other hosts, never scripts, is checked by test_offline.py.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from pybtex.database import parse_file

import sitecheck as sc
from masreview.data import paths
from masreview.data.loading import load_dataset

pytestmark = pytest.mark.site

LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src",
              "source": "src", "embed": "src", "object": "data", "area": "href"}


@lru_cache(maxsize=None)
def _ids(path: Path) -> frozenset[str]:
    page = sc.soup(path)
    ids = {el["id"] for el in page.find_all(attrs={"id": True})}
    ids |= {el["name"] for el in page.find_all("a", attrs={"name": True})}
    return frozenset(ids)


def broken_links(html_dir: Path) -> list[str]:
    """Every link on every page that points at a missing file or a missing anchor, as 'page: link (why)'."""
    problems = []
    for rel in sc.pages(html_dir):
        page_path = html_dir / rel
        page = sc.soup(page_path)
        for tag, attr in LINK_ATTRS.items():
            for el in page.find_all(tag, attrs={attr: True}):
                url = el[attr].strip()
                parts = urlsplit(url)
                if parts.scheme or url.startswith("//"):
                    if parts.scheme in ("http", "https", "mailto", "tel", "data"):
                        continue  # another host (not fetched: offline), mail, inline data
                    problems.append(f"{rel}: {url} (scheme {parts.scheme!r})")
                    continue
                if parts.path:
                    target = (page_path.parent / unquote(parts.path)).resolve()
                    if target.is_dir():
                        target = target / "index.html"
                    try:
                        target.relative_to(html_dir.resolve())
                    except ValueError:
                        problems.append(f"{rel}: {url} (leaves the site)")
                        continue
                    if not target.is_file():
                        problems.append(f"{rel}: {url} (no such file)")
                        continue
                else:
                    target = page_path
                if parts.fragment and target.suffix == ".html":
                    if unquote(parts.fragment) not in _ids(target):
                        problems.append(f"{rel}: {url} (no anchor #{parts.fragment})")
    return problems


def test_no_broken_internal_link_or_anchor(site_dir):
    problems = broken_links(site_dir)
    assert problems == [], "broken links:\n" + "\n".join(problems)


def test_crawler_finds_a_broken_link_and_anchor(tmp_path):
    """The checker itself: a missing page and a missing anchor are both reported."""
    (tmp_path / "a.html").write_text(
        '<html><body><h1 id="top">A</h1><a href="b.html#here">ok</a> <a href="b.html#gone">anchor</a>'
        ' <a href="missing.html">page</a> <a href="#top">self</a> <a href="https://doi.org/x">doi</a>'
        ' <img src="_static/none.png"></body></html>', encoding="utf-8")
    (tmp_path / "b.html").write_text('<html><body><p id="here">B</p></body></html>', encoding="utf-8")
    _ids.cache_clear()
    problems = broken_links(tmp_path)
    assert problems == ["a.html: b.html#gone (no anchor #gone)", "a.html: missing.html (no such file)",
                        "a.html: _static/none.png (no such file)"]


def test_every_citation_resolves_to_a_bibliography_entry(site_dir):
    problems, n = [], 0
    for rel in sc.content_pages(site_dir):
        page = sc.soup(site_dir / rel)
        for cite in page.find_all("span", class_="bibtex-citation"):
            links = cite.find_all("a", href=True)
            if not links:
                problems.append(f"{rel}: citation without a link: {cite.get_text()}")
            for a in links:
                n += 1
                parts = urlsplit(a["href"])
                if parts.path:  # each chapter lists its own references; a citation points at that list
                    problems.append(f"{rel}: citation {a.get_text()} links to another page ({a['href']})")
                target_page = (site_dir / rel).parent / parts.path if parts.path else site_dir / rel
                entry = sc.soup(target_page).find(id=parts.fragment) if target_page.is_file() else None
                if entry is None or "citation" not in (entry.get("class") or []):
                    problems.append(f"{rel}: {a['href']} ({a.get_text()}) is not a bibliography entry")
                elif not entry.get_text(strip=True):
                    problems.append(f"{rel}: bibliography entry {a['href']} is empty")
    assert n > 0, "no citations found on the site"
    assert problems == [], "\n".join(problems)


def test_every_source_chapter_cites_its_source(site_dir):
    """Each included source's chapter carries a resolved citation of the source's own BibTeX entry (screened
    reports that are not included have no chapter: they are listed on the page of excluded reports)."""
    ds = load_dataset()
    for src in ds.included():  # screened reports (excluded, awaiting) have a row, not a chapter
        page = site_dir / "chapters" / f"{src.id}.html"
        assert page.is_file(), f"source {src.id} has no chapter page"
        entries = sc.soup(page).find_all("div", class_="citation")
        doi, url = src.record.bibliography.doi, src.record.bibliography.url
        wanted = [w for w in (doi, url) if w]
        assert any(any(w in e.get_text(" ") or any(w in (a.get("href") or "") for a in e.find_all("a"))
                       for w in wanted) for e in entries), f"{page.name}: no bibliography entry for {src.id}"


def test_every_source_has_a_bibtex_entry_with_doi_or_url():
    bib = parse_file(str(paths.repo_root() / "references.bib"), bib_format="bibtex")
    ds = load_dataset()
    problems = []
    for src in ds.sources.values():
        key = src.record.bibliography.bibtex_key
        entry = bib.entries.get(key)
        if entry is None:
            problems.append(f"{src.id}: no BibTeX entry {key!r} in references.bib")
            continue
        fields = {k.lower(): v for k, v in entry.fields.items()}
        if not (fields.get("doi") or fields.get("url")):
            problems.append(f"{src.id}: BibTeX entry {key!r} has neither doi nor url")
        if src.record.bibliography.doi and fields.get("doi", "").lower() != src.record.bibliography.doi.lower():
            problems.append(f"{src.id}: DOI in source.yaml ({src.record.bibliography.doi}) differs from "
                            f"references.bib ({fields.get('doi')})")
    assert problems == [], "\n".join(problems)
