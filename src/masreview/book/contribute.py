"""``python -m masreview new-source``: a new publication becomes a folder of data, a chapter, a citation
stub, a cohort, a changelog entry and a table-of-contents entry. Nothing existing is ever overwritten.

Every template value that a contributor must fill is the word ``TODO``; the loader refuses any TODO
left in data/ or references.bib with the file, line and column, so an unfinished source cannot build.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from string import Template

from masreview.data import schema

from masreview.data import vocab

from masreview.data.model import PLACEHOLDER  # noqa: E402  (one word for "fill this in")


class ContributeError(Exception):
    """A request the command refuses, with what to do instead."""


# Example rows shown in each template (all to be replaced); columns not listed are left empty.
_EXAMPLES: dict[str, dict[str, str]] = {
    "measures": {"measure_id": "m01", "measure": "patients", "group": "ruxolitinib", "timepoint": "baseline",
                 "numerator": "1", "unit": "patients", "decimals": "0", "locator": "TODO abstract, results, sentence 1"},
    "patients": {"patient_id": "P1", "group": "ruxolitinib", "sex": "TODO", "origin": "reported",
                 "locator": "TODO abstract, results, sentence 1"},
    "observations": {"patient_id": "P1", "time": "0", "time_unit": "week", "measure": "ferritin", "value": "TODO",
                     "unit": "ng/mL", "origin": "reported", "locator": "TODO"},
    "events": {"patient_id": "P1", "event": "TODO death or last-follow-up, only as the report states it",
               "time": "TODO", "time_unit": "month", "origin": "reported", "locator": "TODO"},
    "treatments": {"patient_id": "P1", "treatment_id": "t1", "drug": "ruxolitinib", "dose": "TODO",
                   "dose_unit": "mg", "frequency": "twice-daily", "route": "oral", "phase_id": "p1",
                   "role": "salvage", "origin": "reported", "locator": "TODO"},
    "phases": {"patient_id": "P1", "phase_id": "p1", "order": "1", "label": "TODO ruxolitinib",
               "duration_qualifier": "unknown", "origin": "reported", "locator": "TODO"},
}

# --- appraisal.csv: every Murad et al. 2018 question is a row to answer (ROBINS-I rows to add for a
# comparison with controls; the loader asks for them when the report has a control group).
from masreview.data.appraisal import CASE_TOOL  # noqa: E402

_EXAMPLES["appraisal"] = [
    {"tool": CASE_TOOL, "item": item, "judgement": f"{PLACEHOLDER} yes, no or unclear",
     "support": f"{PLACEHOLDER} the words of the source, or '{vocab.NOT_IN_WHAT_WAS_READ}'",
     "locator": f"{PLACEHOLDER} abstract, methods, sentence 1"} for item in vocab.MURAD_ITEMS]

# Tables a design gets as templates (the required ones plus those usually needed).
_TEMPLATE_TABLES: dict[str, tuple[str, ...]] = {
    "case-report": ("measures", "patients", "treatments", "phases", "events", "observations", "appraisal"),
    "case-series": ("measures", "patients", "treatments", "events", "observations", "appraisal"),
    "cohort": ("measures", "patients", "events", "observations", "appraisal"),
    "conference-abstract": ("measures", "appraisal"),
}

# Designs whose reports often print only totals: new-source adds a reconstruction.yaml template (delete it
# when the report gives every patient).
_RECONSTRUCTED_DESIGNS = ("case-series", "cohort")

_CHAPTER_KIND = {"case-report": "case", "case-series": "cohort", "cohort": "cohort",
                 "conference-abstract": "abstract"}


def csv_template(spec: schema.TableSpec) -> str:
    """A commented CSV template of a table, generated from its schema (so it never drifts)."""
    lines = [f"# {spec.file}: {spec.description}",
             "# Lines starting with # are comments. Replace every TODO; delete the example row if it does not apply.",
             "# Columns:"]
    for c in spec.columns:
        need = "required" if not c.nullable else "may be empty"
        lines.append(f"#   {c.name}: {c.help} ({need}; {c.expected()})")
    lines.append(",".join(c.name for c in spec.columns))
    examples = _EXAMPLES[spec.name]
    for example in examples if isinstance(examples, list) else [examples]:
        lines.append(",".join(_csv_cell(example.get(c.name, "")) for c in spec.columns))
    return "\n".join(lines) + "\n"


def _csv_cell(v: str) -> str:
    return f'"{v}"' if ("," in v or '"' in v) else v


def _template(name: str) -> Template:
    return Template(resources.files("masreview.book").joinpath("templates", name).read_text(encoding="utf-8"))


def _toc_with_entry(toc: str, source_id: str) -> str:
    """Insert ``- file: chapters/<id>`` as the last chapter of the "Sources" part of _toc.yml."""
    lines = toc.splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if re.match(r"\s*- caption:\s*Sources\s*$", l))
    except StopIteration:
        raise ContributeError("_toc.yml has no part with '- caption: Sources': add the chapter by hand") from None
    last = None
    for i in range(start + 1, len(lines)):
        if re.match(r"\s*- caption:", lines[i]):
            break
        if re.match(r"\s*- file:", lines[i]):
            last = i
    if last is None:
        raise ContributeError("the Sources part of _toc.yml lists no chapter to follow: add the chapter by hand")
    indent = re.match(r"(\s*)", lines[last]).group(1)
    lines.insert(last + 1, f"{indent}- file: chapters/{source_id}")
    return "\n".join(lines) + "\n"


def _check_new(root: Path, source_id: str) -> str:
    """The BibTeX key of a new source; refuses an invalid or taken id (nothing written)."""
    if not vocab.SOURCE_ID_RE.match(source_id):
        raise ContributeError(f"'{source_id}' is not a source id: expected {vocab.SOURCE_ID_HELP}")
    for p in (root / "data" / "sources" / source_id, root / "chapters" / f"{source_id}.md"):
        if p.exists():
            raise ContributeError(f"{p.relative_to(root)} already exists: choose another source id "
                                  "(nothing was changed)")
    bib_key = re.sub(r"[^a-z0-9]", "", source_id)
    bib_path = root / "references.bib"
    bib = bib_path.read_text(encoding="utf-8") if bib_path.exists() else ""
    if re.search(r"@\w+\s*\{\s*" + re.escape(bib_key) + r"\s*,", bib):
        raise ContributeError(f"references.bib already has an entry '{bib_key}' (nothing was changed)")
    return bib_key


def _append_record(root: Path, source_id: str, values: dict, today: dt.date) -> list[Path]:
    """Append the BibTeX stub and the changelog entry of a new source (every kind of source has both)."""
    bib_path, changelog_path = root / "references.bib", root / "data" / "changelog.yaml"
    bib = bib_path.read_text(encoding="utf-8") if bib_path.exists() else ""
    stub = _template("reference.bib").substitute(values)
    bib_path.write_text(bib.rstrip("\n") + "\n\n" + stub if bib.strip() else stub, encoding="utf-8")
    log = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else ""
    entry = (f"- date: {today.isoformat()}\n  sources_added: [{source_id}]\n"
             f"  summary: {PLACEHOLDER} what this source adds and how the headline numbers change\n")
    changelog_path.write_text(log.rstrip("\n") + "\n" + entry, encoding="utf-8")
    return [bib_path, changelog_path]


def new_screened(root: Path, source_id: str, status: str, reason: str | None = None, note: str | None = None,
                 today: dt.date | None = None, design: str | None = None,
                 population: str | None = None) -> list[Path]:
    """A report screened and not included: only its record, BibTeX stub and changelog line (no tables,
    no cohort, no chapter). ``status`` is excluded (with a reason code) or awaiting; ``design`` and
    ``population``, when given, place it on the evidence map."""
    root = Path(root)
    today = today or dt.date.today()
    if status not in ("excluded", "awaiting"):
        raise ContributeError(f"--status must be excluded or awaiting for a screened report; got '{status}'")
    if status == "excluded" and reason not in vocab.EXCLUSION_REASONS:
        raise ContributeError(f"--reason must be one of {', '.join(vocab.EXCLUSION_REASONS)}; got '{reason}'")
    if status == "awaiting" and reason:
        raise ContributeError("--reason is only for excluded reports")
    for given, known, flag in ((design, vocab.DESIGNS, "--design"), (population, vocab.POPULATIONS, "--population")):
        if given is not None and given not in known:
            raise ContributeError(f"{flag} must be one of {', '.join(known)}; got '{given}'")
    bib_key = _check_new(root, source_id)
    values = dict(source_id=source_id, status=status, bibtex_key=bib_key, today=today.isoformat(),
                  design_line=f"design: {design}" if design else
                  f"# design: one of {', '.join(vocab.DESIGNS)} (optional: places the report on the evidence map)",
                  population_line=f"population: {population}" if population else
                  f"# population: one of {', '.join(vocab.POPULATIONS)} (optional)",
                  placeholder=PLACEHOLDER, read_extents=", ".join(vocab.READ_EXTENTS),
                  reason_line=f"exclusion_reason: {reason}" if reason else "",
                  note=" ".join((note or f"{PLACEHOLDER} one sentence on why, for readers").split()))
    folder = root / "data" / "sources" / source_id
    folder.mkdir(parents=True)
    (folder / "source.yaml").write_text(_template("source-excluded.yaml").substitute(values), encoding="utf-8")
    return [folder / "source.yaml", *_append_record(root, source_id, values, today)]


def new_source(root: Path, source_id: str, design: str, population: str | None = None,
               cohort: str | None = None, today: dt.date | None = None) -> list[Path]:
    """Create every file of a new source; return their paths. Refuses rather than overwrite."""
    root = Path(root)
    today = today or dt.date.today()
    bib_key = _check_new(root, source_id)
    if design not in vocab.DESIGNS:
        raise ContributeError(f"unknown design '{design}': expected one of {', '.join(vocab.DESIGNS)}")
    if population is not None and population not in vocab.POPULATIONS:
        raise ContributeError(f"unknown population '{population}': expected one of {', '.join(vocab.POPULATIONS)}")
    folder = root / "data" / "sources" / source_id
    chapter = root / "chapters" / f"{source_id}.md"
    toc_path, cohorts_path = root / "_toc.yml", root / "data" / "cohorts.yaml"
    toc = toc_path.read_text(encoding="utf-8")
    if re.search(rf"file:\s*chapters/{re.escape(source_id)}\s*$", toc, flags=re.M):
        raise ContributeError(f"_toc.yml already lists chapters/{source_id} (nothing was changed)")
    cohorts_text = cohorts_path.read_text(encoding="utf-8") if cohorts_path.exists() else ""
    cohort_known = cohort is not None and re.search(rf"^{re.escape(cohort)}:\s*$", cohorts_text, flags=re.M)
    if cohort is not None and not cohort_known:
        raise ContributeError(f"cohort '{cohort}' is not in data/cohorts.yaml: leave --cohort out for a new cohort, "
                              "or name an existing one for a second report of the same patients")
    new_toc = _toc_with_entry(toc, source_id)
    population = population or PLACEHOLDER
    values = dict(source_id=source_id, glue_prefix=source_id.replace("-", "_"), design=design,
                  population=population, cohort_id=cohort or source_id,
                  bibtex_key=bib_key, today=today.isoformat(), placeholder=PLACEHOLDER,
                  designs=", ".join(vocab.DESIGNS), populations=", ".join(vocab.POPULATIONS),
                  diseases=", ".join(vocab.DISEASES), read_extents=", ".join(vocab.READ_EXTENTS),
                  exclusion_reasons=", ".join(vocab.EXCLUSION_REASONS))

    created: list[Path] = []
    folder.mkdir(parents=True)
    (folder / "source.yaml").write_text(_template("source.yaml").substitute(values), encoding="utf-8")
    created.append(folder / "source.yaml")
    for name in _TEMPLATE_TABLES[design]:
        spec = schema.TABLES[name]
        (folder / spec.file).write_text(csv_template(spec), encoding="utf-8")
        created.append(folder / spec.file)
    if design in _RECONSTRUCTED_DESIGNS:
        (folder / "reconstruction.yaml").write_text(_template("reconstruction.yaml").substitute(values), encoding="utf-8")
        created.append(folder / "reconstruction.yaml")
    chapter.write_text(_template(f"chapter-{_CHAPTER_KIND[design]}.md").substitute(values), encoding="utf-8")
    created.append(chapter)
    toc_path.write_text(new_toc, encoding="utf-8")
    created.append(toc_path)
    if not cohort:
        entry = (f"{source_id}:\n  label: {PLACEHOLDER} who the patients are (place, population)\n"
                 f"  primary_source: {source_id}\n")
        cohorts_path.write_text(cohorts_text.rstrip("\n") + "\n" + entry, encoding="utf-8")
        created.append(cohorts_path)
    return created + _append_record(root, source_id, values, today)


def table_reference(spec: schema.TableSpec) -> "pd.DataFrame":
    """The columns of a table as contributors read them: name, meaning, whether required, valid values."""
    import pandas as pd

    return pd.DataFrame([{
        "column": c.name,
        "meaning": c.help,
        "cell": "required" if not c.nullable else "may be empty",
        "column in file": "required" if c.required else "optional",
        "valid values": c.expected(),
    } for c in spec.columns])


def tables_by_design() -> "pd.DataFrame":
    """Which tables each design must have and which templates it gets."""
    import pandas as pd

    return pd.DataFrame([{
        "design": vocab.DESIGNS[d],
        "--design": d,
        "required tables": ", ".join(schema.TABLES[t].file for t in schema.TABLES_BY_DESIGN[d]),
        "templates created": ", ".join(schema.TABLES[t].file for t in _TEMPLATE_TABLES[d]),
    } for d in vocab.DESIGNS])


def chapter_issues(root: Path, ds) -> list:
    """Every template placeholder left in the chapter of an included report (file, line, column), so that
    an unfinished chapter (a 'TODO' title or paragraph) is refused by ``validate`` like unfinished data."""
    from masreview.data.model import Issue

    issues = []
    for sid, src in ds.sources.items():
        if src.record.status != "included":
            continue
        path = root / "chapters" / f"{sid}.md"
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            at = line.find(PLACEHOLDER)
            if at >= 0:
                issues.append(Issue(f"chapters/{sid}.md", f"still holds the template placeholder {PLACEHOLDER}: "
                                    "replace it with the report's own words", line=number, column=str(at + 1)))
    return issues
