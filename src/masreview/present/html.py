"""HTML that the pages show: every string from data escaped, links only to http(s) addresses."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from masreview.data.links import check_url


def esc(value) -> str:
    """The one escaping of text from data into HTML (element content and quoted attribute values)."""
    return html.escape(str(value), quote=True)


def safe_href(url: str) -> str:
    """An ``href`` value: only an absolute http(s) address that passes :func:`masreview.data.links.check_url`,
    or a project-built relative page name (``<source-id>.html``, no scheme, no quotes), escaped."""
    url = str(url)
    if re.fullmatch(r"(\.\./|[a-z0-9-]+/)*[a-z0-9][a-z0-9-]*\.html(#[A-Za-z0-9_-]+)?", url):
        return esc(url)
    return esc(check_url(url))

def pct(k: int, n: int, decimals: int = 0) -> str:
    """'19/20 (95%)'."""
    return f"{k}/{n} ({100 * k / n:.{decimals}f}%)"


def yes_no(value):
    """A truth value as readers say it ('yes'/'no'); anything else unchanged."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return value


def readable(df: pd.DataFrame) -> pd.DataFrame:
    """The table with every truth value (``True``/``False``) written as yes/no."""
    cols = [c for c in df.columns if df[c].dtype == bool or
            (df[c].dtype == object and df[c].map(lambda v: isinstance(v, (bool, np.bool_))).any())]
    if not cols:
        return df
    out = df.copy()
    for c in cols:
        out[c] = out[c].map(yes_no).astype(object)
    return out


def show_table(df: pd.DataFrame, caption: str, index: bool = False, precision: int = 1) -> "Table":
    """A table with a caption (for screen readers) and every cell HTML-escaped.

    Formatted by a pandas Styler, written without its per-cell ids and classes (``exclude_styles``):
    the Styler's default markup is about three times heavier for the same table, which counts on pages
    with a row per cohort.
    """
    df = readable(df)
    styler = df.style.format(precision=precision, escape="html", na_rep="").set_caption(esc(caption))
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if not index:
        styler = styler.hide(axis="index")
    markup = styler.to_html(exclude_styles=True)
    markup = markup.replace("<table>", '<table class="dataframe masreview-table">', 1)
    return Table(markup, caption)


class Link:
    """A link cell for :func:`html_table` (text is escaped; href is built by the project, not from free text)."""

    def __init__(self, text: str, href: str):
        self.text, self.href = text, href

    def html(self) -> str:
        return f'<a href="{safe_href(self.href)}">{esc(self.text)}</a>'


class HTML:
    """Pre-rendered, already-escaped HTML for :func:`html_table` (e.g. a cell with several links)."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup


class Table(HTML):
    """A rendered table (from :func:`show_table`); its plain-text form names its caption."""

    def __init__(self, markup: str, caption: str):
        super().__init__(markup)
        self.caption = caption

    def __repr__(self) -> str:
        return f"<table: {self.caption}>"


# A table of text that becomes one card per row on a phone (the site's style sheet): each cell then shows
# its column's name from ``data-label``.
STACK = "masreview-stack"


def html_table(rows: list[dict], caption: str) -> HTML:
    """An accessible HTML table: caption, header row, every text cell escaped, links as :class:`Link`;
    on a narrow screen each row reads as a card, each cell headed by its column's name."""

    def cell(v) -> str:
        if isinstance(v, Link):
            return v.html()
        if isinstance(v, HTML):
            return v.markup
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return esc(yes_no(v))

    columns = list(rows[0]) if rows else []
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f'<td data-label="{esc(c)}">{cell(r[c])}</td>' for c in columns) + "</tr>"
                   for r in rows)
    return HTML(f'<table class="dataframe masreview-table {STACK}"><caption>{esc(caption)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
