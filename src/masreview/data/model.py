"""What the loader returns and how it reports problems: Issue, DataValidationError, SourceData, Dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from masreview.data import schema
from masreview.data.schema import TABLES

#: The word templates use for what a contributor must fill in; refused anywhere in data/.
#: The word templates use for what a contributor must fill in; refused anywhere in data/.
PLACEHOLDER = "TODO"


@dataclass(frozen=True)
class Issue:
    """One problem in one place of one file."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataValidationError(Exception):
    """Raised with every :class:`Issue` found; ``str()`` lists them one per line."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        n = len(self.issues)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the data:\n" +
                         "\n".join(f"  - {i}" for i in self.issues))


@dataclass
class SourceData:
    """One validated source: its record and its tables (every table present, empty when absent)."""

    record: schema.SourceRecord
    folder: Path
    tables: dict[str, pd.DataFrame]
    files: tuple[str, ...] = ()
    specs: dict = field(default_factory=dict)  # generator spec file name -> validated model (data/specs.py)

    @property
    def id(self) -> str:
        return self.record.id

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]


@dataclass
class Dataset:
    """All sources, cohorts and the changelog, validated."""

    sources: dict[str, SourceData]
    cohorts: dict[str, schema.Cohort]
    changelog: list[schema.ChangelogEntry] = field(default_factory=list)
    context: list = field(default_factory=list)  # data/context.yaml (masreview.data.context.ContextFigure)

    def source(self, source_id: str) -> SourceData:
        try:
            return self.sources[source_id]
        except KeyError:
            raise KeyError(f"no source '{source_id}' in data/sources (have: {', '.join(self.sources)})") from None

    def included(self) -> list[SourceData]:
        return [s for s in self.sources.values() if s.record.status == "included"]

    def table(self, name: str, included_only: bool = True) -> pd.DataFrame:
        """One table across sources, with ``source_id`` and ``cohort_id`` columns in front."""
        chosen = list(self.included() if included_only else self.sources.values())
        if not chosen:
            return pd.DataFrame(columns=["source_id", "cohort_id", *(c.name for c in TABLES[name].columns)])
        # One concatenation, then the two columns (not two inserts per source: hundreds of sources).
        df = pd.concat([s.tables[name] for s in chosen], ignore_index=True)
        lengths = [len(s.tables[name]) for s in chosen]
        df.insert(0, "cohort_id", pd.Series([s.record.cohort_id for s, n in zip(chosen, lengths) for _ in range(n)],
                                            index=df.index, dtype=object))
        df.insert(0, "source_id", pd.Series([s.id for s, n in zip(chosen, lengths) for _ in range(n)],
                                            index=df.index, dtype=object))
        return df
