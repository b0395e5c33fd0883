"""The JupyterLab path a researcher takes (`make lab`): open a chapter as a notebook, Run All, use a chart
control, save.

JupyterLab runs from this venv on 127.0.0.1 with a token, on a temporary copy of the repository
(``sitecheck.copy_repo``; ``MASREVIEW_ROOT`` points the kernel at it), with its settings, workspaces and
Jupyter folders in a temporary directory, so neither the real files nor ``~/.jupyter`` are touched.
Chromium (Debian's, through Playwright) aborts every request not to 127.0.0.1: the notebooks, their
charts included, work offline (no request is aborted). For each chapter: every code cell runs, none shows
an error or a warning, the note on glue roles and the glued values are shown, and saving writes the
chapter back byte for byte (jupytext keeps the front matter, ``jupytext.toml``); whatever JupyterLab
leaves behind is ignored by git. In the source chapter a chart's own control (a Vega-Lite menu drawn by
JupyterLab's Vega renderer) and the ipywidgets explorer's dropdown each change the chart they drive.

Runs in about 80 s (2 cores): ``pytest tests/site/test_jupyterlab.py``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import sitecheck as sc

pytestmark = [pytest.mark.gate, pytest.mark.browser]

SOURCE_CHAPTER = "chapters/li-2025-front-immunol.md"
SYNTHESIS = "chapters/synthesis.md"

START_TIMEOUT_S = 120
OPEN_TIMEOUT_MS = 120_000
RUN_ALL_TIMEOUT_MS = 300_000  # Run All takes 30-60 s on 2 busy cores; a lot of room on purpose
CHANGE_TIMEOUT_MS = 30_000

# A chart drawn by JupyterLab's Vega renderer (vega-embed's container).
VEGA = ".vega-embed"

# Opens .md (MyST) files as notebooks: what `make lab` writes into the venv's overrides.json.
VIEWERS = {"defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a copy of the repository; yields (base URL, token, copy)."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = sc.copy_repo(tmp / "repo")
    settings = tmp / "settings"
    (settings / "@jupyterlab" / "docmanager-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings").write_text(
        json.dumps(VIEWERS), encoding="utf-8")
    # No news or update checks (they would only be aborted), no notifications in the way.
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    # Every cell in the page (JupyterLab 4 otherwise attaches only the cells in view).
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}), encoding="utf-8")
    # The kernel `make lab` gives the venv (name and display name as the chapters declare them), here
    # in a temporary prefix so that the venv is left alone.
    kernels = tmp / "kernels"
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(kernels), "--name", "python3",
                    "--display-name", "Python 3"], check=True, capture_output=True)
    token = secrets.token_hex(16)
    port = _free_port()
    env = {
        **os.environ,
        "MASREVIEW_ROOT": str(root),
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_DATA_DIR": str(tmp / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "JUPYTER_PATH": str(kernels / "share" / "jupyter"),
    }
    env.pop("MASREVIEW_BOOK_BUILD", None)  # this is not the book build
    jupyter = Path(sys.executable).with_name("jupyter")
    cmd = [
        str(jupyter), "lab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
    ]
    log = open(tmp / "jupyterlab.log", "w+", encoding="utf-8")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"jupyter lab did not answer in {START_TIMEOUT_S} s:\n{log.read()[-3000:]}")
            time.sleep(0.5)
        yield base, token, root
    finally:
        # Stop the server this fixture started (and the kernels it started), by process group.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()


# JavaScript run in the page against the JupyterLab application (exposed by expose_app_in_browser).
_PANEL = "window.jupyterapp.shell.currentWidget"
_CELLS_STATE = f"""() => {{
  const panel = {_PANEL};
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const status = panel.sessionContext.session && panel.sessionContext.session.kernel
    ? panel.sessionContext.session.kernel.status : 'none';
  return {{
    status,
    total: cells.length,
    ran: cells.filter(c => c.model.executionCount !== null && c.promptNode
                           && !c.promptNode.textContent.includes('*')).length,
    errors: cells.flatMap((c, i) => c.model.outputs.toJSON()
      .filter(o => o.output_type === 'error')
      .map(o => `cell ${{i + 1}}: ${{o.ename}}: ${{o.evalue}}`)),
    stderr: cells.flatMap((c, i) => c.model.outputs.toJSON()
      .filter(o => o.output_type === 'stream' && o.name === 'stderr')
      .map(o => `cell ${{i + 1}}: ${{[].concat(o.text).join('').slice(0, 300)}}`)),
    dirty: panel.context.model.dirty,
  }};
}}"""


def _open(page, base: str, token: str, rel: str):
    page.goto(f"{base}/lab/tree/{rel}?token={token}", wait_until="domcontentloaded")
    page.wait_for_function(
        f"() => window.jupyterapp && {_PANEL} && {_PANEL}.context && {_PANEL}.context.path === {json.dumps(rel)}"
        f" && {_PANEL}.content && {_PANEL}.content.widgets && {_PANEL}.content.widgets.length > 0"
        f" && {_PANEL}.sessionContext.session && {_PANEL}.sessionContext.session.kernel"
        f" && {_PANEL}.sessionContext.session.kernel.status === 'idle'",
        timeout=OPEN_TIMEOUT_MS)
    # It opened as a notebook (jupytext), not as a text file.
    assert page.evaluate(f"() => !!{_PANEL}.node.querySelector('.jp-Notebook')"), f"{rel} did not open as a notebook"


def _run_all(page) -> dict:
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        f"() => {{ const s = ({_CELLS_STATE})(); return s && s.total > 0 && s.ran === s.total"
        " && s.status === 'idle'; }", timeout=RUN_ALL_TIMEOUT_MS, polling=1000)
    return page.evaluate(f"({_CELLS_STATE})()")


def _save(page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(f"() => !{_PANEL}.context.model.dirty", timeout=OPEN_TIMEOUT_MS)
    # the contents API has written the file once the save request resolved; give it a moment
    page.wait_for_timeout(1000)


def _changes(page, locator, before: str) -> bool:
    try:
        page.wait_for_function("([el, before]) => el.innerHTML !== before",
                               arg=[locator.element_handle(), before], timeout=CHANGE_TIMEOUT_MS)
        return True
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: unchanged
        return False


def _vega_select_changes_chart(page) -> str:
    """Pick another option in a Vega-Lite menu (JupyterLab's Vega renderer); the chart must change."""
    charts = page.locator(f".jp-OutputArea-output {VEGA}")
    assert charts.count() > 0, "no chart drawn by JupyterLab's Vega renderer"
    for i in range(charts.count()):
        chart = charts.nth(i)
        selects = chart.locator(".vega-bindings select")
        if selects.count() == 0:
            continue
        chart.scroll_into_view_if_needed()
        svg = chart.locator("svg.marks").first
        before = svg.inner_html()
        select = selects.first
        options = select.locator("option")
        current = select.input_value()
        other = next(v for v in (options.nth(k).get_attribute("value") for k in range(options.count()))
                     if v != current)
        select.select_option(other)
        assert _changes(page, svg, before), f"chart {i + 1}: choosing {other!r} in its menu changed nothing"
        return other
    pytest.fail("no chart with a Vega-Lite menu")


def _widget_dropdown_changes_chart(page) -> None:
    """Pick other scenarios in the ipywidgets explorer; its chart (redrawn by the kernel) must change."""
    box = page.locator(".jp-OutputArea-output .widget-vbox").last
    box.scroll_into_view_if_needed()
    drawn = f"{VEGA} svg.marks"
    box.locator(drawn).first.wait_for(timeout=CHANGE_TIMEOUT_MS)
    before = box.locator(drawn).first.inner_html()
    for k in range(box.locator(".widget-dropdown select").count()):
        select = box.locator(".widget-dropdown select").nth(k)
        current = select.input_value()
        for other in [o.get_attribute("value") for o in select.locator("option").all()]:
            if other == current:
                continue
            select.select_option(other)
            try:  # the box's chart, queried afresh: the kernel replaces it
                page.wait_for_function(
                    "([box, sel, before]) => { const s = box.querySelector(sel);"
                    " return s && s.innerHTML !== before; }",
                    arg=[box.element_handle(), drawn, before], timeout=CHANGE_TIMEOUT_MS)
                return
            except Exception:  # noqa: BLE001 - not in the grid (no chart) or unchanged: try another
                continue
    pytest.fail("no choice in the explorer's dropdowns changed its chart")


@pytest.mark.parametrize("rel", [SOURCE_CHAPTER, SYNTHESIS])
def test_chapter_runs_and_saves_unchanged_in_jupyterlab(lab, browser, rel):
    base, token, root = lab
    original = (sc.REPO / rel).read_bytes()
    assert (root / rel).read_bytes() == original
    context, outside = sc.local_only_context(browser)
    page = context.new_page()
    page.set_default_timeout(OPEN_TIMEOUT_MS)
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try:
        _open(page, base, token, rel)
        state = _run_all(page)
        assert state["errors"] == [], f"{rel}: cells failed in JupyterLab:\n" + "\n".join(state["errors"])
        assert state["ran"] == state["total"]
        assert state["stderr"] == [], f"{rel}: warnings in JupyterLab:\n" + "\n".join(state["stderr"])
        # Glue roles are filled in by the book build only: here the chapter says so, and lists the values.
        outputs = page.locator(".jp-OutputArea-output")
        assert outputs.filter(has_text="Running outside the book build").count() == 1
        assert outputs.filter(has_text=re.compile(r"^glue: \w+ = ")).count() > 0
        if rel == SOURCE_CHAPTER:
            _vega_select_changes_chart(page)
            _widget_dropdown_changes_chart(page)
        _save(page)
        assert (root / rel).read_bytes() == original, f"saving {rel} in JupyterLab changed the file"
        assert page_errors == [], f"{rel}: uncaught errors in the page: {page_errors}"
    except BaseException:
        shot = root.parent / f"failure-{Path(rel).stem}.png"
        try:
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}; state: {page.evaluate(f'({_CELLS_STATE})()')}")
        except Exception:  # noqa: BLE001 - the page may be gone
            pass
        raise
    finally:
        try:
            page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
        except Exception:  # noqa: BLE001 - best effort; the server is stopped with its kernels anyway
            pass
        context.close()
    # What JupyterLab and jupytext leave behind is ignored by git (.gitignore), nothing else is new.
    copied = set(sc.tracked_files())
    new = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    new = [p for p in new if p not in copied]
    not_ignored = [p for p in new if subprocess.run(["git", "check-ignore", "--no-index", "-q", p],
                                                    cwd=sc.REPO).returncode != 0]
    assert not_ignored == [], f"files JupyterLab left that git would see: {not_ignored}"
    assert outside == [], f"requests to other hosts (aborted): {outside}"
