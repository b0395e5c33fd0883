"""Schemas of every data file: ``source.yaml`` (pydantic) and the CSV tables (pandera).

The column specifications below are the single definition of each table: the loader validates
against them and the contributing chapter documents them from them, so the two never drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import pandera.pandas as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from masreview.data import appraisal, vocab
from masreview.data.dates import IsoDate, PastDate
from masreview.data.links import check_doi, check_url
from masreview.data.sourcefields import CODE, MasSubgroup, Overlap, Period, SourceContext  # noqa: F401

# --- YAML records: read strictly (no unknown field, no text turned into a number, ISO dates of real days) ---

STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

# --- source.yaml ---------------------------------------------------------------------------------


def _one_of(vocabulary: dict) -> str:
    return ", ".join(vocabulary)


class Bibliography(BaseModel):
    """The bibliographic record of a publication."""

    model_config = STRICT

    authors: list[str] = Field(min_length=1, description=(
        "Authors as printed, 'Surname Initials'; end with 'et al.' when the page read stops the list short, or "
        "give ['Not shown on the page read'] when it shows no author (the report is then named by its journal)"))
    title: str = Field(min_length=5, description="Title as printed")
    journal: str = Field(min_length=2, description="Journal, or the supplement for a conference abstract")
    year: int = Field(ge=1990, le=2100, description="Year of publication")
    volume: str | None = Field(default=None, description="Volume, as text (\"16\")")
    issue: str | None = Field(default=None, description="Issue, as text")
    pages: str | None = Field(default=None, description="Pages or article number, as text (\"216-219\")")
    doi: str | None = Field(default=None, description="DOI name, 10.<digits>/<suffix> (checked by data/links.py)")
    url: str | None = Field(default=None, description="An http(s) address (checked by data/links.py)")
    pmid: str | None = Field(default=None, pattern=r"^[0-9]{1,9}$", description="PubMed identifier, digits only")
    bibtex_key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_:-]*$",
                            description="Key of this source's entry in references.bib")
    meeting: str | None = Field(default=None, description="Conference abstract: the meeting")
    session: str | None = Field(default=None, description="Conference abstract: the session")
    abstract_number: str | None = Field(default=None, description="Conference abstract: its number")
    received: PastDate | None = Field(default=None, description="Date received, YYYY-MM-DD")
    accepted: PastDate | None = Field(default=None, description="Date accepted, YYYY-MM-DD")
    published: IsoDate | None = Field(default=None, description="Date published in an issue, YYYY-MM-DD")
    online: PastDate | None = Field(default=None, description="Date published online, YYYY-MM-DD")

    @field_validator("doi")
    @classmethod
    def _doi(cls, v: str | None) -> str | None:
        if v is not None and check_doi(v) != v:
            raise ValueError(f"'{v}' is not a bare DOI name: write it as 10.<digits>/<suffix>")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and check_url(v) != v:
            raise ValueError(f"'{v}' has spaces around it: write the address alone")
        return v

    @model_validator(mode="after")
    def _locatable(self):
        if not (self.doi or self.url):
            raise ValueError("give a doi or a url so that readers can find the source")
        for name in ("received", "accepted", "published", "online"):
            if (day := getattr(self, name)) and not 1990 <= day.year <= self.year + 1:
                raise ValueError(f"{name} ({day}) is not a date of a report of {self.year}: expected a year "
                                 f"from 1990 to {self.year + 1}")
        for earlier, later in (("received", "accepted"), ("accepted", "published"), ("received", "online")):
            a, b = getattr(self, earlier), getattr(self, later)
            if a and b and a > b:
                raise ValueError(f"{earlier} ({a}) is after {later} ({b}): dates out of order")
        return self


class Extraction(BaseModel):
    """Who extracted the data and when (a role, never a person's name)."""

    model_config = STRICT

    date: PastDate = Field(description="Date of the extraction, YYYY-MM-DD")
    by: str = Field(min_length=3, description="A role, e.g. 'review team data extractor'")
    from_text: str = Field(min_length=3, description="What was read: abstract, full text, table 1, ...")
    checked_by: str | None = Field(default=None, description="A role: who checked the extraction")
    read_at: str | None = Field(default=None, description="The http(s) address where the text was read")
    read_extent: Literal[tuple(vocab.READ_EXTENTS)] | None = Field(  # type: ignore[valid-type]
        default=None, description="How much of the report was read: " + ", ".join(vocab.READ_EXTENTS))

    @field_validator("read_at")
    @classmethod
    def _read_at(cls, v: str | None) -> str | None:
        return None if v is None else check_url(v)


class Criteria(BaseModel):
    """The definitions a source says it used (each empty when the source does not say)."""

    model_config = STRICT

    mas_classification: str | None = Field(default=None, description="Criteria used to diagnose or classify "
                                           "MAS (e.g. 2016 EULAR/ACR/PRINTO classification criteria)")
    refractory_definition: str | None = Field(default=None, description="How the source defines refractory MAS")
    response: str | None = Field(default=None, description="Criteria used to grade response (CR, PR, NR)")


class SourceRecord(SourceContext):
    """Everything ``data/sources/<id>/source.yaml`` holds."""

    model_config = STRICT

    id: str = Field(description="Source id: " + vocab.SOURCE_ID_HELP)
    cohort_id: str | None = Field(default=None, json_schema_extra=CODE, description="Cohort id from "
                                  "data/cohorts.yaml; reports of the same patients share it (included reports only)")
    status: Literal[tuple(vocab.STATUSES)] = Field(description="Decision on the report")  # type: ignore[valid-type]
    exclusion_reason: Literal[tuple(vocab.EXCLUSION_REASONS)] | None = Field(None, description="Why excluded")  # type: ignore[valid-type]
    exclusion_note: str | None = Field(default=None, description="One sentence on the reason, for readers")
    design: Literal[tuple(vocab.DESIGNS)] | None = Field(None, description="Study design")  # type: ignore[valid-type]
    population: Literal[tuple(vocab.POPULATIONS)] | None = Field(None, description="Age group")  # type: ignore[valid-type]
    underlying_diseases: list[Literal[tuple(vocab.DISEASES)]] = Field(default_factory=list, description="Diseases")  # type: ignore[valid-type]
    country: str | None = Field(default=None, description="Country of the patients")
    setting: str | None = Field(default=None, description="Centre or department as printed (overlap check)")
    summary: str = Field(min_length=10, description="One or two sentences a reader sees on the landing page")
    bibliography: Bibliography
    extraction: Extraction
    criteria: Criteria = Field(default_factory=Criteria,
                               description="Definitions the source states (MAS classification, refractoriness, "
                               "response); leave a field out when the source does not give it")
    notes: str | None = Field(default=None, description="What a reader of the data should know (free text)")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not vocab.SOURCE_ID_RE.match(v):
            raise ValueError(f"'{v}' is not a source id: expected {vocab.SOURCE_ID_HELP}")
        return v

    @model_validator(mode="after")
    def _status_fields(self):
        if self.status == "excluded" and not self.exclusion_reason:
            raise ValueError("status is 'excluded': give exclusion_reason, one of " + ", ".join(vocab.EXCLUSION_REASONS))
        if self.status != "excluded" and self.exclusion_reason:
            raise ValueError(f"status is '{self.status}': exclusion_reason is only for excluded reports")
        if self.status == "included":
            missing = [f for f in ("cohort_id", "design", "population") if getattr(self, f) is None]
            if not self.underlying_diseases:
                missing.append("underlying_diseases")
            if missing:
                raise ValueError("an included report needs " + ", ".join(missing))
        return self


class Cohort(BaseModel):
    """One group of patients, possibly described by several reports (``data/cohorts.yaml``)."""

    model_config = STRICT

    label: str = Field(min_length=3)
    primary_source: str = Field(json_schema_extra=CODE, description="The source whose rows stand for the cohort")
    notes: str | None = None


class ChangelogEntry(BaseModel):
    """One evidence update (``data/changelog.yaml``)."""

    model_config = STRICT

    date: PastDate
    sources_added: list[str] = Field(default_factory=list, json_schema_extra=CODE)
    sources_changed: list[str] = Field(default_factory=list, json_schema_extra=CODE)
    summary: str = Field(min_length=5)


# --- CSV tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """One column of a CSV table."""

    name: str
    kind: Literal["str", "int", "float", "date"]
    help: str
    required: bool = True  # the column must be in the file
    nullable: bool = False  # cells may be empty
    vocabulary: dict | None = None
    ge: float | None = None
    le: float | None = None
    pattern: re.Pattern | None = None
    pattern_help: str = ""
    code: bool = False  # a code or a reference to another table (checked by a row rule), not free text

    def expected(self) -> str:
        """What a valid cell looks like, in words (used in error messages and the docs)."""
        if self.vocabulary is not None:
            return "one of: " + _one_of(self.vocabulary)
        if self.pattern is not None:
            return self.pattern_help
        words = {"str": "text", "int": "a whole number", "float": "a number", "date": "a date YYYY-MM-DD"}[self.kind]
        if self.ge is not None and self.le is not None:
            words += f" from {self.ge:g} to {self.le:g}"
        elif self.ge is not None:
            words += f" of at least {self.ge:g}"
        return words


@dataclass(frozen=True)
class TableSpec:
    """A CSV table: file name, meaning, columns and the columns that identify a row."""

    name: str
    file: str
    description: str
    columns: tuple[Col, ...]
    key: tuple[str, ...] = ()
    patient_level: bool = True
    designs_needing: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


_ORIGIN = Col("origin", "str", "reported (stated by the source) or reconstructed (derived from aggregates)",
              vocabulary=vocab.ORIGINS)
_LOCATOR_PAT = Col("locator", "str", "Where the source states it (e.g. 'abstract, results, sentence 3'); "
                   "for reconstructed rows, the aggregate the row was derived from", nullable=False)
_NOTE = Col("note", "str", "Free text", required=False, nullable=True)
_PATIENT = Col("patient_id", "str", "Patient identifier, unique within the source (e.g. R01)",
               pattern=re.compile(r"^[A-Za-z0-9_-]{1,32}\Z"), pattern_help="letters, digits, - or _ (at most 32)")
_TIME_UNIT = Col("time_unit", "str", "Unit of time", nullable=True, vocabulary=vocab.TIME_UNITS)

MEASURES_TABLE = TableSpec(
    name="measures",
    file="measures.csv",
    description="One row per number the source states, exactly as printed, with where it is stated.",
    patient_level=False,
    key=("measure_id",),
    columns=(
        Col("measure_id", "str", "Identifier of the row, unique within the source (e.g. m01)",
            pattern=re.compile(r"^[a-z0-9][a-z0-9_-]*\Z"), pattern_help="lowercase letters, digits, - or _"),
        Col("measure", "str", "What is measured", vocabulary=vocab.MEASURES),
        Col("group", "str", "Which patients the number describes", vocabulary=vocab.MEASURE_GROUPS),
        Col("category", "str", "Which level of the measure (sex, disease code, response state, event, "
            "transition such as PR->CR); empty when the measure has none", nullable=True, code=True),
        Col("timepoint", "str", "When: " + vocab.TIMEPOINT_HELP, pattern=vocab.TIMEPOINT_RE,
            pattern_help=vocab.TIMEPOINT_HELP),
        Col("value", "float", "The number as printed (a percentage for proportions, the P value, the median...)",
            nullable=True, ge=0),
        Col("numerator", "int", "Numerator or count, when printed", nullable=True, ge=0),
        Col("denominator", "int", "Denominator, when printed", nullable=True, ge=1),
        Col("unit", "str", "Unit of value", vocabulary=vocab.UNITS),
        Col("decimals", "int", "Decimals printed for value (0 for '62%', 3 for 'P = 0.011')", ge=0, le=6),
        Col("qualifier", "str", "'approximately' when the source says about / approximately",
            nullable=True, vocabulary={"approximately": "stated as approximate", "at-least": "a lower bound"}),
        Col("locator", "str", "Where the source states it, e.g. 'abstract, results, sentence 4'"),
        Col("quote", "str", "The words of the source that state it", nullable=True, required=False),
        Col("expected_status", "str", vocab.DECLARED_STATUS_HELP, nullable=True, required=False,
            vocabulary=vocab.DECLARED_STATUSES),
        _NOTE,
    ),
)

PATIENTS_TABLE = TableSpec(
    name="patients",
    file="patients.csv",
    description="One row per patient (treated or control).",
    key=("patient_id",),
    columns=(
        _PATIENT,
        Col("group", "str", "Treatment group", vocabulary=vocab.GROUPS),
        Col("sex", "str", "Sex", nullable=True, vocabulary=vocab.SEXES),
        Col("age_years", "float", "Age in years at the MAS episode", nullable=True, ge=0, le=120),
        Col("disease", "str", "Underlying rheumatic disease", nullable=True, vocabulary=vocab.DISEASES),
        Col("disease_duration_years", "float", "Years since the underlying disease was diagnosed",
            nullable=True, required=False, ge=0, le=120),
        Col("previous_mas_episodes", "int", "Earlier MAS episodes", nullable=True, required=False, ge=0, le=50),
        Col("active_disease_baseline", "str", "Active disease when ruxolitinib started", nullable=True,
            required=False, vocabulary={"yes": "yes", "no": "no"}),
        Col("weight_kg", "float", "Body weight in kg", nullable=True, required=False, ge=1, le=300),
        _ORIGIN,
        _LOCATOR_PAT,
        _NOTE,
    ),
)

OBSERVATIONS_TABLE = TableSpec(
    name="observations",
    file="observations.csv",
    description="Per-time observations of a patient: response state, glucocorticoid dose, laboratory values.",
    key=("patient_id", "measure", "time", "time_unit"),
    columns=(
        _PATIENT,
        Col("time", "float", "Time since ruxolitinib started (0 = baseline)", ge=0),
        Col("time_unit", "str", "Unit of time", vocabulary=vocab.TIME_UNITS),
        Col("measure", "str", "What was observed", vocabulary=vocab.OBSERVATION_MEASURES),
        Col("state", "str", "Response state (for measure response-state)", nullable=True,
            vocabulary=vocab.RESPONSE_STATES),
        Col("value", "float", "Value (for numeric measures)", nullable=True, ge=0),
        Col("unit", "str", "Unit of value", nullable=True, vocabulary=vocab.UNITS),
        _ORIGIN,
        _LOCATOR_PAT,
        _NOTE,
    ),
)

EVENTS_TABLE = TableSpec(
    name="events",
    file="events.csv",
    description="Events of a patient (death, infection, relapse, last follow-up), with time when known.",
    key=("patient_id", "event", "time"),
    columns=(
        _PATIENT,
        Col("event", "str", "What happened", vocabulary=vocab.EVENTS),
        Col("time", "float", "When, since ruxolitinib started (empty when not reported)", nullable=True, ge=0),
        _TIME_UNIT,
        _ORIGIN,
        _LOCATOR_PAT,
        _NOTE,
    ),
)

TREATMENTS_TABLE = TableSpec(
    name="treatments",
    file="treatments.csv",
    description="Drugs given to a patient, with dose and timing when known.",
    key=("patient_id", "treatment_id"),
    columns=(
        _PATIENT,
        Col("treatment_id", "str", "Identifier of the row within the patient (e.g. t1)",
            pattern=re.compile(r"^[a-z0-9][a-z0-9_-]*\Z"), pattern_help="lowercase letters, digits, - or _"),
        Col("drug", "str", "Drug (generic name, lowercase)", pattern=re.compile(r"^[a-z][a-z0-9 -]*\Z"),
            pattern_help="a generic drug name in lowercase"),
        Col("dose", "float", "Dose per administration", nullable=True, ge=0),
        Col("dose_unit", "str", "Unit of dose", nullable=True, vocabulary=vocab.DOSE_UNITS),
        Col("frequency", "str", "How often", vocabulary=vocab.FREQUENCIES),
        Col("route", "str", "Route", nullable=True, required=False, vocabulary=vocab.ROUTES),
        Col("rounds", "int", "Number of rounds or courses", nullable=True, required=False, ge=1),
        Col("phase_id", "str", "The timeline phase in which it was given (phases.csv)", nullable=True,
            required=False, code=True),
        Col("role", "str", "failed (given before, without enough effect), salvage (the treatment under review), "
            "combination (given with it as one regimen), concomitant or taper", vocabulary=vocab.TREATMENT_ROLES),
        _ORIGIN,
        _LOCATOR_PAT,
        _NOTE,
    ),
)

PHASES_TABLE = TableSpec(
    name="phases",
    file="phases.csv",
    description="A case timeline: ordered phases whose dates may be unknown; the order is always known, "
    "durations when stated (exactly or approximately).",
    key=("patient_id", "phase_id"),
    columns=(
        _PATIENT,
        Col("phase_id", "str", "Identifier of the phase within the patient",
            pattern=re.compile(r"^[a-z0-9][a-z0-9_-]*\Z"), pattern_help="lowercase letters, digits, - or _"),
        Col("order", "int", "Position in the timeline (1 = first)", ge=1),
        Col("label", "str", "What happened in this phase, as a short phrase"),
        Col("start_date", "date", "First day (YYYY-MM-DD) when reported", nullable=True),
        Col("end_date", "date", "Last day (YYYY-MM-DD) when reported", nullable=True),
        Col("duration", "float", "Length when stated", nullable=True, ge=0),
        Col("duration_unit", "str", "Unit of duration", nullable=True, vocabulary=vocab.TIME_UNITS),
        Col("duration_qualifier", "str", "How the duration is known", vocabulary=vocab.DURATION_QUALIFIERS),
        _ORIGIN,
        _LOCATOR_PAT,
        _NOTE,
    ),
)

APPRAISAL_TABLE = appraisal.appraisal_table(Col, TableSpec, _NOTE)  # columns and rules: data/appraisal.py
TABLES: dict[str, TableSpec] = {t.name: t for t in (MEASURES_TABLE, PATIENTS_TABLE, OBSERVATIONS_TABLE,
                                                   EVENTS_TABLE, TREATMENTS_TABLE, PHASES_TABLE, APPRAISAL_TABLE)}

# Which tables a design needs (the others are optional).
TABLES_BY_DESIGN: dict[str, tuple[str, ...]] = {
    "cohort": ("measures", "patients", "appraisal"),
    "case-series": ("measures", "patients", "appraisal"),
    "case-report": ("measures", "patients", "treatments", "phases", "appraisal"),
    "conference-abstract": ("measures", "appraisal"),
}


def pandera_schema(spec: TableSpec) -> pa.DataFrameSchema:
    """The pandera schema of a table (cells arrive as strings; coercion is part of validation)."""
    dtypes = {"str": "string", "int": "Int64", "float": "float64", "date": "datetime64[ns]"}
    columns = {}
    for col in spec.columns:
        checks = []
        if col.vocabulary is not None:
            checks.append(pa.Check.isin(list(col.vocabulary), error=col.expected()))
        if col.pattern is not None:
            checks.append(pa.Check.str_matches(col.pattern.pattern, error=col.expected()))
        if col.ge is not None:
            checks.append(pa.Check.ge(col.ge, error=col.expected()))
        if col.le is not None:
            checks.append(pa.Check.le(col.le, error=col.expected()))
        columns[col.name] = pa.Column(dtypes[col.kind], checks=checks, nullable=col.nullable,
                                      required=col.required, coerce=True)
    return pa.DataFrameSchema(columns, strict=True, coerce=True)
