"""The glossary: its terms, links from the first use of each on a page, hidden code out of the search index.

The links and the index are checked on a small Sphinx project built in a temporary folder (myst-nb,
nothing executed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from masreview.data.glossary import TERMS, compiled

REQUIRED = ["MAS", "HLH", "Refractory", "CR", "PR", "NR", "Clopper-Pearson interval", "Wilson interval",
            "Boschloo", "Barnard", "N-1 chi-square", "Log-rank", "Kaplan-Meier", "GLMM", "DerSimonian-Laird",
            "Hartung-Knapp", "Prediction interval", "tau\u00b2", "I\u00b2", "GRADE", "Historical control",
            "Reconstructed row", "Consistent by construction"]


def test_glossary_has_the_terms_readers_meet():
    names = [t.name for t in TERMS]
    assert [r for r in REQUIRED if r not in names] == []
    assert len(set(names)) == len(names)
    assert len({t.anchor for t in TERMS}) == len(TERMS)
    assert all(t.definition.strip().endswith(".") for t in TERMS)


@pytest.mark.parametrize("text, term, expected", [
    ("refractory macrophage activation syndrome (MAS)", "MAS", "macrophage activation syndrome"),
    ("the I\u00b2 (%) of the pooled", "I\u00b2", "I\u00b2"),
    ("pooled by GLMM; tau\u00b2 0.3", "tau\u00b2", "tau\u00b2"),
    ("CR+PR at week 4", "CR", "CR"),
    ("an exact 95% CI of 1 to 9", "Clopper-Pearson interval", "exact 95% CI"),
    ("Boschloo's exact test gives", "Boschloo", "Boschloo's exact test"),
])
def test_term_forms_match_whole_words(text, term, expected):
    t = next(t for t in TERMS if t.name == term)
    assert compiled(t).search(text).group() == expected


@pytest.mark.parametrize("text, term", [("masreview", "MAS"), ("SCREEN", "CR"), ("PRISMA", "PR"),
                                        ("ruxolitinib-treated", "Ruxolitinib")])
def test_term_forms_do_not_match_inside_words(text, term):
    t = next(t for t in TERMS if t.name == term)
    assert compiled(t).search(text) is None


PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---
# Refractory MAS in a heading

Patients with refractory MAS got ruxolitinib; MAS again, and `GLMM` in code.
The GLMM of the text is linked, [a link about HLH](https://example.org) is not, nor is HLH twice: HLH.

| term | value |
|---|---|
| Kaplan-Meier | 1 |

```{code-cell} ipython3
:tags: [hide-input]
zzhiddencodeword = "Boschloo"
```

```{code-cell} ipython3
zzvisiblecodeword = 1
```

```{toctree}
chapters/glossary
```
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from sphinx.cmd.build import build_main

    src = tmp_path_factory.mktemp("book")
    (src / "conf.py").write_text('extensions = ["myst_nb", "masreview.book.glossary_links"]\n'
                                 'nb_execution_mode = "off"\nexclude_patterns = ["_build"]\n'
                                 'suppress_warnings = ["myst-nb.lexer"]\n', encoding="utf-8")
    (src / "index.md").write_text(PAGE, encoding="utf-8")
    (src / "chapters").mkdir()
    (src / "chapters" / "glossary.md").write_text("# Glossary\n\n```{masreview-glossary}\n```\n", encoding="utf-8")
    out = src / "_build"
    assert build_main(["-b", "html", "-q", "-W", str(src), str(out)]) == 0
    return out


def _links(path: Path) -> list[tuple[str, str]]:
    page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return [(a.get_text(), a["href"]) for a in page.select("a.masreview-term")]


def test_first_use_in_body_text_links_to_the_entry(built):
    links = _links(built / "index.html")
    assert links == [("refractory", "chapters/glossary.html#term-refractory"),
                     ("MAS", "chapters/glossary.html#term-mas"),
                     ("ruxolitinib", "chapters/glossary.html#term-ruxolitinib"),
                     ("GLMM", "chapters/glossary.html#term-glmm"),
                     ("HLH", "chapters/glossary.html#term-hlh")]
    page = BeautifulSoup((built / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find("h1").find("a", class_="masreview-term") is None
    assert page.find("table").find("a", class_="masreview-term") is None
    assert "Macrophage activation syndrome" in page.find("a", class_="masreview-term", string="MAS")["title"]


def test_glossary_page_has_an_anchor_per_term(built):
    page = BeautifulSoup((built / "chapters" / "glossary.html").read_text(encoding="utf-8"), "html.parser")
    assert {dt.get("id") for dt in page.find_all("dt")} == {t.anchor for t in TERMS}
    assert page.select("a.masreview-term") == []


def test_hidden_code_is_on_the_page_but_not_in_the_search_index(built):
    index = (built / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.index("(") + 1: index.rindex(")")])
    terms = set(data["terms"])
    assert not any(t.startswith("zzhiddencodeword") for t in terms)
    assert any(t.startswith("zzvisiblecodeword") for t in terms)
    assert "zzhiddencodeword" in (built / "index.html").read_text(encoding="utf-8")
    docs = data["terms"].get("boschloo")  # the glossary's word, in the hidden cell of index.md too
    assert docs == data["docnames"].index("chapters/glossary")
