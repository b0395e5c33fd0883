"""Strict reading of one CSV cell of a number or date column, before pandera coerces it.

pandas alone would read 'NaN', 'inf', '1_1', '+5' and Arabic-Indic digits as numbers without complaint, and
'2024-02-30' with a traceback. Here only ASCII decimal numbers (no '+' sign) that are finite and ISO dates
of days that exist and have passed pass.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from masreview.data.dates import EARLIEST, future_note
from masreview.data.schema import Col

_INT = re.compile(r"^-?[0-9]+\Z")
_FLOAT = re.compile(r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def strict_cell(col: Col, cell: str) -> str | None:
    """None if the cell is a valid value of the column's kind, else a note for the message ('' for none)."""
    if col.kind == "int":
        return None if _INT.match(cell) else ""
    if col.kind == "float":
        if not _FLOAT.match(cell):
            return ""
        return None if math.isfinite(float(cell)) else " (too large)"
    if col.kind == "date":
        if not _DATE.match(cell):
            return ""
        try:
            day = dt.date.fromisoformat(cell)
        except ValueError as e:
            return f" (no such date: {e})"
        if day < EARLIEST:
            return f" (before {EARLIEST.isoformat()})"
        note = future_note(day)
        return None if note is None else f" ({note})"
    return None
