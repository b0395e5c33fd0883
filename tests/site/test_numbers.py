"""Numbers on the page equal the numbers from the data.

* Every glue role of every page pastes the value its chapter glued (read from the executed notebooks
  jupyter-book keeps in ``_build/jupyter_execute``), in order: nothing stale, nothing missing.
* The key numbers (survival, P values, week-8 response counts, confidence intervals, doses, pooled
  estimate, counts of sources, cohorts and patients) recomputed from ``data/`` independently of the
  chapters' code equal what the page shows (:mod:`pagenumbers`).

That an edited data value reaches the page on the next build is test_rebuild.py's job.
"""

from __future__ import annotations

import pytest

import pagenumbers as pn
import sitecheck as sc
from masreview.data.loading import load_dataset

pytestmark = pytest.mark.site

BUILD = sc.SITE.parent


def _docs() -> list[str]:
    return [p[: -len(".html")] for p in sc.content_pages(sc.SITE)] if sc.SITE.is_dir() else []


@pytest.mark.parametrize("doc", _docs() or ["intro"])
def test_page_pastes_the_glued_values(site_dir, doc):
    problems = pn.pasted_problems(BUILD, sc.REPO, doc)
    assert problems == [], "\n".join(problems)


def test_key_numbers_equal_the_data(site_dir):
    problems = pn.number_problems(BUILD, sc.REPO, load_dataset())
    assert problems == [], "\n".join(problems)


def test_every_recomputed_key_is_shown_on_its_page(site_dir):
    """The recomputed keys are ones readers see (a key glued but never pasted would prove nothing)."""
    missing = []
    for doc, keys in pn.RECOMPUTE.items():
        roles, _ = pn.page_roles(BUILD, sc.REPO, doc)
        shown = {key for _, key, _ in roles}
        missing += [f"{doc}: {k}" for k in keys if k not in shown]
    assert missing == [], "recomputed but not in the prose: " + ", ".join(missing)


def test_a_wrong_number_on_a_page_is_caught(site_dir, tmp_path):
    """The comparison itself: a page whose pasted survival count was altered fails both checks."""
    import shutil

    doc = f"chapters/{pn.LI}"
    build = tmp_path / "_build"
    shutil.copytree(BUILD / "jupyter_execute", build / "jupyter_execute")
    shutil.copytree(BUILD / "html", build / "html", ignore=shutil.ignore_patterns("_static", "_vendor", "_sources"))
    roles, _ = pn.page_roles(BUILD, sc.REPO, doc)
    where = [i for i, (_, key, _) in enumerate(roles) if key == "li_surv_ruxolitinib_k"][0]
    page = sc.BeautifulSoup((BUILD / "html" / f"{doc}.html").read_text(encoding="utf-8"), "html.parser")
    span = [el for el in sc.article(page).find_all("span")
            if {"pasted-text"} & set(el.get("class") or []) or {"output", "text_plain"} <= set(el.get("class") or [])][where]
    span.string = "18" if span.get_text() != "18" else "17"
    (build / "html" / f"{doc}.html").write_text(str(page), encoding="utf-8")
    assert any("li_surv_ruxolitinib_k" in p for p in pn.pasted_problems(build, sc.REPO, doc))
    ds = load_dataset()
    assert any("li_surv_ruxolitinib_k" in p for p in pn.number_problems(build, sc.REPO, ds) if doc in p)
