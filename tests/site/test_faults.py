"""Faults during a build never leave a stale or half-written site, and one build runs at a time.

In one copy of the repository (as a fresh clone has it): a clean build; then, for each stage of the
build (pre-execution, Sphinx reading, Sphinx writing), the data are edited (the ruxolitinib dose of the
one-patient case, in both tables that hold it), ``make book`` is started and killed (SIGKILL to the whole
process group) when it reaches the stage, and ``make book`` is run again. The site must then equal a
clean build of the same data: the same glued numbers, tables and charts on every page, and the edited
dose on the page. A second ``make book`` started while one runs stops at once with a clear message.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import sitecheck as sc

pytestmark = [pytest.mark.slow, pytest.mark.site]

WU = Path("data") / "sources" / "wu-2025-j-clin-pediatr"
DOSES = ("10", "15")  # as printed, and the edit
# A line of `make book` output that shows the stage has begun.
STAGES = {"pre-execution": "masreview.book.preexecute", "reading": "reading sources...",
          "writing": "writing output..."}


def _set_dose(root: Path, old: str, new: str) -> None:
    for name, before, after in (("measures.csv", f"twice-daily,overall,{old},,,mg,", f"twice-daily,overall,{new},,,mg,"),
                                ("treatments.csv", f"P01,t5,ruxolitinib,{old},mg,", f"P01,t5,ruxolitinib,{new},mg,")):
        path = root / WU / name
        text = path.read_text(encoding="utf-8")
        assert text.count(before) == 1, f"{path}: the test data moved"
        path.write_text(text.replace(before, after), encoding="utf-8")


def _start(root: Path) -> subprocess.Popen:
    stamp = f"{sc.VENV}/.installed"
    env = {**os.environ, "MASREVIEW_ROOT": str(root)}
    return subprocess.Popen(["make", "--no-print-directory", "-o", stamp, "book", f"VENV={sc.VENV}"], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _kill_at(root: Path, marker: str, timeout: float = 900) -> str:
    """Start `make book`, SIGKILL its process group once ``marker`` is printed (after a moment, so that the
    stage is under way); return what it printed. Fails if the build ends before the stage."""
    proc = _start(root)
    seen = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            time.sleep(1.5)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return "".join(seen)
        if time.monotonic() > deadline:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    pytest.fail(f"the build never reached '{marker}':\n{''.join(seen)[-3000:]}")


def _pages(build: Path) -> dict:
    return {"glue": sc.glue_store(build), "tables": sc.table_texts(build / "html"),
            "charts": sc.chart_specs(build / "html")}


def _build(root: Path, what: str) -> str:
    result = sc.make_book(root)
    assert result.returncode == 0, f"`make book` after {what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def reference(site_dir, tmp_path_factory):
    """Clean builds of the copy with each dose: what a healed site must equal."""
    base = tmp_path_factory.mktemp("faults")
    root = sc.copy_repo(base / "repo")
    out = {}
    _build(root, "a clean build")
    out[DOSES[0]] = _pages(sc.snapshot(root, base / f"clean-{DOSES[0]}"))
    shutil.rmtree(root / "_build")
    _set_dose(root, DOSES[0], DOSES[1])
    _build(root, "a clean build with the edited dose")
    out[DOSES[1]] = _pages(sc.snapshot(root, base / f"clean-{DOSES[1]}"))
    _set_dose(root, DOSES[-1], DOSES[0])
    _build(root, "returning to the printed dose")
    return root, out, {"dose": DOSES[0]}


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_build_killed_at_any_stage_heals_on_the_next_build(reference, stage):
    root, clean, state = reference
    now = state["dose"]
    new = DOSES[1] if now == DOSES[0] else DOSES[0]
    _set_dose(root, now, new)
    state["dose"] = new
    _kill_at(root, STAGES[stage])
    assert (root / "_build" / ".incomplete").exists(), "a killed build must leave its mark"
    log = _build(root, f"a build killed during {stage}")
    assert not (root / "_build" / ".incomplete").exists()
    healed = _pages(root / "_build")
    for part in ("glue", "tables", "charts"):
        assert healed[part] == clean[new][part], f"after a kill during {stage}, the {part} differ from a clean build"
    page = sc.visible_text(sc.soup(root / "_build" / "html" / "chapters" / "wu-2025-j-clin-pediatr.html"))
    assert f"{new} mg twice daily" in page, log[-2000:]


def test_a_second_build_in_the_same_folder_stops_with_a_clear_message(reference):
    root, _, _ = reference
    first = _start(root)
    try:
        for line in first.stdout:
            if "validate" in line or "preexecute" in line:
                break
        second = sc.make_book(root)
        assert second.returncode != 0
        assert "another build is running" in second.stdout + second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    _build(root, "the killed first build")
