"""Where the project's files are, resolved from the installed package, never the working directory.

Chapters execute in ``chapters/``, nbval in ``tests/notebooks/``, JupyterLab wherever it was opened:
all of them find the data through these functions. ``MASREVIEW_ROOT`` points the whole package at a
temporary copy of the repository (used by tests that edit data and rebuild).
"""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The repository root (the folder holding ``_config.yml`` and ``data/``)."""
    env = os.environ.get("MASREVIEW_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    """The ``data/`` folder."""
    return repo_root() / "data"


def sources_dir() -> Path:
    """``data/sources/``: one folder per publication."""
    return data_dir() / "sources"
