"""Hostile text in every free-text field of the data, built into the site: shown as text, run nowhere.

In ONE temporary copy of the repository (as a fresh clone has it), every free-text field is found from
the schemas (:mod:`masreview.data.freetext`), so a field added later is covered without editing this
test: every such column of every CSV of every source, every such key of every
``source.yaml``, ``reconstruction.yaml``/``trajectories.yaml``, ``cohorts.yaml``, ``changelog.yaml`` and
``context.yaml``, and the title, journal and authors of every ``references.bib`` entry. Each gets a
payload (script, event handlers, a markdown and an HTML ``javascript:`` link) with a marker of its own,
appended to what it held so that every other rule of the data still holds. The copy is built with
`make book`, and EVERY page of the site is opened in chromium with a dialog listener:

* no dialog opens, no ``window.__pwn_*`` is defined (no injected code ran);
* no element made by the payload exists (``img[src=x]``, ``svg[onload]``, any element with an ``on*``
  attribute holding a marker or ``alert(``), and no live ``<script>`` holds a marker;
* every ``a[href]`` is http(s) or a relative link in the site (no ``javascript:``, ``data:``,
  ``vbscript:``, ``mailto:`` or any other scheme);
* most markers are shown as text somewhere (the fields never shown are reported, not failed).

A separate small test puts ``javascript:alert(1)`` in every link field of the data (DOI, URL, the address
the text was read at, a BibTeX url) and expects validation to refuse each one.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import string
import time
from pathlib import Path

import pytest
import yaml

import pagenumbers as pn
import sitecheck as sc
from masreview.data import context as context_file
from masreview.data import schema
from masreview.data.freetext import free_text_columns, free_text_fields
from masreview.data.model import Issue
from masreview.data.readers import read_csv_rows, read_yaml
from masreview.data.specs import SPEC_FILES

PREFIX = "__pwn_"


def payload(marker: str) -> str:
    """Hostile text for one field: the marker first (to find it as text), then markup that would run."""
    return (f"{marker} <img src=x onerror=\"alert(1);window.{PREFIX}{marker}=2\">"
            f"<script>window.{PREFIX}{marker}=1;alert(3)</script>\"'><svg onload=alert(2)>"
            f" [click](javascript:alert(4)) <a href=\"javascript:alert(5)\">go</a>"
            f" <iframe src=\"data:text/html,<script>alert(6)</script>\"></iframe>")


def _markers():
    """Markers: letters only (no digit a figure would have to quote, never the placeholder TODO),
    all of one length, so that none is part of another."""
    for letters in itertools.product(string.ascii_lowercase, repeat=4):
        yield "hx" + "".join(letters)


def _hostile(value, marker: str) -> str:
    text = "" if value is None else str(value)
    return (text + " " if text.strip() else "") + payload(marker)


# --- putting the payload in ------------------------------------------------------------------------


class Injection:
    """Every field given a payload: marker -> 'file: field'."""

    def __init__(self, root: Path):
        self.root = root
        self.fields: dict[str, str] = {}
        self._next = _markers()

    def marker(self, where: str) -> str:
        m = next(self._next)
        self.fields[m] = where
        return m

    # CSV tables: every free-text column of the table spec, every row (empty cells filled as well)
    def csv(self, path: Path) -> None:
        spec = next(t for t in schema.TABLES.values() if t.file == path.name)
        issues: list[Issue] = []
        header, records = read_csv_rows(path, path.name, issues)
        assert not issues, issues
        rel = path.relative_to(self.root).as_posix()
        for name in free_text_columns(spec):
            m = self.marker(f"{rel}: {name}")
            if name not in header:
                header.append(name)
                records = [(line, cells + [""]) for line, cells in records]
            i = header.index(name)
            for _, cells in records:
                cells[i] = _hostile(cells[i], m)
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(cells for _, cells in records)

    # YAML records: every free-text path of the model (absent optional fields added where their record is)
    def yaml(self, path: Path, model, many: bool = False) -> None:
        issues: list[Issue] = []
        parsed = read_yaml(path, self.root, issues)
        assert parsed is not None and not issues, issues
        data, _ = parsed
        rel = path.relative_to(self.root).as_posix()
        items = list((data.items() if isinstance(data, dict) else enumerate(data)) if many else [(None, data)])
        for field_path in free_text_fields(model):
            name = ".".join(field_path)
            m = self.marker(f"{rel}: {name}")
            if not sum(self._set(record, field_path, m) for _, record in items):
                del self.fields[m]  # no record of the file has the part the field belongs to
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6), encoding="utf-8")

    def _set(self, node, field_path, m) -> int:
        """Put the payload at the path in a record; the number of values set."""
        head, rest = field_path[0], field_path[1:]
        if head == "*":
            return sum(self._set(item, rest, m) for item in node or [])
        if not isinstance(node, dict):
            return 0
        if rest:
            return self._set(node[head], rest, m) if isinstance(node.get(head), (dict, list)) else 0
        value = node.get(head)
        if isinstance(value, list):
            node[head] = [_hostile(v, m) for v in value] or [payload(m)]
        else:
            node[head] = _hostile(value, m)
        return 1

    # references.bib: title, journal and the authors (one author more, braced) of every entry
    def bib(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        markers = {f: self.marker(f"references.bib: {f}") for f in ("title", "journal", "author")}
        out, pos = [], 0
        for match in re.finditer(r"^\s*(title|journal|author)\s*=\s*\{", text, flags=re.M):
            end = _closing_brace(text, match.end())
            field = match.group(1)
            extra = (f" and {{{payload(markers[field])}}}" if field == "author"
                     else f" {payload(markers[field])}")
            out += [text[pos:end], extra]
            pos = end
        out.append(text[pos:])
        path.write_text("".join(out), encoding="utf-8")


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i
    raise AssertionError("unbalanced braces in references.bib")


def inject_everywhere(root: Path) -> Injection:
    inj = Injection(root)
    for folder in sorted((root / "data" / "sources").iterdir()):
        for spec in schema.TABLES.values():
            if (folder / spec.file).is_file():
                inj.csv(folder / spec.file)
        inj.yaml(folder / "source.yaml", schema.SourceRecord)
        for name, model in SPEC_FILES.items():
            if (folder / name).is_file():
                inj.yaml(folder / name, model)
    inj.yaml(root / "data" / "cohorts.yaml", schema.Cohort, many=True)
    inj.yaml(root / "data" / "changelog.yaml", schema.ChangelogEntry, many=True)
    inj.yaml(root / context_file.FILE, context_file.ContextFigure, many=True)
    inj.bib(root / "references.bib")
    return inj


# --- the build ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = sc.copy_repo(tmp_path_factory.mktemp("hostile") / "repo")
    inj = inject_everywhere(root)
    t0 = time.monotonic()
    sc.build_or_fail(root, "hostile", tail=6000)
    return root, inj, time.monotonic() - t0


# In the page: what the payload would have made, and every link that is not http(s) or in the site.
_PROBE = """(prefix) => {
  const found = [];
  for (const k of Object.keys(window)) { if (k.startsWith(prefix)) found.push("window." + k + " is defined"); }
  for (const el of document.querySelectorAll("img[src='x'], svg[onload], iframe[src^='data:']")) {
    found.push("element made by the payload: " + el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith("on") && (a.value.includes("alert(") || a.value.includes(prefix) || /hx[a-z]{4}/.test(a.value))) {
        found.push("<" + el.tagName.toLowerCase() + "> has " + a.name + "=" + a.value.slice(0, 80));
      }
    }
  }
  for (const el of document.querySelectorAll("script")) {
    const t = (el.getAttribute("type") || "text/javascript").toLowerCase();
    if (/javascript|module|ecmascript/.test(t) && el.textContent.includes(prefix)) {
      found.push("a live <script> holds the payload: " + el.textContent.slice(0, 80));
    }
  }
  for (const el of document.querySelectorAll("a[href], area[href]")) {
    const href = el.getAttribute("href").trim();
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(href);
    if (m && !["http", "https"].includes(m[1].toLowerCase())) {
      found.push("link with scheme " + m[1] + ": " + href.slice(0, 80));
    }
  }
  return found;
}"""


def _open(context, url: str, dialogs: list[str], rel: str):
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(f"{rel}: {d.type} {d.message}"), d.dismiss()))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)
    return page


pytestmark = [pytest.mark.site]


@pytest.mark.slow
def test_hostile_text_runs_nowhere_and_hrefs_stay_http(hostile_site, browser, record_property):
    root, inj, build_s = hostile_site
    html_dir = root / "_build" / "html"
    pages = sc.pages(html_dir)
    assert len(pages) >= 10, pages
    problems: list[str] = []
    dialogs: list[str] = []
    t0 = time.monotonic()
    with sc.serve(html_dir) as url:
        context, outside = sc.local_only_context(browser)
        try:
            for rel in pages:
                page = _open(context, f"{url}/{rel}", dialogs, rel)
                problems += [f"{rel}: {p}" for p in page.evaluate(_PROBE, PREFIX)]
                page.close()
            # Sphinx's search page writes results (titles, summaries) into the page: search for the
            # markers the index holds.
            index = (html_dir / "searchindex.js").read_text(encoding="utf-8")
            in_index = [m for m in inj.fields if m in index]
            for m in in_index[:12]:
                page = _open(context, f"{url}/search.html?q={m}", dialogs, f"search {m}")
                page.wait_for_timeout(800)
                problems += [f"search.html?q={m}: {p}" for p in page.evaluate(_PROBE, PREFIX)]
                page.close()
        finally:
            context.close()
    record_property("build seconds", round(build_s, 1))
    record_property("browser seconds", round(time.monotonic() - t0, 1))
    print(f"hostile copy: build {build_s:.0f} s, {len(pages)} pages in chromium in {time.monotonic() - t0:.0f} s")
    assert dialogs == [], "\n".join(dialogs)
    assert problems == [], "\n".join(problems[:60])
    assert outside == [], outside


@pytest.mark.slow
def test_hostile_text_is_shown_as_text(hostile_site, record_property):
    root, inj, _ = hostile_site
    html_dir = root / "_build" / "html"
    shown: dict[str, list[str]] = {m: [] for m in inj.fields}
    literal: set[str] = set()
    for rel in sc.pages(html_dir):
        text = pn.normalise(sc.visible_text(sc.soup(html_dir / rel)))
        for m in shown:
            if m in text:
                shown[m].append(rel)
                if pn.normalise(f"{m} <img src=x onerror=") in text:
                    literal.add(m)
    never = sorted(inj.fields[m] for m, where in shown.items() if not where)
    record_property("fields", len(inj.fields))
    record_property("fields never shown", json.dumps(never))
    # grouped by file name and field (data/sources/<id>/ left out): how many of its files never show it
    def kind(where: str) -> str:
        return re.sub(r"^data/sources/[^/]+/", "", where)

    total = {k: sum(kind(f) == k for f in inj.fields.values()) for k in {kind(f) for f in inj.fields.values()}}
    hidden = {k: sum(kind(f) == k for f in never) for k in total}
    print(f"\n{len(inj.fields)} free-text fields given a payload; shown as text: {len(inj.fields) - len(never)}; "
          "never shown (files where it is never shown / files that have it):\n  "
          + "\n  ".join(f"{k}: {hidden[k]}/{total[k]}" for k in sorted(total) if hidden[k]))
    # fields that exist for readers must reach them
    for meant in ("source.yaml: summary", "source.yaml: bibliography.title", "cohorts.yaml: label",
                  "changelog.yaml: summary", "context.yaml: figure", "references.bib: title"):
        hits = [m for m, f in inj.fields.items() if f.endswith(meant) and shown[m]]
        assert hits, f"no '{meant}' is shown on any page"
    shown_kinds = [k for k in total if hidden[k] < total[k]]
    assert len(shown_kinds) > len(total) / 2, f"most fields are never shown: {sorted(set(total) - set(shown_kinds))}"
    # where a marker is shown, the markup after it is shown as text too
    assert literal, "no payload is shown as the text it is"


# --- link fields refuse other schemes -------------------------------------------------------------

LINK = "javascript:alert(1)"


def test_link_fields_refuse_javascript(tmp_path):
    """DOI, url and read_at of every source.yaml and url of every BibTeX entry set to a javascript: link:
    validation refuses every one, naming the field."""
    from masreview.data.loading import load_dataset
    from masreview.data.model import DataValidationError

    root = sc.copy_repo(tmp_path / "repo")
    expected = []
    for folder in sorted((root / "data" / "sources").iterdir()):
        path = folder / "source.yaml"
        data, _ = read_yaml(path, root, [])
        data["bibliography"]["url"] = LINK
        data["bibliography"]["doi"] = LINK
        data["extraction"]["read_at"] = LINK
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6), encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        expected += [(rel, f) for f in ("bibliography.url", "bibliography.doi", "extraction.read_at")]
    with pytest.raises(DataValidationError) as err:
        load_dataset(root)
    issues = err.value.issues
    missing = [(f, c) for f, c in expected if not any(i.file == f and i.column == c for i in issues)]
    assert missing == [], f"accepted a javascript: link in {missing}"
    # references.bib is read once the records are valid: in a copy of its own
    root = sc.copy_repo(tmp_path / "repo-bib")
    bib = root / "references.bib"
    text = re.sub(r"^(\s*)(url|doi)(\s*=\s*)\{[^}]*\}", rf"\1\2\3{{{LINK}}}", bib.read_text(encoding="utf-8"),
                  flags=re.M)
    bib.write_text(text, encoding="utf-8")
    n_bib_links = len(re.findall(r"^\s*(?:url|doi)\s*=", text, flags=re.M))
    with pytest.raises(DataValidationError) as err:
        load_dataset(root)
    bib_issues = [i for i in err.value.issues if i.file == "references.bib" and i.column in ("url", "doi")]
    assert len(bib_issues) == n_bib_links, [str(i) for i in err.value.issues]
    assert all(LINK in i.message for i in bib_issues)
