"""Evidence map, screened-report page rows and context figures, on a synthetic dataset (not the shipped evidence)."""

from __future__ import annotations

import pytest

from masreview.data.context import ContextFigure
from masreview.data.loading import load_dataset
from masreview.present.evidence_map import evidence_map_chart, evidence_map_data
from masreview.present.sources import screened_rows

from _screened_fixture import screened_repo


@pytest.fixture
def ds(tmp_path):
    return load_dataset(screened_repo(tmp_path))


def test_every_report_is_on_the_map_with_its_decision(ds):
    m = evidence_map_data(ds)
    assert len(m) == len(ds.sources) == 3
    by = m.set_index("report")
    assert by.loc["Roe et al. 2023", "decision"] == "Excluded"
    assert by.loc["Roe et al. 2023", "reason"].startswith("Not ruxolitinib")
    assert by.loc["Poe 2022", "decision"] == "Awaiting classification"
    included = m[m["decision"] == "Included"]
    assert len(included) == 1 and included["patients"].iloc[0] == 1  # the fixture's one treated patient
    assert list(m["year"]) == sorted(m["year"])
    spec = evidence_map_chart(m).to_dict()
    assert "Roe et al. 2023 (2023" in spec["description"]
    # each circle's own label (read by screen readers) says what the tooltip says, never the drawn size
    assert spec["encoding"]["description"] == {"field": "said", "type": "nominal"}
    said = dict(zip(m["report"], m.assign(**{"said": evidence_map_chart(m).data["said"]})["said"]))
    assert all("treated patients" not in v for k, v in said.items() if m.set_index("report").at[k, "decision"] != "Included")


def test_screened_rows_name_reason_reading_and_link(ds):
    rows = screened_rows(ds)
    assert [r["Decision"] for r in rows] == ["Excluded", "Awaiting classification"]  # excluded first
    excluded = rows[0]
    assert excluded["Reason"].startswith("Not ruxolitinib") and excluded["Reason"].endswith("Synthetic.")
    assert 'href="https://example.org/abstract"' in excluded["What was read"].markup


def test_a_context_figure_must_quote_its_numbers():
    ok = dict(treatment="Anakinra", figure="Used in 179 patients", quote="Anakinra was used in 179 MAS patients.",
              locator="abstract, results, sentence 5", source="x-2025-y")
    assert ContextFigure(**ok).figure == "Used in 179 patients"
    with pytest.raises(ValueError, match="180"):
        ContextFigure(**{**ok, "figure": "Used in 180 patients"})


def test_the_map_is_drawn_with_a_width(ds):
    """The chart has a width of its own ("container" drew nothing: its box on the page has no width)."""
    import re

    import vl_convert

    svg = vl_convert.vegalite_to_svg(evidence_map_chart(evidence_map_data(ds)).to_dict())
    width = float(re.search(r'<svg[^>]*\bwidth="([0-9.]+)"', svg).group(1))
    assert width > 300 and svg.count('aria-roledescription="circle"') == len(ds.sources)
