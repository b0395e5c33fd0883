"""ipywidgets explorers for JupyterLab (inert on the website, where Vega-Lite gives interactivity)."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np
import pandas as pd

from masreview.analysis import stats
from masreview.analysis.survival import GroupCounts, ScenarioGrid
from masreview.present.survival_charts import plain_value, scenario_chart

from masreview.analysis.trajectories import feasible_ranges, median_time_range, range_table
from masreview.generate.readings import SWITCHES, Reading
from masreview.generate.weekly import STATES, Assumptions, Facts, InfeasibleFacts
from masreview.present.weekly_charts import median_phrase


def explore_text(facts: Facts, assumptions: Assumptions, dying_never_responded: bool = True,
                 reading: Reading | None = None) -> str:
    """The range table for one choice of assumptions (and the reading the facts were read under), as text."""
    if facts.death.deaths:
        facts = replace(facts, death=replace(facts.death, never_responded=dying_never_responded))
    try:
        r = feasible_ranges(facts, assumptions)
    except InfeasibleFacts as e:
        return f"Infeasible: {e}"
    t = range_table(r, list(STATES) + ["responded by then", "CR by then"])
    head = f"Assumptions: {assumptions.describe()}\n"
    if reading is not None:
        median = median_phrase(*median_time_range(r, "responded by then", facts.n), facts.weeks[-1])
        head += f"Reading: {reading.describe()}\nMedian time to first response: {median}\n"
    return head + t.to_string(index=False)


def weekly_explorer(facts_of: Facts | Callable[[Reading], Facts]):
    """ipywidgets explorer (JupyterLab only): a checkbox per assumption and per reading of the
    narrative, and the ranges they give.

    ``facts_of``: the facts under a reading (e.g. ``lambda r: source_facts(measures, spec, r)``); a
    plain :class:`Facts` offers no reading switches. Returns the VBox; ``box.checks`` (dict of
    Checkbox) and ``box.table`` (HTML) are exposed for tests.
    """
    import ipywidgets as w

    from masreview.present.html import esc

    checks = {
        "no_relapse": w.Checkbox(value=True, description="no relapse"),
        "stated_changes_complete": w.Checkbox(value=False, description="week-3 changes are the only ones"),
        "death_in_window": w.Checkbox(value=False, description="death before week 8"),
        "dying_never_responded": w.Checkbox(value=True, description="the patient who died never responded"),
    }
    readable = callable(facts_of)
    if readable:
        checks.update({k: w.Checkbox(value=getattr(Reading(), k), description=s.label,
                                     style={"description_width": "initial"}) for k, s in SWITCHES.items()})
    table = w.HTML()

    def update(*_):
        a = Assumptions(**{k: checks[k].value for k in ("no_relapse", "stated_changes_complete", "death_in_window")})
        reading = Reading(**{k: checks[k].value for k in SWITCHES}) if readable else None
        facts = facts_of(reading) if readable else facts_of
        text = explore_text(facts, a, checks["dying_never_responded"].value, reading)
        table.value = "<pre>" + esc(text) + "</pre>"

    for c in checks.values():
        c.observe(update, names="value")
    update()
    boxes = list(checks.values())
    box = w.VBox([w.HBox(boxes[:2]), w.HBox(boxes[2:4]), *([w.HBox(boxes[4:6]), w.HBox(boxes[6:])] * readable),
                  table])
    box.checks, box.table = checks, table
    return box


def survival_explorer(counts: dict[str, GroupCounts], table: pd.DataFrame, printed: float, decimals: int,
             grid: ScenarioGrid | None = None):
    """ipywidgets explorer (JupyterLab only): dropdowns per parameter, the scenario's P, its KM chart.

    Returns the VBox; ``box.dropdowns`` (dict) and ``box.summary`` (HTML widget) are exposed for tests.
    """
    import ipywidgets as w
    from IPython.display import display

    grid = grid or ScenarioGrid()
    first = table.iloc[0]
    drops = {p: w.Dropdown(options=[plain_value(v) for v in getattr(grid, p)], value=plain_value(first[p]),
                           description=p.replace("_", " "), style={"description_width": "initial"})
             for p in ScenarioGrid.PARAMETERS}
    summary = w.HTML()
    out = w.Output()

    def update(*_):
        values = {p: d.value for p, d in drops.items()}
        summary.value = scenario_summary(table, values, printed, decimals)
        out.clear_output(wait=True)
        row = _find(table, values)
        if row is not None:
            with out:
                display(scenario_chart(counts, values, float(row["p_lifelines"]), grid))

    for d in drops.values():
        d.observe(update, names="value")
    update()
    box = w.VBox([w.HBox(list(drops.values())[:3]), w.HBox(list(drops.values())[3:]), summary, out])
    box.dropdowns, box.summary = drops, summary
    return box


def _find(table: pd.DataFrame, values: dict):
    m = np.ones(len(table), bool)
    for p, v in values.items():
        m &= (table[p] == v).to_numpy()
    return table[m].iloc[0] if m.any() else None


def scenario_summary(table: pd.DataFrame, values: dict, printed: float, decimals: int) -> str:
    """One line for a scenario: its number and log-rank P (or why it is not in the grid)."""
    row = _find(table, values)
    if row is None:
        return "not in the grid (the first control death would come after the last, or a death after follow-up)"
    p = float(row["p_lifelines"])
    verdict = "rounds to" if stats.rounds_to(p, printed, decimals) else "does not round to"
    return (f"scenario {int(row['scenario'])}: log-rank P = {p:.4f} (statsmodels {float(row['p_statsmodels']):.4f}); "
            f"{verdict} the published {printed:.{decimals}f}")
