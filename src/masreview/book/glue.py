"""Glue helpers for chapters: one call glues a family of numbers, with keys derived from vocabulary codes.

    glue_proportions("li", rows)        # li_cr_k, li_cr_n, li_cr_pct, li_cr_ci, li_cr_wilson, ... per row key
    glue_counts("li", table)            # li_female, li_aosd, ... from a marginal table's codes
"""

from __future__ import annotations

import re

import pandas as pd

from masreview.book.setup import glue_number, glue_text


def key_of(code: str) -> str:
    """A glue-key part from a vocabulary code: 'CR+PR' -> 'cr_pr', 'other-CTD' -> 'other_ctd'."""
    return re.sub(r"[^a-z0-9]+", "_", str(code).lower()).strip("_")


def interval_text(low: float, high: float, unit: str = "%") -> str:
    """'11.9% to 54.3%' from fractions (the one shape of an interval in prose)."""
    return f"{100 * low:.1f}{unit} to {100 * high:.1f}{unit}"


def glue_proportions(prefix: str, rows: pd.DataFrame) -> None:
    """For each row of :func:`masreview.analysis.cohort.proportion_rows`: ``{prefix}_{key}_k``, ``_n``,
    ``_pct``, ``_ci`` (exact, Clopper-Pearson) and ``_wilson``, the key derived from the row's code."""
    for r in rows.itertuples():
        key = f"{prefix}_{key_of(r.key)}"
        glue_number(f"{key}_k", r.k)
        glue_number(f"{key}_n", r.n)
        glue_number(f"{key}_pct", 100 * r.estimate)
        glue_text(f"{key}_ci", interval_text(r.cp_low, r.cp_high))
        glue_text(f"{key}_wilson", interval_text(r.wilson_low, r.wilson_high))


def glue_report(prefix: str, src) -> None:
    """``{prefix}_citation`` (journal year;volume:pages, as the bibliography gives them) and
    ``{prefix}_n_measures`` (how many numbers the report states: rows of its measures.csv)."""
    bib = src.record.bibliography
    where = ":".join(str(x) for x in (bib.volume, bib.pages) if x)
    glue_text(f"{prefix}_citation", f"{bib.journal} {bib.year}" + (f";{where}" if where else ""))
    glue_number(f"{prefix}_n_measures", len(src["measures"]))


def glue_counts(prefix: str, table: pd.DataFrame, code: str = "code", value: str = "n") -> None:
    """``{prefix}_{code}`` = the count of each row of a table with a vocabulary code column."""
    for c, v in zip(table[code], table[value]):
        glue_number(f"{prefix}_{key_of(c)}", v)


def glue_tests(prefix: str, forensic: pd.DataFrame) -> None:
    """``{prefix}_{code}`` = the P of each two-by-two test of a forensic table (codes: stats.TEST_CODES)."""
    from masreview.analysis.stats import TEST_CODES

    for test, p in zip(forensic["test"], forensic["P"]):
        if test in TEST_CODES:
            glue_number(f"{prefix}_{TEST_CODES[test]}", p)


def glue_survival_forensics(prefix: str, f) -> None:
    """Every number the survival section's prose quotes, from :func:`masreview.analysis.forensics.survival_forensics`:
    ``{prefix}_p_printed``, ``_p_tests``, one P per test, the log-rank bounds (``_lr_n``, ``_lr_k``, ``_lr_min``,
    ``_lr_max``, ``_lr_xcheck``, ``_lr_where``), the grid cross-checks and the crude risk difference."""
    from masreview.analysis import logrank
    from masreview.analysis.survival import km_max_difference

    glue_text(f"{prefix}_p_printed", f"{f.printed:.{f.decimals}f}")
    glue_text(f"{prefix}_p_tests", "; ".join(f.consistent_tests))
    glue_tests(f"{prefix}_p", f.tests)
    glue_number(f"{prefix}_lr_n", f.bounds.n_arrangements)
    glue_number(f"{prefix}_lr_k", f.bounds.n_printing)
    glue_number(f"{prefix}_lr_min", f.bounds.min_p)
    glue_number(f"{prefix}_lr_max", f.bounds.max_p)
    glue_number(f"{prefix}_lr_xcheck", logrank.bounds_crosscheck(f.counts, f.bounds))
    glue_text(f"{prefix}_lr_where", logrank.bounds_sentence(f.bounds_by_week, f.printed, f.decimals))
    glue_number(f"{prefix}_grid_xcheck", (f.scenarios["p_lifelines"] - f.scenarios["p_statsmodels"]).abs().max())
    glue_number(f"{prefix}_km_xcheck", km_max_difference(f.curves))
    rd = f.risk_difference
    glue_number(f"{prefix}_rd", 100 * rd.difference)
    glue_text(f"{prefix}_rd_ci", f"{100 * rd.low:.1f} to {100 * rd.high:.1f} percentage points")


def glue_median_change(prefix: str, medians: pd.DataFrame) -> None:
    """``{prefix}_before``, ``_after`` (first and last reported median) and ``_rel`` (relative reduction, %),
    from :func:`masreview.analysis.cohort.reported_medians`."""
    from masreview.analysis.cohort import relative_change

    before, after = medians["value"].iloc[0], medians["value"].iloc[-1]
    glue_number(f"{prefix}_before", before)
    glue_number(f"{prefix}_after", after)
    glue_number(f"{prefix}_rel", 100 * relative_change(before, after))
