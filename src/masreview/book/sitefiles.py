"""Files of our own on every page (script, style sheet, favicon) and the footer's copyright years.

Connected by :mod:`masreview.book.sphinxext`. ``site/`` is copied to ``_masreview/`` in the HTML output
(not ``_static/``, whose content Sphinx adds to every page whatever it is).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from sphinx.application import Sphinx
from sphinx.builders.html._assets import _JavaScript

from masreview.data import paths


def _yaml(path: Path):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def copyright_years(changelog_path: Path, today=None) -> str:
    """'2025' or '2025-2026': the years of the dated entries of data/changelog.yaml (the build year
    when there are none)."""
    import datetime

    years = []
    try:
        for entry in _yaml(changelog_path) or []:
            d = entry.get("date") if isinstance(entry, dict) else None
            if isinstance(d, (datetime.date, datetime.datetime)):
                years.append(d.year)
            elif isinstance(d, str) and re.match(r"\d{4}-", d):
                years.append(int(d[:4]))
    except (OSError, yaml.YAMLError, AttributeError, TypeError):
        years = []
    if not years:
        years = [(today or datetime.date.today()).year]
    lo, hi = min(years), max(years)
    return str(lo) if lo == hi else f"{lo}\u2013{hi}"


def set_copyright(app: Sphinx, config) -> None:
    """``copyright: auto`` in _config.yml: the years of the evidence updates."""
    if str(getattr(config, "copyright", "")).strip().lower() == "auto":
        config.copyright = copyright_years(paths.data_dir() / "changelog.yaml")


SITE_DIR = Path(__file__).resolve().parent / "site"
SITE_OUT = "_masreview"
SITE_FILES = ("masreview.js", "masreview.css", "favicon.svg")


def add_templates(app: Sphinx, config) -> None:
    """``config-inited``: our template overrides (``site/templates``) come before the theme's."""
    folder = str(SITE_DIR / "templates")
    if folder not in config.templates_path:
        config.templates_path = [folder, *config.templates_path]


def copy_site_files(app: Sphinx) -> None:
    """``builder-inited``: copy the script, style sheet and favicon to ``_masreview/`` (before any page
    is written, so that Sphinx stamps their links with a checksum)."""
    if app.builder.format != "html":
        return
    out = Path(app.outdir) / SITE_OUT
    out.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        content = (SITE_DIR / name).read_bytes()
        target = out / name
        if not target.is_file() or target.read_bytes() != content:
            target.write_bytes(content)


def accessible_body(body: str) -> str:
    """Markup fixes found by axe-core (tests/site/test_axe.py) in what Sphinx and myst-nb write:

    * a code toggle's ``<summary aria-label="Toggle hidden content">`` hid its visible words ("Show code
      cell source") from its accessible name: the words are the name;
    * a References list is ``role="list"`` whose entries were ``doc-biblioentry`` (not a list item, so
      their back-links counted as stray children): the entries are list items.
    """
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    return body.replace('class="citation" id=', 'class="citation" role="listitem" id=').replace(
        ' role="doc-biblioentry"', "")


def add_site_files(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """``html-page-context``: link the script, style sheet and favicon on every page; markup fixes
    (:func:`accessible_body`)."""
    if app.builder.format != "html":
        return
    if "body" in context:
        context["body"] = accessible_body(context["body"])
    from sphinx.builders.html._assets import _CascadingStyleSheet

    context.setdefault("script_files", []).append(
        _JavaScript(f"{SITE_OUT}/masreview.js", defer="defer", priority=900))
    context.setdefault("css_files", []).append(
        _CascadingStyleSheet(f"{SITE_OUT}/masreview.css", priority=900))
    context["favicon_url"] = context["pathto"](f"{SITE_OUT}/favicon.svg", 1)
