"""axe-core on every built page, in light and in dark mode: no serious or critical violation.

axe-core comes from the npm registry (``make axe`` installs it into ``.venv/axe``; ``make test`` does so
when it is missing) and is injected into each page served from 127.0.0.1 (nothing else is requested).
The colour mode is the theme's own: ``localStorage.mode`` read by pydata-sphinx-theme, which sets
``data-theme`` on the document.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest

from conftest import _require
from sitecheck import SITE, local_only_context, pages

pytestmark = [pytest.mark.site, pytest.mark.browser]

# Next to the interpreter that runs the tests (the project's .venv), so a copy of the repository
# checked with this interpreter (the four-kinds gate) finds it too.
AXE = Path(sys.prefix) / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def _pages():
    return pages(SITE) if SITE.is_dir() else ["intro.html"]


def axe_violations(page, url: str, mode: str) -> list[dict]:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_function(f"document.documentElement.dataset.theme === '{mode}'", timeout=5000)
    page.wait_for_timeout(300)  # charts render after load
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').slice(0, 160))}));
    }""")


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_no_serious_axe_violation_on_any_page(browser, site_url, mode):
    _require(AXE.is_file(), f"{AXE} is missing: run `make axe`")
    context, outside = local_only_context(browser)
    context.add_init_script(f"try {{ localStorage.setItem('mode', '{mode}'); }} catch (e) {{}}")
    page = context.new_page()
    found = {}
    try:
        for rel in _pages():
            if rel == "index.html":
                continue  # only redirects to intro.html
            bad = [v for v in axe_violations(page, urljoin(site_url + "/", rel), mode) if v["impact"] in BLOCKING]
            if bad:
                found[rel] = bad
    finally:
        context.close()
    report = "\n".join(f"{rel}: [{v['impact']}] {v['id']} ({v['help']})\n    " + "\n    ".join(v["targets"])
                       for rel, vs in found.items() for v in vs)
    assert found == {}, f"axe-core, {mode} mode:\n{report}"
    assert outside == []
