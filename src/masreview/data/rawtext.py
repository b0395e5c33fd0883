"""Checks on a data file before and after its bytes are decoded, shared by every reader.

Before: the path is a regular file (not a folder, not a symbolic link, which could point anywhere on the
machine) of a size a data file can have. After: the text holds no control character other than tab and
line ends, and no bidirectional control (U+202A-U+202E, U+2066-U+2069), which makes text display in
another order than it is stored (an id or a number that reads differently from what is checked).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# The largest data files are a few kilobytes (observations.csv of a cohort: under 100 kB).
MAX_BYTES = {".csv": 1_000_000, ".bib": 1_000_000}
_HIDDEN = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a data file, or None."""
    if path.is_symlink():
        return f"is a symbolic link (to {os.readlink(path)}): data files must be regular files in the repository"
    if not path.is_file():
        return "is not a regular file (a folder?): expected a text file"
    limit = MAX_BYTES.get(path.suffix.lower())
    if limit is not None and path.stat().st_size > limit:
        return f"is larger than {limit} bytes: a data file this large is not expected"
    return None


def hidden_character(text: str) -> tuple[int, str] | None:
    """(line, message) of the first control or bidirectional character of ``text``, or None. Lines end at
    CR, LF or CRLF, as the readers count them."""
    m = _HIDDEN.search(text)
    if m is None:
        return None
    ends = list(re.finditer(r"\r\n|\r|\n", text[: m.start()]))
    where = f"line {len(ends) + 1}, character {m.start() - (ends[-1].end() if ends else 0) + 1}"
    code = f"U+{ord(m.group()):04X}"
    if m.group() >= "\u2000":
        return len(ends) + 1, (f"holds the bidirectional control {code} ({where}), which shows the text in "
                               "another order than it is stored: remove it")
    return len(ends) + 1, f"holds the control character {code} ({where}): remove it (only tab and line ends)"
