"""The one safe reader of each file format: text (UTF-8), CSV rows with line numbers, YAML, YAML into pydantic.

Every problem becomes an :class:`~masreview.data.model.Issue` with its file, line and column.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from masreview.data.model import PLACEHOLDER, Issue

def rel_path(path: Path, root: Path) -> str:
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


def decode_text(path: Path, rel: str, issues: list[Issue]) -> str | None:
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
    text = decode_text(path, rel, issues)
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
    rel = rel_path(path, root)
    text = decode_text(path, rel, issues)
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
    rel = rel_path(path, root)
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
