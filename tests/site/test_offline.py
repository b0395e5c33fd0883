"""Every page of the built site works offline: nothing is requested from another host, no script
fails, and every chart is drawn live by vega-embed from the site's own Vega bundle."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from masreview.data import paths
from masreview.present.charts import CHART_CLASS

import sitecheck as sc

pytestmark = [pytest.mark.site, pytest.mark.browser]

# Console noise that is known, understood and harmless. Each entry: a substring of the message and
# why it may stay. Anything else logged as an error fails the test. (sphinx-thebe's
# "Identifier 'THEBE_JS_URL' has already been declared" does not appear: masreview.book.sphinxext drops
# the unused Thebe scripts.)
ALLOWED_CONSOLE_NOISE: dict[str, str] = {}

SITE = paths.repo_root() / "_build" / "html"
PAGES = sorted(
    p.relative_to(SITE).as_posix()
    for p in SITE.rglob("*.html")
    if p.relative_to(SITE).parts[0] not in {"_static", "_sources", "_vendor"}
)


def _is_noise(message: str) -> bool:
    return any(known in message for known in ALLOWED_CONSOLE_NOISE)


# Without a build, one placeholder case lets the site_dir fixture skip (or, under CI, fail).
@pytest.mark.parametrize("page_path", PAGES or ["index.html"])
def test_page_is_self_contained(site_dir, browser, site_url, page_path):
    context, outside = sc.local_only_context(browser)
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    try:
        page.goto(f"{site_url}/{page_path}", wait_until="load")
        page.wait_for_load_state("networkidle")

        charts = page.locator(f".{CHART_CLASS}")
        if charts.count():
            try:
                page.wait_for_function(
                    "cls => [...document.getElementsByClassName(cls)]"
                    ".every(box => box.getAttribute('data-rendered') === 'vega-embed')",
                    arg=CHART_CLASS,
                    timeout=20_000,
                )
            except PlaywrightTimeout:
                pass  # the checks below name the chart that was not drawn
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart_id = chart.get_attribute("id")
            assert chart.get_attribute("data-rendered") == "vega-embed", (
                f"chart {chart_id} was not drawn by vega-embed; errors: {errors}"
            )
            assert chart.get_attribute("aria-label"), f"chart {chart_id} has no aria-label"
            live_svg = chart.locator(".masreview-chart-live svg")
            assert live_svg.count() == 1, f"chart {chart_id}: vega-embed drew no SVG"
            marks = live_svg.locator("g.role-mark > *").count()
            assert marks > 0, f"chart {chart_id}: the SVG has no data marks"
            assert chart.locator(".masreview-chart-static").count() == 0, (
                f"chart {chart_id}: static fallback still shown after rendering"
            )
    finally:
        context.close()

    assert outside == [], f"{page_path} requested other hosts: {outside}"
    unexplained = [e for e in errors if not _is_noise(e)]
    assert unexplained == [], f"{page_path} logged errors: {unexplained}"
