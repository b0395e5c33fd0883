"""Exact log-rank bounds over death-time arrangements (masreview.analysis.logrank), checked against
lifelines / statsmodels on patient rows and against brute force over every daily death-time set."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from masreview.analysis import logrank as lrb
from masreview.analysis import survival as sv

COUNTS = {sv.TREATED: sv.GroupCounts(20, 1), sv.CONTROL: sv.GroupCounts(21, 8)}


def _rows(treated_days, control_days, counts, end):
    t = list(treated_days) + [end] * counts[sv.TREATED].survivors
    c = list(control_days) + [end] * counts[sv.CONTROL].survivors
    return pd.DataFrame({"group": [sv.TREATED] * len(t) + [sv.CONTROL] * len(c),
                         "time": np.array(t + c, float),
                         "event": [1] * len(treated_days) + [0] * counts[sv.TREATED].survivors
                         + [1] * len(control_days) + [0] * counts[sv.CONTROL].survivors})


def test_audit_example_lies_within_the_bounds_and_prints_0011():
    # control deaths spread over days 1-5 to week 3, the treated death in week 2 (day 10): P = 0.0110
    ctl = [1, 2, 3, 4, 5, 21, 21, 21]
    p = sv.logrank_p(_rows([10], ctl, COUNTS, 200))
    assert f"{p:.3f}" == "0.011"
    week2 = lrb.logrank_bounds(COUNTS, lrb.DeathWindows(treated=(8, 14)), 0.011, 3)
    assert week2.min_p <= p <= week2.max_p and week2.n_printing > 0


def test_bounds_equal_brute_force_over_every_daily_death_time_set():
    """Small case: every assignment of death days in the windows, P by lifelines."""
    counts = {sv.TREATED: sv.GroupCounts(6, 1), sv.CONTROL: sv.GroupCounts(7, 3)}
    win = lrb.DeathWindows(treated=(2, 4), control=(1, 5))
    ps = [sv.logrank_p(_rows([t], ctl, counts, 99))
          for t in range(2, 5) for ctl in itertools.combinations_with_replacement(range(1, 6), 3)]
    b = lrb.logrank_bounds(counts, win)
    assert b.min_p == pytest.approx(min(ps), abs=1e-12)
    assert b.max_p == pytest.approx(max(ps), abs=1e-12)
    assert lrb.bounds_crosscheck(counts, b) < 1e-9


def test_order_realisation_respects_windows():
    win = lrb.DeathWindows(treated=(8, 14), control=(1, 3))
    assert lrb.order_days(((0, 1), (0, 1), (0, 1), (1, 0)), win) == [1, 2, 3, 8]
    assert lrb.order_days(((0, 1), (0, 1), (0, 1), (0, 1)), win) is None  # four control days in a 3-day window
    assert lrb.order_days(((1, 0), (0, 1)), win) is None  # a control death after the treated one


def test_all_deaths_tied_is_the_n_minus_1_chi_square():
    from scipy.stats import chi2
    p = lrb.logrank_from_order(20, 21, ((1, 8),))
    a, b, c, d = 19, 1, 13, 8
    assert p == pytest.approx(chi2.sf((a * d - b * c) ** 2 * 40 / (20 * 21 * 32 * 9), 1), rel=1e-12)


def test_sentences_rest_on_exact_bounds_not_on_a_grid():
    by_week = lrb.logrank_bounds_by_week(COUNTS, 0.011, 3, lrb.DeathWindows(treated=(1, 28), control=(1, 28)))
    col = "arrangements printing as 0.011"
    assert (by_week[col] > 0).all()  # the printed P is reachable whatever the week of the treated death
    sentence = lrb.bounds_sentence(by_week, 0.011, 3)
    assert sentence == "Some arrangement gives it whichever week of the window holds the ruxolitinib death (week 1 to 4)."
    assert "no arrangement" not in sentence
    # the sentence follows the exact per-week counts, whatever they are
    fake = by_week.assign(**{col: [5, 0, 0, 3]})
    assert lrb.bounds_sentence(fake, 0.011, 3) == ("Some arrangement with the ruxolitinib death in week 1 or 4 "
                                                    "gives it; no arrangement with the death in week 2 to 3 does.")
    assert lrb.bounds_sentence(by_week.assign(**{col: 0}), 0.011, 3).startswith("No arrangement")
