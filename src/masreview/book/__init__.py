"""Layer 5, book: chapter set-up and glue, the Sphinx extensions, pre-execution, downloads, new-source.

Import rule: anything below. Chapters import from here and from the layers below; nothing imports book
except the command line.
"""
