"""Log-rank P when death times are not published: exact bounds over every arrangement of the deaths
that declared windows allow (no grid to sample, so no statement depends on grid spacing).

The statistic is computed by hand from the order of the deaths; :func:`bounds_crosscheck` recomputes
the extreme arrangements with lifelines and statsmodels on patient rows that realise them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from masreview.analysis import stats
from masreview.analysis.survival import (CONTROL, TREATED, GroupCounts, list_words, logrank_p,
                                         logrank_p_statsmodels)

@dataclass(frozen=True)
class DeathWindows:
    """Declared constraints on the unpublished death times (days from the start of ruxolitinib).

    * each group's deaths fall on whole days within its window (``treated`` and ``control``, inclusive);
    * several deaths may share a day (ties);
    * every survivor is followed beyond the last death (no survivor is censored before a death).

    Under these constraints the log-rank statistic depends only on the order of the deaths and their
    ties, so :func:`logrank_bounds` enumerates every order the windows allow: its minimum and maximum
    are exact bounds, not samples of a grid.
    """

    treated: tuple[int, int] = (1, 182)
    control: tuple[int, int] = (1, 182)

    def describe(self) -> pd.DataFrame:
        return pd.DataFrame([
            {"constraint": "days of the ruxolitinib death(s)", "value": f"day {self.treated[0]} to {self.treated[1]}"},
            {"constraint": "days of the control deaths", "value": f"day {self.control[0]} to {self.control[1]}"},
            {"constraint": "ties", "value": "any number of deaths may share a day"},
            {"constraint": "survivors", "value": "every survivor followed beyond the last death"},
        ])


MAX_ARRANGEMENTS = 500_000


def death_orders(d_treated: int, d_control: int) -> list[tuple[tuple[int, int], ...]]:
    """Every order of the deaths as a sequence of days, each (treated deaths, control deaths) on that day."""
    out: list[tuple[tuple[int, int], ...]] = []

    def rec(t: int, c: int, acc: tuple):
        if len(out) > MAX_ARRANGEMENTS:
            raise ValueError(f"more than {MAX_ARRANGEMENTS} death orders; narrow the windows or bound differently")
        if t == 0 and c == 0:
            out.append(acc)
            return
        for i in range(t + 1):
            for j in range(c + 1):
                if i or j:
                    rec(t - i, c - j, acc + ((i, j),))

    rec(d_treated, d_control, ())
    return out


def order_days(order, windows: DeathWindows) -> list[int] | None:
    """The earliest days that realise ``order`` inside the windows (None when the windows do not allow it)."""
    days, prev = [], 0
    for t, c in order:
        lo = max([windows.treated[0]] * bool(t) + [windows.control[0]] * bool(c))
        hi = min([windows.treated[1]] * bool(t) + [windows.control[1]] * bool(c))
        day = max(prev + 1, lo)
        if day > hi:
            return None
        days.append(day)
        prev = day
    return days


def logrank_from_order(n_treated: int, n_control: int, order) -> float:
    """Two-sided log-rank P of a death order when every survivor outlives the last death (by hand)."""
    from scipy.stats import chi2

    r1, r2, o_e, v = float(n_treated), float(n_control), 0.0, 0.0
    for t, c in order:
        d, n = t + c, r1 + r2
        o_e += t - d * r1 / n
        if n > 1:
            v += d * (r1 / n) * (r2 / n) * (n - d) / (n - 1)
        r1, r2 = r1 - t, r2 - c
    return float(chi2.sf(o_e ** 2 / v, 1)) if v > 0 else 1.0


@dataclass(frozen=True)
class LogrankBounds:
    """Log-rank P over every arrangement of the deaths that the windows allow."""

    min_p: float
    max_p: float
    n_arrangements: int
    n_printing: int  # arrangements whose P prints as the printed value (0 when none was given)
    min_order: tuple
    max_order: tuple
    windows: DeathWindows


def logrank_bounds(counts: dict[str, GroupCounts], windows: DeathWindows | None = None,
                   printed: float | None = None, decimals: int = 3) -> LogrankBounds:
    """Exact minimum and maximum of the log-rank P over every death order the windows allow."""
    windows = windows or DeathWindows()
    tr, ct = counts[TREATED], counts[CONTROL]
    ps, orders = [], []
    for order in death_orders(tr.deaths, ct.deaths):
        if order_days(order, windows) is not None:
            orders.append(order)
            ps.append(logrank_from_order(tr.n, ct.n, order))
    if not ps:
        raise ValueError(f"no death order fits the windows {windows}")
    ps_arr = np.array(ps)
    k = 0 if printed is None else int(sum(stats.rounds_to(p, printed, decimals) for p in ps))
    return LogrankBounds(float(ps_arr.min()), float(ps_arr.max()), len(ps), k,
                         orders[int(ps_arr.argmin())], orders[int(ps_arr.argmax())], windows)


def order_data(counts: dict[str, GroupCounts], order, windows: DeathWindows | None = None) -> pd.DataFrame:
    """Patient-level rows (group, time in weeks, event) realising a death order; survivors censored the day
    after the last death (any later day gives the same log-rank P)."""
    days = order_days(order, windows or DeathWindows())
    if days is None:
        raise ValueError("the order does not fit the windows")
    frames = []
    for g, idx in ((TREATED, 0), (CONTROL, 1)):
        c = counts[g]
        t = [day for day, blk in zip(days, order) for _ in range(blk[idx])]
        t += [days[-1] + 1] * c.survivors
        frames.append(pd.DataFrame({"group": g, "time": np.array(t, float) / 7.0,
                                    "event": [1] * c.deaths + [0] * c.survivors}))
    return pd.concat(frames, ignore_index=True)


def logrank_bounds_by_week(counts: dict[str, GroupCounts], printed: float, decimals: int,
                           windows: DeathWindows | None = None) -> pd.DataFrame:
    """For each week within the treated window: bounds of the log-rank P with the ruxolitinib death(s) in
    that week (control deaths anywhere in their window)."""
    windows = windows or DeathWindows()
    rows = []
    first_week, last_week = (windows.treated[0] - 1) // 7 + 1, (windows.treated[1] - 1) // 7 + 1
    for w in range(first_week, last_week + 1):
        win = DeathWindows(treated=(max(7 * w - 6, windows.treated[0]), min(7 * w, windows.treated[1])),
                           control=windows.control)
        b = logrank_bounds(counts, win, printed, decimals)
        rows.append({"week of the ruxolitinib death": w, "arrangements": b.n_arrangements,
                     "log-rank P from": b.min_p, "to": b.max_p,
                     f"arrangements printing as {printed:.{decimals}f}": b.n_printing})
    return pd.DataFrame(rows)


def bounds_crosscheck(counts: dict[str, GroupCounts], bounds: LogrankBounds) -> float:
    """Largest difference between the by-hand P of the extreme arrangements and lifelines / statsmodels on
    patient rows realising them (the independent cross-check of :func:`logrank_bounds`)."""
    diffs = []
    for order, p in ((bounds.min_order, bounds.min_p), (bounds.max_order, bounds.max_p)):
        d = order_data(counts, order, bounds.windows)
        diffs += [abs(logrank_p(d) - p), abs(logrank_p_statsmodels(d) - p)]
    return float(max(diffs))


def bounds_sentence(by_week: pd.DataFrame, printed: float, decimals: int) -> str:
    """Which weeks of the ruxolitinib death allow the printed P, from the exact per-week bounds."""
    col = f"arrangements printing as {printed:.{decimals}f}"
    weeks = by_week["week of the ruxolitinib death"]
    yes = weeks[by_week[col] > 0].tolist()
    no = weeks[by_week[col] == 0].tolist()
    if not yes:
        return f"No arrangement allowed by the windows gives a P that prints as {printed:.{decimals}f}."
    if not no:
        return (f"Some arrangement gives it whichever week of the window holds the ruxolitinib death "
                f"(week {list_words(_runs(yes))}).\n").rstrip("\n")
    return (f"Some arrangement with the ruxolitinib death in week {list_words(_runs(yes), 'or')} gives it; "
            f"no arrangement with the death in week {list_words(_runs(no), 'or')} does.")


def _runs(weeks: list[int]) -> list[str]:
    """[1, 2, 3, 5] -> ['1 to 3', '5']."""
    out, i = [], 0
    while i < len(weeks):
        j = i
        while j + 1 < len(weeks) and weeks[j + 1] == weeks[j] + 1:
            j += 1
        out.append(f"{weeks[i]}" if i == j else f"{weeks[i]} to {weeks[j]}")
        i = j + 1
    return out


