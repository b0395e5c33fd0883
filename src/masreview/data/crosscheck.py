"""Rules that look across files and sources: cohorts, citations, duplicate DOIs, totals that must add up,
and reports of the same cohort whose shared numbers must agree."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pandas as pd

from masreview.data.bib import read_bibliography
from masreview.data.diseases import disease_issues
from masreview.data.model import Dataset, Issue
from masreview.data.overlap import overlap_issues
from masreview.data.tables import row_line

# Categories that together make up the whole group, per measure: when a source reports all of them for
# one group and timepoint, their counts must add up to the group's size.
PARTITIONS: dict[str, tuple[frozenset, ...]] = {
    "sex": (frozenset({"female", "male"}),),
    "response": (frozenset({"CR", "PR", "NR"}), frozenset({"CR", "PR", "NR", "dead"})),
    "underlying-disease": (frozenset({"AOSD", "SLE", "other-CTD"}), frozenset({"AOSD", "SLE", "sJIA", "other-CTD"})),
}

# Columns that identify "the same number" in two reports of one cohort.
SHARED_KEY = ["measure", "group", "category", "timepoint", "unit"]




def cross_source_issues(ds: Dataset, root: Path) -> list[Issue]:
    issues: list[Issue] = []
    bib = read_bibliography(root, issues)
    if bib is None:
        return issues
    dois: dict[str, str] = {}
    for s in ds.sources.values():
        rel = f"data/sources/{s.id}/source.yaml"
        r = s.record
        if r.cohort_id is not None and r.cohort_id not in ds.cohorts:
            issues.append(Issue(rel, f"cohort_id '{r.cohort_id}' is not in data/cohorts.yaml "
                                     f"(known: {', '.join(ds.cohorts) or 'none'}); add the cohort there first",
                                column="cohort_id"))
        key = r.bibliography.bibtex_key
        if key not in bib:
            issues.append(Issue(rel, f"bibtex_key '{key}' has no entry in references.bib", column="bibliography.bibtex_key"))
        elif r.bibliography.doi:
            entry_doi = str({k.lower(): v for k, v in bib[key].fields.items()}.get("doi", ""))
            if entry_doi.lower() != r.bibliography.doi.lower():
                issues.append(Issue("references.bib", f"entry '{key}' gives doi {entry_doi or '(none)'} but {rel} gives "
                                    f"{r.bibliography.doi}: the citation and the record must name the same publication",
                                    line=bib[key].line, column="doi"))
        if r.bibliography.doi:
            doi = r.bibliography.doi.lower()
            if doi in dois:
                issues.append(Issue(rel, f"DOI {r.bibliography.doi} is also the DOI of source '{dois[doi]}': "
                                         "one publication, one source folder", column="bibliography.doi"))
            dois.setdefault(doi, s.id)
        issues.extend(_totals(s))
        issues.extend(disease_issues(s))
    for cid, c in ds.cohorts.items():
        if c.primary_source not in ds.sources:
            issues.append(Issue("data/cohorts.yaml", f"cohort '{cid}': primary_source '{c.primary_source}' is not a "
                                                     "folder of data/sources", column=f"{cid}.primary_source"))
        elif ds.sources[c.primary_source].record.cohort_id != cid:
            issues.append(Issue("data/cohorts.yaml", f"cohort '{cid}': primary_source '{c.primary_source}' belongs to "
                                f"cohort '{ds.sources[c.primary_source].record.cohort_id}'",
                                column=f"{cid}.primary_source"))
    for i, entry in enumerate(ds.changelog):
        for name in ("sources_added", "sources_changed"):
            for j, sid in enumerate(getattr(entry, name)):
                if sid not in ds.sources:
                    issues.append(Issue("data/changelog.yaml", f"entry {i + 1} ({entry.date}) names source '{sid}', "
                                        "which is not in data/sources", column=f"{i}.{name}.{j}"))
    issues.extend(overlap_issues(ds))
    by_cohort = defaultdict(list)
    for s in ds.sources.values():
        if s.record.cohort_id is not None:
            by_cohort[s.record.cohort_id].append(s)
    for members in by_cohort.values():
        for a, b in combinations(members, 2):
            issues.extend(_disagreements(a, b))
    return issues


def _totals(s) -> list[Issue]:
    """Reported categories that make up a whole group must add up to its size."""
    out = []
    m = s.tables["measures"]
    # Plain lists rather than a groupby per source: with hundreds of sources this rule dominated validation.
    measure_, group_, tp_, cat_, num_, den_, val_ = (m[c].tolist() for c in (
        "measure", "group", "timepoint", "category", "numerator", "denominator", "value"))
    sizes = {}
    for measure, group, num, val in zip(measure_, group_, num_, val_):
        if measure == "patients":
            sizes[group] = int(num) if pd.notna(num) else int(val)
    groups: dict[tuple, list[int]] = {}
    for k, key in enumerate(zip(measure_, group_, tp_)):
        if key[0] in PARTITIONS:
            groups.setdefault(key, []).append(k)
    for measure, group, tp in sorted(groups):  # the order of a groupby on the three columns
        rows = groups[(measure, group, tp)]
        cats = frozenset(cat_[k] for k in rows if pd.notna(cat_[k]))
        if cats not in PARTITIONS[measure]:
            continue
        total = int(sum(num_[k] for k in rows if pd.notna(num_[k])))
        dens = {int(den_[k]) for k in rows if pd.notna(den_[k])}
        expected = next(iter(dens)) if len(dens) == 1 else sizes.get(group)
        if expected is not None and total != expected:
            out.append(Issue(m.attrs["file"], f"{measure} at {tp} in group {group}: "
                             f"{' + '.join(f'{cat_[k]} {int(num_[k])}' for k in rows)} "
                             f"= {total}, but the group has {expected} patients",
                             line=row_line(m, m.index[rows[-1]]), column="numerator"))
    return out


def _disagreements(a, b) -> list[Issue]:
    """Numbers that two reports of one cohort both state must be equal."""
    out = []
    ma, mb = a.tables["measures"], b.tables["measures"]
    ka = ma[SHARED_KEY].astype("string").fillna("")
    kb = mb[SHARED_KEY].astype("string").fillna("")
    index_b = {tuple(r): i for i, r in kb.iterrows()}
    for i, r in ka.iterrows():
        j = index_b.get(tuple(r))
        if j is None:
            continue
        for col in ("value", "numerator", "denominator"):
            va, vb = ma.at[i, col], mb.at[j, col]
            if pd.notna(va) and pd.notna(vb) and float(va) != float(vb):
                out.append(Issue(mb.attrs["file"], f"{col} {vb:g} disagrees with {va:g} in {ma.attrs['file']} "
                                 f"line {row_line(ma, i)}: both report cohort '{a.record.cohort_id}' "
                                 f"({'/'.join(x for x in r if x)})", line=row_line(mb, j), column=col))
    return out
