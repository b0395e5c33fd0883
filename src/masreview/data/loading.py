"""Load and validate ``data/``: one loader, one set of schemas, all errors reported together.

``load_dataset()`` returns a fully validated :class:`Dataset` or raises :class:`DataValidationError`
listing every problem found (file, line, column, what was expected). Nothing is half-loaded: a
single error anywhere means no dataset at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from masreview.data import appraisal, paths, schema, vocab
from masreview.data.context import read_context
from masreview.data.crosscheck import cross_source_issues
from masreview.data.model import Dataset, DataValidationError, Issue, SourceData
from masreview.data.readers import read_model, rel_path
from masreview.data.schema import TABLES
from masreview.data.locate import locate
from masreview.data.specs import SPEC_FILES, spec_issues
from masreview.data.tables import empty_table, parse_table, reference_rules, validate_tables


# --- one source ----------------------------------------------------------------------------------




@dataclass
class _SourceInProgress:
    """A source folder read (record, header and cell checks), its tables not yet validated."""

    folder: Path
    record: schema.SourceRecord | None
    meta_path: Path
    issues: list[Issue]  # the record's and the folder's issues, in order
    slots: list  # per table file, in TABLES order: [spec, parsed table or None, its issues, typed frame]
    done: bool = False  # source.yaml is missing: nothing else is read
    specs: dict = field(default_factory=dict)  # generator specs read (data/specs.py)


def load_source(folder: Path, root: Path, issues: list[Issue]) -> SourceData | None:
    """Load one ``data/sources/<id>/`` folder; append its issues; None if anything is wrong."""
    started = _start_source(folder, root)
    _validate_sources([started])
    return _finish_source(started, root, issues)


def _validate_sources(started: list[_SourceInProgress]) -> None:
    slots = [slot for s in started for slot in s.slots if slot[1] is not None]
    for slot, df in zip(slots, validate_tables([(slot[1], slot[2]) for slot in slots])):
        slot[3] = df


def _start_source(folder: Path, root: Path) -> _SourceInProgress:
    issues: list[Issue] = []
    rel_folder = rel_path(folder, root)
    meta_path = folder / "source.yaml"
    if not meta_path.exists():
        issues.append(Issue(rel_folder + "/source.yaml", "is missing: every source folder needs its record"))
        return _SourceInProgress(folder, None, meta_path, issues, [], done=True)
    record = read_model(meta_path, schema.SourceRecord, root, issues)
    if record is not None and record.id != folder.name:
        issues.append(Issue(rel_path(meta_path, root), f"id '{record.id}' differs from the folder name '{folder.name}'",
                            column="id"))
    known_files = {t.file: t for t in TABLES.values()}
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in (".csv", ".tsv", ".xlsx") and p.name not in known_files:
            issues.append(Issue(rel_path(p, root), "unknown table: expected one of " + ", ".join(known_files)))
    specs = {name: read_model(folder / name, model, root, issues)
             for name, model in SPEC_FILES.items() if (folder / name).exists()}
    slots = []
    for spec in TABLES.values():
        path = folder / spec.file
        if path.exists():
            own: list[Issue] = []
            slots.append([spec, parse_table(path, spec, root, own), own, None])
        elif record is not None and record.status == "included" and spec.name in schema.TABLES_BY_DESIGN[record.design]:
            slots.append([spec, None, [Issue(rel_folder + "/" + spec.file, f"is missing: a {record.design} needs "
                                             f"{', '.join(schema.TABLES_BY_DESIGN[record.design])}")], None])
    return _SourceInProgress(folder, record, meta_path, issues, slots, specs=specs)


def _finish_source(started: _SourceInProgress, root: Path, issues: list[Issue]) -> SourceData | None:
    """Collect a started source's issues in file order; the loaded source, or None on any issue."""
    n_before = len(issues)
    issues.extend(started.issues)
    if started.done:
        return None
    folder, record, meta_path = started.folder, started.record, started.meta_path
    tables: dict[str, pd.DataFrame] = {}
    for spec, _, own, df in started.slots:
        issues.extend(own)
        if df is not None:
            tables[spec.name] = df
    if len(issues) > n_before:
        return None
    for spec in TABLES.values():
        if spec.name not in tables:
            tables[spec.name] = empty_table(spec)
    reference_rules(tables, issues)
    issues.extend(Issue(f, msg, column=col) for f, msg, col in spec_issues(started.specs, tables["measures"],
                                                                            rel_path(folder, root)))
    issues.extend(Issue(f, msg) for f, msg in appraisal.table_rules(tables, record is not None and
                                                                   record.status == "included"))
    if len(issues) > n_before:
        return None
    files = tuple(rel_path(folder / s.file, root) for s in TABLES.values() if (folder / s.file).exists())
    return SourceData(record=record, folder=folder, tables=tables, files=(rel_path(meta_path, root), *files),
                      specs=started.specs)


# --- the whole dataset ------------------------------------------------------------------------------


def load_dataset(root: Path | None = None) -> Dataset:
    """Load and validate everything under ``<root>/data``; raise :class:`DataValidationError` on any problem."""
    root = Path(root) if root is not None else paths.repo_root()
    data = root / "data"
    issues: list[Issue] = []
    cohorts_path = data / "cohorts.yaml"
    cohorts = None
    if cohorts_path.exists():
        cohorts = read_model(cohorts_path, schema.Cohort, root, issues, many="mapping")
    else:
        issues.append(Issue("data/cohorts.yaml", "is missing: it lists the cohorts that sources belong to"))
    changelog: list = []
    changelog_path = data / "changelog.yaml"
    if changelog_path.exists():
        changelog = read_model(changelog_path, schema.ChangelogEntry, root, issues, many="list") or []
    sources: dict[str, SourceData] = {}
    src_dir = data / "sources"
    folders = sorted(p for p in src_dir.iterdir() if p.is_dir()) if src_dir.exists() else []
    if not folders:
        issues.append(Issue("data/sources", "holds no source folders"))
    started: list[Issue | _SourceInProgress] = []
    for folder in folders:
        if folder.is_symlink():  # its files would be read from wherever it points
            started.append(Issue(rel_path(folder, root), "is a symbolic link: a source folder must be a real folder "
                                                         "inside data/sources"))
            continue
        if not vocab.SOURCE_ID_RE.match(folder.name):
            started.append(Issue(rel_path(folder, root), f"folder name is not a source id: expected {vocab.SOURCE_ID_HELP}"))
            continue
        started.append(_start_source(folder, root))
    _validate_sources([s for s in started if isinstance(s, _SourceInProgress)])
    for entry in started:
        if isinstance(entry, Issue):
            issues.append(entry)
            continue
        s = _finish_source(entry, root, issues)
        if s is not None:
            sources[s.id] = s
    if not issues:
        dataset = Dataset(sources=sources, cohorts=cohorts or {}, changelog=changelog)
        issues.extend(cross_source_issues(dataset, root))
        dataset.context = read_context(root, dataset, issues)
        if not issues:
            return dataset
    raise DataValidationError(locate(issues, root))
