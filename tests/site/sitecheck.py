"""Helpers for the site quality gates: read a built site, and build a temporary copy of the repository.

The checks read what a reader gets: the HTML under ``_build/html`` and, for glued numbers, the
executed notebooks jupyter-book keeps under ``_build/jupyter_execute`` (``<doc>.glue.json``: every
value a chapter glued, as the ``text/plain`` the page pastes).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from masreview.data import paths
from masreview.present.charts import CHART_CLASS

REPO = paths.repo_root()
SITE = REPO / "_build" / "html"  # what `make book` builds and the site tests read
VENV = Path(sys.prefix)  # the venv running the tests (its jupyter-book, its python)

# Folders of the HTML output that are not pages of the book.
NOT_PAGES = {"_static", "_sources", "_vendor", "_downloads", "_images", ".pytest_cache"}


# ---------------------------------------------------------------------------------------------------
# Reading a built site
# ---------------------------------------------------------------------------------------------------


def pages(html_dir: Path) -> list[str]:
    """Relative paths of the HTML pages of the book (theme folders and the redirecting index left out)."""
    out = []
    for p in sorted(html_dir.rglob("*.html")):
        rel = p.relative_to(html_dir)
        if rel.parts[0] in NOT_PAGES:
            continue
        out.append(rel.as_posix())
    return out


def content_pages(html_dir: Path) -> list[str]:
    """Pages written from the book's own documents (intro and chapters), not Sphinx's generated ones."""
    generated = {"genindex.html", "search.html", "index.html", "py-modindex.html"}
    return [p for p in pages(html_dir) if p not in generated]


def soup(path: Path) -> BeautifulSoup:
    """The parsed page (cached per file version: treat it as read-only)."""
    st = path.stat()
    return _soup(str(path.resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _soup(path: str, _mtime: int, _size: int) -> BeautifulSoup:
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")


def article(page: BeautifulSoup):
    """The main content of a sphinx-book-theme page (what the document itself produced)."""
    return page.find("article", class_="bd-article") or page.find("article") or page


def chart_specs(html_dir: Path) -> dict[str, list[str]]:
    """page -> the Vega-Lite spec (canonical JSON text) of every chart on it, in page order."""
    out: dict[str, list[str]] = {}
    for rel in content_pages(html_dir):
        boxes = soup(html_dir / rel).find_all("div", class_=CHART_CLASS)
        specs = []
        for box in boxes:
            script = box.find("script", attrs={"type": "application/json"})
            specs.append(json.dumps(json.loads(script.string), sort_keys=True))
        if specs:
            out[rel] = specs
    return out


def table_texts(html_dir: Path) -> dict[str, list[list[list[str]]]]:
    """page -> every table of the page's content as rows of cell texts."""
    out = {}
    for rel in content_pages(html_dir):
        tables = []
        for table in article(soup(html_dir / rel)).find_all("table"):
            rows = [[" ".join(c.get_text(" ", strip=True).split()) for c in tr.find_all(["th", "td"])]
                    for tr in table.find_all("tr")]
            tables.append(rows)
        if tables:
            out[rel] = tables
    return out


def glue_store(build_dir: Path) -> dict[str, dict[str, str]]:
    """docname -> {glue key: text/plain} from ``<build>/jupyter_execute/**/*.glue.json``."""
    root = build_dir / "jupyter_execute"
    out = {}
    for f in sorted(root.rglob("*.glue.json")):
        doc = f.relative_to(root).as_posix()[: -len(".glue.json")]
        data = json.loads(f.read_text(encoding="utf-8"))
        out[doc] = {k: v["data"].get("text/plain") for k, v in data.items()}
    return out


# Glue roles in MyST prose: {glue}`key`, {glue:text}`key:fmt`, {glue:any}`key`.
GLUE_ROLE = re.compile(r"\{glue(?::(any|text|md))?\}`([^`]+)`")
_FENCE = re.compile(r"^(`{3,}|:{3,})")
CODE_DIRECTIVES = {"{code-cell}", "{code-block}", "{code}", "{eval-rst}", "{literalinclude}"}


def prose_glue_roles(md_text: str) -> list[tuple[str, str, str]]:
    """(role, key, format) of every glue role in the prose of a MyST chapter, in order.

    Code cells and literal code blocks are skipped (what they hold is code, not pasted text); the
    content of other directives (notes, admonitions) is prose and kept.
    """
    text = md_text
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4:] if end > 0 else text
    roles = []
    stack: list[tuple[str, bool]] = []  # open fences: (fence, is code)
    for line in text.splitlines():
        stripped = line.strip()
        m = _FENCE.match(stripped)
        if m and not (stack and stack[-1][1] and not stripped.startswith(stack[-1][0])):
            fence = m.group(1)
            info = stripped[len(fence):].strip()
            if not info and stack and stack[-1][0] == fence:
                stack.pop()
                continue
            is_code = fence[0] == "`" and (not info.startswith("{") or info.split()[0] in CODE_DIRECTIVES)
            stack.append((fence, is_code))
            continue
        if any(code for _, code in stack):
            continue
        # inline literals (``...``) show role syntax, they do not paste
        line = re.sub(r"``.+?``", "", line)
        for rm in GLUE_ROLE.finditer(line):
            role = rm.group(1) or "any"
            body = rm.group(2)
            if role == "text":
                key, _, fmt = body.partition(":")
            else:
                key, fmt = body, ""
            roles.append((role, key, fmt))
    return roles


def expected_text(role: str, stored: str, fmt: str) -> str:
    """What a glue role pastes for a stored ``text/plain`` value (myst-nb 1.x semantics)."""
    from myst_nb.core.variables import format_plain_text

    if role == "text":
        return format_plain_text(stored, fmt or "s")
    return stored  # {glue} pastes the text/plain as it is (book.PlainText has no quotes)


def pasted_texts(page: BeautifulSoup) -> list[str]:
    """Texts pasted by glue roles on a page, in order (``{glue:text}`` and inline ``{glue}``)."""
    out = []
    for el in article(page).find_all("span"):
        classes = el.get("class") or []
        if "pasted-text" in classes or ("output" in classes and "text_plain" in classes):
            out.append(el.get_text())
    return out


def visible_text(page: BeautifulSoup) -> str:
    """The page's text as a reader sees it in prose: scripts, styles and code samples left out."""
    page = BeautifulSoup(str(page), "html.parser")
    for el in page.find_all(["script", "style", "code", "pre", "template", "noscript"]):
        el.decompose()
    return " ".join(page.get_text(" ").split())


@contextmanager
def serve(directory: Path):
    """A built site served from 127.0.0.1 on a free port, for as long as the block runs; yields the URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - signature of the base class
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------------------
# A temporary copy of the repository, built with `make book`
# ---------------------------------------------------------------------------------------------------


def tracked_files(repo: Path = REPO) -> list[str]:
    """Files a fresh clone would hold (tracked), plus new files not yet committed but not ignored. A copy
    made by :func:`copy_repo` is not a git checkout (the copy a gate works in): there, every file but what
    a build or a test run writes into it (_build, the venv, caches)."""
    if not (repo / ".git").exists():
        return sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*")
                      if p.is_file() and not (set(p.relative_to(repo).parts) & _WRITTEN_BY_RUNS))
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=repo,
                         check=True, capture_output=True).stdout.decode("utf-8")
    return [f for f in out.split("\0") if f and (repo / f).is_file()]


_WRITTEN_BY_RUNS = {"_build", ".venv", ".git", "__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".jupyter"}


def copy_repo(dst: Path, repo: Path = REPO) -> Path:
    """Copy the repository as a fresh clone would have it (no .venv, no _build, no ignored files)."""
    for rel in tracked_files(repo):
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target)
    return dst


def make_book(root: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """``make book`` in a copy, with this venv (never reinstalled) and the package pointed at the copy."""
    stamp = f"{VENV}/.installed"
    env = {**os.environ, "MASREVIEW_ROOT": str(root)}
    return subprocess.run(
        ["make", "--no-print-directory", "-o", stamp, "book", f"VENV={VENV}"],
        cwd=root, env=env, capture_output=True, text=True, timeout=timeout,
    )


def build_or_fail(root: Path, what: str, validate: bool = False, tail: int = 4000) -> str:
    """``make book`` in a copy, failing the test with the end of its output; returns that output.

    With ``validate``, ``python -m masreview validate`` runs first, so a refused copy fails with the
    validator's located messages rather than with the build's log.
    """
    import pytest

    if validate:
        env = {**os.environ, "MASREVIEW_ROOT": str(root)}
        valid = subprocess.run([sys.executable, "-m", "masreview", "--root", str(root), "validate"],
                               capture_output=True, text=True, env=env)
        if valid.returncode != 0:
            pytest.fail(f"`validate` refused the {what} copy:\n{valid.stdout}{valid.stderr}")
    result = make_book(root)
    if result.returncode != 0:
        pytest.fail(f"`make book` failed on the {what} copy ({result.returncode}):\n"
                    f"{result.stdout[-tail:]}\n{result.stderr[-tail:]}")
    return result.stdout + result.stderr


def snapshot(root: Path, dest: Path) -> Path:
    """Keep a copy of a build's html and glue store (later builds of the same copy overwrite them)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(root / "_build" / "html", dest / "html")
    shutil.copytree(root / "_build" / "jupyter_execute", dest / "jupyter_execute",
                    ignore=shutil.ignore_patterns("*.ipynb_checkpoints"))
    return dest


def local_only_context(browser):
    """A browser context that aborts every request not to 127.0.0.1; returns it and the list the
    aborted URLs are recorded in (a self-contained page leaves it empty)."""
    context = browser.new_context()
    outside: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    return context, outside
