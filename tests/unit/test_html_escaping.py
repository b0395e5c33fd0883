"""HTML built from data: every label, cell and caption escaped; only checked http(s) links become hrefs."""

from __future__ import annotations

import pandas as pd
import pytest

from masreview.data.links import LinkError
from masreview.present.html import HTML, Link, html_table, safe_href, show_table

EVIL = '"><script>alert(1)</script>'


def test_show_table_escapes_column_labels_index_cells_and_caption():
    df = pd.DataFrame({EVIL: [EVIL]}, index=[EVIL])
    markup = show_table(df, caption=EVIL, index=True).markup
    assert "<script>" not in markup
    assert markup.count("&lt;script&gt;") == 4


def test_html_table_escapes_headers_cells_and_caption():
    markup = html_table([{EVIL: EVIL, "link": Link(EVIL, "https://example.org/a")}], caption=EVIL).markup
    # caption, header, cell, link text, and the header again in the cell's data-label attribute
    assert "<script>" not in markup and markup.count("&lt;script&gt;") == 5
    assert 'data-label="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in markup


@pytest.mark.parametrize("href", ["javascript:alert(1)", "https://example.org/\"><script>", "data:text/html,x",
                                  "//example.org/a", "ftp://example.org/"])
def test_only_http_links_become_hrefs(href):
    with pytest.raises(LinkError):
        Link("text", href).html()


def test_project_pages_and_http_links_are_allowed():
    assert safe_href("li-2025-front-immunol.html") == "li-2025-front-immunol.html"
    assert safe_href("https://doi.org/10.3389/fimmu.2025.1") == "https://doi.org/10.3389/fimmu.2025.1"
    assert isinstance(html_table([{"a": HTML("<b>x</b>")}], "c"), HTML)
