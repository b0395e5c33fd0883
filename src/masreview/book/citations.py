"""Citation labels that never collide: the BibTeX key is the label.

Every chapter has its own References list (``{bibliography}`` with ``:filter: docname in docnames``),
and sphinxcontrib-bibtex formats the labels of each list on its own. pybtex's ``alpha`` labels (first
letters of the authors' surnames and the year, with ``a``/``b`` added only among the entries of one
list) then give two reports by the same authors in the same year the same label when they are cited on
different pages, and one report different labels on different pages; sphinxcontrib-bibtex warns
"duplicate label" and ``-W`` fails the build. Only the key is unique across ``references.bib``, and it
depends on the entry alone, so a label never changes when another entry is added (a page that is not
rebuilt never shows an outdated label). The keys are short and readable by convention
(``li2025frontimmunol``: first author, year, journal or meeting).

:func:`register` makes the formatting style ``masreview`` (pybtex's ``alpha`` with these labels)
available to pybtex; ``masreview.book.sphinxext`` calls it, and ``_config.yml`` selects it with
``bibtex_default_style: masreview``.
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle

STYLE_NAME = "masreview"
LABEL_STYLE_NAME = "bibtex-key"


class KeyLabelStyle(BaseLabelStyle):
    """The label of an entry is its BibTeX key (unique in the database, whatever else is cited)."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield entry.key


class Style(AlphaStyle):
    """pybtex's ``alpha`` formatting and sorting (author, year, title), labelled by BibTeX key."""

    default_label_style = KeyLabelStyle


def register() -> None:
    """Register the label style and the formatting style with pybtex (idempotent)."""
    register_plugin("pybtex.style.labels", LABEL_STYLE_NAME, KeyLabelStyle, force=True)
    register_plugin("pybtex.style.formatting", STYLE_NAME, Style, force=True)
