"""Footer years come from the changelog; the site files the extension adds exist."""

from __future__ import annotations

import datetime

from masreview.book import sitefiles


def test_copyright_years_from_the_changelog(tmp_path):
    f = tmp_path / "changelog.yaml"
    f.write_text("- date: 2025-03-01\n  summary: a\n- date: 2026-11-22\n  summary: b\n", encoding="utf-8")
    assert sitefiles.copyright_years(f) == "2025\u20132026"
    f.write_text("- date: 2026-11-22\n  summary: b\n", encoding="utf-8")
    assert sitefiles.copyright_years(f) == "2026"


def test_copyright_falls_back_to_the_build_year(tmp_path):
    f = tmp_path / "changelog.yaml"
    f.write_text("[]\n", encoding="utf-8")
    assert sitefiles.copyright_years(f, today=datetime.date(2030, 1, 2)) == "2030"
    assert sitefiles.copyright_years(tmp_path / "missing.yaml", today=datetime.date(2031, 1, 2)) == "2031"


def test_site_files_exist():
    for name in sitefiles.SITE_FILES:
        assert (sitefiles.SITE_DIR / name).is_file()
