"""The package is in layers: data -> generate -> analysis -> present -> book; each imports only those below it.

Read from the source (every import statement, including those inside functions), and checked again at
run time: importing every module of a layer in a fresh interpreter loads nothing from a higher layer,
and the three lower layers load no chart, widget or notebook library.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "masreview"
LAYERS = ["data", "generate", "analysis", "present", "book"]
PRESENTATION_LIBRARIES = ("altair", "ipywidgets", "myst_nb", "IPython", "vl_convert", "sphinx")
MAX_LINES = 420


def _modules() -> dict[str, Path]:
    return {".".join(("masreview", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py")}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            out += [(n.lineno, n.module)] + [(n.lineno, f"{n.module}.{a.name}") for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.level:
            out.append((n.lineno, "<relative import>"))
        elif isinstance(n, ast.Import):
            out += [(n.lineno, a.name) for a in n.names]
    return out


def test_no_import_from_a_higher_layer_and_no_relative_imports_in_layers():
    modules = _modules()
    bad = []
    for mod, path in modules.items():
        layer = _layer(mod)
        if layer is None:
            continue
        for line, target in _imports(path):
            if target == "<relative import>":
                bad.append(f"{path.relative_to(PACKAGE)}:{line}: relative import (write the layer out)")
                continue
            t = _layer(target)
            if t is not None and LAYERS.index(t) > LAYERS.index(layer):
                bad.append(f"{path.relative_to(PACKAGE)}:{line}: {layer} imports {target} ({t} is above it)")
            if LAYERS.index(layer) <= LAYERS.index("analysis") and target.split(".")[0] in PRESENTATION_LIBRARIES:
                bad.append(f"{path.relative_to(PACKAGE)}:{line}: {layer} imports {target} (presentation only)")
    assert not bad, "\n".join(bad)


def test_no_import_cycle_between_modules():
    modules = _modules()
    graph = {m: {t for _, imp in _imports(p) for t in (imp, imp.rsplit(".", 1)[0]) if t in modules and t != m}
             for m, p in modules.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_every_layer_states_its_rule_and_modules_stay_small():
    for layer in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"masreview.{layer} must state its import rule in its docstring"
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


@pytest.mark.parametrize("layer", LAYERS[:3])
def test_importing_a_lower_layer_loads_nothing_above_it(layer):
    mods = sorted(m for m in _modules() if _layer(m) == layer)
    code = ("import sys\n" + "".join(f"import {m}\n" for m in mods) +
            "print('\\n'.join(sorted(m for m in sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    above = [m for m in loaded if (_layer(m) or layer) in LAYERS[LAYERS.index(layer) + 1:]]
    libs = [m for m in loaded if m.split(".")[0] in PRESENTATION_LIBRARIES]
    assert not above and not libs, f"importing masreview.{layer} loaded {above + libs}"
