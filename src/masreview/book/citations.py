"""Citation labels readers recognise ("Li et al. 2025"), unique across the whole book.

Every chapter has its own References list (``{bibliography}`` with ``:filter: docname in docnames``),
and sphinxcontrib-bibtex formats the labels of each list on its own. pybtex's ``alpha`` labels (first
letters of the authors' surnames and the year, with ``a``/``b`` added only among the entries of one
list) then give two reports by the same authors in the same year the same label when they are cited on
different pages, and one report different labels on different pages; sphinxcontrib-bibtex warns
"duplicate label" and ``-W`` fails the build.

So the labels are computed once for the whole of ``references.bib`` (:func:`book_labels`): first
author's surname, "and" the second's when there are two, "et al." for three or more, and the year; when
two entries share that label, ``a``, ``b``... are appended in the order of their BibTeX keys. A page's
References list then shows the same label for an entry whatever else it cites. Adding an entry that
shares author and year with an existing one changes the existing label ("Li et al. 2025" becomes
"Li et al. 2025a"): ``masreview.book.sphinxext`` then re-reads every page (see ``labels_changed``).

:func:`register` makes the formatting style ``masreview`` (pybtex's ``alpha`` with these labels)
available to pybtex; ``masreview.book.sphinxext`` calls it with the book's ``references.bib``, and
``_config.yml`` selects it with ``bibtex_default_style: masreview``.
"""

from __future__ import annotations

import string
from pathlib import Path

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle

STYLE_NAME = "masreview"
LABEL_STYLE_NAME = "author-year"

#: BibTeX key -> label for the book's bibliography (set by :func:`register`).
_LABELS: dict[str, str] = {}


def _plain(latex: str) -> str:
    try:
        return Text.from_latex(latex).render_as("text")
    except Exception:  # malformed markup: show it without braces rather than fail
        return latex.replace("{", "").replace("}", "")


def _surname(person) -> str:
    return _plain(" ".join(person.prelast_names + person.last_names)).strip() or "Anonymous"


def base_label(entry) -> str:
    """'Li et al. 2025', 'Wu and Shen 2024', 'Wu 2023' from the entry alone (no a/b)."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    year = _plain(entry.fields.get("year", "")).strip() or "n.d."
    if not people:
        who = _plain(entry.fields.get("organization", "") or entry.fields.get("title", "Anonymous")).split(":")[0]
    elif len(people) == 1:
        who = _surname(people[0])
    elif len(people) == 2:
        who = f"{_surname(people[0])} and {_surname(people[1])}"
    else:
        who = f"{_surname(people[0])} et al."
    return f"{who} {year}"


def _suffix(i: int) -> str:
    letters = string.ascii_lowercase
    return letters[i] if i < len(letters) else _suffix(i // len(letters) - 1) + letters[i % len(letters)]


def book_labels(entries) -> dict[str, str]:
    """Unique labels for every entry of a bibliography (``{key: entry}``), as described above."""
    groups: dict[str, list[str]] = {}
    for key, entry in entries.items():
        groups.setdefault(base_label(entry), []).append(key)
    labels = {}
    for base, keys in groups.items():
        if len(keys) == 1:
            labels[keys[0]] = base
        else:
            for i, key in enumerate(sorted(keys)):
                labels[key] = f"{base}{_suffix(i)}"
    return labels


def labels_from_file(path: Path) -> dict[str, str]:
    from pybtex.database import parse_file

    return book_labels(parse_file(str(path), "bibtex").entries) if Path(path).is_file() else {}


class AuthorYearLabelStyle(BaseLabelStyle):
    """The label of an entry is its book-wide label (:data:`_LABELS`), else 'Author et al. Year'."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield _LABELS.get(entry.key) or base_label(entry)


class Style(AlphaStyle):
    """pybtex's ``alpha`` formatting and sorting (author, year, title), labelled author-year."""

    default_label_style = AuthorYearLabelStyle


def register(bibfiles=()) -> dict[str, str]:
    """Register the label and formatting styles with pybtex (idempotent); with ``bibfiles``, compute the
    book-wide labels from them. Returns the labels."""
    if bibfiles:
        from pybtex.database import parse_file

        entries = {}
        for f in bibfiles:
            if Path(f).is_file():
                entries.update(parse_file(str(f), "bibtex").entries)
        _LABELS.clear()
        _LABELS.update(book_labels(entries))
    register_plugin("pybtex.style.labels", LABEL_STYLE_NAME, AuthorYearLabelStyle, force=True)
    register_plugin("pybtex.style.formatting", STYLE_NAME, Style, force=True)
    return dict(_LABELS)
