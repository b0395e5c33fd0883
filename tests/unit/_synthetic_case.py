"""A synthetic case report with real dates, laboratory values and a body weight, written into a copy of
the repository's data. It exercises the case-report helpers on the shape future case reports will have.

Known by construction (calendar arithmetic, done by hand):
  phase 1  2024-12-20 .. 2025-01-09  21 days   first-line treatment
  phase 2  2025-01-10 .. 2025-01-20  11 days   ruxolitinib 5 mg twice daily
  phase 3  2025-01-21 .. 2025-04-09  79 days   ruxolitinib 10 mg twice daily (11 + 28 + 31 + 9)
  phase 4  2025-04-10 .. 2025-07-08  90 days   after ruxolitinib (21 + 31 + 30 + 8)
  ruxolitinib in all: 11 + 79 = 90 days; 10 mg twice daily = 20 mg/day; weight 30 kg -> 0.67 mg/kg/day
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from masreview.data import paths
from _appraisal_fixture import appraisal_csv

SYNTHETIC_ID = "doe-2026-synthetic-case"


def copy_repo(tmp_path: Path) -> Path:
    """data/ and references.bib of the repository, copied under tmp_path (a root for load_dataset)."""
    root = tmp_path / "repo"
    shutil.copytree(paths.repo_root() / "data", root / "data")
    shutil.copyfile(paths.repo_root() / "references.bib", root / "references.bib")
    return root


def _write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def add_synthetic_case(root: Path) -> Path:
    folder = root / "data" / "sources" / SYNTHETIC_ID
    folder.mkdir(parents=True)
    with open(root / "data" / "cohorts.yaml", "a", encoding="utf-8") as f:
        f.write("\nsynthetic-case:\n  label: A synthetic child used by the tests\n"
                f"  primary_source: {SYNTHETIC_ID}\n")
    with open(root / "references.bib", "a", encoding="utf-8") as f:
        f.write("\n@article{doe2026synthetic,\n  author = {Doe, J. and Roe, R.},\n  title = {A synthetic case},\n"
                "  journal = {Test Journal},\n  year = {2026},\n  doi = {10.9999/synthetic.2026}\n}\n")
    _write(folder / "source.yaml", f"""
        id: {SYNTHETIC_ID}
        cohort_id: synthetic-case
        status: included
        design: case-report
        population: paediatric
        underlying_diseases: [sJIA]
        summary: A synthetic case with dates and laboratory values, for the tests.
        bibliography:
          authors: [Doe J, Roe R]
          title: A synthetic case
          journal: Test Journal
          year: 2026
          doi: 10.9999/synthetic.2026
          bibtex_key: doe2026synthetic
          received: 2025-08-01
          published: 2026-01-15
        extraction:
          date: 2026-02-01
          by: test suite
          from_text: full text
        criteria:
          mas_classification: 2016 EULAR/ACR/PRINTO classification criteria
        """)
    (folder / "appraisal.csv").write_text(appraisal_csv(), encoding="utf-8")
    _write(folder / "measures.csv", """
        measure_id,measure,group,category,timepoint,value,numerator,denominator,unit,decimals,qualifier,locator
        m01,patients,ruxolitinib,,baseline,,1,,patients,0,,"case, paragraph 1"
        m02,age,ruxolitinib,,baseline,8,,,year,0,,"case, paragraph 1"
        m03,previous-mas-episodes,ruxolitinib,,baseline,,0,,count,0,,"case, paragraph 1"
        m04,ruxolitinib-dose,ruxolitinib,twice-daily,overall,10,,,mg,0,,"case, paragraph 3"
        m05,ruxolitinib-duration,ruxolitinib,,overall,90,,,day,0,,"case, paragraph 3"
        m06,recurrence,ruxolitinib,,overall,,0,,patients,0,,"case, paragraph 4"
        """)
    _write(folder / "patients.csv", """
        patient_id,group,sex,age_years,disease,disease_duration_years,previous_mas_episodes,active_disease_baseline,weight_kg,origin,locator
        C1,ruxolitinib,male,8,sJIA,1.5,0,yes,30,reported,"case, paragraph 1"
        """)
    _write(folder / "phases.csv", """
        patient_id,phase_id,order,label,start_date,end_date,duration,duration_unit,duration_qualifier,origin,locator
        C1,first-line,1,Methylprednisolone pulses and anakinra,2024-12-20,2025-01-09,,,exact,reported,"case, paragraph 2"
        C1,rux-start,2,Ruxolitinib 5 mg twice daily,2025-01-10,2025-01-20,,,exact,reported,"case, paragraph 3"
        C1,rux-adjusted,3,Ruxolitinib 10 mg twice daily,2025-01-21,2025-04-09,,,exact,reported,"case, paragraph 3"
        C1,after,4,Off ruxolitinib,2025-04-10,2025-07-08,,,exact,reported,"case, paragraph 4"
        """)
    _write(folder / "treatments.csv", """
        patient_id,treatment_id,drug,dose,dose_unit,frequency,route,rounds,phase_id,role,origin,locator
        C1,t1,methylprednisolone,30,mg/kg/day,pulse,intravenous,1,first-line,failed,reported,"case, paragraph 2"
        C1,t2,anakinra,,,once-daily,subcutaneous,,first-line,failed,reported,"case, paragraph 2"
        C1,t3,ruxolitinib,5,mg,twice-daily,oral,,rux-start,salvage,reported,"case, paragraph 3"
        C1,t4,ruxolitinib,10,mg,twice-daily,oral,,rux-adjusted,salvage,reported,"case, paragraph 3"
        """)
    _write(folder / "observations.csv", """
        patient_id,time,time_unit,measure,state,value,unit,origin,locator
        C1,0,day,ferritin,,15000,ng/mL,reported,"table 1"
        C1,28,day,ferritin,,800,ng/mL,reported,"table 1"
        C1,0,day,alt,,450,U/L,reported,"table 1"
        C1,28,day,alt,,40,U/L,reported,"table 1"
        C1,28,day,response-state,CR,,,reported,"case, paragraph 3"
        """)
    _write(folder / "events.csv", """
        patient_id,event,time,time_unit,origin,locator
        C1,last-follow-up,180,day,reported,"case, paragraph 4"
        """)
    return folder
