"""Two reports of one cohort side by side: the numbers both state, and how their wording differs.

:mod:`masreview.data.crosscheck` already refuses data in which two reports of a cohort state different
values for the same measure. This module is for showing the comparison to readers: every shared
measure with both printed values and both quotations, the measures only one report states, and the
differences between the two bibliographic records (title words, authors, venue) and in the names
the two texts give the population (e.g. RD-MAS vs CTD-MAS).
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from masreview.data.crosscheck import SHARED_KEY
from masreview.data.model import SourceData
from masreview.present.format import describe, printed


def _keys(m: pd.DataFrame) -> pd.Series:
    return m[SHARED_KEY].astype("string").fillna("").apply(tuple, axis=1)


def shared_measures(a: SourceData, b: SourceData) -> pd.DataFrame:
    """One row per measure both sources state: measure, each printed value, agreement, each quote."""
    ma, mb = a["measures"], b["measures"]
    kb = dict(zip(_keys(mb), mb.index))
    rows = []
    for i, key in zip(ma.index, _keys(ma)):
        j = kb.get(key)
        if j is None:
            continue
        ra, rb = ma.loc[i], mb.loc[j]
        same = all((pd.isna(ra[c]) and pd.isna(rb[c])) or (pd.notna(ra[c]) and pd.notna(rb[c])
                   and float(ra[c]) == float(rb[c])) for c in ("value", "numerator", "denominator"))
        rows.append({"measure": describe(ra), a.id: printed(ra), b.id: printed(rb),
                     "agree": "yes" if same else "no",
                     f"{a.id} quote": ra.get("quote", ""), f"{b.id} quote": rb.get("quote", "")})
    return pd.DataFrame(rows)


def only_in(a: SourceData, b: SourceData) -> pd.DataFrame:
    """Measures that ``a`` states and ``b`` does not."""
    ma = a["measures"]
    kb = set(_keys(b["measures"]))
    keep = [i for i, k in zip(ma.index, _keys(ma)) if k not in kb]
    return pd.DataFrame([{"id": ma.at[i, "measure_id"], "measure": describe(ma.loc[i]),
                          "reported": printed(ma.loc[i]), "locator": ma.at[i, "locator"]} for i in keep])


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]*", text.lower())


def word_difference(text_a: str, text_b: str) -> tuple[list[str], list[str]]:
    """Words (case-insensitive, with multiplicity) only in ``text_a`` and only in ``text_b``."""
    ca, cb = Counter(_words(text_a)), Counter(_words(text_b))
    only_a = [w for w in dict.fromkeys(_words(text_a)) for _ in range((ca - cb)[w])]
    only_b = [w for w in dict.fromkeys(_words(text_b)) for _ in range((cb - ca)[w])]
    return only_a, only_b


def population_terms(src: SourceData, pattern: str = r"\b[A-Z]{2,4}-MAS\b") -> list[str]:
    """Abbreviations of the population in a source's own words: its quotations and title (e.g. 'RD-MAS')."""
    texts = list(src["measures"].get("quote", pd.Series(dtype="string")).dropna())
    texts.append(src.record.bibliography.title)
    found = [t for text in texts for t in re.findall(pattern, text)]
    return sorted(set(found), key=found.index)


def record_differences(a: SourceData, b: SourceData) -> pd.DataFrame:
    """Where the two records differ: title wording, population abbreviation, authors, venue, design."""
    ra, rb = a.record, b.record
    ba, bb = ra.bibliography, rb.bibliography
    rows = []
    ta, tb = word_difference(ba.title, bb.title)
    rows.append({"aspect": "title: words only in one", a.id: " ".join(ta) or "(none)", b.id: " ".join(tb) or "(none)"})
    pa, pb = population_terms(a), population_terms(b)
    rows.append({"aspect": "population abbreviation in the text", a.id: ", ".join(pa) or "(none)",
                 b.id: ", ".join(pb) or "(none)"})
    rows.append({"aspect": "number of authors", a.id: str(len(ba.authors)), b.id: str(len(bb.authors))})
    oa = [x for x in ba.authors if x not in bb.authors]
    ob = [x for x in bb.authors if x not in ba.authors]
    rows.append({"aspect": "authors only in one", a.id: ", ".join(oa) or "(none)", b.id: ", ".join(ob) or "(none)"})
    common_a = [x for x in ba.authors if x in bb.authors]
    common_b = [x for x in bb.authors if x in ba.authors]
    rows.append({"aspect": "shared authors in the same order", a.id: "yes" if common_a == common_b else "no",
                 b.id: "yes" if common_a == common_b else "no"})
    rows.append({"aspect": "venue", a.id: _venue(ra), b.id: _venue(rb)})
    rows.append({"aspect": "design", a.id: ra.design, b.id: rb.design})
    return pd.DataFrame(rows)


def _venue(r) -> str:
    b = r.bibliography
    parts = [b.journal, str(b.year)]
    if b.volume:
        parts.append(f"vol. {b.volume}" + (f" ({b.issue})" if b.issue else ""))
    if b.meeting:
        parts.append(b.meeting)
    if b.abstract_number:
        parts.append(f"abstract {b.abstract_number}")
    return ", ".join(parts)
