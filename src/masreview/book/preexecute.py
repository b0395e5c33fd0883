"""Execute the chapters whose inputs changed on two cores, before the book build reads them.

    python -m masreview.book.preexecute [--jobs 2] [ROOT]        (``make book`` runs it before jupyter-book)

myst-nb's ``execute_notebooks: cache`` executes one notebook at a time, as Sphinx reads the pages. This
step fills the same execution cache (``_build/.jupyter_cache``, jupyter-cache) beforehand, running
several kernels at once:

1. every page of ``_toc.yml`` that executes is turned into the notebook the book build will read:
   the text with the hidden inputs-fingerprint cell (:func:`masreview.book.sphinxext.with_fingerprint`),
   parsed by myst-nb's own MyST reader with the book's MyST settings;
2. a notebook the cache already matches (jupyter-cache hashes the code cells and their metadata,
   fingerprint included) is left alone: its inputs did not change;
3. the others are executed in a pool of ``--jobs`` processes (jupyter-cache's ``single_nb_execution``,
   as myst-nb calls it: the chapter's folder as working directory, the book's timeout), and each
   success is stored in the cache under its hash.

The build then finds them in the cache. Nothing here can make a page stale: a notebook is stored under
the hash of exactly the code (and inputs fingerprint) it ran, and the build reads a cached notebook
only when its own notebook has that hash. If this step builds a notebook differently, the build
simply misses the cache and executes the page itself. A chapter that fails here is not stored: the
build executes it again and reports the error in its usual place.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml


def toc_documents(root: Path) -> list[str]:
    """Docnames listed in ``_toc.yml`` (root first), without suffix."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    docs: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    docs.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return list(dict.fromkeys(str(Path(d).with_suffix("")) if d.endswith((".md", ".ipynb")) else d for d in docs))


def book_settings(root: Path) -> dict:
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    execute = config.get("execute") or {}
    parse = config.get("parse") or {}
    return {
        "mode": execute.get("execute_notebooks", "auto"),
        "timeout": execute.get("timeout", 30),
        "allow_errors": execute.get("allow_errors", False),
        "exclude": execute.get("exclude_patterns", []) or [],
        "cache": execute.get("cache") or "",
        "myst_extensions": parse.get("myst_enable_extensions", []) or [],
        "url_schemes": parse.get("myst_url_schemes"),
    }


def notebook_for(path: Path, docname: str, settings: dict):
    """The notebook the book build reads for ``path`` (None when the page executes nothing)."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    from masreview.book.sphinxext import with_fingerprint

    done = with_fingerprint(path.read_text(encoding="utf-8"), docname)
    if done is None:
        return None
    kwargs = {"enable_extensions": set(settings["myst_extensions"])}
    if settings["url_schemes"] is not None:
        kwargs["url_schemes"] = settings["url_schemes"]
    return read_myst_markdown_notebook(done[0], config=MdParserConfig(**kwargs), add_source_map=True,
                                       path=str(path))


def _execute(job: tuple) -> tuple:
    """In a worker process: execute one notebook; (docname, executed notebook or None, seconds, error)."""
    from jupyter_cache.executors.utils import single_nb_execution

    docname, nb, cwd, timeout, allow_errors = job
    result = single_nb_execution(nb, cwd=cwd, timeout=timeout, allow_errors=allow_errors, meta_override=True)
    if result.err is not None:
        return docname, None, result.time, f"{result.err.__class__.__name__}"
    return docname, nb, result.time, None


def preexecute(root: Path, jobs: int = 2, build_dir: str = "_build") -> dict:
    """Fill the execution cache for the pages whose notebooks it does not match; returns a summary."""
    root = Path(root).resolve()
    settings = book_settings(root)
    summary = {"executed": {}, "failed": [], "cached": [], "skipped": ""}
    if settings["mode"] != "cache":
        summary["skipped"] = f"execute_notebooks is {settings['mode']!r}, not 'cache'"
        return summary
    os.environ.setdefault("MASREVIEW_ROOT", str(root))  # what the book build does (sphinxext)
    os.environ["MASREVIEW_BOOK_BUILD"] = "1"  # kernels draw charts for pages (masreview.present.charts)
    from fnmatch import fnmatch

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache_path = Path(settings["cache"]) if settings["cache"] else root / build_dir / ".jupyter_cache"
    cache = get_cache(str(cache_path))
    todo = []
    for docname in toc_documents(root):
        path = root / f"{docname}.md"
        if not path.is_file() or any(fnmatch(path.relative_to(root).as_posix(), pat) for pat in settings["exclude"]):
            continue
        nb = notebook_for(path, docname, settings)
        if nb is None:
            continue
        try:
            cache.match_cache_notebook(nb)
            summary["cached"].append(docname)
            continue
        except KeyError:
            pass
        todo.append((docname, nb, str(path.parent), settings["timeout"], settings["allow_errors"]))
    if not todo:
        return summary
    # Longest first would be ideal; the synthesis and source chapters come first in practice.
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
        for docname, nb, seconds, error in pool.map(_execute, todo):
            if error is not None:
                summary["failed"].append(docname)
                print(f"masreview pre-execution: {docname} failed ({error}); the book build executes it "
                      "again and reports the error", flush=True)
                continue
            uri = str(root / f"{docname}.md")
            cache.cache_notebook_bundle(CacheBundleIn(nb, uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            summary["executed"][docname] = round(seconds, 2)
            print(f"masreview pre-execution: executed {docname} in {seconds:.2f} s", flush=True)
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m masreview.book.preexecute", description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", default=".", help="repository root (default: the current folder)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("MASREVIEW_JOBS", os.cpu_count() or 1)),
                    help="kernels at once (default: MASREVIEW_JOBS or the number of cores)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    s = preexecute(Path(args.root), jobs=args.jobs)
    if s["skipped"]:
        print(f"masreview pre-execution skipped: {s['skipped']}")
        return 0
    print(f"masreview pre-execution: {len(s['executed'])} executed, {len(s['failed'])} failed, "
          f"{len(s['cached'])} unchanged, {time.perf_counter() - start:.1f} s with {args.jobs} jobs", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
