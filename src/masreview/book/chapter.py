"""What a source chapter imports from the book layer, in one place (the chapter's public face).

    from masreview.book.chapter import setup, glue_proportions, show_table, show_reproduction, ...
"""

from __future__ import annotations

from masreview.book.glue import (glue_counts, glue_median_change, glue_proportions, glue_report,
                                 glue_survival_forensics, glue_tests)
from masreview.book.sections import show_appraisal, show_reported, show_reproduction
from masreview.book.setup import glue_number, glue_status_tally, glue_text, setup, show_table

__all__ = ["glue_counts", "glue_median_change", "glue_number", "glue_proportions", "glue_report",
           "glue_status_tally", "glue_survival_forensics", "glue_tests", "glue_text", "setup", "show_appraisal",
           "show_reported", "show_reproduction", "show_table"]
