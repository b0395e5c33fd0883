"""The lazy stand-in for rfc3987_syntax: Altair imports without compiling its grammar, and a check of
the iri formats still gives the real answers."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")

CHECK = """
import sys
import masreview, altair, jsonschema
assert "rfc3987_syntax.syntax_helpers" not in sys.modules, "grammar compiled at import"
fc = jsonschema.FormatChecker()
answers = [fc.conforms(v, f) for v in ("http://example.org/\\u00e4", "not an iri", "a/b?c#d")
           for f in ("iri", "iri-reference")]
assert "rfc3987_syntax.syntax_helpers" in sys.modules
print(answers)
"""

REAL = """
import rfc3987_syntax, jsonschema
fc = jsonschema.FormatChecker()
print([fc.conforms(v, f) for v in ("http://example.org/\\u00e4", "not an iri", "a/b?c#d")
       for f in ("iri", "iri-reference")])
"""


def test_iri_checks_load_the_grammar_on_first_use_and_agree():
    lazy = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True)
    assert lazy.returncode == 0, lazy.stderr
    real = subprocess.run([sys.executable, "-c", REAL], capture_output=True, text=True)
    assert real.returncode == 0, real.stderr
    assert lazy.stdout == real.stdout
