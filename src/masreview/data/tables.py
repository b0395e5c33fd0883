"""CSV tables: parse, type and validate with the pandera schemas; rules within a row, a table and a source."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors

from masreview.data import appraisal, schema, vocab
from masreview.data.model import PLACEHOLDER, Issue
from masreview.data.cells import strict_cell
from masreview.data.readers import read_csv_rows, rel_path
from masreview.data.schema import TableSpec

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
    parsed = parse_table(path, spec, root, issues)
    if parsed is None:
        return None
    df = _validate_table(parsed, issues)
    return df if len(issues) == n_before else None


def parse_table(path: Path, spec: TableSpec, root: Path, issues: list[Issue]) -> _ParsedTable | None:
    """Read one CSV table and check its header and cells; None when there is nothing to validate."""
    rel = rel_path(path, root)
    parsed = read_csv_rows(path, rel, issues)
    if parsed is None:
        return None
    header, records = parsed
    n_before = len(issues)
    dupes = {h for h, n in Counter(header).items() if n > 1}
    for h in sorted(dupes)[:20]:
        issues.append(Issue(rel, "appears more than once in the header", line=1, column=h))
    known = [c.name for c in spec.columns]
    unknown = [h for h in dict.fromkeys(header) if h not in known]
    for h in unknown[:20]:  # a hostile header can hold thousands: the first 20 are enough to act on
        issues.append(Issue(rel, f"unknown column; expected columns: {', '.join(known)}",
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
    for c in spec.columns:  # numbers and dates are read strictly before pandera coerces them
        cells = columns[c.name]
        for k, cell in enumerate(cells):
            if (lines[k], c.name) in placeholder_cells:  # said once already: "still holds the placeholder"
                cells[k] = None
            elif cell is not None and (problem := strict_cell(c, cell)) is not None:
                placeholder_cells.add((lines[k], c.name))
                issues.append(Issue(rel, f"expected {c.expected()}; got '{cell}'{problem}", line=lines[k],
                                    column=c.name))
                cells[k] = None
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
    n_rules = len(issues)
    _row_rules(df, t.spec, t.rel, issues)
    refused = {line for line, _ in t.placeholder_cells}  # a row with a refused cell: its rules would misread it
    issues[n_rules:] = [i for i in issues[n_rules:] if i.line not in refused]
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


def validate_tables(tables: list[tuple[_ParsedTable, list[Issue]]]) -> list[pd.DataFrame | None]:
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


def row_line(df: pd.DataFrame, i: int) -> int:
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
        n_own, refused = len(own), {line for line, _ in t.placeholder_cells}  # rows with a refused cell
        if n in with_dups:  # rare: the per-table code words the message (first occurrence)
            part = joint.iloc[start:end].reset_index(drop=True)
            part.attrs = {"lines": t.lines}
            _row_rules(part, spec, t.rel, own, rules=False)
        if rule:
            for i in range(start, end):
                for column, message in rule(dict(zip(columns, values[i]))):
                    own.append(Issue(t.rel, message, line=t.lines[i - start], column=column))
        own[n_own:] = [i for i in own[n_own:] if i.line not in refused]  # their rules would misread them


def _row_rules(df: pd.DataFrame, spec: TableSpec, rel: str, issues: list[Issue], rules: bool = True) -> None:
    """Rules that need more than one cell of a row, and duplicate keys."""
    if spec.key:  # one pass: a lookup per row would copy df.attrs (every line number) each time
        dup, first = df.duplicated(list(spec.key), keep="first").to_numpy(), {}
        for pos, (i, key) in enumerate(zip(df.index, df[list(spec.key)].itertuples(index=False, name=None))):
            if not dup[pos]:
                first.setdefault(key, i)
                continue
            at = first.get(key) if all(pd.notna(k) for k in key) else None
            where = f" (first at line {row_line(df, at)})" if at is not None else ""
            issues.append(Issue(rel, f"duplicate {'/'.join(spec.key)} '{'/'.join(str(k) for k in key)}'{where}",
                                line=row_line(df, i), column=spec.key[-1]))
    rule = _RULES.get(spec.name) if rules else None
    if rule:
        for i, row in _rows(df):
            for column, message in rule(row):
                issues.append(Issue(rel, message, line=row_line(df, i), column=column))


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
    allowed = vocab.MEASURE_CATEGORIES.get(r["measure"])
    cat = r["category"]
    if allowed is None and pd.notna(cat):
        out.append(("category", f"{r['measure']} has no categories: leave category empty; got '{cat}'"))
    elif isinstance(allowed, dict) and pd.notna(cat) and cat not in allowed:
        out.append(("category", f"expected a category of {r['measure']}: one of {', '.join(allowed)}; got '{cat}'"))
    elif isinstance(allowed, re.Pattern) and pd.notna(cat) and not allowed.match(cat):
        out.append(("category", f"expected a drug name in lowercase as the category of {r['measure']}; got '{cat}'"))
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
    if pd.notna(r["start_date"]) and pd.notna(r["end_date"]) and pd.notna(r["duration"]) \
            and pd.notna(r["duration_unit"]) and r["start_date"] <= r["end_date"]:
        unit = vocab.TIME_UNITS[r["duration_unit"]]
        days = (r["end_date"] - r["start_date"]).days + 1  # both days counted
        stated = r["duration"] * unit
        slack = unit if r["duration_qualifier"] == "exact" else max(unit, 0.5 * stated)
        if abs(days - stated) > slack:
            out.append(("duration", f"duration {r['duration']:g} {r['duration_unit']} disagrees with the dates "
                                    f"({r['start_date'].date()} to {r['end_date'].date()}: {days} days)"))
    if r["duration_qualifier"] == "unknown" and pd.notna(r["duration"]):
        out.append(("duration_qualifier", "the duration is given: use exact or approximate, not unknown"))
    if r["duration_qualifier"] in ("exact", "approximate") and pd.isna(r["duration"]) and \
            (pd.isna(r["start_date"]) or pd.isna(r["end_date"])):
        out.append(("duration", f"duration_qualifier is {r['duration_qualifier']}: give the duration or both dates"))
    return out


_RULES = {"measures": _measure_rule, "observations": _observation_rule, "events": _event_rule,
          "treatments": _treatment_rule, "phases": _phase_rule, "appraisal": appraisal.row_rule}


_EMPTY: dict[int, tuple[TableSpec, pd.DataFrame]] = {}


def empty_table(spec: TableSpec) -> pd.DataFrame:
    hit = _EMPTY.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _EMPTY[id(spec)] = (spec, _pandera_schema(spec).coerce_dtype(
            pd.DataFrame({c.name: pd.Series([], dtype="string") for c in spec.columns})))
    df = hit[1].copy()
    df.attrs = {"lines": []}
    return df


def reference_rules(tables: dict[str, pd.DataFrame], issues: list[Issue]) -> None:
    """Every patient referenced by a patient-level table is defined in patients.csv; phases exist."""
    patients = set(tables["patients"]["patient_id"].dropna())
    for name in ("observations", "events", "treatments", "phases"):
        df = tables[name]
        for i, pid in df["patient_id"].items():
            if pid not in patients:
                issues.append(Issue(df.attrs.get("file", name), f"patient '{pid}' is not defined in patients.csv",
                                    line=row_line(df, i), column="patient_id"))
    phases = set(zip(tables["phases"]["patient_id"], tables["phases"]["phase_id"]))
    tr = tables["treatments"]
    for i, r in _rows(tr):
        if pd.notna(r["phase_id"]) and (r["patient_id"], r["phase_id"]) not in phases:
            issues.append(Issue(tr.attrs.get("file", "treatments"), f"phase '{r['phase_id']}' is not defined in "
                                f"phases.csv for patient '{r['patient_id']}'", line=row_line(tr, i), column="phase_id"))
    ev = tables["events"]
    first_death: dict[str, int] = {}
    for i, r in _rows(ev):
        if r["event"] == "death":
            if r["patient_id"] in first_death:
                issues.append(Issue(ev.attrs.get("file", "events"), f"patient '{r['patient_id']}' already died at line "
                                    f"{first_death[r['patient_id']]}: one death per patient", line=row_line(ev, i),
                                    column="event"))
            else:
                first_death[r["patient_id"]] = row_line(ev, i)
    ph = tables["phases"]
    previous: dict[str, tuple] = {}  # patient -> (order, latest known date, its line) of the phases before
    for i, r in sorted(_rows(ph), key=lambda x: (str(x[1]["patient_id"]), x[1]["order"])):
        dates = [d for d in (r["start_date"], r["end_date"]) if pd.notna(d)]
        before = previous.get(r["patient_id"])
        if before is not None and dates and before[1] is not None and min(dates) < before[1]:
            issues.append(Issue(ph.attrs.get("file", "phases"), f"phase {r['order']} starts {min(dates).date()}, "
                                f"before phase {before[0]} (line {before[2]}) ends {before[1].date()}: phases "
                                "out of order", line=row_line(ph, i), column="start_date"))
        known = dates + ([before[1]] if before is not None and before[1] is not None else [])
        previous[r["patient_id"]] = (r["order"], max(known) if known else None, row_line(ph, i))
    dup = ph.duplicated(["patient_id", "order"]) if len(ph) else []
    for i in ph.index[dup]:
        issues.append(Issue(ph.attrs.get("file", "phases"), f"order {ph.at[i, 'order']} is used twice for patient "
                            f"'{ph.at[i, 'patient_id']}'", line=row_line(ph, i), column="order"))
