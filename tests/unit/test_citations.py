"""Citation labels: two reports by the same authors in the same year never share a label, whichever of
them a page cites (each chapter's References list is formatted on its own)."""

from __future__ import annotations

import yaml
from pybtex.database import parse_string
from pybtex.plugin import find_plugin

from masreview.book import citations

from masreview.data import paths

SAME_GROUP = r"""
@article{wu2025jclinpediatr,
  author = {Wu, J. and Shen, D. and Lu, M.}, title = {A case report}, journal = {J}, year = {2025}
}
@article{wu2025second,
  author = {Wu, J. and Shen, D. and Lu, M.}, title = {A second case report}, journal = {J}, year = {2025}
}
"""


def _labels(style, bib: str, keys: list[str]) -> dict[str, str]:
    """Labels as one References list formats them: only the entries that list shows."""
    data = parse_string(bib, "bibtex")
    return {e.key: e.label for e in style.format_entries([data.entries[k] for k in keys])}


def test_alpha_labels_collide_across_lists():
    """The failure this style prevents: pybtex's alpha labels, list by list."""
    alpha = find_plugin("pybtex.style.formatting", "alpha")()
    assert _labels(alpha, SAME_GROUP, ["wu2025jclinpediatr"]) == {"wu2025jclinpediatr": "WSL25"}
    assert _labels(alpha, SAME_GROUP, ["wu2025second"]) == {"wu2025second": "WSL25"}


def test_author_year_labels_are_unique_book_wide_on_every_list():
    labels = citations.register([])  # style only
    data = parse_string(SAME_GROUP, "bibtex")
    book = citations.book_labels(data.entries)
    assert book == {"wu2025jclinpediatr": "Wu et al. 2025a", "wu2025second": "Wu et al. 2025b"}
    citations._LABELS.clear()
    citations._LABELS.update(book)
    try:
        style = find_plugin("pybtex.style.formatting", citations.STYLE_NAME)()
        one = _labels(style, SAME_GROUP, ["wu2025jclinpediatr"])
        other = _labels(style, SAME_GROUP, ["wu2025second"])
        both = _labels(style, SAME_GROUP, ["wu2025jclinpediatr", "wu2025second"])
        assert one == {"wu2025jclinpediatr": "Wu et al. 2025a"} and other == {"wu2025second": "Wu et al. 2025b"}
        assert both == {**one, **other}  # the same label whatever else the list holds
    finally:
        citations._LABELS.clear()
        citations._LABELS.update(labels)


def test_label_forms():
    bib = r"""
@article{a1, author = {M{\"u}ller, A.}, title = {T}, journal = {J}, year = {2024}}
@article{a2, author = {Wu, J. and Shen, D.}, title = {T}, journal = {J}, year = {2024}}
@article{a3, author = {van der Berg, K. and Li, J. and Xu, A.}, title = {T}, journal = {J}, year = {2023}}
"""
    got = citations.book_labels(parse_string(bib, "bibtex").entries)
    assert got == {"a1": "Müller 2024", "a2": "Wu and Shen 2024", "a3": "van der Berg et al. 2023"}


def test_repository_labels_are_unique_and_the_book_uses_the_style():
    bibfile = paths.repo_root() / "references.bib"
    keys = list(parse_string(bibfile.read_text(encoding="utf-8"), "bibtex").entries)
    labels = citations.register([bibfile])
    style = find_plugin("pybtex.style.formatting", citations.STYLE_NAME)()
    shown = _labels(style, bibfile.read_text(encoding="utf-8"), keys)
    assert shown == labels and len(set(labels.values())) == len(keys) == len(labels)
    assert labels["li2025acr1179"] == "Li et al. 2025a" and labels["li2025frontimmunol"] == "Li et al. 2025b"
    config = yaml.safe_load((paths.repo_root() / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["config"]["bibtex_default_style"] == citations.STYLE_NAME
    assert "masreview.book.sphinxext" in config["sphinx"]["extra_extensions"]
