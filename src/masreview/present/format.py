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


def citation_label(src) -> str:
    """The one label of a report in text, tables and charts: 'Wu 2025', 'Li and Wang 2025', 'Li et al. 2025'."""
    b = src.record.bibliography
    names = [a.split()[0] for a in b.authors]
    who = names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al."
    return f"{who} {b.year}"
