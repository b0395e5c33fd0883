"""What every chapter's first cell calls: one preamble, glue that stays plain, escaped tables.

    from masreview.book import setup, glue_number, glue_text, show_table
    ds = setup()          # validated dataset; offline charts on; display options set
"""

from __future__ import annotations

import html
import numbers

import pandas as pd

from .loading import Dataset, load_dataset

_DATASET: Dataset | None = None


def setup(reload: bool = False) -> Dataset:
    """Enable the offline chart renderer and return the validated dataset (loaded once per kernel)."""
    global _DATASET
    from .charts import enable_offline_charts

    enable_offline_charts()
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_colwidth", 200)
    if _DATASET is None or reload:
        _DATASET = load_dataset()
    return _DATASET


class PlainText(str):
    """A string whose repr is itself, so that ``{glue}`` shows it without quotes."""

    def __repr__(self) -> str:  # noqa: D105
        return str(self)


def plain(value):
    """numpy scalars -> Python numbers (numpy 2 scalars break glue formatting)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def glue_number(name: str, value) -> float | int:
    """Glue a number (as a plain int/float) for ``{glue:text}`name:.1f``` in prose; returns it."""
    from myst_nb import glue

    v = plain(value)
    if not isinstance(v, (int, float)):
        raise TypeError(f"glue_number('{name}'): expected a number, got {type(value).__name__}")
    glue(name, v, display=False)
    return v


def glue_text(name: str, text: str) -> str:
    """Glue a ready-formatted phrase for ``{glue}`name``` in prose; returns it."""
    from myst_nb import glue

    t = PlainText(str(text))
    glue(name, t, display=False)
    return t


def pct(k: int, n: int, decimals: int = 0) -> str:
    """'19/20 (95%)'."""
    return f"{k}/{n} ({100 * k / n:.{decimals}f}%)"


def show_table(df: pd.DataFrame, caption: str, index: bool = False, precision: int = 1) -> "Table":
    """A table with a caption (for screen readers) and every cell HTML-escaped.

    Formatted by a pandas Styler, written without its per-cell ids and classes (``exclude_styles``):
    the Styler's default markup is about three times heavier for the same table, which counts on pages
    with a row per cohort.
    """
    styler = df.style.format(precision=precision, escape="html", na_rep="").set_caption(html.escape(caption))
    styler = styler.format_index(escape="html")
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
        return f'<a href="{html.escape(self.href, quote=True)}">{html.escape(self.text)}</a>'


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


def html_table(rows: list[dict], caption: str) -> HTML:
    """An accessible HTML table: caption, header row, every text cell escaped, links as :class:`Link`."""

    def cell(v) -> str:
        if isinstance(v, Link):
            return v.html()
        if isinstance(v, HTML):
            return v.markup
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return html.escape(str(v))

    columns = list(rows[0]) if rows else []
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(r[c])}</td>" for c in columns) + "</tr>" for r in rows)
    return HTML(f'<table class="dataframe masreview-table"><caption>{html.escape(caption)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
