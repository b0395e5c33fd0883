"""One documented contract: every field of source.yaml and of the generator specs is in the templates
`new-source` writes and in the tables the contributing chapter generates from the schema."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from masreview.book.reference import field_paths, record_reference, spec_reference
from masreview.data import schema, vocab
from masreview.data.paths import repo_root
from masreview.data.specs import SPEC_FILES

CHAPTER = repo_root() / "chapters" / "contributing.md"


def _template(name: str) -> str:
    return resources.files("masreview.book").joinpath("templates", name).read_text(encoding="utf-8")


def _leaves(paths: list[str]) -> set[str]:
    return {p.split(".")[-1].rstrip("[]") for p in paths}


def test_every_source_field_is_in_the_generated_record_table():
    table = set(record_reference()["field"])
    assert set(field_paths(schema.SourceRecord)) <= table
    for must in ("criteria.mas_classification", "criteria.refractory_definition", "criteria.response",
                 "exclusion_reason", "extraction.read_extent", "extraction.read_at", "period.start",
                 "mas_subgroup.outcomes_separate", "overlap.decision"):
        assert must in table


@pytest.mark.parametrize("spec_file", list(SPEC_FILES))
def test_every_spec_field_is_in_its_generated_table(spec_file):
    assert set(field_paths(SPEC_FILES[spec_file])) == set(spec_reference(spec_file)["field"])


def test_every_field_has_a_meaning():
    for df in (record_reference(), *(spec_reference(f) for f in SPEC_FILES)):
        assert df["meaning"].str.len().gt(2).all(), df[df["meaning"].str.len() <= 2]


def test_the_chapter_shows_the_generated_tables_and_the_generate_command():
    text = CHAPTER.read_text(encoding="utf-8")
    assert "show_table(record_reference()" in text
    assert re.search(r"for spec_file in SPEC_FILES:\n.*\n\s+display\(show_table\(spec_reference\(spec_file\)", text)
    assert "python -m masreview generate data/sources/<source-id>" in text
    for name in ("vocab.EXCLUSION_REASONS", "vocab.READ_EXTENTS", "vocab.OVERLAP_DECISIONS", "vocab.TREATMENT_ROLES"):
        assert name in text


def test_every_source_field_is_in_a_template():
    text = _template("source.yaml") + _template("source-excluded.yaml")
    missing = sorted(f for f in _leaves(field_paths(schema.SourceRecord)) if not re.search(rf"\b{f}:", text))
    assert not missing, f"fields not in the source.yaml templates: {missing}"


def test_every_reconstruction_field_is_in_the_template_or_documented():
    text = _template("reconstruction.yaml")
    core = {"method", "description", "groups", "group", "id_prefix", "size", "measure", "columns", "column",
            "categories", "value", "count", "remainder", "events", "event", "complement", "from_end", "note"}
    assert core <= _leaves(field_paths(SPEC_FILES["reconstruction.yaml"]))
    assert not sorted(f for f in core if not re.search(rf"\b{f}\b", text))


def test_templates_name_the_codes_they_ask_for():
    text = _template("source.yaml")
    for key in ("$exclusion_reasons", "$read_extents", "$diseases"):
        assert key in text
    assert set(vocab.DISEASES) >= {"not-reported", "non-rheumatic"}
