"""The one formatter of each thing readers see in text: a reported number as the source printed it, a
measure's name, a citation label. Every page and table calls these."""

from __future__ import annotations

import pandas as pd

from masreview.data import vocab

def printed(row: pd.Series) -> str:
    """The number as the source prints it, from the row."""
    d = int(row["decimals"])
    parts = []
    if pd.notna(row["numerator"]) and pd.notna(row["denominator"]):
        parts.append(f"{int(row['numerator'])}/{int(row['denominator'])}")
    elif pd.notna(row["numerator"]) and pd.isna(row["value"]):
        parts.append(f"{int(row['numerator'])}")
    if pd.notna(row["value"]):
        v = f"{row['value']:.{d}f}"
        if row["unit"] == "percent":
            v += "%"
        elif row["unit"] == "p":
            v = f"P = {v}"
        elif row["unit"] in vocab.TIME_UNITS:
            v += f" {row['unit']}" + ("" if float(row["value"]) == 1 else "s")
        elif row["unit"] not in ("patients", "count"):
            v += f" {row['unit']}"
        parts.append(f"({v})" if parts else v)
    text = " ".join(parts)
    qualifier = row.get("qualifier")
    prefix = {"approximately": "about ", "at-least": "at least "}.get(qualifier if isinstance(qualifier, str) else "", "")
    return prefix + text


def describe(row: pd.Series) -> str:
    """A reader's phrase for a measure row: 'Survival, ruxolitinib, overall'."""
    parts = [vocab.MEASURES[row["measure"]]["label"]]
    if pd.notna(row["category"]):
        parts.append(str(row["category"]))
    parts.append(vocab.MEASURE_GROUPS[row["group"]].lower() if row["group"] != "ruxolitinib" else "ruxolitinib")
    if row["timepoint"] != "overall":
        parts.append(row["timepoint"].replace("-", " "))
    return ", ".join(parts)


def in_sentence(label: str) -> str:
    """A label inside a sentence: its first letter in lower case unless the word is an abbreviation
    ('Overall response (CR or PR)' -> 'overall response (CR or PR)'; 'CMV infection' unchanged)."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first[1:].lower() != first[1:]:
        return label
    return label[:1].lower() + label[1:]


def authors_shown(authors: list[str]) -> tuple[list[str], bool]:
    """The authors printed ('Li J'), and whether there are more: the list stops short ('et al. ...' entry)
    or the page read shows no author ('Not shown on the page read')."""
    names, more = [], False
    for a in authors:
        text = a.strip()
        if text.lower().startswith(("et al", "not shown", "authors not shown")):
            more = True
        else:
            names.append(text)
    return names, more


def citation_label(src) -> str:
    """The one label of a report in text, tables and charts: 'Wu 2025', 'Li and Wang 2025', 'Li et al. 2025';
    a report whose authors are not shown on the page read is named by its journal ('Blood Advances 2019',
    'Blood 2019;134:1042' with its volume and pages, or 'Blood 2019, abstract 1042')."""
    b = src.record.bibliography
    shown, more = authors_shown(b.authors)
    names = [a.split()[0] for a in shown]
    if not names:
        number, volume, pages = (getattr(b, k, None) for k in ("abstract_number", "volume", "pages"))
        where = f", abstract {number}" if number else f";{volume}:{pages}" if volume and pages else ""
        return f"{b.journal} {b.year}{where}"
    if len(names) == 1 and not more:
        who = names[0]
    elif len(names) == 2 and not more:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who} {b.year}"
