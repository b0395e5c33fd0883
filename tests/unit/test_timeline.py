"""Case timelines: phase lengths from stated durations or from dates, the order kept, unknown lengths
drawn as unknown; the same helpers on the Wu 2025 case (no dates) and a synthetic case (all dates)."""

from __future__ import annotations

import re

import pandas as pd

import pytest
import vl_convert

from masreview.data.loading import load_dataset
from masreview.analysis.timeline import LENGTH_STATUS, phase_duration, phase_table
from masreview.present.timeline_chart import timeline_chart, timeline_data

from _synthetic_case import SYNTHETIC_ID, add_synthetic_case, copy_repo

WU = "wu-2025-j-clin-pediatr"


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = copy_repo(tmp_path_factory.mktemp("synthetic"))
    add_synthetic_case(root)
    return load_dataset(root).source(SYNTHETIC_ID)


def test_wu_phases_in_order_with_stated_lengths(ds):
    ph = phase_table(ds.source(WU))
    assert ph["phase_id"].tolist() == ["sjia-course", "admission", "first-line", "ruxolitinib", "after-ruxolitinib"]
    assert ph["order"].tolist() == [1, 2, 3, 4, 5]
    assert ph["length_status"].tolist() == ["stated", "unknown", "unknown", "approximate", "unknown"]
    assert ph.loc[0, "days"] == 4 * 365.25  # "for four years"
    assert ph.loc[3, "days"] == pytest.approx(3 * 30.4375)  # "approximately three months"
    assert ph[["days"]].iloc[[1, 2, 4]].isna().all().all()
    assert ph["length_text"].tolist() == ["4 years", "not reported", "not reported", "about 3 months",
                                          "not reported"]
    assert ph.loc[2, "drugs"] == "methylprednisolone, cyclosporine, tocilizumab"
    assert ph.loc[3, "drugs"] == "ruxolitinib, glucocorticoid"


def test_wu_ruxolitinib_duration(ds):
    ph = phase_table(ds.source(WU))
    assert phase_duration(ph, ["ruxolitinib"], "month") == (pytest.approx(3.0), "approximate")
    assert phase_duration(ph, ["ruxolitinib", "admission"], "month") == (None, "unknown")


def test_synthetic_lengths_from_dates(synthetic):
    ph = phase_table(synthetic)
    assert ph["days"].tolist() == [21.0, 11.0, 79.0, 90.0]
    assert set(ph["length_status"]) == {"from-dates"}
    assert ph["duration_unit"].tolist() == ["day"] * 4
    assert ph["length_text"].iloc[2] == "79 days (from dates)"
    assert phase_duration(ph, ["rux-start", "rux-adjusted"], "day") == (90.0, "exact")


def test_wu_chart_shows_unknown_lengths_as_unknown(ds):
    ph = phase_table(ds.source(WU))
    d, mode, unit = timeline_data(ph)
    assert (mode, unit) == ("lengths", "month")
    assert d["length"].tolist()[0] == pytest.approx(48.0) and d["length"].tolist()[3] == pytest.approx(3.0)
    unknown = d[d["length_status"] == "unknown"]
    assert len(unknown) == 3 and all(x is None for x in unknown["length"])
    assert unknown["x1"].tolist() == pytest.approx([48.0] * 3)  # the dashed box spans the axis, no fake length
    spec = timeline_chart(ph).to_dict()
    assert spec["title"]["text"] and "3 phases without a reported length" in spec["description"]
    dashed = [layer for layer in spec["layer"] if isinstance(layer.get("mark"), dict)
              and layer["mark"].get("strokeDash")]
    assert len(dashed) == 1 and dashed[0]["transform"][0]["filter"].endswith("=== 'unknown')")
    legend = spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert legend == [LENGTH_STATUS[k] for k in ("stated", "approximate", "unknown")]
    svg = vl_convert.vegalite_to_svg(spec)
    assert svg.count(">length not reported<") == 3 and "about 3 months" in svg


def test_synthetic_chart_uses_the_calendar(synthetic):
    d, mode, unit = timeline_data(phase_table(synthetic))
    assert (mode, unit) == ("dates", "day")
    assert d["start"].tolist()[0] == "2024-12-20" and d["end"].tolist()[-1] == "2025-07-09"
    spec = timeline_chart(phase_table(synthetic)).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["type"] == "temporal"
    assert "calendar axis" in spec["description"]
    assert "79 days (from dates)" in vl_convert.vegalite_to_svg(spec)


def test_chart_needs_one_patient(ds):
    ph = phase_table(ds.source(WU))
    two = ph.assign(patient_id="P02")
    with pytest.raises(ValueError, match="pass patient_id"):
        timeline_data(pd.concat([ph, two]))
    assert len(timeline_data(pd.concat([ph, two]), "P02")[0]) == 5


def test_source_without_phases_gives_empty_table(ds):
    ph = phase_table(ds.source("li-2025-front-immunol"))
    assert ph.empty and {"days", "length_status", "drugs"} <= set(ph.columns)


@pytest.mark.parametrize("status", ["unknown", "stated"])
def test_every_drawn_graphic_has_a_label_for_screen_readers(ds, status):
    """A timeline whose phases are all of one kind draws no empty layer: Vega gives an empty mark group
    the role graphics-symbol without a label, which axe-core reports (svg-img-alt)."""
    ph = phase_table(ds.source(WU))
    if status == "unknown":
        ph = ph.assign(length_status="unknown", days=float("nan"))
    else:
        ph = ph.assign(length_status="stated", days=ph["days"].fillna(30.0))
    spec = timeline_chart(ph).to_dict()
    svg = vl_convert.vegalite_to_svg(spec)
    unlabelled = [tag for tag in re.findall(r"<[^>]*role=\"graphics-symbol\"[^>]*>", svg) if "aria-label" not in tag]
    assert unlabelled == []
    assert svg.count(">length not reported<") == (len(ph) if status == "unknown" else 0)
