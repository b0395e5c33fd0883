"""Lines for issues found after reading: a rule across files names a YAML field, this finds its line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from masreview.data.model import Issue
from masreview.data.readers import read_yaml


def locate(issues: list[Issue], root: Path) -> list[Issue]:
    """The issues, each issue of a YAML file that names a field (``a.0.b``) but no line given that field's line
    (or the line of the nearest mapping around it). Files are read again only when such an issue exists."""
    cache: dict[str, dict] = {}
    out = []
    for issue in issues:
        if issue.line is None and issue.column and issue.file.endswith(".yaml"):
            if issue.file not in cache:
                path = Path(root) / issue.file
                parsed = read_yaml(path, root, []) if path.is_file() else None
                cache[issue.file] = parsed[1] if parsed is not None else {}
            lines = cache[issue.file]
            key = tuple(int(p) if p.isdigit() else p for p in issue.column.split("."))
            found = next((lines[key[:k]] for k in range(len(key), 0, -1) if key[:k] in lines), None)
            # The line says which entry; the column names the field as contributors write it.
            column = ".".join(p for p in issue.column.split(".") if not p.isdigit()) or issue.column
            issue = replace(issue, line=found, column=column if found is not None else issue.column)
        out.append(issue)
    return out
