"""Blocks that every source chapter shows, written once: the numbers the report states, its appraisal, and
the reproduction of every number (with the tally glued for the prose)."""

from __future__ import annotations

import pandas as pd

from masreview.book.setup import glue_status_tally, show_table
from masreview.data.model import Dataset, SourceData
from masreview.present.appraisal import report_appraisal
from masreview.present.reproduction import reported_table, reproduction_table

__all__ = ["show_appraisal", "show_reported", "show_reproduction"]


def show_reported(src: SourceData):
    """The report's measures.csv as a reader's table: each number with where and how it is stated."""
    return show_table(reported_table(src), "Numbers stated in the report, with where and how they are stated")


def show_appraisal(src: SourceData):
    """The report's appraisal.csv as a table: one row per question, its judgement and what supports it."""
    return show_table(report_appraisal(src), "Appraisal of this report (its appraisal.csv): one row per question, "
                                             "the judgement and the words or locator that support it")


def show_reproduction(prefix: str, src: SourceData, ds: Dataset) -> pd.DataFrame:
    """Glue ``{prefix}_rep_{status}`` and ``{prefix}_rep_summary``, show the reproduction table, return it."""
    repro = reproduction_table(src, ds)
    glue_status_tally(prefix, repro)
    show_table(repro, "Reported versus recomputed: every number the report states (statuses defined in the methods)")
    return repro
