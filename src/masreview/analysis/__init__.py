"""Layer 3, analysis: pure computation (recompute, test, reconstruct ranges, pool) with pandas, scipy,
statsmodels and lifelines.

Import rule: modules here import only :mod:`masreview.data`, :mod:`masreview.generate` and each other;
never Altair, ipywidgets, IPython, myst-nb or HTML helpers.
"""
