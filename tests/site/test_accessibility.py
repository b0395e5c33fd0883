"""Accessibility basics on the built pages: every chart has a text description, every table a header
row, headings go down one level at a time. Also: no template placeholder reached a page."""

from __future__ import annotations

import json
import re

import pytest

import sitecheck as sc
from masreview.present.charts import CHART_CLASS
from masreview.data.model import PLACEHOLDER

pytestmark = pytest.mark.site


def _title_text(spec: dict) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return str(title or "").strip()


def chart_problems(page) -> list[str]:
    problems = []
    for box in sc.article(page).find_all("div", class_=CHART_CLASS):
        cid = box.get("id")
        spec = json.loads(box.find("script", attrs={"type": "application/json"}).string)
        if not _title_text(spec):
            problems.append(f"chart {cid}: no title")
        if not str(spec.get("description") or "").strip():
            problems.append(f"chart {cid}: no description")
        label = (box.get("aria-label") or "").strip()
        if not label or label == "Chart":
            problems.append(f"chart {cid}: no aria-label")
        if box.get("role") not in ("img", "figure"):
            problems.append(f"chart {cid}: role {box.get('role')!r}")
        svg = box.find("svg")  # the static drawing readers without JavaScript get
        if svg is None:
            problems.append(f"chart {cid}: no static SVG")
    return problems


def table_problems(page) -> list[str]:
    problems = []
    for i, table in enumerate(sc.article(page).find_all("table"), start=1):
        rows = table.find_all("tr")
        head = table.find("thead")
        has_header = (head is not None and head.find("th") is not None) or (
            rows and rows[0].find("th") is not None and rows[0].find("td") is None)
        caption = table.find("caption")
        name = caption.get_text(" ", strip=True)[:60] if caption else f"table {i}"
        if not has_header:
            problems.append(f"{name}: no header row (th)")
        if caption is None or not caption.get_text(strip=True):
            problems.append(f"{name}: no caption")
        if not rows:
            problems.append(f"{name}: no rows")
    return problems


def heading_problems(page) -> list[str]:
    levels = [int(h.name[1]) for h in sc.article(page).find_all(re.compile(r"^h[1-6]$"))]
    problems = []
    if not levels or levels[0] != 1:
        problems.append(f"first heading is h{levels[0] if levels else '-'}, not h1")
    if levels.count(1) != 1:
        problems.append(f"{levels.count(1)} h1 headings")
    for before, after in zip(levels, levels[1:]):
        if after > before + 1:
            problems.append(f"h{before} followed by h{after}")
    return problems


def _content_pages():
    return sc.content_pages(sc.SITE) if sc.SITE.is_dir() else []


@pytest.mark.parametrize("page_path", _content_pages() or ["intro.html"])
def test_page_accessibility_basics(site_dir, page_path):
    page = sc.soup(site_dir / page_path)
    problems = chart_problems(page) + table_problems(page) + heading_problems(page)
    assert problems == [], f"{page_path}:\n" + "\n".join(problems)


def test_checks_catch_a_bad_page():
    """The checks themselves: a chart without description, a table without header, a skipped level."""
    from bs4 import BeautifulSoup

    spec = json.dumps({"title": "T", "mark": "bar"})
    page = BeautifulSoup(
        f'<article role="main"><h1>A</h1><h3>skipped</h3>'
        f'<div class="{CHART_CLASS}" id="c1" role="img"><script type="application/json">{spec}</script></div>'
        f'<table><tr><td>1</td></tr></table></article>', "html.parser")
    assert heading_problems(page) == ["h1 followed by h3"]
    assert chart_problems(page) == ["chart c1: no description", "chart c1: no aria-label",
                                    "chart c1: no static SVG"]
    assert table_problems(page) == ["table 1: no header row (th)", "table 1: no caption"]


def test_no_placeholder_on_any_page(site_dir):
    """A chapter still holding the template's placeholder word must not be published."""
    word = re.compile(rf"\b{re.escape(PLACEHOLDER)}\b")
    found = {}
    for rel in sc.pages(site_dir):
        text = sc.visible_text(sc.soup(site_dir / rel))
        hits = [text[max(0, m.start() - 40): m.end() + 40] for m in word.finditer(text)]
        if hits:
            found[rel] = hits
    assert found == {}, f"the placeholder {PLACEHOLDER!r} is on published pages: {found}"
