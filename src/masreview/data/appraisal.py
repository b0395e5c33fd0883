"""``appraisal.csv``: the appraisal of a report, its columns and its rules (data layer).

Every included report is appraised with the Murad et al. 2018 tool for case reports and case series
(8 questions in 4 domains, :data:`masreview.data.vocab.MURAD_ITEMS`); a report that compares its
patients with controls is appraised for that comparison with ROBINS-I as well
(:data:`masreview.data.vocab.ROBINS_I_DOMAINS`). Each judgement carries what supports it: the words or
locator of the source, or :data:`masreview.data.vocab.NOT_IN_WHAT_WAS_READ` when the part read is silent.

The table specification is built here from the schema's own column classes (``masreview.data.schema``
registers it in ``TABLES``); the rules are applied by the loader with the other row and table rules.
"""

from __future__ import annotations

import re

import pandas as pd

from masreview.data import vocab

#: Tool required for every included report, and the tool required for a comparison with controls.
CASE_TOOL = "murad-2018"
COMPARISON_TOOL = "robins-i"
#: Groups whose presence makes a report comparative (ROBINS-I required).
CONTROL_GROUPS = ("historical-control", "ruxolitinib-vs-historical-control")


def appraisal_table(Col, TableSpec, note):
    """The :class:`~masreview.data.schema.TableSpec` of ``appraisal.csv`` (called once by the schema)."""
    return TableSpec(
        name="appraisal",
        file="appraisal.csv",
        description="The appraisal of the report: one row per question of a tool (Murad et al. 2018 for every "
        "included report; ROBINS-I as well for a comparison with controls), with what supports it.",
        patient_level=False,
        key=("tool", "item", "outcome"),
        columns=(
            Col("tool", "str", "The appraisal tool", vocabulary={k: v[0] for k, v in vocab.APPRAISAL_TOOLS.items()}),
            Col("item", "str", "The question (Murad) or bias domain (ROBINS-I) of the tool",
                vocabulary=vocab.APPRAISAL_ITEMS),
            Col("outcome", "str", "The result judged (ROBINS-I is judged per result); empty for every outcome "
                "of the report", nullable=True, vocabulary=vocab.SOF_OUTCOMES),
            Col("judgement", "str", "yes, no or unclear (Murad); low, moderate, serious, critical or "
                "no-information (ROBINS-I)", vocabulary=vocab.APPRAISAL_JUDGEMENTS),
            Col("support", "str", "The words of the source that support the judgement, or its locator, or '"
                + vocab.NOT_IN_WHAT_WAS_READ + "' when the part read is silent"),
            Col("locator", "str", "Where the supporting words are (e.g. 'abstract, methods, sentence 1')",
                nullable=True),
            note,
        ),
    )


def row_rule(r) -> list[tuple[str, str]]:
    """An item of the row's tool, judged on that tool's scale."""
    tool = vocab.APPRAISAL_TOOLS.get(r["tool"])
    if tool is None:
        return []
    out = []
    _, items, scale = tool
    if r["item"] not in items:
        out.append(("item", f"'{r['item']}' is not a question of {r['tool']}: expected one of {', '.join(items)}"))
    if r["judgement"] not in scale:
        out.append(("judgement", f"'{r['judgement']}' is not on the scale of {r['tool']}: expected one of "
                                 f"{', '.join(scale)}"))
    if r["tool"] == CASE_TOOL and pd.notna(r["outcome"]):
        out.append(("outcome", f"{CASE_TOOL} appraises the whole report: leave outcome empty"))
    if r["tool"] == COMPARISON_TOOL and pd.isna(r["outcome"]):
        out.append(("outcome", f"{COMPARISON_TOOL} is judged per result: name the outcome compared"))
    return out


def comparative(tables: dict[str, pd.DataFrame]) -> bool:
    """True when the report has controls (patient rows or measures of a control group)."""
    for name in ("patients", "measures"):
        t = tables.get(name)
        if t is not None and len(t) and "group" in t.columns and t["group"].isin(CONTROL_GROUPS).any():
            return True
    return False


def table_rules(tables: dict[str, pd.DataFrame], included: bool) -> list[tuple[str, str]]:
    """Every question of each tool used is answered (once per outcome judged); an included report has the
    Murad appraisal, and ROBINS-I for its comparison when it has controls. (file, message) per problem."""
    issues: list[tuple[str, str]] = []
    ap = tables.get("appraisal")
    if ap is None:
        return issues
    file = ap.attrs.get("file", "appraisal.csv")
    used = set(ap["tool"].dropna())
    if included and CASE_TOOL not in used:
        issues.append((file, f"has no {CASE_TOOL} rows: every included report is appraised with the Murad "
                                  "et al. 2018 questions (" + ", ".join(vocab.MURAD_ITEMS) + ")"))
    if included and comparative(tables) and COMPARISON_TOOL not in used:
        issues.append((file, f"has no {COMPARISON_TOOL} rows: the report compares its patients with controls, "
                                  "so the comparison is appraised with ROBINS-I (" + ", ".join(vocab.ROBINS_I_DOMAINS)
                                  + ")"))
    for (tool, outcome), rows in ap.groupby([ap["tool"], ap["outcome"].fillna("")], sort=True):
        if tool not in vocab.APPRAISAL_TOOLS:
            continue
        missing = [i for i in vocab.APPRAISAL_TOOLS[tool][1] if i not in set(rows["item"])]
        if missing:
            scope = f" for outcome {outcome}" if outcome else ""
            issues.append((file, f"{tool}{scope} leaves out {', '.join(missing)}: answer every question "
                                      f"(unclear / no-information with '{vocab.NOT_IN_WHAT_WAS_READ}' when the text "
                                      "read is silent)"))
    return issues


def read_extent(record) -> str:
    """How much of a report was read: ``extraction.read_extent``, or, when not given, read from
    ``extraction.from_text`` (full text only when it says so and does not say it was unavailable)."""
    ex = record.extraction
    if ex.read_extent:
        return ex.read_extent
    text = ex.from_text.lower()
    if "full text" in text and not re.search(r"full text (was |is )?not|not available|not read", text):
        return "full-text"
    return "abstract"
