"""Layer 1, data: reading and validating ``data/`` (vocabulary, schemas, safe readers, the loader, selectors).

Import rule: modules here import only each other (never generate, analysis, present or book), and no
chart, widget or notebook library. Everything above reads the data through :func:`loading.load_dataset`
and selects rows through :mod:`masreview.data.select`.
"""
