"""The one BibTeX reader: ``references.bib`` parsed by pybtex, checked, and reported by line.

Checks: UTF-8, balanced braces and valid syntax (pybtex, strict mode), unique keys, no template
placeholder, a DOI or an http(s) URL for every entry, and no other link scheme (a ``url`` or ``doi``
that would become a link must be a plain https/http address or a DOI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from masreview.data.links import LinkError, check_doi, check_url
from masreview.data.model import PLACEHOLDER, Issue
from masreview.data.readers import LineIndex, decode_text

FILE = "references.bib"


@dataclass(frozen=True)
class BibEntry:
    key: str
    type: str
    fields: dict
    authors: tuple[str, ...]
    line: int | None

    def bibtex(self) -> str:
        """The entry as BibTeX text (pybtex's rendering)."""
        from pybtex.database import BibliographyData, Entry, Person

        e = Entry(self.type, fields=self.fields, persons={"author": [Person(a) for a in self.authors]}
                  if self.authors else None)
        return BibliographyData({self.key: e}).to_string("bibtex").strip()


def _entry_lines(text: str) -> dict[str, int]:
    return {m.group(1): text.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"@\w+\s*[{(]\s*([^,\s]+)\s*,", text)}


def _balanced(text: str, issues: list[Issue]) -> bool:
    """Braces balance (BibTeX would otherwise end an entry early and drop the fields after the brace)."""
    index, opened = LineIndex(text), []
    for m in re.finditer(r"[{}]", text):
        if m.group() == "{":
            opened.append(m.start())
        elif not opened:
            issues.append(Issue(FILE, "has a closing brace } that no { opens: braces must balance",
                                line=index.line(m.start())))
            return False
        else:
            opened.pop()
    if opened:
        issues.append(Issue(FILE, "has an opening brace { that is never closed: braces must balance",
                            line=index.line(opened[-1])))
    return not opened


def read_bibliography(root: Path, issues: list[Issue]) -> dict[str, BibEntry] | None:
    """key -> :class:`BibEntry`; None (with located issues) when the file is missing or invalid."""
    import pybtex.database
    import pybtex.errors
    from pybtex.scanner import PybtexSyntaxError

    path = Path(root) / FILE
    if not path.exists() and not path.is_symlink():  # a folder or a link: decode_text says so
        issues.append(Issue(FILE, "is missing: every source's bibtex_key needs an entry in it"))
        return None
    text = decode_text(path, FILE, issues)  # UTF-8, no NUL, no byte order mark inside
    if text is None or not _balanced(text, issues):
        return None
    lines = _entry_lines(text)
    seen: dict[str, int] = {}
    for m in re.finditer(r"@\w+\s*[{(]\s*([^,\s]+)\s*,", text):
        line, key = text.count("\n", 0, m.start()) + 1, m.group(1).lower()  # BibTeX keys ignore case
        if key in seen:
            issues.append(Issue(FILE, f"key '{m.group(1)}' is used twice (first at line {seen[key]}): each entry "
                                      "needs its own key (keys ignore case)", line=line))
        seen.setdefault(key, line)
    if any(i.file == FILE for i in issues):
        return None
    previous = pybtex.errors.strict
    pybtex.errors.set_strict_mode(True)
    try:
        data = pybtex.database.parse_string(text, "bibtex")
    except PybtexSyntaxError as e:
        issues.append(Issue(FILE, f"is not valid BibTeX: {e.error_type}; check the braces and commas",
                            line=getattr(e, "lineno", None)))
        return None
    except Exception as e:  # pybtex's own data errors (e.g. a repeated key spelled differently)
        issues.append(Issue(FILE, f"is not valid BibTeX: {e}"))
        return None
    finally:
        pybtex.errors.set_strict_mode(previous)
    out: dict[str, BibEntry] = {}
    n_before = len(issues)
    for key, e in data.entries.items():
        fields = {k.lower(): str(v) for k, v in e.fields.items()}
        line = lines.get(key)
        if any(PLACEHOLDER in v for v in fields.values()):
            issues.append(Issue(FILE, f"entry '{key}' still holds the template placeholder {PLACEHOLDER}: "
                                      "fill it in", line=line))
            continue  # its link checks would only repeat that
        for name, check in (("url", check_url), ("doi", check_doi)):
            if name in fields:
                try:
                    fields[name] = check(fields[name])
                except LinkError as err:
                    issues.append(Issue(FILE, f"entry '{key}': {err}", line=line, column=name))
        if "crossref" in fields and fields["crossref"].lower() not in seen:
            issues.append(Issue(FILE, f"entry '{key}': crossref '{fields['crossref']}' names no entry of this file",
                                line=line, column="crossref"))
        if "url" not in fields and "doi" not in fields:
            issues.append(Issue(FILE, f"entry '{key}' has neither a doi nor a url: give one of them", line=line))
        authors = tuple(str(p) for p in e.persons.get("author", []))
        out[key] = BibEntry(key, e.type, fields, authors, line)
    return out if len(issues) == n_before else None
