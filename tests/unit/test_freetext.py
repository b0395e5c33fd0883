"""Free-text fields are read from the schemas: text for readers in, links, dates, ids and codes out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from masreview.data import context, schema, specs
from masreview.data.freetext import free_text_columns, free_text_fields
from masreview.data.sourcefields import CODE


def test_record_fields():
    fields = {".".join(p) for p in free_text_fields(schema.SourceRecord)}
    assert {"summary", "notes", "bibliography.title", "bibliography.journal", "bibliography.authors",
            "extraction.from_text", "criteria.response", "overlap.reason", "mas_subgroup.locator"} <= fields
    # links (validated), ids and codes (pattern, validator or CODE), dates and vocabularies are not free text
    assert not fields & {"id", "cohort_id", "bibliography.doi", "bibliography.url", "bibliography.pmid",
                         "bibliography.bibtex_key", "extraction.read_at", "period.start", "status", "design"}
    assert free_text_fields(schema.Cohort) == [("label",), ("notes",)]
    assert free_text_fields(schema.ChangelogEntry) == [("summary",)]
    assert {p[0] for p in free_text_fields(context.ContextFigure)} == {"treatment", "figure", "quote", "locator"}
    assert ("groups", "*", "note") in free_text_fields(specs.ReconstructionSpec)
    assert free_text_fields(specs.TrajectorySpec) == []


def test_a_new_text_field_is_free_text_unless_it_says_otherwise():
    class Record(BaseModel):
        remark: str | None = None
        code: str = Field(json_schema_extra=CODE)
        key: str = Field(pattern=r"^[a-z]+$")

    assert free_text_fields(Record) == [("remark",)]


def test_table_columns():
    assert free_text_columns(schema.MEASURES_TABLE) == ["locator", "quote", "note"]
    assert free_text_columns(schema.PHASES_TABLE) == ["label", "locator", "note"]
    assert "support" in free_text_columns(schema.APPRAISAL_TABLE)
    assert "phase_id" not in free_text_columns(schema.TREATMENTS_TABLE)
