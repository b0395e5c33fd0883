"""Living review of ruxolitinib for refractory macrophage activation syndrome.

Data flow: ``data/`` -> :mod:`masreview.loading` (validated by :mod:`masreview.schema`)
-> pure helpers (statistics, reconstruction, reproduction, synthesis, charts) -> chapters.
"""

__version__ = "0.1.0"
