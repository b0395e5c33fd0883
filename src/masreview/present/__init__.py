"""Layer 4, present: what readers see (text formatting, escaped HTML tables, charts, widgets).

Import rule: modules here import data, generate, analysis and each other, never :mod:`masreview.book`.
One formatter of a reported number (:func:`masreview.present.format.printed`), one HTML path
(:mod:`masreview.present.html`).
"""
