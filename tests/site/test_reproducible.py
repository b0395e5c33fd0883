"""Two clean builds are byte-identical.

Two copies of the repository (as a fresh clone has it), in two directories of different names and
lengths, are each built with `make book`, one after the other; the second one's files carry the time of
the copy (as a later clone's would), and its build runs with another hash seed and a time zone 14 hours
from the first one's. Every file under ``_build/html`` must be
the same in both, byte for byte: no random ids (widgets, charts), no time of the build, no absolute
path of the copy, no order that comes from a set or a dict of chance. A failure names the first files
that differ, with a short diff, and any file that holds the copy's own directory.
"""

from __future__ import annotations

import difflib
import os
import sys
import time
from pathlib import Path

import pytest

import sitecheck as sc

pytestmark = [pytest.mark.slow, pytest.mark.site]


def _files(html: Path) -> dict[str, bytes]:
    return {p.relative_to(html).as_posix(): p.read_bytes() for p in sorted(html.rglob("*")) if p.is_file()}


def _short_diff(a: bytes, b: bytes, name: str, limit: int = 12) -> str:
    try:
        ta, tb = a.decode("utf-8"), b.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name}: binary, {len(a)} and {len(b)} bytes"
    # pages are long lines: split at tags so that the diff shows the place
    la, lb = ta.replace(">", ">\n").splitlines(), tb.replace(">", ">\n").splitlines()
    lines = list(difflib.unified_diff(la, lb, "first", "second", n=0, lineterm=""))[2:]
    return "\n".join(line[:200] for line in lines[:limit])


# Per build: directory name, environment of `make book` (hash seed, time zone), files touched to now.
SETTINGS = (("a", {"PYTHONHASHSEED": "1", "TZ": "UTC"}, False),
            ("second-copy-with-a-longer-name", {"PYTHONHASHSEED": "2", "TZ": "Pacific/Kiritimati"}, True))


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    builds, seconds = [], []
    mp = pytest.MonkeyPatch()
    for name, env, touch in SETTINGS:
        root = sc.copy_repo(tmp_path_factory.mktemp("reproducible") / name)
        if touch:
            for p in root.rglob("*"):
                os.utime(p)
        for k, v in env.items():
            mp.setenv(k, v)
        t0 = time.monotonic()
        try:
            result = sc.make_book(root)
        finally:
            mp.undo()
        seconds.append(time.monotonic() - t0)
        if result.returncode != 0:
            pytest.fail(f"`make book` failed in {root}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        builds.append(root)
    return builds, seconds


def test_two_clean_builds_are_byte_identical(two_builds, record_property):
    (a, b), seconds = two_builds
    for i, s in enumerate(seconds):
        record_property(f"build {i + 1} seconds", round(s, 1))
    files_a, files_b = _files(a / "_build" / "html"), _files(b / "_build" / "html")
    only = sorted(set(files_a) ^ set(files_b))
    assert not only, f"files in one build only: {only[:20]}"
    differ = [f for f in files_a if files_a[f] != files_b[f]]
    # neither copy's directory, nor the repository's or the venv's (shared by both builds, so equal in both)
    leaks = [f"{f} holds {d}" for root, files in ((a, files_a), (b, files_b)) for f, data in files.items()
             for d in (root.parent, sc.REPO, Path(sys.prefix)) if str(d).encode() in data]
    report = [f"{len(differ)} of {len(files_a)} files differ: {differ[:30]}"]
    for f in differ[:6]:
        report.append(f"--- {f}\n{_short_diff(files_a[f], files_b[f], f)}")
    assert not differ, "\n".join(report)
    assert not leaks, f"a directory of the build machine is written into the site: {sorted(set(leaks))[:20]}"
    assert len(files_a) > 50
