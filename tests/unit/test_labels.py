"""Labels readers see: a report's citation label (authors as printed, including lists that stop short or
are not shown) and a label inside a sentence. Expected values are written by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from masreview.present.format import citation_label, in_sentence
from masreview.present.sources import full_citation, short_citation


def _src(authors, journal="Blood Advances", year=2019, **more):
    fields = dict(volume=None, issue=None, pages=None, abstract_number=None, title="A title")
    return SimpleNamespace(record=SimpleNamespace(bibliography=SimpleNamespace(
        authors=authors, journal=journal, year=year, **{**fields, **more})))


@pytest.mark.parametrize("authors, label", [
    (["Wu J"], "Wu 2019"),
    (["Li J", "Wang R"], "Li and Wang 2019"),
    (["Li J", "Wang R", "Chen J"], "Li et al. 2019"),
    (["Broglie L", "et al. (full author list not shown on the page read)"], "Broglie et al. 2019"),
    (["Ahmed A", "Merrill SA", "et al."], "Ahmed et al. 2019"),
    (["Not shown on the page read"], "Blood Advances 2019"),
])
def test_citation_label(authors, label):
    assert citation_label(_src(authors)) == label


def test_a_report_without_authors_is_told_apart_by_volume_and_pages_or_abstract_number():
    nobody = ["Not shown on the page read"]
    assert citation_label(_src(nobody, "Blood", volume="134", pages="1042")) == "Blood 2019;134:1042"
    assert citation_label(_src(nobody, "Blood", abstract_number="2325")) == "Blood 2019, abstract 2325"
    assert citation_label(_src(nobody, "Blood", volume="134")) == "Blood 2019"


def test_short_citation_names_the_journal_once():
    assert short_citation(_src(["Wu J", "Shen D", "Lu M"])) == "Wu et al. 2019, Blood Advances"
    assert short_citation(_src(["Not shown on the page read"])) == "Blood Advances 2019"


@pytest.mark.parametrize("label, expected", [
    ("Overall response (CR or PR)", "overall response (CR or PR)"),
    ("Complete response (CR)", "complete response (CR)"),
    ("CMV infection", "CMV infection"),
    ("sJIA-associated MAS", "sJIA-associated MAS"),
    ("A", "a"),
])
def test_in_sentence(label, expected):
    assert in_sentence(label) == expected


@pytest.mark.parametrize("authors, start", [
    (["Broglie L", "et al. (full author list not shown on the page read)"], "Broglie L, et al. A title."),
    (["Not shown on the page read"], "A title."),
    ([f"A{i} X" for i in range(7)], "A0 X, A1 X, A2 X, A3 X, A4 X, A5 X, et al. A title."),
    (["Wu J", "Shen D"], "Wu J, Shen D. A title."),
])
def test_full_citation_prints_the_authors_shown(authors, start):
    assert full_citation(_src(authors, volume="3", pages="1-2")) == f"{start} Blood Advances 2019;3:1-2."
