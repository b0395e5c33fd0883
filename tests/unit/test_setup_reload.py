"""setup() loads the dataset once per kernel, and again when anything under data/ or references.bib
changed since the last load (a fingerprint of paths, sizes and mtimes), so Run All shows edited data."""

from __future__ import annotations

import os
import shutil

import pytest

from masreview.book import setup as setup_mod
from masreview.data import paths

VALID = paths.repo_root() / "tests" / "fixtures" / "valid"


@pytest.fixture
def book(tmp_path, monkeypatch):
    root = tmp_path / "book"
    shutil.copytree(VALID, root)
    monkeypatch.setenv("MASREVIEW_ROOT", str(root))
    monkeypatch.setattr(setup_mod, "_DATASET", None)
    monkeypatch.setattr(setup_mod, "_LOADED_FROM", None)
    return root


def _bump(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def test_unchanged_data_is_not_reloaded(book):
    first = setup_mod.setup()
    assert setup_mod.setup() is first


def test_an_edited_data_file_is_reloaded(book):
    first = setup_mod.setup()
    csv = sorted((book / "data").rglob("*.csv"))[0]
    _bump(csv)
    second = setup_mod.setup()
    assert second is not first
    assert setup_mod.setup() is second


def test_an_edited_bibliography_or_new_file_is_reloaded(book):
    first = setup_mod.setup()
    _bump(book / "references.bib")
    second = setup_mod.setup()
    assert second is not first
    (book / "data" / "notes.txt").write_text("a new file\n", encoding="utf-8")
    assert setup_mod.setup() is not second


def test_reload_flag_forces_a_load(book):
    first = setup_mod.setup()
    assert setup_mod.setup(reload=True) is not first
