"""Fields of ``source.yaml`` that real series need: the period of treatment, the MAS subgroup of a series
of secondary HLH of mixed causes, and the decision on an overlap with a cohort already in the review.

:class:`masreview.data.schema.SourceRecord` inherits them from :class:`SourceContext`; they are read like
every other field (strict, no unknown keys) and documented from the descriptions below.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from masreview.data import vocab

STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
#: ``json_schema_extra`` of a text field that holds a code or an id (a reference to another record or a
#: word of the vocabulary), not text for readers (see :mod:`masreview.data.freetext`).
CODE = {"masreview": "code"}
#: ``json_schema_extra`` of a text field for readers whose validator checks its content (it stays free text).
TEXT = {"masreview": "text"}


_YEAR_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])\Z")


class Period(BaseModel):
    """When the patients were treated or recruited, to the month (used by the overlap check)."""

    model_config = STRICT

    start: str = Field(description="First month, YYYY-MM")
    end: str = Field(description="Last month, YYYY-MM")

    @field_validator("start", "end")
    @classmethod
    def _month(cls, v: str) -> str:
        if not _YEAR_MONTH.match(v):
            raise ValueError(f"expected a month YYYY-MM; got '{v}'")
        return v

    @model_validator(mode="after")
    def _order(self):
        if self.start > self.end:
            raise ValueError(f"start ({self.start}) is after end ({self.end})")
        return self


class MasSubgroup(BaseModel):
    """The MAS patients inside a series of secondary HLH of mixed causes."""

    model_config = STRICT

    n_mas: int = Field(ge=1, description="Patients with MAS (HLH with a rheumatic disease) in the series")
    outcomes_separate: bool = Field(description="true when the report gives the MAS patients' outcomes apart "
                                    "from the others (only then do they count towards pooled outcomes)")
    locator: str = Field(min_length=3, description="Where the report gives the MAS subgroup")


class Overlap(BaseModel):
    """A report that looks like an existing cohort's patients (same first author, setting, period) but is not."""

    model_config = STRICT

    decision: Literal[tuple(vocab.OVERLAP_DECISIONS)] = Field(  # type: ignore[valid-type]
        description="checked-distinct: compared with the matching report, the patients differ")
    reason: str = Field(min_length=10, description="How the patients were seen to differ (e.g. other years, "
                        "other ward, authors' statement)")


class SourceContext(BaseModel):
    """Fields of source.yaml for real series: period, MAS subgroup of a mixed series, overlap decision."""

    model_config = STRICT

    period: Period | None = Field(default=None, description="When the patients were treated or recruited "
                                  "({start: YYYY-MM, end: YYYY-MM}); with first author and setting, checks "
                                  "overlap with the cohorts already in the review")
    mas_subgroup: MasSubgroup | None = Field(default=None, description="For a series of secondary HLH of mixed "
                                             "causes: {n_mas, outcomes_separate, locator}")
    overlap: Overlap | None = Field(default=None, description="{decision: checked-distinct, reason}: the report "
                                    "matches an existing cohort's report (first author, setting, period) but "
                                    "describes other patients")
