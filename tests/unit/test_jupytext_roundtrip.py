"""Saving a chapter in JupyterLab keeps it as it is: a jupytext round trip (read the MyST file as a
notebook with the project's jupytext.toml, write it back as md:myst) changes no character, so the
front matter's `masreview: inputs:` and `language` survive."""

from __future__ import annotations

import pytest

from masreview.data import paths

ROOT = paths.repo_root()
CHAPTERS = sorted(ROOT.glob("chapters/*.md")) + [ROOT / "intro.md"]


def _config():
    from jupytext.config import load_jupytext_configuration_file

    return load_jupytext_configuration_file(str(ROOT / "jupytext.toml"))


def test_project_config_keeps_the_front_matter_keys():
    cfg = _config()
    kept = cfg.notebook_metadata_filter.split(",")
    assert "masreview" in kept and "language" in kept


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_round_trip_is_identical(path):
    import jupytext

    text = path.read_text(encoding="utf-8")
    cfg = _config()
    nb = jupytext.reads(text, fmt="md:myst", config=cfg)
    back = jupytext.writes(nb, fmt="md:myst", config=cfg)
    assert back == text


def test_round_trip_without_the_filter_drops_masreview():
    """The failure the config prevents (if jupytext ever keeps unknown keys, this can go)."""
    import jupytext

    path = ROOT / "chapters" / "li-2025-front-immunol.md"
    nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="md:myst")
    assert "masreview:" not in jupytext.writes(nb, fmt="md:myst")
