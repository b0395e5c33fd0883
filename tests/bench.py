"""Performance benchmark of the book (``make bench``). Prints a table and writes ``_build/bench.json``.

Everything runs in a temporary copy of the repository (its ``.venv`` is a link to this one), never in
this working tree; synthetic sources exist only in that copy. Steps:

1. **Base book**: clean build (``make book`` with no ``_build``); beside it the *floor*, the time to
   execute the same chapters' code alone, each in one kernel (nbclient, one after the other); no-op
   rebuild; rebuild after changing one value in one source's data (and which chapters re-executed);
   ``make test``; the weight of every built page (HTML plus the scripts, style sheets, images and fonts
   it loads); peak memory of the clean build.
2. **Scaling**: the copy grows to 10, 100 and 1,000 synthetic sources of about 10 patients each (data
   only: no chapters; see tests/bench_synthetic.py). At each size: validation time (``load_dataset``
   in a fresh process), the synthesis chapter's execution time, the weight of the synthesis and landing
   pages, and the time of a rebuild after adding one more source *with* a chapter (through
   ``python -m masreview new-source``), with the pages that re-executed. The marginal cost of one more
   source chapter in a clean build is estimated from that rebuild (see ``marginal_chapter``).

Options: ``--weights-only`` (just the weight of every page of the site in ``_build/html``; ``make
weights``), ``--sizes 10,100,1000``, ``--skip-test-timing`` (no ``make test`` run), ``--keep`` (leave the
temporary copy), ``--out PATH``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_synthetic as synthetic  # noqa: E402

VENV = REPO / ".venv"
PY = VENV / "bin" / "python"
STAMP = ".venv/.installed"
TARGETS = {"validation_s": 10.0, "synthesis_page_bytes": 1_000_000, "synthesis_exec_s": 30.0}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
EXECUTING = re.compile(r"^(?P<path>\S+?\.(?:md|ipynb)): Executing notebook using", re.M)
EXECUTED = re.compile(r"^(?P<path>\S+?\.(?:md|ipynb)): Executed notebook in (?P<s>[\d.]+) seconds", re.M)
PREEXECUTED = re.compile(r"^masreview pre-execution: executed (?P<doc>\S+) in (?P<s>[\d.]+) s", re.M)
PRE_SUMMARY = re.compile(r"^masreview pre-execution: .* (?P<s>[\d.]+) s with (?P<jobs>\d+) jobs", re.M)
LANDING = "intro.html"  # index.html only redirects to it

# --------------------------------------------------------------------------------------------------
# Running things
# --------------------------------------------------------------------------------------------------


def _copy_repo(dest: Path) -> Path:
    """The copy a fresh clone would give: tracked and new files, nothing git ignores (caches, builds,
    the venv, which is linked instead). The copy is a git repository of its own (no commits), as the
    site tests that copy the repository again expect. Without git: the tree minus the usual caches."""
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                                capture_output=True).stdout.decode("utf-8").split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = None
    if listed is not None:
        for rel in filter(None, listed):
            source = REPO / rel
            if source.is_file():  # deleted but still tracked: skip
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)  # copy2 keeps mtimes: make sees no change
        subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
        (dest / ".git" / "info").mkdir(parents=True, exist_ok=True)
        (dest / ".git" / "info" / "exclude").write_text("/.venv\n", encoding="utf-8")  # the link below
    else:
        top_level = {".git", ".venv", "_build", "tmp", ".pytest_cache"}

        def ignore(folder: str, names: list[str]) -> set[str]:
            skip = {n for n in names if n in ("__pycache__", ".ipynb_checkpoints") or n.endswith(".egg-info")}
            if Path(folder).resolve() == REPO:
                skip |= top_level & set(names)
            if Path(folder).resolve() == REPO / "chapters":
                skip |= {"_downloads"} & set(names)
            return skip

        shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
    (dest / ".venv").symlink_to(VENV)
    return dest


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MASREVIEW_ROOT"] = str(root)
    # The copy's own package, not this working tree's (installed in editable mode): edits made here
    # while the benchmark runs must not change what it measures.
    env["PYTHONPATH"] = str(root / "src") + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PATH"] = f"{VENV / 'bin'}:{env.get('PATH', '')}"
    env.pop("CI", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class _TreeMemory(threading.Thread):
    """Samples the summed resident memory of a process and all its descendants (peak, in bytes)."""

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self._done = pid, every, 0, threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._done.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            self._done.wait(self.every)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def run(cmd: list[str], cwd: Path, env: dict, log: Path, timeout: float = 3600) -> dict:
    """Run a command; wall time, exit status, peak memory (process tree, and largest single process)."""
    gnu_time = Path("/usr/bin/time")
    rusage_file = log.with_suffix(".rusage")
    full = ([str(gnu_time), "-v", "-o", str(rusage_file)] if gnu_time.exists() else []) + cmd
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        sampler = _TreeMemory(proc.pid)
        sampler.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # its own session: the whole tree, nothing else
            rc = -9
        peak_tree = sampler.stop()
    wall = time.perf_counter() - start
    max_single = None
    if rusage_file.exists():
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", rusage_file.read_text())
        max_single = int(m.group(1)) * 1024 if m else None
    text = ANSI.sub("", log.read_text(encoding="utf-8", errors="replace"))
    return {"cmd": " ".join(cmd), "wall_s": round(wall, 2), "returncode": rc, "peak_tree_rss_bytes": peak_tree,
            "max_single_process_rss_bytes": max_single, "log": str(log), "_text": text}


def build(root: Path, logs: Path, name: str) -> dict:
    """``make book`` in the copy (the stamp is never remade: the venv is shared)."""
    r = run(["make", "-o", STAMP, "book"], root, _env(root), logs / f"{name}.log")
    text = r.pop("_text")
    executed = {}
    for m in EXECUTING.finditer(text):
        executed.setdefault(_docname(root, m["path"]), None)
    for m in EXECUTED.finditer(text):
        executed[_docname(root, m["path"])] = float(m["s"])
    pre = {m["doc"]: float(m["s"]) for m in PREEXECUTED.finditer(text)}
    r["executed"] = sorted(set(executed) | set(pre))
    r["execution_s"] = {d: executed.get(d) if executed.get(d) is not None else pre.get(d) for d in r["executed"]}
    r["warnings"] = len(re.findall(r"WARNING: ", text)) - len(re.findall(r"\[IPKernelApp\] WARNING", text))
    m = PRE_SUMMARY.search(text)
    r["preexecution_wall_s"] = float(m["s"]) if m else 0.0
    if r["returncode"] != 0:
        tail = "\n".join(text.splitlines()[-15:])
        print(f"  ! {name}: make book exited {r['returncode']} (see {r['log']}):\n{tail}", file=sys.stderr)
    return r


def _docname(root: Path, path: str) -> str:
    p = Path(path)
    try:
        p = p.resolve().relative_to(root.resolve())
    except ValueError:
        pass
    return p.with_suffix("").as_posix()


# --------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------


def floor(root: Path, docnames: list[str]) -> dict:
    """Execute each chapter's code alone in one kernel (nbclient), one after the other."""
    import jupytext
    from nbclient import NotebookClient

    saved = {k: os.environ.get(k) for k in ("MASREVIEW_ROOT", "PYTHONPATH")}
    os.environ.update({k: _env(root)[k] for k in saved})  # the kernels inherit them
    per = {}
    try:
        for doc in docnames:
            path = root / f"{doc}.md"
            if not path.exists():
                continue
            nb = jupytext.read(path)
            start = time.perf_counter()
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            per[doc] = round(time.perf_counter() - start, 2)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {"total_s": round(sum(per.values()), 2), "per_chapter_s": per}


_ASSET = re.compile(r"""<(?:script|img)\b[^>]*?\bsrc=["']([^"']+)["']|<link\b[^>]*?\bhref=["']([^"']+)["'][^>]*>""",
                    re.I)


#: Assets a page loads only for content of its own (the Vega bundle, on chart pages only); every other
#: asset is *shared*: the theme's and ours, loaded by every page before its content.
PAGE_OWN_ASSETS = {"_vendor/vega-bundle.js"}
#: Target of the shared assets of any page (tests/site/test_page_weight.py checks it).
SHARED_ASSETS_MAX_BYTES = 1_100_000


def page_weights(html_dir: Path) -> list[dict]:
    """Every built page: its HTML plus the local scripts, style sheets, images and preloaded fonts it
    loads (each counted in full for every page that loads it). Largest first."""
    import gzip

    gzipped: dict[Path, int] = {}

    def gz(path: Path) -> int:  # what a server sending gzip transfers
        if path not in gzipped:
            gzipped[path] = len(gzip.compress(path.read_bytes(), compresslevel=6))
        return gzipped[path]

    pages = []
    for page in sorted(html_dir.rglob("*.html")):
        rel = page.relative_to(html_dir)
        if rel.parts[0] in ("_static", "_sources", "_images", "_vendor", "_downloads", "_masreview"):
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        assets: dict[str, int] = {}
        assets_gz = 0
        for m in _ASSET.finditer(text):
            uri = m.group(1) or m.group(2)
            tag = m.group(0).lower()
            if m.group(2) and not re.search(r"rel=[\"'](?:stylesheet|preload|modulepreload|icon|shortcut icon)",
                                            tag):
                continue
            if "://" in uri or uri.startswith(("//", "data:", "#", "mailto:")):
                continue
            target = (page.parent / uri.split("?")[0].split("#")[0]).resolve()
            name = target.relative_to(html_dir.resolve()).as_posix() if target.is_file() else None
            if name is not None and name not in assets:
                assets[name] = target.stat().st_size
                assets_gz += gz(target)
        html_bytes = page.stat().st_size
        own = {a: b for a, b in assets.items() if a in PAGE_OWN_ASSETS}
        pages.append({"page": rel.as_posix(), "html_bytes": html_bytes, "assets": len(assets),
                      "assets_bytes": sum(assets.values()), "total_bytes": html_bytes + sum(assets.values()),
                      "shared_bytes": sum(assets.values()) - sum(own.values()),
                      "total_gzip_bytes": gz(page) + assets_gz,
                      "largest_asset": max(assets, key=assets.get) if assets else ""})
    return sorted(pages, key=lambda p: -p["total_bytes"])


def validation_time(root: Path) -> dict:
    """``load_dataset`` in a fresh process (imports not counted), and the CLI's wall time."""
    code = ("import time, sys\nfrom masreview.data.loading import load_dataset\nt = time.perf_counter()\n"
            "ds = load_dataset(sys.argv[1])\nprint(time.perf_counter() - t, len(ds.sources))")
    out = subprocess.run([str(PY), "-c", code, str(root)], capture_output=True, text=True, env=_env(root),
                         check=True).stdout.split()
    start = time.perf_counter()
    subprocess.run([str(PY), "-m", "masreview", "--root", str(root), "validate"], capture_output=True,
                   env=_env(root), check=True)
    return {"load_dataset_s": round(float(out[0]), 2), "sources": int(out[1]),
            "cli_validate_s": round(time.perf_counter() - start, 2)}


def change_one_value(root: Path) -> str:
    """Change one cell of one source's data (a free-text note, so every check still holds)."""
    import csv
    import io

    sources = sorted(p for p in (root / "data" / "sources").iterdir() if p.is_dir()
                     and not p.name.startswith("synthetic"))
    folder = next((s for s in sources if s.name == "wu-2025-j-clin-pediatr"), sources[-1])
    path = folder / "patients.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    comments = [line for line in lines if line.startswith("#")]
    rows = list(csv.reader(io.StringIO("".join(line for line in lines if not line.startswith("#")))))
    column = rows[0].index("note")
    rows[1][column] = (rows[1][column] + " (benchmark edit)").strip()
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text("".join(comments) + buf.getvalue(), encoding="utf-8")
    return f"{path.relative_to(root).as_posix()}, first patient, column 'note'"


def _weights_of(weights: list[dict], *pages: str) -> dict:
    by = {w["page"]: w for w in weights}
    return {p: {k: by[p][k] for k in ("html_bytes", "assets_bytes", "total_bytes", "total_gzip_bytes")}
            for p in pages if p in by}


# --------------------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------------------


def base_book(root: Path, logs: Path, test_timing: bool) -> dict:
    out: dict = {}
    print("- clean build ...", flush=True)
    clean = build(root, logs, "clean")
    out["clean_build"] = clean
    print(f"  {clean['wall_s']} s, {len(clean['executed'])} pages executed", flush=True)
    print("- floor: the same chapters executed alone (nbclient) ...", flush=True)
    out["floor"] = floor(root, clean["executed"])
    print("- no-op rebuild ...", flush=True)
    out["noop_rebuild"] = build(root, logs, "noop")
    changed = change_one_value(root)
    print(f"- rebuild after changing {changed} ...", flush=True)
    out["one_value_rebuild"] = build(root, logs, "one-value") | {"changed": changed}
    out["page_weights"] = page_weights(root / "_build" / "html")
    if test_timing:
        print("- make test ...", flush=True)
        r = run(["make", "-o", STAMP, "test"], root, _env(root), logs / "make-test.log")
        text = r.pop("_text")
        m = re.findall(r"=+ (.*(?:passed|failed|error).*) in [\d.]+s", text)
        out["make_test"] = r | {"summary": m[-1] if m else ""}
    return out


def scaling(root: Path, logs: Path, sizes: list[int]) -> list[dict]:
    results = []
    present = 0  # synthetic sources in the copy (data only, plus those added with a chapter)
    for n in sizes:
        if n > present:
            synthetic.write_synthetic_sources(root, n - present, start=present + 1)
            present = n
        print(f"- {n} synthetic sources: validation ...", flush=True)
        row: dict = {"synthetic_sources": n, "validation": validation_time(root)}
        print(f"  {row['validation']['load_dataset_s']} s; build with them ...", flush=True)
        b = build(root, logs, f"scale-{n}")
        row["build_with_new_data"] = {k: b[k] for k in ("wall_s", "returncode", "executed", "execution_s",
                                                         "peak_tree_rss_bytes", "max_single_process_rss_bytes",
                                                         "preexecution_wall_s")}
        row["synthesis_exec_s"] = b["execution_s"].get("chapters/synthesis")
        if row["synthesis_exec_s"] is None:  # not re-executed by the build: time it alone
            row["synthesis_exec_s"] = floor(root, ["chapters/synthesis"])["total_s"]
        weights = page_weights(root / "_build" / "html")
        row["page_weights"] = _weights_of(weights, "chapters/synthesis.html", LANDING, "chapters/whats-new.html")
        present += 1
        sid = synthetic.add_source_with_chapter(root, present, python=str(PY))
        print(f"  added {sid} with a chapter; rebuild ...", flush=True)
        r = build(root, logs, f"scale-{n}-add-one")
        row["add_one_source_rebuild"] = {k: r[k] for k in ("wall_s", "returncode", "executed", "execution_s",
                                                             "warnings")} | {"source": sid}
        expected = {f"chapters/{sid}", "chapters/synthesis", "intro", "chapters/whats-new"}
        row["add_one_source_rebuild"]["only_dependent_pages"] = set(r["executed"]) >= expected and not any(
            d.startswith("chapters/") and d not in expected and _is_source_chapter(root, d) for d in r["executed"])
        results.append(row)
        print(f"  {r['wall_s']} s; executed: {', '.join(r['executed'])}", flush=True)
    return results


def _is_source_chapter(root: Path, doc: str) -> bool:
    return (root / "data" / "sources" / Path(doc).name).is_dir()


def marginal_chapter(base: dict, scale: list[dict]) -> dict | None:
    """One more source chapter in a clean build: its execution time in one kernel (from the rebuild that
    added it; with two kernels at once it adds about half of that to the wall time) plus the build's
    average cost per page outside execution (clean build minus pre-execution, over the pages built)."""
    if not scale:
        return None
    clean = base["clean_build"]
    pages = max(1, len(base["page_weights"]))
    per_page_overhead = (clean["wall_s"] - clean.get("preexecution_wall_s", 0.0)) / pages
    first = scale[0]["add_one_source_rebuild"]
    own = first["execution_s"].get(f"chapters/{first['source']}")
    if own is None:
        return None
    return {"chapter_exec_s": own, "per_page_overhead_s": round(per_page_overhead, 2),
            "estimate_s": round(own + per_page_overhead, 2), "source": first["source"]}


def _mb(b: int | None) -> str:
    return "" if b is None else f"{b / 1e6:.2f} MB"


def report(res: dict) -> str:
    lines = []
    b = res.get("base", {})
    if b:
        c, f = b["clean_build"], b["floor"]
        ratio = c["wall_s"] / f["total_s"] if f["total_s"] else float("nan")
        lines += ["Base book", "---------",
                  f"{'clean build':42s} {c['wall_s']:8.1f} s   ({len(c['executed'])} pages executed, exit {c['returncode']})",
                  f"{'floor: same chapters alone (nbclient)':42s} {f['total_s']:8.1f} s   (build / floor = {ratio:.2f})",
                  f"{'no-op rebuild':42s} {b['noop_rebuild']['wall_s']:8.1f} s   (executed: "
                  f"{', '.join(b['noop_rebuild']['executed']) or 'none'})",
                  f"{'rebuild after one value changed':42s} {b['one_value_rebuild']['wall_s']:8.1f} s   "
                  f"({b['one_value_rebuild']['changed']}; executed: {', '.join(b['one_value_rebuild']['executed'])})"]
        if "make_test" in b:
            lines.append(f"{'make test':42s} {b['make_test']['wall_s']:8.1f} s   ({b['make_test']['summary']}, "
                         f"exit {b['make_test']['returncode']})")
        lines.append(f"{'peak memory of the clean build':42s} {_mb(c['peak_tree_rss_bytes']):>10s}   "
                     f"(all processes together; largest single process {_mb(c['max_single_process_rss_bytes'])})")
        lines += ["", "Per chapter: execution in the clean build / alone (s)"]
        for d, s in sorted(c["execution_s"].items(), key=lambda kv: -(kv[1] or 0)):
            lines.append(f"  {d:44s} {s if s is not None else float('nan'):7.1f} {f['per_chapter_s'].get(d, float('nan')):7.1f}")
        lines += [""] + weights_report(b["page_weights"])
    if res.get("scaling"):
        lines += ["", "Scaling (synthetic sources, data only)", "--------------------------------------",
                  f"  {'sources':>8s} {'validate':>9s} {'synthesis':>10s} {'synth page':>11s} {'landing':>9s} "
                  f"{'add one':>8s}  re-executed after adding one"]
        for r in res["scaling"]:
            w = r["page_weights"]
            a = r["add_one_source_rebuild"]
            lines.append(f"  {r['synthetic_sources']:8d} {r['validation']['load_dataset_s']:8.1f}s "
                         f"{r['synthesis_exec_s']:9.1f}s {_mb(w.get('chapters/synthesis.html', {}).get('total_bytes')):>11s} "
                         f"{_mb(w.get(LANDING, {}).get('total_bytes')):>9s} {a['wall_s']:7.1f}s  "
                         f"{', '.join(a['executed'])}")
    if res.get("marginal_chapter"):
        m = res["marginal_chapter"]
        lines += ["", f"Marginal cost of one more source chapter in a clean build: about {m['estimate_s']} s "
                      f"({m['chapter_exec_s']} s executing it + {m['per_page_overhead_s']} s per page of build overhead)"]
    if res.get("targets"):
        lines += ["", "Targets at the largest size"]
        for k, v in res["targets"].items():
            lines.append(f"  {k:44s} {'met' if v['met'] else 'MISSED'}  ({v['value']} vs {v['target']})")
    return "\n".join(lines)


def weights_report(weights: list[dict]) -> list[str]:
    """Every page's weight, one line each, largest first."""
    lines = ["Page weight (HTML + scripts, styles, images, fonts it loads; shared = all but the page's own "
             "Vega bundle), largest first",
             f"  {'page':44s} {'total':>10s} {'HTML':>10s} {'assets':>10s} {'shared':>10s} {'gzipped':>10s}"]
    for w in weights:
        lines.append(f"  {w['page']:44s} {_mb(w['total_bytes']):>10s} {_mb(w['html_bytes']):>10s} "
                     f"{_mb(w['assets_bytes']):>10s} {_mb(w.get('shared_bytes')):>10s} {_mb(w['total_gzip_bytes']):>10s}")
    return lines


def targets(scale: list[dict]) -> dict:
    if not scale:
        return {}
    r = scale[-1]
    synth = r["page_weights"].get("chapters/synthesis.html", {}).get("total_bytes")
    a = r["add_one_source_rebuild"]
    return {
        f"validation at {r['synthetic_sources']} sources (s)": {"value": r["validation"]["load_dataset_s"],
                                                               "target": TARGETS["validation_s"],
                                                               "met": r["validation"]["load_dataset_s"] < 10},
        "synthesis page weight (bytes)": {"value": synth, "target": TARGETS["synthesis_page_bytes"],
                                          "met": synth is not None and synth < TARGETS["synthesis_page_bytes"]},
        "synthesis execution (s)": {"value": r["synthesis_exec_s"], "target": TARGETS["synthesis_exec_s"],
                                    "met": r["synthesis_exec_s"] < TARGETS["synthesis_exec_s"]},
        "adding one source re-executes only dependent pages": {"value": a["executed"], "target": "its chapter, "
                                                               "synthesis, landing, What's new (+ pages reading all "
                                                               "data)", "met": a["only_dependent_pages"]},
    }


def _clean(obj):
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100,1000", help="synthetic source counts (comma separated; '' for none)")
    ap.add_argument("--skip-test-timing", action="store_true", help="do not time `make test`")
    ap.add_argument("--skip-base", action="store_true", help="only the scaling part (still builds the base once)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copy")
    ap.add_argument("--out", default=str(REPO / "_build" / "bench.json"))
    ap.add_argument("--weights-only", action="store_true",
                    help="only print the weight of every page of the site already built in _build/html")
    args = ap.parse_args(argv)
    if args.weights_only:
        print("\n".join(weights_report(page_weights(REPO / "_build" / "html"))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="masreview-bench-"))
    root = _copy_repo(tmp / "repo")
    logs = tmp / "logs"
    logs.mkdir()
    print(f"Benchmark in {root} (logs in {logs}); load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores", flush=True)
    res: dict = {"date": dt.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(),
                 "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        if args.skip_base:
            res["base_build"] = build(root, logs, "clean")
        else:
            res["base"] = base_book(root, logs, not args.skip_test_timing)
        res["scaling"] = scaling(root, logs, sizes)
        if "base" in res:
            res["marginal_chapter"] = marginal_chapter(res["base"], res["scaling"])
        res["targets"] = targets(res["scaling"])
    finally:
        res["total_benchmark_s"] = round(time.perf_counter() - started, 1)
        res["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(_clean(res), indent=2, default=str) + "\n", encoding="utf-8")
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(report(res))
    print(f"\nTotal {res['total_benchmark_s']} s. JSON: {out}" + (f"; copy kept in {root}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
