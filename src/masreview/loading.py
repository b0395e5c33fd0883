"""Load and validate ``data/``: one loader, one set of schemas, all errors reported together.

``load_dataset()`` returns a fully validated :class:`Dataset` or raises :class:`DataValidationError`
listing every problem found (file, line, column, what was expected). Nothing is half-loaded: a
single error anywhere means no dataset at all.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors
import yaml
from pydantic import BaseModel, ValidationError

from . import paths, schema, vocab
from .schema import TABLES, TableSpec

#: The word templates use for what a contributor must fill in; refused anywhere in data/.
PLACEHOLDER = "TODO"

# --- errors ---------------------------------------------------------------------------------------


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


# --- the dataset ----------------------------------------------------------------------------------


@dataclass
class SourceData:
    """One validated source: its record and its tables (every table present, empty when absent)."""

    record: schema.SourceRecord
    folder: Path
    tables: dict[str, pd.DataFrame]
    files: tuple[str, ...] = ()

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


# --- reading files --------------------------------------------------------------------------------


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(_resolved(root)))
    except ValueError:
        return str(path)


def _resolved(root: Path) -> Path:
    root = Path(root)
    return _resolved_absolute(root) if root.is_absolute() else root.resolve()


@functools.lru_cache(maxsize=64)
def _resolved_absolute(root: Path) -> Path:
    return root.resolve()  # resolved once per load, not once per file


def _decode(path: Path, rel: str, issues: list[Issue]) -> str | None:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        issues.append(Issue(rel, f"is not UTF-8 text (byte 0x{raw[e.start]:02x} at position {e.start}); "
                                 "save the file as UTF-8", line=line))
        return None
    if not text.strip():
        issues.append(Issue(rel, "is empty: expected a header line and rows (or delete the file)"))
        return None
    return text


def read_csv_rows(path: Path, rel: str, issues: list[Issue]) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and (line number, cells) of a CSV file; lines starting with ``#`` are comments."""
    text = _decode(path, rel, issues)
    if text is None:
        return None
    kept = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not kept:
        issues.append(Issue(rel, "holds only comments: expected a header line"))
        return None
    reader = csv.reader(io.StringIO("\n".join(line for _, line in kept)), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        consumed = 0
        for cells in reader:
            records.append((kept[consumed][0], cells))
            consumed = reader.line_num
    except csv.Error as e:
        issues.append(Issue(rel, f"is not valid CSV: {e}", line=kept[min(reader.line_num, len(kept)) - 1][0]))
        return None
    header = [h.strip() for h in records[0][1]]
    return header, records[1:]


_PANDERA_WORDS = {
    "column_in_dataframe": "the column is missing",
    "column_in_schema": "unknown column",
    "not_nullable": "is empty: a value is required",
    "field_uniqueness": "duplicate value",
}


@dataclass
class _ParsedTable:
    """A CSV table read and checked cell by cell, waiting for its schema validation."""

    spec: TableSpec
    rel: str
    columns: dict[str, list]  # the spec's columns in order: stripped cells, None when empty or absent
    lines: list[int]
    placeholder_cells: set
    had_issues: bool  # cell-level issues already reported (placeholders)

    @property
    def df(self) -> pd.DataFrame:
        """The cells as a frame of strings; empty cells and absent optional columns are missing values."""
        return pd.DataFrame({name: pd.array(cells, dtype="string") for name, cells in self.columns.items()},
                            index=pd.RangeIndex(len(self.lines)))


def read_table(path: Path, spec: TableSpec, root: Path, issues: list[Issue]) -> pd.DataFrame | None:
    """Read and validate one CSV table; append issues; return the typed frame or None."""
    n_before = len(issues)
    parsed = _parse_table(path, spec, root, issues)
    if parsed is None:
        return None
    df = _validate_table(parsed, issues)
    return df if len(issues) == n_before else None


def _parse_table(path: Path, spec: TableSpec, root: Path, issues: list[Issue]) -> _ParsedTable | None:
    """Read one CSV table and check its header and cells; None when there is nothing to validate."""
    rel = _rel(path, root)
    parsed = read_csv_rows(path, rel, issues)
    if parsed is None:
        return None
    header, records = parsed
    n_before = len(issues)
    dupes = {h for h in header if header.count(h) > 1}
    for h in sorted(dupes):
        issues.append(Issue(rel, "appears more than once in the header", line=1, column=h))
    known = {c.name for c in spec.columns}
    for h in header:
        if h not in known:
            issues.append(Issue(rel, f"unknown column; expected columns: {', '.join(known_sorted(spec))}",
                                line=records[0][0] - 1 if records else 1, column=h))
    for c in spec.columns:
        if c.required and c.name not in header:
            issues.append(Issue(rel, f"the required column is missing ({c.help})", column=c.name))
    good_rows, lines = [], []
    placeholder_cells: set[tuple[int, str]] = set()
    for line, cells in records:
        if len(cells) != len(header):
            issues.append(Issue(rel, f"has {len(cells)} cells, the header has {len(header)}", line=line))
            continue
        for name, cell in zip(header, cells):
            if PLACEHOLDER in cell:
                placeholder_cells.add((line, name))
                issues.append(Issue(rel, f"still holds the template placeholder {PLACEHOLDER}: replace it", line=line,
                                    column=name))
        good_rows.append([cell.strip() for cell in cells])
        lines.append(line)
    if len(issues) > n_before and any(i.line in (None, 1) or i.column in dupes for i in issues[n_before:]):
        return None  # header problems: row checks would only repeat them
    if not good_rows:
        issues.append(Issue(rel, "has a header but no rows (delete the file if the source has none)"))
        return None
    # Empty cells are missing values; optional columns absent from the file are added empty.
    position = {h: j for j, h in enumerate(header)}
    columns = {c.name: [row[position[c.name]] or None for row in good_rows] if c.name in position
               else [None] * len(good_rows) for c in spec.columns}
    return _ParsedTable(spec, rel, columns, lines, placeholder_cells, len(issues) > n_before)


def _validate_table(t: _ParsedTable, issues: list[Issue]) -> pd.DataFrame | None:
    """Validate one parsed table with its pandera schema, then the rules across cells of a row."""
    spec, rel, lines, placeholder_cells = t.spec, t.rel, t.lines, t.placeholder_cells
    n_before = len(issues)
    try:
        df = _pandera_schema(spec).validate(t.df, lazy=True)
    except pandera.errors.SchemaErrors as err:
        fc = err.failure_cases
        seen, failed_columns = set(), set()
        for _, r in fc.iterrows():
            col = r["column"] if isinstance(r["column"], str) else None
            idx = r["index"]
            line = lines[int(idx)] if idx is not None and not pd.isna(idx) else None
            check = str(r["check"])
            coercion = check.startswith("coerce_dtype") or check.startswith("dtype(")
            if coercion and (pd.isna(r["failure_case"]) or str(r["failure_case"]) == "<NA>"):
                continue  # an empty cell: pandera lists it when another cell of the column fails to coerce
            if coercion:
                msg = f"expected {spec.column(col).expected()}; got '{r['failure_case']}'"
            elif check in _PANDERA_WORDS:
                msg = _PANDERA_WORDS[check]
            else:
                msg = f"expected {check}; got '{r['failure_case']}'"
            key = (line, col, msg)
            if line is not None:
                failed_columns.add(col)
            if (line, col) in placeholder_cells or (line is None and col in failed_columns):
                continue  # already reported: a placeholder, or a check that failed only because coercion did
            if key not in seen:
                seen.add(key)
                issues.append(Issue(rel, msg, line=line, column=col))
        return None
    return _typed_table(df.reset_index(drop=True), t, issues, n_before)


def _typed_table(df: pd.DataFrame, t: _ParsedTable, issues: list[Issue], n_before: int) -> pd.DataFrame | None:
    df.attrs["lines"] = t.lines
    df.attrs["file"] = t.rel
    _row_rules(df, t.spec, t.rel, issues)
    return df if len(issues) == n_before and not t.had_issues else None


# pandera builds a schema object in milliseconds but validates a 10-row table in about 0.1 s whatever its
# length; with hundreds of sources, per-file validation dominates. So schemas are built once, and the
# tables of one kind from all sources are validated together (one pandera call per table kind). When that
# joint validation fails, the tables it implicates are validated again one by one, so that every message
# names its own file and line exactly as a per-file validation does.
_SCHEMAS: dict[int, tuple[TableSpec, object]] = {}


def _pandera_schema(spec: TableSpec):
    hit = _SCHEMAS.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _SCHEMAS[id(spec)] = (spec, schema.pandera_schema(spec))
    return hit[1]


def _validate_tables(tables: list[tuple[_ParsedTable, list[Issue]]]) -> list[pd.DataFrame | None]:
    """Validate many parsed tables; each one's issues go to its own list. Same results as one by one."""
    results: list[pd.DataFrame | None] = [None] * len(tables)
    by_kind: dict[str, list[int]] = {}
    for k, (t, _) in enumerate(tables):
        by_kind.setdefault(t.spec.name, []).append(k)
    for members in by_kind.values():
        _validate_jointly(tables, members, results)
    return results


def _validate_jointly(tables, members: list[int], results: list) -> None:
    spec = tables[members[0]][0].spec
    # Dates are parsed with a format inferred from the first cell of the column: only per file.
    if len(members) == 1 or any(c.kind == "date" for c in spec.columns):
        for k in members:
            t, own = tables[k]
            results[k] = _validate_table(t, own)
        return
    parts = [tables[k][0] for k in members]
    ends = np.cumsum([len(t.lines) for t in parts])
    cells = {c.name: [v for t in parts for v in t.columns[c.name]] for c in spec.columns}
    strings = pd.DataFrame({name: pd.array(v, dtype="string") for name, v in cells.items()},
                           index=pd.RangeIndex(int(ends[-1])))
    try:
        joint = _pandera_schema(spec).validate(strings, lazy=True)
    except pandera.errors.SchemaErrors as err:
        rows = err.failure_cases["index"]
        if rows.isna().any():
            implicated = set(members)
        else:
            implicated = {members[int(np.searchsorted(ends, int(i), side="right"))] for i in rows}
        for k in members:
            if k in implicated:
                t, own = tables[k]
                results[k] = _validate_table(t, own)
        rest = [k for k in members if k not in implicated]
        if rest:
            _validate_jointly(tables, rest, results)
        return
    _joint_row_rules(joint, spec, [tables[k] for k in members], ends)
    start = 0
    for k, end in zip(members, ends):
        t, own = tables[k]
        df = joint.iloc[start:end].reset_index(drop=True)
        df.attrs = {"lines": t.lines, "file": t.rel}
        results[k] = df if not own and not t.had_issues else None
        start = end


def known_sorted(spec: TableSpec) -> list[str]:
    return [c.name for c in spec.columns]


# --- rules within a table -------------------------------------------------------------------------


def _at(df: pd.DataFrame, i: int) -> int:
    return df.attrs["lines"][i]


def _rows(df: pd.DataFrame):
    """(index, {column: cell}) per row: the cells ``df.iterrows()`` gives, without building a Series each."""
    columns = list(df.columns)
    for i, values in zip(df.index, df.values):
        yield i, dict(zip(columns, values))


def _joint_row_rules(joint: pd.DataFrame, spec: TableSpec, tables, ends) -> None:
    """:func:`_row_rules` of every table in ``joint`` (their rows one after the other, up to ``ends``),
    each table's issues in its own list and in the same order."""
    starts = [0, *ends[:-1]]
    with_dups: set[int] = set()
    if spec.key:
        table_no = np.repeat(np.arange(len(tables)), np.diff([0, *ends]))
        dup = joint[list(spec.key)].assign(_table=table_no).duplicated(["_table", *spec.key], keep="first")
        with_dups = set(table_no[dup.to_numpy()])
    rule = _RULES.get(spec.name)
    values = joint.values if rule else None
    columns = list(joint.columns)
    for n, ((t, own), start, end) in enumerate(zip(tables, starts, ends)):
        if n in with_dups:  # rare: the per-table code words the message (first occurrence)
            part = joint.iloc[start:end].reset_index(drop=True)
            part.attrs = {"lines": t.lines}
            _row_rules(part, spec, t.rel, own, rules=False)
        if rule:
            for i in range(start, end):
                for column, message in rule(dict(zip(columns, values[i]))):
                    own.append(Issue(t.rel, message, line=t.lines[i - start], column=column))


def _row_rules(df: pd.DataFrame, spec: TableSpec, rel: str, issues: list[Issue], rules: bool = True) -> None:
    """Rules that need more than one cell of a row, and duplicate keys."""
    if spec.key:
        dup = df.duplicated(list(spec.key), keep="first")
        for i in df.index[dup]:
            first = df.index[(df[list(spec.key)] == df.loc[i, list(spec.key)]).all(axis=1).fillna(False)][0] \
                if df.loc[i, list(spec.key)].notna().all() else None
            where = f" (first at line {_at(df, first)})" if first is not None else ""
            issues.append(Issue(rel, f"duplicate {'/'.join(spec.key)} "
                                     f"'{'/'.join(str(df.at[i, k]) for k in spec.key)}'{where}",
                                line=_at(df, i), column=spec.key[-1]))
    rule = _RULES.get(spec.name) if rules else None
    if rule:
        for i, row in _rows(df):
            for column, message in rule(row):
                issues.append(Issue(rel, message, line=_at(df, i), column=column))


def _measure_rule(r) -> list[tuple[str, str]]:
    out = []
    kind = vocab.MEASURES[r["measure"]]["kind"]
    num, den, val = r["numerator"], r["denominator"], r["value"]
    if pd.notna(num) and pd.notna(den) and num > den:
        out.append(("numerator", f"numerator {num} is larger than denominator {den}"))
    if kind in ("count",) and pd.isna(num) and pd.isna(val):
        out.append(("numerator", "a count needs a numerator (or a value)"))
    if kind in ("proportion",) and (pd.isna(num) or pd.isna(den)):
        out.append(("numerator" if pd.isna(num) else "denominator", "a proportion needs numerator and denominator"))
    if kind in ("median", "time", "p-value", "context") and pd.isna(val):
        out.append(("value", f"a {kind} needs a value"))
    if kind == "p-value" and pd.notna(val) and not (0 <= val <= 1):
        out.append(("value", f"a P value lies between 0 and 1; got {val}"))
    if kind == "p-value" and r["unit"] != "p":
        out.append(("unit", f"a P value has unit 'p'; got '{r['unit']}'"))
    if r["unit"] == "percent" and pd.notna(val):
        if not (0 <= val <= 100):
            out.append(("value", f"a percentage lies between 0 and 100; got {val}"))
        elif pd.notna(num) and pd.notna(den) and pd.isna(r["qualifier"]):
            pct = round(100 * num / den, int(r["decimals"]))
            if abs(pct - val) > 10 ** -int(r["decimals"]) / 2 + 1e-9:
                out.append(("value", f"{val:g}% does not match {num}/{den} = {100 * num / den:.2f}% "
                                     f"at {int(r['decimals'])} decimals"))
    return out


def _observation_rule(r) -> list[tuple[str, str]]:
    out = []
    if r["measure"] == "response-state":
        if pd.isna(r["state"]):
            out.append(("state", "a response-state row needs a state (" + ", ".join(vocab.RESPONSE_STATES) + ")"))
        if pd.notna(r["value"]):
            out.append(("value", "a response-state row has a state, not a value: leave value empty"))
    else:
        unit = vocab.OBSERVATION_MEASURES[r["measure"]][1]
        if pd.isna(r["value"]):
            out.append(("value", f"a {r['measure']} row needs a value"))
        if pd.notna(r["state"]):
            out.append(("state", f"a {r['measure']} row has a value, not a state: leave state empty"))
        if r["unit"] != unit:
            out.append(("unit", f"{r['measure']} is recorded in {unit}; got '{r['unit']}'"))
    return out


def _event_rule(r) -> list[tuple[str, str]]:
    if pd.notna(r["time"]) and pd.isna(r["time_unit"]):
        return [("time_unit", "a time needs a time_unit (" + ", ".join(vocab.TIME_UNITS) + ")")]
    return []


def _treatment_rule(r) -> list[tuple[str, str]]:
    if pd.notna(r["dose"]) and pd.isna(r["dose_unit"]):
        return [("dose_unit", "a dose needs a dose_unit")]
    return []


def _phase_rule(r) -> list[tuple[str, str]]:
    out = []
    if pd.notna(r["start_date"]) and pd.notna(r["end_date"]) and r["start_date"] > r["end_date"]:
        out.append(("end_date", f"end_date {r['end_date'].date()} is before start_date {r['start_date'].date()}"))
    if pd.notna(r["duration"]) and pd.isna(r["duration_unit"]):
        out.append(("duration_unit", "a duration needs a duration_unit"))
    if r["duration_qualifier"] == "unknown" and pd.notna(r["duration"]):
        out.append(("duration_qualifier", "the duration is given: use exact or approximate, not unknown"))
    if r["duration_qualifier"] in ("exact", "approximate") and pd.isna(r["duration"]) and \
            (pd.isna(r["start_date"]) or pd.isna(r["end_date"])):
        out.append(("duration", f"duration_qualifier is {r['duration_qualifier']}: give the duration or both dates"))
    return out


_RULES = {"measures": _measure_rule, "observations": _observation_rule, "events": _event_rule,
          "treatments": _treatment_rule, "phases": _phase_rule}


# --- YAML ---------------------------------------------------------------------------------------


class _SafeLineLoader(yaml.SafeLoader):
    """Safe loading only: python tags and other arbitrary objects are refused."""


_FastSafeLoader = getattr(yaml, "CSafeLoader", None)


def _compose_and_construct(text: str):
    """The node tree (with line marks) and the data of a YAML text, parsed once, by libyaml when present.

    Safe loading only, as with :class:`_SafeLineLoader`; an invalid text raises, and is then parsed again
    by the pure-Python loader so that messages stay the same with or without libyaml.
    """
    loader = (_FastSafeLoader or _SafeLineLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        return node, data
    finally:
        loader.dispose()


def read_yaml(path: Path, root: Path, issues: list[Issue]) -> tuple[object, dict] | None:
    """Parse YAML safely; return the data and a map from top-level key (and nested path) to line."""
    rel = _rel(path, root)
    text = _decode(path, rel, issues)
    if text is None:
        return None
    try:
        node, data = _compose_and_construct(text)
    except yaml.YAMLError:
        node = None  # parsed again below by the pure-Python loader, whose messages the errors quote
    try:
        if node is None:
            node = yaml.compose(text, Loader=_SafeLineLoader)
            data = yaml.load(text, Loader=_SafeLineLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        issues.append(Issue(rel, f"is not valid YAML: {e.problem or e}", line=mark.line + 1 if mark else None))
        return None
    except yaml.YAMLError as e:
        issues.append(Issue(rel, f"is not valid YAML: {e}"))
        return None
    lines: dict = {}

    def walk(n, prefix):
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = prefix + (k.value,)
                lines[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                lines[prefix + (i,)] = v.start_mark.line + 1
                walk(v, prefix + (i,))

    walk(node, ())

    def placeholders(n, prefix):
        if isinstance(n, yaml.ScalarNode) and PLACEHOLDER in str(n.value):
            issues.append(Issue(rel, f"still holds the template placeholder {PLACEHOLDER}: replace it",
                                line=n.start_mark.line + 1, column=".".join(str(p) for p in prefix) or None))
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                placeholders(v, prefix + (k.value,))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                placeholders(v, prefix + (i,))

    n_before = len(issues)
    placeholders(node, ())
    if len(issues) > n_before:
        return None
    return data, lines


def _pydantic_issues(err: ValidationError, rel: str, lines: dict, prefix: tuple = ()) -> list[Issue]:
    out = []
    for e in err.errors():
        loc = prefix + tuple(e["loc"])
        line = None
        for k in range(len(loc), 0, -1):
            if loc[:k] in lines:
                line = lines[loc[:k]]
                break
        field_name = ".".join(str(p) for p in loc if not isinstance(p, int) or True) or None
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "literal_error":
            msg = "expected " + msg.removeprefix("Input should be ") + f"; got '{e.get('input')}'"
        elif e["type"] == "extra_forbidden":
            msg = "unknown field (check its spelling)"
        elif e["type"] == "missing":
            msg = "the field is missing"
        issues_field = field_name if field_name else None
        out.append(Issue(rel, msg, line=line, column=issues_field))
    return out


def read_model(path: Path, model: type[BaseModel], root: Path, issues: list[Issue], many: bool = False):
    """Read a YAML file into a pydantic model (or a mapping/list of them with ``many``)."""
    parsed = read_yaml(path, root, issues)
    if parsed is None:
        return None
    data, lines = parsed
    rel = _rel(path, root)
    if many:
        if isinstance(data, dict):
            items = data.items()
        elif isinstance(data, list):
            items = enumerate(data)
        else:
            issues.append(Issue(rel, "expected a mapping or a list of entries"))
            return None
        out, ok = ({} if isinstance(data, dict) else []), True
        for k, v in items:
            try:
                m = model.model_validate(v if v is not None else {})
            except ValidationError as e:
                issues.extend(_pydantic_issues(e, rel, lines, (k,)))
                ok = False
                continue
            if isinstance(out, dict):
                out[k] = m
            else:
                out.append(m)
        return out if ok else None
    if not isinstance(data, dict):
        issues.append(Issue(rel, "expected a mapping of fields (key: value)"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        issues.extend(_pydantic_issues(e, rel, lines))
        return None


# --- one source ----------------------------------------------------------------------------------


def _known_bibtex_keys(root: Path) -> set[str] | None:
    bib = root / "references.bib"
    if not bib.exists():
        return None
    return set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bib.read_text(encoding="utf-8", errors="replace")))


@dataclass
class _SourceInProgress:
    """A source folder read (record, header and cell checks), its tables not yet validated."""

    folder: Path
    record: schema.SourceRecord | None
    meta_path: Path
    issues: list[Issue]  # the record's and the folder's issues, in order
    slots: list  # per table file, in TABLES order: [spec, parsed table or None, its issues, typed frame]
    done: bool = False  # source.yaml is missing: nothing else is read


def load_source(folder: Path, root: Path, issues: list[Issue]) -> SourceData | None:
    """Load one ``data/sources/<id>/`` folder; append its issues; None if anything is wrong."""
    started = _start_source(folder, root)
    _validate_sources([started])
    return _finish_source(started, root, issues)


def _validate_sources(started: list[_SourceInProgress]) -> None:
    slots = [slot for s in started for slot in s.slots if slot[1] is not None]
    for slot, df in zip(slots, _validate_tables([(slot[1], slot[2]) for slot in slots])):
        slot[3] = df


def _start_source(folder: Path, root: Path) -> _SourceInProgress:
    issues: list[Issue] = []
    rel_folder = _rel(folder, root)
    meta_path = folder / "source.yaml"
    if not meta_path.exists():
        issues.append(Issue(rel_folder + "/source.yaml", "is missing: every source folder needs its record"))
        return _SourceInProgress(folder, None, meta_path, issues, [], done=True)
    record = read_model(meta_path, schema.SourceRecord, root, issues)
    if record is not None and record.id != folder.name:
        issues.append(Issue(_rel(meta_path, root), f"id '{record.id}' differs from the folder name '{folder.name}'",
                            column="id"))
    known_files = {t.file: t for t in TABLES.values()}
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in (".csv", ".tsv", ".xlsx") and p.name not in known_files:
            issues.append(Issue(_rel(p, root), "unknown table: expected one of " + ", ".join(known_files)))
    slots = []
    for spec in TABLES.values():
        path = folder / spec.file
        if path.exists():
            own: list[Issue] = []
            slots.append([spec, _parse_table(path, spec, root, own), own, None])
        elif record is not None and spec.name in schema.TABLES_BY_DESIGN[record.design]:
            slots.append([spec, None, [Issue(rel_folder + "/" + spec.file, f"is missing: a {record.design} needs "
                                             f"{', '.join(schema.TABLES_BY_DESIGN[record.design])}")], None])
    return _SourceInProgress(folder, record, meta_path, issues, slots)


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
            tables[spec.name] = _empty(spec)
    _reference_rules(tables, issues)
    if len(issues) > n_before:
        return None
    files = tuple(_rel(folder / s.file, root) for s in TABLES.values() if (folder / s.file).exists())
    return SourceData(record=record, folder=folder, tables=tables, files=(_rel(meta_path, root), *files))


_EMPTY: dict[int, tuple[TableSpec, pd.DataFrame]] = {}


def _empty(spec: TableSpec) -> pd.DataFrame:
    hit = _EMPTY.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _EMPTY[id(spec)] = (spec, _pandera_schema(spec).coerce_dtype(
            pd.DataFrame({c.name: pd.Series([], dtype="string") for c in spec.columns})))
    df = hit[1].copy()
    df.attrs = {"lines": []}
    return df


def _reference_rules(tables: dict[str, pd.DataFrame], issues: list[Issue]) -> None:
    """Every patient referenced by a patient-level table is defined in patients.csv; phases exist."""
    patients = set(tables["patients"]["patient_id"].dropna())
    for name in ("observations", "events", "treatments", "phases"):
        df = tables[name]
        for i, pid in df["patient_id"].items():
            if pid not in patients:
                issues.append(Issue(df.attrs.get("file", name), f"patient '{pid}' is not defined in patients.csv",
                                    line=_at(df, i), column="patient_id"))
    phases = set(zip(tables["phases"]["patient_id"], tables["phases"]["phase_id"]))
    tr = tables["treatments"]
    for i, r in _rows(tr):
        if pd.notna(r["phase_id"]) and (r["patient_id"], r["phase_id"]) not in phases:
            issues.append(Issue(tr.attrs.get("file", "treatments"), f"phase '{r['phase_id']}' is not defined in "
                                f"phases.csv for patient '{r['patient_id']}'", line=_at(tr, i), column="phase_id"))
    ph = tables["phases"]
    dup = ph.duplicated(["patient_id", "order"]) if len(ph) else []
    for i in ph.index[dup]:
        issues.append(Issue(ph.attrs.get("file", "phases"), f"order {ph.at[i, 'order']} is used twice for patient "
                            f"'{ph.at[i, 'patient_id']}'", line=_at(ph, i), column="order"))


# --- the whole dataset ------------------------------------------------------------------------------


def load_dataset(root: Path | None = None) -> Dataset:
    """Load and validate everything under ``<root>/data``; raise :class:`DataValidationError` on any problem."""
    root = Path(root) if root is not None else paths.repo_root()
    data = root / "data"
    issues: list[Issue] = []
    cohorts_path = data / "cohorts.yaml"
    cohorts = None
    if cohorts_path.exists():
        cohorts = read_model(cohorts_path, schema.Cohort, root, issues, many=True)
    else:
        issues.append(Issue("data/cohorts.yaml", "is missing: it lists the cohorts that sources belong to"))
    changelog: list = []
    changelog_path = data / "changelog.yaml"
    if changelog_path.exists():
        changelog = read_model(changelog_path, schema.ChangelogEntry, root, issues, many=True) or []
    sources: dict[str, SourceData] = {}
    src_dir = data / "sources"
    folders = sorted(p for p in src_dir.iterdir() if p.is_dir()) if src_dir.exists() else []
    if not folders:
        issues.append(Issue("data/sources", "holds no source folders"))
    started: list[Issue | _SourceInProgress] = []
    for folder in folders:
        if not vocab.SOURCE_ID_RE.match(folder.name):
            started.append(Issue(_rel(folder, root), f"folder name is not a source id: expected {vocab.SOURCE_ID_HELP}"))
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
        from .crosscheck import cross_source_issues  # late import: crosscheck uses the Dataset type

        dataset = Dataset(sources=sources, cohorts=cohorts or {}, changelog=changelog)
        issues.extend(cross_source_issues(dataset, root))
        if not issues:
            return dataset
    raise DataValidationError(issues)
