"""The generator specs a source may declare, validated like every other file (pydantic, with lines).

* ``reconstruction.yaml``: patient rows rebuilt from reported counts in declared order
  (:mod:`masreview.generate.reconstruct`).
* ``trajectories.yaml``: weekly response states rebuilt from a narrative of weekly counts
  (:mod:`masreview.generate.trajectories`).

``python -m masreview generate data/sources/<id>`` writes the tables they declare.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from masreview.data import schema, vocab

_PATIENT_COLUMNS = {c.name: c for c in schema.PATIENTS_TABLE.columns}


def _group(v: str) -> str:
    if v not in vocab.GROUPS:
        raise ValueError(f"group '{v}' is not one of {', '.join(vocab.GROUPS)}")
    return v


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

    @field_validator("column")
    @classmethod
    def _reconstructable(cls, v: str) -> str:
        if v not in _PATIENT_COLUMNS or v in ("patient_id", "group", "origin", "locator", "note"):
            raise ValueError(f"'{v}' is not a reconstructable column of patients.csv")
        return v

    @model_validator(mode="after")
    def _codes(self):
        vocabulary = _PATIENT_COLUMNS[self.column].vocabulary
        bad = [k.value for k in self.categories if vocabulary is not None and k.value not in vocabulary]
        if bad:
            raise ValueError(f"column '{self.column}': {bad} not in {', '.join(vocabulary)}")
        return self


class ObservationSpec(BaseModel):
    """A per-time state (e.g. response-state at week 8) filled in declared order."""

    model_config = schema.STRICT

    measure: str = Field(json_schema_extra=schema.CODE, description="response-state")
    time: float = Field(ge=0, description="When, since ruxolitinib started")
    time_unit: Literal[tuple(vocab.TIME_UNITS)] = Field(description="Unit of time (day, week, month, year)")  # type: ignore[valid-type]
    categories: list[Category] = Field(min_length=1, description="Response states, filled in this order")
    remainder_note: str | None = Field(default=None, description="Note on the rows of the remainder category")

    @field_validator("measure")
    @classmethod
    def _response_state(cls, v: str) -> str:
        if v != "response-state":
            raise ValueError("only response-state observations are reconstructed from counts")
        return v

    @model_validator(mode="after")
    def _states(self):
        bad = [k.value for k in self.categories if k.value not in vocab.RESPONSE_STATES]
        if bad:
            raise ValueError(f"response states {bad} not in {', '.join(vocab.RESPONSE_STATES)}")
        return self


class EventSpec(BaseModel):
    """An event (death, CMV infection) given to ``count`` patients, time not reported."""

    model_config = schema.STRICT

    event: str = Field(json_schema_extra=schema.CODE, description="An event code of events.csv (death, relapse, ...)")
    count: CountRef = Field(description="How many patients have it")
    from_end: bool = Field(False, description="true: given to the last rows (declared order from the end)")
    note: str | None = Field(None, description="Note written on the rows (e.g. time of death not published)")

    @field_validator("event")
    @classmethod
    def _event(cls, v: str) -> str:
        if v not in vocab.EVENTS:
            raise ValueError(f"event '{v}' not in {', '.join(vocab.EVENTS)}")
        return v


class GroupSpec(BaseModel):
    model_config = schema.STRICT

    group: str = Field(json_schema_extra=schema.CODE, description="A patient group (ruxolitinib, historical-control, ...)")
    id_prefix: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", description="Patient ids are prefix + number")
    size: CountRef = Field(description="Number of patients of the group")
    columns: list[ColumnSpec] = Field([], description="Columns of patients.csv to fill")
    observations: list[ObservationSpec] = Field([], description="Per-time states to fill (observations.csv)")
    events: list[EventSpec] = Field([], description="Events to give (events.csv)")
    note: str | None = Field(None, description="Note written on the group's rows")

    @field_validator("group")
    @classmethod
    def _group(cls, v: str) -> str:
        return _group(v)


class ReconstructionSpec(BaseModel):
    """``reconstruction.yaml``: patient rows (and events, states) rebuilt from reported counts in declared order."""

    model_config = schema.STRICT

    method: Literal["declared-order"] = Field("declared-order", description="The reconstruction method")
    description: str = Field(min_length=10, description="One sentence on what is rebuilt, for readers")
    groups: list[GroupSpec] = Field(min_length=1, description="The groups whose rows are rebuilt")



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

    @field_validator("group")
    @classmethod
    def _group(cls, v: str) -> str:
        return _group(v)


#: Spec file name -> its model, in the order the generators run.
SPEC_FILES: dict[str, type[BaseModel]] = {"reconstruction.yaml": ReconstructionSpec,
                                          "trajectories.yaml": TrajectorySpec}


def _count_refs(spec: ReconstructionSpec):
    """(field path, CountRef) of every count a reconstruction takes from measures.csv."""
    for g, group in enumerate(spec.groups):
        yield f"groups.{g}.size", group.size
        for kind, items in (("columns", group.columns), ("observations", group.observations)):
            for j, item in enumerate(items):
                for c, cat in enumerate(item.categories):
                    if cat.count is not None:
                        yield f"groups.{g}.{kind}.{j}.categories.{c}.count", cat.count
        for e, event in enumerate(group.events):
            yield f"groups.{g}.events.{e}.count", event.count


def spec_issues(specs: dict, measures, rel_folder: str) -> list[tuple[str, str, str]]:
    """(file, message, field) for every count of a reconstruction that measures.csv does not give."""
    spec = specs.get("reconstruction.yaml")
    if spec is None:
        return []
    rows = {m: r for m, r in zip(measures["measure_id"], measures.to_dict("records"))}
    out = []
    for path, ref in _count_refs(spec):
        row = rows.get(ref.measure)
        needed = ("numerator", "denominator") if ref.complement else (ref.field,)
        if row is None:
            out.append((f"{rel_folder}/reconstruction.yaml", f"measure '{ref.measure}' is not a measure_id of "
                        "measures.csv", f"{path}.measure"))
        elif missing := [f for f in needed if row[f] is None or row[f] != row[f]]:  # empty cells
            out.append((f"{rel_folder}/reconstruction.yaml", f"measure '{ref.measure}' has no "
                        f"{' and '.join(missing)} in measures.csv to count from", f"{path}.measure"))
    return out
