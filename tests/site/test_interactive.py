"""Every interactive control of every chart works in the browser: a slider, dropdown, radio button or
checkbox bound to a Vega-Lite param, and every legend bound to a selection, changes the drawn chart
when used. The number of controls drawn must equal the number the chart's spec binds (a control that
failed to render is a failure, not a skip). Requests to other hosts are aborted, as in test_offline.py.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import sitecheck as sc
from masreview.present.charts import CHART_CLASS

pytestmark = [pytest.mark.site, pytest.mark.browser]

CHANGE_TIMEOUT_MS = 5_000


def bound_params(spec) -> list[tuple[str, str]]:
    """(param name, 'input' or 'legend') for every param of a spec (nested views included) with a binding."""
    out: list[tuple[str, str]] = []

    def walk(node):
        if isinstance(node, dict):
            for p in node.get("params") or []:
                bind = p.get("bind")
                if bind == "legend" or (isinstance(bind, dict) and "legend" in bind):
                    out.append((p["name"], "legend"))
                elif isinstance(bind, dict) and bind.get("input"):
                    out.append((p["name"], "input"))
            for key, value in node.items():
                if key != "params":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return list(dict.fromkeys(out))  # layers may repeat a param


def _chart_pages():
    if not sc.SITE.is_dir():
        return []
    return [rel for rel in sc.content_pages(sc.SITE) if f'class="{CHART_CLASS}"' in (sc.SITE / rel).read_text()]


def _svg(chart) -> str:
    return chart.locator(".masreview-chart-live svg").first.inner_html()


def _changed(page, chart, before: str) -> bool:
    try:
        page.wait_for_function(
            "([el, before]) => { const s = el.querySelector('.masreview-chart-live svg');"
            " return s && s.innerHTML !== before; }",
            arg=[chart.element_handle(), before], timeout=CHANGE_TIMEOUT_MS)
        return True
    except PlaywrightTimeout:
        return False


def _use_control(page, chart, bind) -> tuple[str, bool]:
    """Operate one vega-embed binding; return its label and whether the chart changed."""
    label = " ".join(bind.inner_text().split())[:60]
    before = _svg(chart)
    select = bind.locator("select")
    if select.count():
        current = select.first.input_value()
        for value in select.first.locator("option").evaluate_all("os => os.map(o => o.value)"):
            if value != current:
                select.first.select_option(value)
                if _changed(page, chart, before):
                    return label, True
        return label, False
    radios = bind.locator("input[type=radio]")
    if radios.count():
        for i in range(radios.count()):
            if not radios.nth(i).is_checked():
                radios.nth(i).check()
                if _changed(page, chart, before):
                    return label, True
        return label, False
    checkbox = bind.locator("input[type=checkbox]")
    if checkbox.count():
        checkbox.first.click()
        return label, _changed(page, chart, before)
    slider = bind.locator("input[type=range]")
    if slider.count():
        el = slider.first
        lo, hi = float(el.get_attribute("min")), float(el.get_attribute("max"))
        current = float(el.input_value())
        for target in (hi, lo, (lo + hi) / 2):
            if target != current:
                el.evaluate("(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true}));"
                            " e.dispatchEvent(new Event('change', {bubbles: true})); }", str(target))
                if _changed(page, chart, before):
                    return label, True
        return label, False
    return label + " (unknown control)", False


@pytest.mark.parametrize("page_path", _chart_pages() or ["intro.html"])
def test_every_control_changes_its_chart(site_dir, browser, site_url, page_path):
    specs = sc.chart_specs(site_dir).get(page_path, [])
    context, outside = sc.local_only_context(browser)
    page = context.new_page()
    problems: list[str] = []
    used = 0
    try:
        page.goto(f"{site_url}/{page_path}", wait_until="load")
        page.wait_for_function(
            "cls => [...document.getElementsByClassName(cls)]"
            ".every(box => box.getAttribute('data-rendered') === 'vega-embed')",
            arg=CHART_CLASS, timeout=20_000)
        charts = page.locator(f"div.{CHART_CLASS}")
        assert charts.count() == len(specs)
        for i, spec_text in enumerate(specs):
            chart = charts.nth(i)
            cid = chart.get_attribute("id")
            params = bound_params(json.loads(spec_text))
            inputs = [p for p, kind in params if kind == "input"]
            legends = [p for p, kind in params if kind == "legend"]
            binds = chart.locator(".masreview-chart-live .vega-bind")
            if binds.count() != len(inputs):
                problems.append(f"{cid}: {binds.count()} controls drawn, the spec binds {len(inputs)} ({inputs})")
            for j in range(binds.count()):
                label, changed = _use_control(page, chart, binds.nth(j))
                used += 1
                if not changed:
                    problems.append(f"{cid}: control '{label}' did not change the chart")
            for name in legends:
                entries = chart.locator(".masreview-chart-live svg g.role-legend-symbol path")
                if entries.count() == 0:
                    problems.append(f"{cid}: legend selection '{name}' but no legend drawn")
                    continue
                before = _svg(chart)
                entries.last.click()
                used += 1
                if not _changed(page, chart, before):
                    problems.append(f"{cid}: clicking the legend ('{name}') did not change the chart")
    finally:
        context.close()
    assert outside == []
    assert problems == [], f"{page_path}:\n" + "\n".join(problems)
    print(f"{page_path}: {len(specs)} charts, {used} controls used")


def test_bound_params_are_found_in_nested_views():
    spec = {"layer": [{"params": [{"name": "pick", "select": {"type": "point", "fields": ["s"]}, "bind": "legend"}]},
                      {"params": [{"name": "pick", "select": {"type": "point"}, "bind": "legend"}]}],
            "params": [{"name": "week", "value": 1, "bind": {"input": "range", "min": 1, "max": 8}},
                       {"name": "hover", "select": "point"}]}
    assert bound_params(spec) == [("week", "input"), ("pick", "legend")]
