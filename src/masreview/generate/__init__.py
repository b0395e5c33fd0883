"""Layer 2, generate: reconstructed patient rows from the specs a source declares (writes under ``data/`` only).

Import rule: modules here import only :mod:`masreview.data` and each other. The one command is
``python -m masreview generate data/sources/<id>`` (:mod:`masreview.generate.files`).
"""
