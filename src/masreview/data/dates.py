"""Dates in data files: ISO days that exist, and days that cannot lie in the future.

A date of something that has happened (a report received, an extraction done, an evidence update, a
phase of a case timeline) after today is a typing error; it is refused with the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
EARLIEST = dt.date(1900, 1, 1)  # no patient, report or update of this review is older


def iso_date(value):
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(f"expected a date YYYY-MM-DD; got '{value}'")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as e:
        raise ValueError(f"expected a date YYYY-MM-DD; got '{value}' (no such date: {e})") from None
    if day < EARLIEST:
        raise ValueError(f"expected a date YYYY-MM-DD from {EARLIEST.isoformat()} on; got '{value}'")
    return day


def future_note(day: dt.date) -> str | None:
    """A note when ``day`` is after today (None otherwise)."""
    today = dt.date.today()
    return f"{day.isoformat()} is in the future (today is {today.isoformat()})" if day > today else None


def _not_future(day: dt.date) -> dt.date:
    note = future_note(day)
    if note is not None:
        raise ValueError(f"expected a date that has passed; {note}")
    return day


IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
PastDate = Annotated[dt.date, BeforeValidator(iso_date), AfterValidator(_not_future)]
