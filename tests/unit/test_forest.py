"""The forest plot as an HTML table: one row per series named by its report, the pooled row only when
series are pooled, case reports in their own section, never among the series; yes/no in tables."""

from __future__ import annotations

import pandas as pd
from bs4 import BeautifulSoup

from masreview.analysis import pooling
from masreview.present.forest import forest_html
from masreview.present.html import show_table
from test_pooling_rules import outcome_rows

LABELS = {"a": "Li et al. 2025", "b": "Chen and Wang 2026", "c": "Wu et al. 2025"}


def _table(rows):
    oc = outcome_rows(rows)
    page = BeautifulSoup(forest_html(oc, pooling.pooled_results(oc), LABELS).markup, "html.parser")
    return page.find("table")


def _row_names(tbody):
    return [th.get_text(" ", strip=True) for th in tbody.select("tr > th[scope=row]")]


def test_two_series_and_a_case_report():
    table = _table([("a", "cohort", 20, 16, 20), ("b", "case-series", 10, 5, 10), ("c", "case-report", 1, 1, 1)])
    assert table.find("caption").get_text(strip=True)
    assert [th.get_text(strip=True) for th in table.select("thead th")][0] == "Report"
    outcome_bodies = table.find_all("tbody")[:-1]
    cases = table.find_all("tbody")[-1]
    assert len(outcome_bodies) == len(pooling.OUTCOMES)
    for body in outcome_bodies:
        names = _row_names(body)
        assert names[:2] == ["Li et al. 2025", "Chen and Wang 2026"] and names[2].startswith("Pooled, GLMM (2 series)")
        assert len(names) == 3  # the case report is not among the series
        first = [td.get_text(strip=True) for td in body.select("tr")[1].find_all("td")]
        assert first[0] == "16/20" and first[2].startswith("80.0% (") and first[3].endswith("%")
    assert "never pooled" in cases.get_text() and _row_names(cases)[0].startswith("Wu et al. 2025")
    assert all(svg.get("aria-hidden") == "true" for svg in table.select("svg.masreview-forest-draw"))


def test_one_series_has_no_pooled_row():
    table = _table([("a", "cohort", 20, 16, 20), ("c", "case-report", 1, 1, 1)])
    assert "Pooled" not in table.get_text()
    assert "not pooled" in table.find_all("tbody")[0].get_text()


def test_tables_say_yes_and_no():
    markup = show_table(pd.DataFrame({"fact": ["week 1: 9 in PR"], "holds": [True]}), "facts").markup
    cells = [td.get_text(strip=True) for td in BeautifulSoup(markup, "html.parser").find_all("td")]
    assert cells == ["week 1: 9 in PR", "yes"]
