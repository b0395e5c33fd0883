"""A synthetic dataset for helper tests: the valid fixture (one included case report) plus two screened
reports written through ``new-source --status`` and filled as a contributor would (not real publications)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from masreview.book.contribute import new_screened
from masreview.data import paths

FIXTURE = paths.repo_root() / "tests" / "fixtures" / "valid"

FILLED = {
    "summary: >-\n  TODO one sentence: what the report is (design, patients, drug) as far as it was read.":
        "summary: A synthetic screened report used by the tests.",
    "authors: [TODO Surname Initials, as printed]": "authors: [Roe R, Poe P, Moe M]",
    "title: TODO the title as printed": "title: A synthetic screened report",
    "journal: TODO": "journal: Journal of Tests",
    "year: TODO": "year: 2023",
    "from_text: TODO what was read (abstract, full text)": "from_text: abstract",
    "read_extent: TODO": "read_extent: abstract",
    "read_at: TODO": "read_at: https://example.org/abstract",
}


def screened_repo(tmp_path: Path) -> Path:
    """A repository root with the valid fixture and two screened reports (one excluded, one awaiting)."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / "data" / "changelog.yaml").write_text("", encoding="utf-8")
    for sid, status, reason in (("roe-2023-wrong-drug", "excluded", "wrong-drug"),
                                ("poe-2022-unclear", "awaiting", None)):
        new_screened(root, sid, status, reason=reason, note="Synthetic.", today=dt.date(2026, 12, 1))
        rec = root / "data" / "sources" / sid / "source.yaml"
        text = rec.read_text(encoding="utf-8")
        for old, new in FILLED.items():
            text = text.replace(old, new)
        text = text.replace("doi: TODO", f"doi: 10.9999/{sid}")
        if sid.startswith("poe"):
            text = text.replace("year: 2023", "year: 2022").replace("[Roe R, Poe P, Moe M]", "[Poe P]")
        rec.write_text(text, encoding="utf-8")
    bib = root / "references.bib"
    text = bib.read_text(encoding="utf-8")
    for sid in ("roe-2023-wrong-drug", "poe-2022-unclear"):  # each entry with its record's DOI (validate checks it)
        start = text.index("@article{" + sid.replace("-", "") + ",")
        text = text[:start] + text[start:].replace("doi = {TODO}", f"doi = {{10.9999/{sid}}}", 1)
    bib.write_text(text.replace("{TODO}", "{Synthetic}"), encoding="utf-8")
    log = root / "data" / "changelog.yaml"
    log.write_text(log.read_text(encoding="utf-8").replace("TODO what this source adds", "Synthetic, what it adds"),
                   encoding="utf-8")
    return root
