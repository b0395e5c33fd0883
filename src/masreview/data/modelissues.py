"""A pydantic validation error as located issues: the field as contributors write it, and its line.

A rule on the whole record (``status is 'excluded': give exclusion_reason``) has no field of its own; it is
placed at the first field its message names, so the contributor is taken to the line to change.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from masreview.data.model import Issue


def field_name(loc: tuple) -> str | None:
    """A field as contributors write it ('bibliography.doi'); list positions are left out, the line says which
    entry ('summary' of the sixth changelog entry is line 26, column 'summary', never '5.summary')."""
    return ".".join(str(p) for p in loc if not isinstance(p, int)) or None


def _named_field(msg: str, loc: tuple, lines: dict) -> tuple | None:
    """The first field of the mapping at ``loc`` that a whole-record message names, if the file has it."""
    fields = [key for key in lines if len(key) == len(loc) + 1 and key[:len(loc)] == loc and isinstance(key[-1], str)]
    # a field the message is about: "status is ...", "received (2024-01-10) is after ...", "doi: ..."
    found = [(m.start(), key) for key in fields if (m := re.search(rf"\b{re.escape(key[-1])}(?= is | \(|:)", msg))]
    return min(found)[1] if found else None


def pydantic_issues(err: ValidationError, rel: str, lines: dict, prefix: tuple = ()) -> list[Issue]:
    """One located issue per pydantic error, worded for contributors."""
    out = []
    for e in err.errors():
        loc = prefix + tuple(e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "value_error" and loc in lines:  # a rule on the whole record or mapping
            loc = _named_field(msg, loc, lines) or loc
        line = next((lines[loc[:k]] for k in range(len(loc), -1, -1) if loc[:k] in lines), None)  # or the nearest
        if e["type"] == "literal_error":
            msg = "expected " + msg.removeprefix("Input should be ") + f"; got '{e.get('input')}'"
        elif e["type"] == "extra_forbidden":
            msg = "unknown field (check its spelling)"
        elif e["type"] == "missing":
            msg = "the field is missing"
        elif e["type"] != "value_error" and isinstance(e.get("input"), (str, int, float)):
            msg += f"; got '{e['input']}'"  # what was read, beside what was expected
        out.append(Issue(rel, msg, line=line, column=field_name(loc)))
    return out
