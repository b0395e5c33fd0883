"""Living review of ruxolitinib for refractory macrophage activation syndrome.

Data flow: ``data/`` -> :mod:`masreview.data.loading` (validated by :mod:`masreview.data.schema`)
-> pure helpers (statistics, reconstruction, reproduction, synthesis, charts) -> chapters.
"""

__version__ = "0.1.0"

from ._lazy import defer_rfc3987_syntax as _defer_rfc3987_syntax

_defer_rfc3987_syntax()  # about 2 s less per chapter kernel; see masreview._lazy
