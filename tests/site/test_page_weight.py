"""Light pages: what every page loads before its own content (the theme's and our scripts, style sheets
and fonts, i.e. all but the Vega bundle of chart pages) stays under 1.1 MB, and FontAwesome's 1.5 MB
script is on no page. Weights are measured as ``make bench`` / ``make weights`` report them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import PAGE_OWN_ASSETS, SHARED_ASSETS_MAX_BYTES, page_weights  # noqa: E402

from sitecheck import pages  # noqa: E402

pytestmark = pytest.mark.site


def test_every_page_is_weighed(site_dir):
    weighed = {w["page"] for w in page_weights(site_dir)}
    assert weighed == set(pages(site_dir))


def test_shared_assets_of_every_page_stay_under_the_target(site_dir):
    heavy = {w["page"]: w["shared_bytes"] for w in page_weights(site_dir)
             if w["shared_bytes"] > SHARED_ASSETS_MAX_BYTES}
    assert heavy == {}, f"pages loading more than {SHARED_ASSETS_MAX_BYTES} bytes of shared assets: {heavy}"


def test_no_page_loads_fontawesome_script_and_vega_only_where_a_chart_is(site_dir):
    from masreview.present.charts import CHART_CLASS

    for rel in pages(site_dir):
        text = (site_dir / rel).read_text(encoding="utf-8")
        assert "fontawesome.js" not in text, rel
        for own in PAGE_OWN_ASSETS:
            if own in text:
                assert f'class="{CHART_CLASS}"' in text, f"{rel} loads {own} without a chart"
