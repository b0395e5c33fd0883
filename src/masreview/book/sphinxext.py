"""Sphinx extension for the book (``sphinx: extra_extensions: [masreview.book.sphinxext]``).

It does three things.

**Offline charts.** Charts rendered by :func:`masreview.present.charts.enable_offline_charts` need
``vegaEmbed``. The extension writes ``vl_convert.javascript_bundle()`` (Vega, Vega-Lite and
vega-embed matching the installed vl-convert, about 0.9 MB) once to ``_vendor/vega-bundle.js`` in the
HTML output, and adds a deferred ``<script>`` for it only to pages whose body holds a chart. It is
kept out of ``_static/`` on purpose: Sphinx adds everything there to every page.

**Inputs fingerprint, so outputs are never stale.** The execution cache (jupyter-cache) is keyed on
the code cells only, so editing a CSV under ``data/`` or a module under ``src/`` would otherwise
serve old outputs. Each executable MyST chapter therefore depends on:

* every ``*.py`` file of the ``masreview`` package (the code the chapter imports);
* the ``*.yaml`` files at the top of ``data/`` (cohorts, changelog) and ``references.bib`` (the
  loader cross-checks every source's BibTeX key against it);
* the source folders it names in its front matter, ``data/sources/<id>/``::

      ---
      masreview:
        inputs: [li-2025-front-immunol]
      ---

  or, without that declaration, everything under ``data/``.

  A chapter that declares its inputs depends only on *its sources' parts* of the files all sources
  share: their cohorts' entries in ``data/cohorts.yaml`` (and cohorts whose primary source they are),
  the ``data/changelog.yaml`` entries naming them, and their entries in ``references.bib``. So adding
  a source re-executes its own chapter and the pages that read all of ``data/`` (synthesis, landing
  page, What's new...), not every source chapter. Such a chapter still validates the whole dataset as
  it runs; a data error anywhere stops the build through the pages that read all of ``data/``.

A ``source-read`` hook appends to the chapter a hidden code cell (tag ``remove-cell``) holding a hash
of those files' relative paths and contents. When an input changes, the chapter's code changes, so
myst-nb misses the cache and executes it again; an ``env-get-outdated`` hook tells Sphinx which
chapters to re-read even though their own file is untouched. Nothing changed: nothing re-executes.
The data are read from :func:`masreview.data.paths.data_dir`, as the chapters read them; building a copy
of the repository points ``MASREVIEW_ROOT`` at that copy unless it is already set.

**No other host.** A page that would load a script or style sheet from another host (MathJax for
math markup, a widget manager, Thebe) produces a warning, which ``-W`` turns into a failed build.
Thebe is disabled in ``_config.yml``; its unused configuration scripts are dropped from the pages.

**Citation labels.** It registers the pybtex style ``masreview`` (:mod:`masreview.book.citations`):
author-year labels ("Li et al. 2025a") computed once for the whole ``references.bib``, so they never
collide across the chapters' own References lists. When a label changes (a second entry with the same
author and year arrives), every page is read again.

**Glossary.** The ``{masreview-glossary}`` directive and links from the first use of each term on a page
to its entry; the search index leaves hidden code out (:mod:`masreview.book.glossary_links`).

**Lighter pages.** The theme's FontAwesome script (1.5 MB) is left out of every page (the theme's style
sheet draws the same icons with its webfont): see ``site/templates/static/webpack-macros.html``.

**Reader comforts.** Every page gets a small script of our own (``site/masreview.js``: the phone
menu and contents buttons work despite pydata-sphinx-theme issue #2451), a style sheet
(``site/masreview.css``: no page wider than a phone screen, charts fit their column) and an SVG
favicon (``site/favicon.svg``), by :mod:`masreview.book.sitefiles`. They are copied to ``_masreview/`` in the output, not ``_static/``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import yaml
from sphinx.application import Sphinx
from sphinx.builders.html._assets import _JavaScript
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

import masreview
from masreview.book import citations, glossary_links, sitefiles
from masreview.data.bib import read_bibliography
from masreview.data.readers import read_yaml
from masreview.data import paths

logger = logging.getLogger(__name__)

BUNDLE_PATH = "_vendor/vega-bundle.js"
FINGERPRINT_MARK = "# masreview inputs fingerprint:"
_PACKAGE_DIR = Path(masreview.__file__).resolve().parent


# ---------------------------------------------------------------------------------------------------
# Inputs fingerprint
# ---------------------------------------------------------------------------------------------------


def front_matter(text: str) -> dict[str, Any]:
    """The YAML front matter of a MyST file (``{}`` when there is none)."""
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    data = yaml.safe_load(text[3:end])
    return data if isinstance(data, dict) else {}


def declared_inputs(meta: dict[str, Any], docname: str) -> tuple[str, ...] | None:
    """Source ids from ``masreview: {inputs: [...]}``, or None when the chapter declares none."""
    inputs = (meta.get("masreview") or {}).get("inputs")
    if inputs is None:
        return None
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        logger.warning(
            "masreview.inputs must be a list of source ids, got %r", inputs, location=docname
        )
        return None
    return tuple(sorted(set(inputs)))


def input_files(inputs: tuple[str, ...] | None, docname: str) -> dict[str, Path]:
    """The files a chapter depends on, keyed by a stable relative name."""
    data = paths.data_dir()
    files: dict[str, Path] = {}

    def add(root: Path, label: str, pattern: str) -> None:
        for f in sorted(root.glob(pattern)):
            rel = f.relative_to(root)
            if f.is_file() and not any(part.startswith((".", "__pycache__")) for part in rel.parts):
                files[(Path(label) / rel).as_posix()] = f

    add(_PACKAGE_DIR, "src/masreview", "**/*.py")
    add(paths.repo_root(), "", "references.bib")
    if inputs is None:
        add(data, "data", "**/*")
    else:
        add(data, "data", "*.yaml")
        for shared in SHARED_FILES:  # only the declared sources' parts count (see shared_parts)
            files.pop(shared, None)
        for source_id in inputs:
            folder = data / "sources" / source_id
            if not folder.is_dir():
                logger.warning(
                    "masreview.inputs names %r, but %s does not exist", source_id, folder,
                    location=docname,
                )
            add(folder, f"data/sources/{source_id}", "**/*")
    return files


#: Files every source has a part in (relative to the repository root).
SHARED_FILES = ("data/cohorts.yaml", "data/changelog.yaml", "references.bib")


def _yaml(path: Path):
    """A data file read by the one safe YAML reader (dates stay text); an invalid file raises."""
    parsed = read_yaml(path, path.parent, [])
    if parsed is None:
        raise ValueError(f"{path} is not valid")
    return parsed[0]


def shared_parts(inputs: tuple[str, ...]) -> bytes:
    """The parts of :data:`SHARED_FILES` that concern the sources ``inputs``, as canonical bytes.

    A file that cannot be read or parsed counts whole, so that nothing is ever missed.
    """
    import json

    root = paths.repo_root()
    records = {}
    for source_id in inputs:
        try:
            records[source_id] = _yaml(root / "data" / "sources" / source_id / "source.yaml") or {}
        except Exception:  # an unreadable record: the source folder is hashed anyway
            records[source_id] = {}
    cohort_ids = {r.get("cohort_id") for r in records.values() if isinstance(r, dict)}
    keys = {(r.get("bibliography") or {}).get("bibtex_key") for r in records.values() if isinstance(r, dict)
            and isinstance(r.get("bibliography"), dict)}
    parts: dict[str, object] = {}
    for name in SHARED_FILES:
        path = root / name
        if not path.is_file():
            parts[name] = None
            continue
        try:
            if name == "data/cohorts.yaml":
                data = _yaml(path)
                parts[name] = {k: v for k, v in data.items() if k in cohort_ids or
                               (isinstance(v, dict) and v.get("primary_source") in inputs)}
            elif name == "data/changelog.yaml":
                data = _yaml(path) or []
                parts[name] = [e for e in data if set(inputs) & set((e.get("sources_added") or []) +
                                                                     (e.get("sources_changed") or []))]
            else:
                entries = read_bibliography(root, [])
                if entries is None:
                    raise ValueError(name)  # an invalid file: hashed whole below
                parts[name] = sorted(e.bibtex() for k, e in entries.items() if k in keys)
        except Exception:
            parts[name] = path.read_text(encoding="utf-8", errors="replace")
    return json.dumps(parts, sort_keys=True, default=str).encode("utf-8")


def fingerprint(inputs: tuple[str, ...] | None, docname: str) -> str:
    """SHA-256 over the relative paths and contents of a chapter's input files."""
    digest = hashlib.sha256()
    for name, path in sorted(input_files(inputs, docname).items()):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode("ascii") + b"\n")
    if inputs is not None:
        digest.update(b"shared parts\0" + hashlib.sha256(shared_parts(inputs)).hexdigest().encode("ascii"))
    return digest.hexdigest()


def _fingerprints(env: BuildEnvironment) -> dict[str, tuple[tuple[str, ...] | None, str]]:
    """docname -> (declared inputs, fingerprint) of the last read, kept in the pickled env."""
    if not hasattr(env, "masreview_fingerprints"):
        env.masreview_fingerprints = {}
    return env.masreview_fingerprints


def with_fingerprint(text: str, docname: str) -> tuple[str, tuple[str, ...] | None, str] | None:
    """An executable MyST chapter's text with the hidden fingerprint cell appended, its declared
    inputs and the fingerprint; None for a page that executes nothing. (Also used by
    :mod:`masreview.book.preexecute`, which must build exactly the notebook the book build reads.)"""
    from myst_nb.core.read import is_myst_markdown_notebook

    if not is_myst_markdown_notebook(text) or "```{code-cell}" not in text:
        return None  # plain pages, and notebooks without code: nothing executes, nothing to refresh
    inputs = declared_inputs(front_matter(text), docname)
    digest = fingerprint(inputs, docname)
    return (
        text.rstrip("\n")
        + "\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\n"
        + f"{FINGERPRINT_MARK} {digest}\n```\n"
    ), inputs, digest


def add_fingerprint_cell(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: append the hidden fingerprint cell to an executable MyST chapter."""
    done = with_fingerprint(source[0], docname)
    if done is None:
        return
    source[0], inputs, digest = done
    _fingerprints(app.env)[docname] = (inputs, digest)


def outdated_by_inputs(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """``env-get-outdated``: chapters whose own file is unchanged but whose inputs changed."""
    stale = []
    for docname, (inputs, digest) in sorted(_fingerprints(env).items()):
        if docname in added | changed | removed:
            continue
        if fingerprint(inputs, docname) != digest:
            stale.append(docname)
    if stale:
        logger.info("masreview: inputs changed for %s", ", ".join(stale))
    return stale


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _fingerprints(env).pop(docname, None)


def merge_info(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment):
    _fingerprints(env).update(
        {d: v for d, v in _fingerprints(other).items() if d in docnames}
    )


# ---------------------------------------------------------------------------------------------------
# Pages: Vega bundle on chart pages, nothing from other hosts
# ---------------------------------------------------------------------------------------------------


def _write_bundle(app: Sphinx) -> None:
    """Write the Vega bundle once per build, leaving the file alone when it is unchanged."""
    if getattr(app, "_masreview_bundle_written", False):
        return
    import json
    from importlib.metadata import version

    import vl_convert

    from masreview.present.charts import VEGALITE_VERSION

    # Generating the bundle takes seconds; it depends only on these versions, so it is kept beside the
    # execution cache and made again only when one of them changes (or after `make clean`).
    key = json.dumps({"vl-convert-python": version("vl-convert-python"), "vega-lite": VEGALITE_VERSION,
                      "wrapper": 1})
    cached = Path(app.outdir).parent / ".masreview" / "vega-bundle.js"
    stamp = cached.with_suffix(".key")
    if cached.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        content = cached.read_bytes()
    else:
        # Wrapped in a function so the bundle's top-level names cannot clash with other page scripts;
        # it still sets window.vegaEmbed, window.vega and window.vegaLite.
        code = vl_convert.javascript_bundle(vl_version=VEGALITE_VERSION)
        content = ("(function () {\n" + code + "\n})();\n").encode("utf-8")
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(content)
        stamp.write_text(key, encoding="utf-8")
    target = Path(app.outdir) / BUNDLE_PATH
    if not target.is_file() or target.read_bytes() != content:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    app._masreview_bundle_written = True


def _is_remote(uri: str | None) -> bool:
    return bool(uri) and ("://" in uri or uri.startswith("//"))


def update_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """``html-page-context``: add the Vega bundle to chart pages; refuse remote assets."""
    if app.builder.format != "html":
        return
    from masreview.present.charts import CHART_CLASS

    scripts = context.get("script_files", [])
    # Thebe is off (launch_buttons.thebe: false) but sphinx-thebe still adds its configuration
    # (a THEBE_JS_URL constant pointing at a CDN, declared twice) and loader to every page.
    scripts[:] = [
        js for js in scripts
        if "THEBE_JS_URL" not in str(getattr(js, "attributes", {}).get("body", ""))
        and not str(getattr(js, "filename", js) or "").endswith("sphinx-thebe.js")
    ]
    if f'class="{CHART_CLASS}"' in context.get("body", ""):
        _write_bundle(app)
        scripts.append(_JavaScript(BUNDLE_PATH, defer="defer", priority=600))

    assets = [getattr(a, "filename", a) for a in scripts + list(context.get("css_files", []))]
    for uri in filter(_is_remote, assets):
        logger.warning(
            "page %s would load %s from another host; the site must work offline "
            "(math markup needs MathJax, ipywidgets a widget manager: avoid both in chapters)",
            pagename, uri, location=pagename if pagename in app.env.all_docs else None,
        )


# ---------------------------------------------------------------------------------------------------


def _point_package_at_book(app: Sphinx, config) -> None:
    """Make chapters read the data of the book being built (a copy of the repo included)."""
    if "MASREVIEW_ROOT" not in os.environ and (Path(app.srcdir) / "data").is_dir():
        os.environ["MASREVIEW_ROOT"] = str(Path(app.srcdir).resolve())
    # Kernels started by this build draw charts as the pages need them (masreview.present.charts).
    os.environ["MASREVIEW_BOOK_BUILD"] = "1"  # charts.BOOK_BUILD_ENV (not imported: altair loads lazily)


def _citation_labels(app: Sphinx, config) -> None:
    """Book-wide author-year labels from the configured bibliography files."""
    files = [Path(app.srcdir) / f for f in (getattr(config, "bibtex_bibfiles", None) or [])]
    app._masreview_citation_labels = citations.register(files)


def labels_changed(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """``env-get-outdated``: every page when a citation label changed since the last build."""
    now = getattr(app, "_masreview_citation_labels", {})
    before = getattr(env, "masreview_citation_labels", None)
    env.masreview_citation_labels = now
    if before is None or before == now:
        return []
    logger.info("masreview: citation labels changed; reading every page again")
    return sorted(env.found_docs)


def drop_widget_state(app: Sphinx, doctree) -> None:
    """``doctree-read``: no ipywidgets state on the web pages.

    myst-nb embeds a notebook's widget state (``application/vnd.jupyter.widget-state+json``) in its page.
    Widgets are for JupyterLab (no widget manager is served), and the state holds random model ids, so
    two clean builds would differ byte for byte. The notebooks in the execution cache keep it.
    """
    meta = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    for key in [k for k in meta.get("js_files", {}) if k.startswith("ipywidgets")]:
        del meta["js_files"][key]


def setup(app: Sphinx) -> dict[str, Any]:
    # Author-year citation labels (`bibtex_default_style: masreview`): see masreview.book.citations.
    citations.register()
    app.connect("config-inited", _point_package_at_book)
    app.connect("config-inited", _citation_labels)
    app.connect("config-inited", sitefiles.set_copyright)
    app.connect("env-get-outdated", labels_changed)
    app.connect("html-page-context", sitefiles.add_site_files)
    app.connect("builder-inited", sitefiles.copy_site_files)
    app.connect("source-read", add_fingerprint_cell)
    app.connect("env-get-outdated", outdated_by_inputs)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("doctree-read", drop_widget_state)
    app.connect("html-page-context", update_page)
    app.connect("config-inited", sitefiles.add_templates)
    glossary_links.setup(app)
    # A new env_version makes Sphinx read every page again: 2, the citation style changed (each
    # References list keeps the style it was read with); 3, widget state is no longer kept.
    return {"version": masreview.__version__, "parallel_read_safe": True,
            "parallel_write_safe": True, "env_version": 3}
