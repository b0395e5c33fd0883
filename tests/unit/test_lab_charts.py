"""Charts outside the book build (JupyterLab) are Vega specs JupyterLab draws itself; the book build keeps
the page renderer (text/html block), so the website does not change."""

from __future__ import annotations

import altair as alt
import pandas as pd

from masreview.present import charts


def _chart():
    data = pd.DataFrame({"x": [1, 2, 3], "y": [2.0, 1.0, 3.0]})
    k = alt.param(name="k", value=1, bind=alt.binding_range(min=1, max=3, step=1))
    return (alt.Chart(data).mark_point().encode(x="x:Q", y="y:Q").add_params(k)
            .transform_filter(alt.datum.x >= k).properties(width="container", title="t"))


def _bundle(chart):
    out = chart._repr_mimebundle_()
    return out if isinstance(out, tuple) else (out, {})


def test_book_build_keeps_the_page_renderer(monkeypatch):
    monkeypatch.setenv(charts.BOOK_BUILD_ENV, "1")
    charts.enable_offline_charts()
    data, _ = _bundle(_chart())
    assert set(data) == {"text/html", "text/plain"}
    assert f'class="{charts.CHART_CLASS}"' in data["text/html"]


def test_outside_the_book_charts_are_vega_for_jupyterlab(monkeypatch):
    monkeypatch.delenv(charts.BOOK_BUILD_ENV, raising=False)
    charts.enable_offline_charts()
    try:
        data, meta = _bundle(_chart())
    finally:
        monkeypatch.setenv(charts.BOOK_BUILD_ENV, "1")
        charts.enable_offline_charts()
    assert set(data) == {charts.VEGA_MIME_TYPE, "image/svg+xml", "text/plain"}
    vega = data[charts.VEGA_MIME_TYPE]
    assert vega["$schema"].startswith("https://vega.github.io/schema/vega/")
    assert [s["name"] for s in vega["signals"] if "bind" in s] == ["k"]  # the slider survives
    assert "containerSize" not in str(vega)  # fixed width: no resize loop in an output area
    assert vega["width"] == charts.LAB_CONTAINER_WIDTH
    assert meta[charts.VEGA_MIME_TYPE]["embed_options"] == {"renderer": "svg", "actions": False}
    assert data["image/svg+xml"].lstrip().startswith("<svg")
