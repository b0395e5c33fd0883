"""The generator specs a source may declare, validated like every other file (pydantic, with lines).

* ``reconstruction.yaml``: patient rows rebuilt from reported counts in declared order
  (:mod:`masreview.generate.reconstruct`).
* ``trajectories.yaml``: weekly response states rebuilt from a narrative of weekly counts
  (:mod:`masreview.generate.trajectories`).

``python -m masreview generate data/sources/<id>`` writes the tables they declare.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from masreview.data import schema, vocab

class CountRef(BaseModel):
    """A count taken from a row of measures.csv.

    ``field``: numerator (default) or denominator of row ``measure``; ``complement: true`` gives
    denominator minus numerator (e.g. deaths from "19/20 survived").
    """

    model_config = schema.STRICT

    measure: str = Field(json_schema_extra=schema.CODE, description="measure_id of a row of measures.csv")
    field: Literal["numerator", "denominator"] = Field("numerator", description="Which number of that row")
    complement: bool = Field(False, description="true: denominator minus numerator (deaths from survivors/treated)")


class Category(BaseModel):
    model_config = schema.STRICT

    value: str = Field(json_schema_extra=schema.CODE, description="A code of the column (or a response state)")
    count: CountRef | None = Field(None, description="How many rows get it")
    remainder: bool = Field(False, description="true: every row not yet given a value (the last category)")

    @model_validator(mode="after")
    def _one(self):
        if (self.count is None) == (not self.remainder):
            raise ValueError(f"category '{self.value}': give either count or remainder: true")
        return self


class ColumnSpec(BaseModel):
    """A column of patients.csv filled in declared order."""

    model_config = schema.STRICT

    column: str = Field(json_schema_extra=schema.CODE, description="A column of patients.csv (sex, disease, ...)")
    categories: list[Category] = Field(min_length=1, description="Its values, filled in this order")


class ObservationSpec(BaseModel):
    """A per-time state (e.g. response-state at week 8) filled in declared order."""

    model_config = schema.STRICT

    measure: str = Field(json_schema_extra=schema.CODE, description="response-state")
    time: float = Field(description="When, since ruxolitinib started")
    time_unit: str = Field(json_schema_extra=schema.CODE, description="Unit of time (day, week, month, year)")
    categories: list[Category] = Field(min_length=1, description="Response states, filled in this order")
    remainder_note: str | None = Field(default=None, description="Note on the rows of the remainder category")


class EventSpec(BaseModel):
    """An event (death, CMV infection) given to ``count`` patients, time not reported."""

    model_config = schema.STRICT

    event: str = Field(json_schema_extra=schema.CODE, description="An event code of events.csv (death, relapse, ...)")
    count: CountRef = Field(description="How many patients have it")
    from_end: bool = Field(False, description="true: given to the last rows (declared order from the end)")
    note: str | None = Field(None, description="Note written on the rows (e.g. time of death not published)")


class GroupSpec(BaseModel):
    model_config = schema.STRICT

    group: str = Field(json_schema_extra=schema.CODE, description="A patient group (ruxolitinib, historical-control, ...)")
    id_prefix: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", description="Patient ids are prefix + number")
    size: CountRef = Field(description="Number of patients of the group")
    columns: list[ColumnSpec] = Field([], description="Columns of patients.csv to fill")
    observations: list[ObservationSpec] = Field([], description="Per-time states to fill (observations.csv)")
    events: list[EventSpec] = Field([], description="Events to give (events.csv)")
    note: str | None = Field(None, description="Note written on the group's rows")


class ReconstructionSpec(BaseModel):
    """``reconstruction.yaml``: patient rows (and events, states) rebuilt from reported counts in declared order."""

    model_config = schema.STRICT

    method: Literal["declared-order"] = Field("declared-order", description="The reconstruction method")
    description: str = Field(min_length=10, description="One sentence on what is rebuilt, for readers")
    groups: list[GroupSpec] = Field(min_length=1, description="The groups whose rows are rebuilt")

    @model_validator(mode="after")
    def _vocabulary(self):
        patient_cols = {c.name: c for c in schema.PATIENTS_TABLE.columns}
        for g in self.groups:
            if g.group not in vocab.GROUPS:
                raise ValueError(f"group '{g.group}' is not one of {', '.join(vocab.GROUPS)}")
            for c in g.columns:
                col = patient_cols.get(c.column)
                if col is None or c.column in ("patient_id", "group", "origin", "locator", "note"):
                    raise ValueError(f"'{c.column}' is not a reconstructable column of patients.csv")
                if col.vocabulary is not None:
                    bad = [k.value for k in c.categories if k.value not in col.vocabulary]
                    if bad:
                        raise ValueError(f"column '{c.column}': {bad} not in {', '.join(col.vocabulary)}")
            for o in g.observations:
                if o.measure != "response-state":
                    raise ValueError("only response-state observations are reconstructed from counts")
                bad = [k.value for k in o.categories if k.value not in vocab.RESPONSE_STATES]
                if bad:
                    raise ValueError(f"response states {bad} not in {', '.join(vocab.RESPONSE_STATES)}")
            for e in g.events:
                if e.event not in vocab.EVENTS:
                    raise ValueError(f"event '{e.event}' not in {', '.join(vocab.EVENTS)}")
        return self



class TrajectoryRule(BaseModel):
    model_config = schema.STRICT

    death_week: int | None = Field(default=None, ge=1, description="Assessment week at which the patients who "
                                   "die are first seen dead (empty: after the last assessment)")


class TrajectorySpec(BaseModel):
    """``trajectories.yaml``: which group, which reading of the narrative, which rule picks one trajectory."""

    model_config = schema.STRICT

    group: str = Field(json_schema_extra=schema.CODE, description="The patient group whose weekly states are rebuilt")
    dying_never_responded: bool = Field(False, description="true: the patients who die never responded")
    assumptions: Literal["no relapse", "no assumption"] = Field(description="Reading of the narrative")
    rule: TrajectoryRule = Field(TrajectoryRule(), description="Which one trajectory the tables hold")

    @model_validator(mode="after")
    def _group(self):
        if self.group not in vocab.GROUPS:
            raise ValueError(f"group '{self.group}' is not one of {', '.join(vocab.GROUPS)}")
        return self


#: Spec file name -> its model, in the order the generators run.
SPEC_FILES: dict[str, type[BaseModel]] = {"reconstruction.yaml": ReconstructionSpec,
                                          "trajectories.yaml": TrajectorySpec}
