"""Survival of a treated group against a comparison group when only counts and a P are published: every
piece the chapter shows, computed in one call (counts, the printed P, the two-by-two tests, exact log-rank
bounds over the unpublished death times, and the illustrative Kaplan-Meier grid)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from masreview.analysis import logrank, stats
from masreview.analysis.cohort import proportion_rows
from masreview.analysis import survival as sv
from masreview.data import vocab
from masreview.data.model import SourceData
from masreview.data.select import measure_row


@dataclass
class SurvivalForensics:
    counts: dict  # group -> survival.GroupCounts
    printed: float  # the P as printed
    decimals: int
    tests: pd.DataFrame  # survival.forensic_table: every test, its P, whether it prints as the P
    consistent_tests: list[str]  # short names of the tests the printed P is consistent with
    windows: logrank.DeathWindows
    bounds: object  # logrank bounds over every order of death times
    bounds_by_week: pd.DataFrame
    grid: sv.ScenarioGrid  # illustration only
    scenarios: pd.DataFrame  # log-rank P per grid scenario (lifelines and statsmodels)
    curves: pd.DataFrame  # Kaplan-Meier steps per scenario
    risk_difference: stats.RiskDifference

    @property
    def treated(self) -> sv.GroupCounts:
        return self.counts[sv.TREATED]

    @property
    def control(self) -> sv.GroupCounts:
        return self.counts[sv.CONTROL]

    @property
    def survival(self) -> pd.DataFrame:
        """Survivors per group as :func:`masreview.analysis.cohort.proportion_rows` (key: the group code)."""
        return proportion_rows({g: (c.survivors, c.n) for g, c in self.counts.items()}, vocab.GROUPS)


def survival_forensics(src: SourceData, comparison: str = f"{sv.TREATED}-vs-{sv.CONTROL}") -> SurvivalForensics:
    """Everything a chapter shows about a published survival comparison of ``src`` (measure
    ``survival-comparison`` of group ``comparison``)."""
    counts = sv.survival_counts(src)
    rux, ctl = counts[sv.TREATED], counts[sv.CONTROL]
    row = measure_row(src, "survival-comparison", group=comparison)
    printed, decimals = float(row["value"]), int(row["decimals"])
    windows = logrank.DeathWindows()
    bounds = logrank.logrank_bounds(counts, windows, printed, decimals)
    tests = sv.forensic_table(rux, ctl, printed, decimals, bounds)
    grid = sv.ScenarioGrid()
    return SurvivalForensics(
        counts=counts, printed=printed, decimals=decimals, tests=tests,
        consistent_tests=[sv.short_test_name(t) for t in sv.reproducing_tests(tests)],
        windows=windows, bounds=bounds,
        bounds_by_week=logrank.logrank_bounds_by_week(counts, printed, decimals, windows),
        grid=grid, scenarios=sv.run_grid(counts, grid), curves=sv.km_curves(counts, grid),
        risk_difference=stats.risk_difference(rux.survivors, rux.n, ctl.survivors, ctl.n))
