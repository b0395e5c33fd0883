"""A report's underlying diseases agree between its record and its patient rows.

``source.yaml`` lists the report's ``underlying_diseases``; ``patients.csv`` gives each treated patient's
``disease``. A patient's disease outside the record's list, or a reported patient's disease left empty
when the record gives the report one disease only, would make two parts of one page disagree (the
source card and the case card). A record whose diseases are not reported is not checked.
"""

from __future__ import annotations

import pandas as pd

from masreview.data.model import Issue
from masreview.data.tables import row_line


def disease_issues(s) -> list[Issue]:
    """Each treated patient's disease against the record's underlying diseases, located by row."""
    listed = list(s.record.underlying_diseases or [])
    p = s.tables["patients"]
    if (s.record.status != "included" or not listed or "not-reported" in listed or not len(p)
            or "disease" not in p.columns):
        return []
    rel = f"data/sources/{s.id}/patients.csv"
    out = []
    for i in p.index[p["group"] == "ruxolitinib"]:
        disease = p.at[i, "disease"]
        if pd.isna(disease) or disease == "":
            if len(listed) == 1 and p.at[i, "origin"] == "reported":  # a reconstructed row may not know it
                out.append(Issue(rel, f"disease is empty, while source.yaml gives this report one underlying "
                                      f"disease ({listed[0]}): write it for this patient, or list more diseases "
                                      "in source.yaml", line=row_line(p, i), column="disease"))
        elif disease not in listed:
            out.append(Issue(rel, f"disease '{disease}' is not among source.yaml's underlying_diseases "
                                  f"({', '.join(listed)}): add it there or correct the row",
                             line=row_line(p, i), column="disease"))
    return out
