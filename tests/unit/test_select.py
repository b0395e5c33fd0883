"""The one selector of each thing, on the synthetic valid fixture (not the shipped evidence)."""

from __future__ import annotations

import pytest

from masreview.data import paths, select
from masreview.data.loading import load_dataset

FIXTURE = paths.repo_root() / "tests" / "fixtures" / "valid"


@pytest.fixture(scope="module")
def src():
    return load_dataset(FIXTURE).source("doe-2024-example")


def test_measure_row_by_meaning(src):
    row = select.measure_row(src, "patients")
    assert row["measure"] == "patients" and row["group"] == "ruxolitinib"
    with pytest.raises(KeyError, match="no 'survival-comparison' row"):
        select.measure_row(src, "survival-comparison")


def test_rows_of_a_source_with_rows_is_itself(src):
    assert select.rows_of(None, src) is src


def test_times_in_days_and_weeks():
    assert select.in_days(2, "week") == 14.0 and select.in_weeks(14, "day") == 2.0
    assert select.timepoint_label(56.0) == "week 8" and select.timepoint_label(30.4375 * 3) == "month 3"
