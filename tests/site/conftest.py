"""Fixtures for checks on the built site: a local web server and Debian's chromium."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from masreview.data import paths

SITE = paths.repo_root() / "_build" / "html"  # also read by test_offline.py
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(condition: bool, message: str) -> None:
    """Skip on a developer machine; fail under CI, where a skipped check would pass unseen."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="session")
def site_dir() -> Path:
    _require((SITE / "index.html").is_file(), f"no built site at {SITE}: run `make book` first")
    return SITE


@pytest.fixture(scope="session")
def site_url(site_dir: Path):
    """Base URL of the built site, served from 127.0.0.1 on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never `playwright install`).

    Each test opens its own context, so every page starts from a fresh profile.
    """
    _require(Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `make chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
