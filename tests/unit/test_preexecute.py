"""Pre-execution builds the notebook the book build reads: same cells, fingerprint cell last."""

from __future__ import annotations

from masreview.data import paths

from masreview.book import preexecute
from masreview.book.sphinxext import FINGERPRINT_MARK


def test_toc_documents_lists_root_and_chapters():
    docs = preexecute.toc_documents(paths.repo_root())
    assert docs[0] == "intro"
    assert "chapters/synthesis" in docs and len(docs) == len(set(docs))


def test_notebook_for_a_chapter_ends_with_its_fingerprint():
    root = paths.repo_root()
    settings = preexecute.book_settings(root)
    assert settings["mode"] == "cache"
    nb = preexecute.notebook_for(root / "chapters" / "synthesis.md", "chapters/synthesis", settings)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[-1].source.startswith(FINGERPRINT_MARK)
    assert code[-1].metadata["tags"] == ["remove-cell"]
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_a_page_without_code_is_not_a_notebook():
    root = paths.repo_root()
    settings = preexecute.book_settings(root)
    plain = root / "README.md"
    assert preexecute.notebook_for(plain, "README", settings) is None
