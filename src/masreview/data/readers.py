"""The one safe reader of each file format: text (UTF-8), CSV rows with line numbers, YAML, YAML into pydantic.

Every problem becomes an :class:`~masreview.data.model.Issue` with its file, line and column.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from masreview.data.model import PLACEHOLDER, Issue
from masreview.data.modelissues import field_name, pydantic_issues
from masreview.data.rawtext import file_problem, hidden_character

def rel_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(_resolved(root)))
    except ValueError:  # a symbolic link out of the repository: named by where it is, not where it points
        a, r = str(path.absolute()), str(Path(root).absolute()) + "/"
        return a[len(r):] if a.startswith(r) else str(path)


def _resolved(root: Path) -> Path:
    root = Path(root)
    return _resolved_absolute(root) if root.is_absolute() else root.resolve()


@functools.lru_cache(maxsize=64)
def _resolved_absolute(root: Path) -> Path:
    return root.resolve()  # resolved once per load, not once per file


def decode_text(path: Path, rel: str, issues: list[Issue]) -> str | None:
    if (problem := file_problem(path)) is not None:
        issues.append(Issue(rel, problem))
        return None
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
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        issues.append(Issue(rel, f"holds a NUL byte (line {line}, character {at - text.rfind(chr(10), 0, at)}): "
                                 "save the file as plain UTF-8 text", line=line))
        return None
    if (hidden := hidden_character(text)) is not None:
        issues.append(Issue(rel, hidden[1], line=hidden[0]))
        return None
    if "\ufeff" in text:
        at = text.index("\ufeff")
        line = LineIndex(text).line(at)
        issues.append(Issue(rel, f"holds a byte order mark (U+FEFF) inside the text (line {line}, character "
                                 f"{at - LineIndex(text).starts[line - 1] + 1}): keep at most one, at the very start",
                            line=line))
        return None
    if not text.strip():
        issues.append(Issue(rel, "is empty: expected a header line and rows (or delete the file)"))
        return None
    return text


class LineIndex:
    """Line numbers of character positions, lines ended by CR, LF or CRLF only (as the CSV reader counts
    them): U+2028, U+2029 and NEL, which YAML would count as line breaks, do not end a line in an editor."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def line(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index)

    def where(self, mark) -> tuple[int | None, str]:
        """(line, ' (column N)') of a YAML mark."""
        if mark is None:
            return None, ""
        line = self.line(mark.index)
        return line, f" (column {mark.index - self.starts[line - 1] + 1})"


def read_csv_rows(path: Path, rel: str, issues: list[Issue]) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and (line number, cells) of a CSV file.

    Lines are ended by CR, LF or CRLF only (a U+2028 inside a cell does not end a line). A line starting
    with ``#`` (a template comment) or a blank line is skipped only between records: inside a quoted cell
    every line is kept as written.
    """
    text = decode_text(path, rel, issues)
    if text is None:
        return None
    state = {"line": 0, "in_record": False, "start": 0}

    def physical_lines():
        for state["line"], line in enumerate(io.StringIO(text, newline=""), start=1):
            if not state["in_record"]:
                if not line.strip() or line.startswith("#"):
                    continue
                state["in_record"], state["start"] = True, state["line"]
            yield line

    reader = csv.reader(physical_lines(), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            records.append((state["start"], cells))
            state["in_record"] = False
    except csv.Error as e:
        issues.append(Issue(rel, f"is not valid CSV: {e}", line=state["line"] or None))
        return None
    if not records:
        issues.append(Issue(rel, "holds only comments: expected a header line"))
        return None
    header = [h.strip() for h in records[0][1]]
    return header, records[1:]


# --- YAML ----------------------------------------------------------------------------------------
#
# Data files are untrusted. PyYAML's safe loader still expands aliases without limit (a "billion laughs"
# of a few lines takes minutes and gigabytes), keeps the last of duplicate keys silently, merges "<<"
# keys and reads YAML 1.1 surprises (1_000, 0x1f, 1:30, yes/no, .nan, dates) as numbers, booleans and
# dates. So the text is first read as a stream of events (linear in its length, nothing expanded):
# anchors, aliases and tags are refused there; nesting is bounded. Only then is it composed into nodes
# (duplicate and merge keys refused) and constructed with a resolver that knows only decimal numbers,
# true/false and null: everything else, dates included, stays a string for the schemas to check.

MAX_YAML_BYTES = 100_000  # the largest data file is about 3 kB; parsing stays well under a second
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")
MAX_YAML_DEPTH = 32


class _StrictResolver(yaml.resolver.BaseResolver):
    """Plain scalars: null, true/false, ASCII decimal integers and floats (no '+'); anything else is a string."""


_StrictResolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                      ["~", "n", "N", ""])
_StrictResolver.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                      list("tTfF"))
_StrictResolver.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^-?[0-9]+$"), list("-0123456789"))
_StrictResolver.add_implicit_resolver("tag:yaml.org,2002:float",
                                      re.compile(r"^-?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
                                      list("-0123456789."))


class _StrictConstructor(yaml.constructor.SafeConstructor):
    """Safe construction with decimal-only numbers (the resolver admits nothing else)."""

    def construct_yaml_int(self, node):
        return int(self.construct_scalar(node))

    def construct_yaml_float(self, node):
        return float(self.construct_scalar(node))


_StrictConstructor.add_constructor("tag:yaml.org,2002:int", _StrictConstructor.construct_yaml_int)
_StrictConstructor.add_constructor("tag:yaml.org,2002:float", _StrictConstructor.construct_yaml_float)

_STANDARD_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


class _PureLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,
                  _StrictConstructor, _StrictResolver):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _StrictConstructor.__init__(self)
        _StrictResolver.__init__(self)


_FAST_LOADER = _PURE_LOADER = _PureLoader
if getattr(yaml, "__with_libyaml__", False):  # libyaml, when PyYAML was built with it: the same checks, faster

    class _FastLoader(yaml.cyaml.CParser, _StrictConstructor, _StrictResolver):
        def __init__(self, stream):
            yaml.cyaml.CParser.__init__(self, stream)
            _StrictConstructor.__init__(self)
            _StrictResolver.__init__(self)

    _FAST_LOADER = _FastLoader


def _check_events(text: str, rel: str, issues: list[Issue], loader, _where) -> bool:
    """Refuse anchors, aliases, non-standard tags and deep nesting, reading events only (nothing expanded)."""
    n_before, depth = len(issues), 0
    for ev in yaml.parse(text, Loader=loader):
        line, col = _where(ev.start_mark)
        if isinstance(ev, yaml.AliasEvent):
            issues.append(Issue(rel, f"uses the alias *{ev.anchor}{col}: aliases and anchors are not allowed; "
                                     "write the value out", line=line))
            continue
        if getattr(ev, "anchor", None) is not None:
            issues.append(Issue(rel, f"defines the anchor &{ev.anchor}{col}: anchors and aliases are not allowed; "
                                     "write the value out", line=line))
        tag = getattr(ev, "tag", None)
        if tag is not None and tag not in _STANDARD_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            issues.append(Issue(rel, f"uses the tag {shown}{col}: only plain values are allowed (text, numbers, "
                                     "true/false, lists, mappings)", line=line))
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                issues.append(Issue(rel, f"nests lists and mappings more than {MAX_YAML_DEPTH} deep{col}", line=line))
                return False
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        if len(issues) - n_before >= 20:
            break  # enough to act on; a hostile file could hold millions
    return len(issues) == n_before


def _check_keys(node, rel: str, issues: list[Issue], _where) -> None:
    """Refuse duplicate keys (at the second), merge keys and keys that are not plain values (the first 20)."""
    stack, n_before = [node], len(issues)
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in n.value:
                if len(issues) - n_before >= 20:
                    return  # enough to act on; a hostile file could hold thousands
                line, col = _where(k.start_mark)
                if not isinstance(k, yaml.ScalarNode):
                    issues.append(Issue(rel, f"has a key that is a list or mapping{col}: keys must be plain text",
                                        line=line))
                elif k.tag == "tag:yaml.org,2002:merge" or (k.value == "<<" and not k.style):
                    issues.append(Issue(rel, f"uses a merge key <<{col}: write the fields out", line=line))
                elif k.value in seen:
                    issues.append(Issue(rel, f"repeats the key '{k.value}'{col} (first at line {seen[k.value]}): "
                                             "each key once", line=line, column=k.value))
                else:
                    seen[k.value] = line
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def _parse_yaml(text: str, rel: str, issues: list[Issue]):
    """(ok, data, node) of a YAML text; every problem is appended to ``issues``."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        issues.append(Issue(rel, f"is larger than {MAX_YAML_BYTES} bytes: a data file this large is not expected"))
        return False, None, None
    n_start, _where = len(issues), LineIndex(text).where
    for loader in dict.fromkeys((_FAST_LOADER, _PURE_LOADER)):  # the pure-Python loader words syntax errors the same everywhere
        del issues[n_start:]
        try:
            if not _check_events(text, rel, issues, loader, _where):
                return False, None, None
            node = yaml.compose(text, Loader=loader)
            break
        except yaml.YAMLError as e:
            if loader is not _PURE_LOADER:
                continue
            mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
            line, col = _where(mark)
            problem = getattr(e, "problem", None) or str(e)
            issues.append(Issue(rel, f"is not valid YAML: {problem}{col}", line=line))
            return False, None, None
    if node is None:
        return True, None, None
    n_before = len(issues)
    _check_keys(node, rel, issues, _where)
    if len(issues) > n_before:
        return False, None, None
    loader = _PURE_LOADER("")
    try:
        data = loader.construct_document(node)
    except yaml.YAMLError as e:
        line, col = _where(getattr(e, "problem_mark", None))
        issues.append(Issue(rel, f"is not valid YAML: {getattr(e, 'problem', None) or e}{col}", line=line))
        return False, None, None
    except (ValueError, TypeError, OverflowError) as e:
        issues.append(Issue(rel, f"holds a value that cannot be read: {e}"))
        return False, None, None
    finally:
        loader.dispose()
    return True, data, node


def read_yaml(path: Path, root: Path, issues: list[Issue]) -> tuple[object, dict] | None:
    """Parse YAML safely; return the data and a map from top-level key (and nested path) to line."""
    rel = rel_path(path, root)
    text = decode_text(path, rel, issues)
    if text is None:
        return None
    ok, data, node = _parse_yaml(text, rel, issues)
    if not ok:
        return None
    index = LineIndex(text)
    lines: dict = {(): index.line(node.start_mark.index)} if node is not None else {}

    def walk(n, prefix):
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = prefix + (k.value,)
                lines[key] = index.line(k.start_mark.index)
                walk(v, key)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                lines[prefix + (i,)] = index.line(v.start_mark.index)
                walk(v, prefix + (i,))

    walk(node, ())

    def placeholders(n, prefix):
        if isinstance(n, yaml.ScalarNode) and PLACEHOLDER in str(n.value):
            issues.append(Issue(rel, f"still holds the template placeholder {PLACEHOLDER}: replace it",
                                line=index.line(n.start_mark.index), column=field_name(prefix)))
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


def read_model(path: Path, model: type[BaseModel], root: Path, issues: list[Issue], many: bool | str = False):
    """Read a YAML file into a pydantic model, or with ``many`` into a mapping (``many="mapping"``: id -> entry)
    or a list (``many="list"``) of them."""
    parsed = read_yaml(path, root, issues)
    if parsed is None:
        return None
    data, lines = parsed
    rel = rel_path(path, root)
    if many:
        shape = {"mapping": dict, "list": list}.get(many, (dict, list))
        if not isinstance(data, shape):
            words = {"mapping": "a mapping of entries (id: fields)", "list": "a list of entries (- field: value)"}
            issues.append(Issue(rel, f"expected {words.get(many, 'a mapping or a list of entries')}; got "
                                     f"{_shape_words(data)}", line=lines.get((), 1)))
            return None
        if isinstance(data, dict):
            key_lines = [line for key, line in lines.items() if len(key) == 1]  # in the order of data's keys
            bad = [(k, line) for k, line in zip(data, key_lines) if not (isinstance(k, str) and _SLUG.match(k))]
            for k, line in bad:
                issues.append(Issue(rel, f"the key '{k}' is not an id: expected lowercase letters, digits and "
                                         "hyphens (e.g. li-2025-cohort)", line=line, column=str(k)))
            if bad:
                return None
            items = data.items()
        else:
            items = enumerate(data)
        out, ok = ({} if isinstance(data, dict) else []), True
        for k, v in items:
            try:
                m = model.model_validate(v if v is not None else {})
            except ValidationError as e:
                issues.extend(pydantic_issues(e, rel, lines, (k,)))
                ok = False
                continue
            if isinstance(out, dict):
                out[k] = m
            else:
                out.append(m)
        return out if ok else None
    if not isinstance(data, dict):
        issues.append(Issue(rel, f"expected a mapping of fields (key: value); got {_shape_words(data)}",
                            line=lines.get((), 1)))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        issues.extend(pydantic_issues(e, rel, lines))
        return None


def _shape_words(data) -> str:
    return {dict: "a mapping", list: "a list", type(None): "nothing"}.get(type(data), f"the single value '{data}'")
