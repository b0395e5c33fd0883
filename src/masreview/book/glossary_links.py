"""The glossary page and the links to it; hidden code out of the search index.

Connected by :mod:`masreview.book.sphinxext`.

* ``{masreview-glossary}``, a directive, writes the terms of :mod:`masreview.data.glossary` as a
  definition list, each term with its anchor (``term-...``).
* ``doctree-resolved``: on every other page, the first use of each term in body text (paragraphs and list
  items; never code, headings, captions, links, tables, citations or raw HTML) becomes a link to its
  entry, with the definition as the link's title.
* The search index reads each page without the sources of code cells that are hidden on it (tag
  ``hide-input``; ``remove-input`` and ``remove-cell`` sources never reach the page): a reader searching
  for a word finds the prose that uses it, not the Python that computes it.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx import addnodes
from sphinx.application import Sphinx

from masreview.data.glossary import TERMS, Term, compiled

GLOSSARY_DOC = "chapters/glossary"
LINK_CLASS = "masreview-term"

#: Nothing inside these is linked: code, headings, captions, links, tables, citations, raw HTML.
SKIP = (nodes.title, nodes.subtitle, nodes.rubric, nodes.caption, nodes.literal, nodes.literal_block,
        nodes.doctest_block, nodes.reference, nodes.raw, nodes.table, nodes.target, nodes.citation,
        nodes.citation_reference, nodes.footnote, nodes.footnote_reference, nodes.comment, nodes.math,
        nodes.math_block, nodes.term, nodes.system_message, nodes.field_name, nodes.problematic,
        addnodes.pending_xref, addnodes.toctree, addnodes.desc_signature, addnodes.download_reference)
#: Body text: a term is linked only inside one of these.
BODY = (nodes.paragraph,)


class GlossaryDirective(Directive):
    """``{masreview-glossary}``: the glossary, from :data:`masreview.data.glossary.TERMS`."""

    has_content = False

    def run(self):
        dl = nodes.definition_list(classes=["masreview-glossary"])
        for term in sorted(TERMS, key=lambda t: t.name.lower()):
            item = nodes.definition_list_item()
            item += nodes.term(term.name, term.name, ids=[term.anchor])
            item += nodes.definition("", nodes.paragraph(term.definition, term.definition))
            dl += item
        return [dl]


def _skipped(node: nodes.Node) -> bool:
    """True when ``node`` is not body text (see :data:`SKIP`, :data:`BODY`)."""
    in_body = False
    parent = node.parent
    while parent is not None:
        if isinstance(parent, SKIP):
            return True
        if isinstance(parent, nodes.container) and "cell_input" in parent.get("classes", []):
            return True
        if isinstance(parent, BODY):
            in_body = True
        parent = parent.parent
    return not in_body


def _first_match(text: str, todo: dict[Term, object]):
    """The earliest (then longest) match of any term still to link in ``text``."""
    best = None
    for term, pattern in todo.items():
        m = pattern.search(text)
        if m and (best is None or (m.start(), -len(m.group())) < (best[1].start(), -len(best[1].group()))):
            best = (term, m)
    return best


def link_first_uses(doctree: nodes.document, uri_of) -> list[str]:
    """Link the first use of each glossary term in ``doctree``'s body text; ``uri_of(term)`` gives the
    link's address. Returns the names of the terms linked, in page order."""
    todo = {t: compiled(t) for t in TERMS}
    linked: list[str] = []
    for text_node in list(doctree.findall(nodes.Text)):
        if not todo or _skipped(text_node):
            continue
        rest = text_node.astext()
        pieces: list[nodes.Node] = []
        while todo:
            found = _first_match(rest, todo)
            if found is None:
                break
            term, m = found
            del todo[term]
            linked.append(term.name)
            if m.start():
                pieces.append(nodes.Text(rest[:m.start()]))
            pieces.append(nodes.reference("", m.group(), refuri=uri_of(term), reftitle=term.definition,
                                          internal=True, classes=[LINK_CLASS]))
            rest = rest[m.end():]
        if pieces:
            if rest:
                pieces.append(nodes.Text(rest))
            text_node.parent.replace(text_node, pieces)
    return linked


def link_glossary_terms(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: the first use of each term on a page links to the glossary."""
    if app.builder.format != "html" or docname == GLOSSARY_DOC or GLOSSARY_DOC not in app.env.all_docs:
        return
    base = app.builder.get_relative_uri(docname, GLOSSARY_DOC)
    link_first_uses(doctree, lambda term: f"{base}#{term.anchor}")


def without_hidden_code(doctree: nodes.document) -> nodes.document:
    """A copy of ``doctree`` without the sources of code cells hidden on the page (by then myst-nb has
    wrapped each hidden source in a toggle node, which goes with it)."""
    copy = doctree.deepcopy()
    for cell in list(copy.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code" or cell.get("hide_mode") not in ("input", "input+output", "all"):
            continue
        for source in [n for n in cell.findall(nodes.container) if n.get("nb_element") == "cell_code_source"]:
            holder = source.parent
            holder.remove(source)
            if holder is not cell and not holder.children:  # the toggle that showed it
                holder.parent.remove(holder)
    return copy


def index_without_hidden_code(app: Sphinx) -> None:
    """``builder-inited``: the HTML builder indexes each page without its hidden code."""
    builder = app.builder
    if builder.format != "html" or not hasattr(builder, "index_page"):
        return
    original = builder.index_page

    def index_page(pagename, doctree, title):
        return original(pagename, without_hidden_code(doctree), title)

    builder.index_page = index_page


def glossary_changed(app: Sphinx, env, added, changed, removed) -> list[str]:
    """``env-get-outdated``: every page when the terms (or the glossary page's presence) changed, so that
    no page keeps links to an entry that is gone or misses one that came."""
    import hashlib

    now = hashlib.sha256(repr((TERMS, GLOSSARY_DOC in env.found_docs)).encode("utf-8")).hexdigest()
    before = getattr(env, "masreview_glossary", None)
    env.masreview_glossary = now
    return [] if before in (None, now) else sorted(env.found_docs)


def setup(app: Sphinx) -> None:
    """Called from :func:`masreview.book.sphinxext.setup`."""
    app.connect("env-get-outdated", glossary_changed)
    app.add_directive("masreview-glossary", GlossaryDirective)
    app.connect("doctree-resolved", link_glossary_terms)
    app.connect("builder-inited", index_without_hidden_code)
