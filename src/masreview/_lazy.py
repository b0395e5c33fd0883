"""Import-time savings for every chapter kernel.

jsonschema (imported by Altair) imports ``rfc3987_syntax`` when it is installed, to check the ``iri``
and ``iri-reference`` formats of JSON Schema, and that module compiles a Lark grammar as it is
imported: about 2 s of CPU in every kernel that draws a chart, although no Vega-Lite spec of this book
is ever checked against those formats. (The package is in the environment because ``jupyter-events``
asks for ``jsonschema[format-nongpl]``; newer forks load the grammar lazily, see
python-jsonschema/jsonschema#1521.)

:func:`defer_rfc3987_syntax` puts a stand-in module in ``sys.modules`` whose ``is_valid_syntax``
imports the real package the first time it is called and then delegates to it, so a check of those
formats, if one ever happens, gives the same answer as before.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

_NAME = "rfc3987_syntax"


def defer_rfc3987_syntax() -> None:
    """Install the lazy stand-in, unless the real module is already imported or not installed."""
    if _NAME in sys.modules or "jsonschema" in sys.modules:
        return
    try:
        if importlib.util.find_spec(_NAME) is None:
            return
    except (ImportError, ValueError):
        return
    real: list[types.ModuleType] = []

    def _load() -> types.ModuleType:
        if not real:
            stub = sys.modules.pop(_NAME, None)
            try:
                real.append(importlib.import_module(_NAME))
            except Exception:
                if stub is not None:
                    sys.modules[_NAME] = stub
                raise
        return real[0]

    def is_valid_syntax(term: str, value: str) -> bool:
        return _load().is_valid_syntax(term, value)

    stub = types.ModuleType(_NAME, "Lazy stand-in for rfc3987_syntax (see masreview._lazy).")
    stub.is_valid_syntax = is_valid_syntax
    def __getattr__(name: str):  # anything else comes from the real module
        if name.startswith("__"):  # import machinery probing (__path__, __spec__...): not a reason to load
            raise AttributeError(name)
        return getattr(_load(), name)

    stub.__getattr__ = __getattr__
    sys.modules[_NAME] = stub
