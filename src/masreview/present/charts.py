"""Charts for the living review.

The module has two parts:

* **Renderer** (below): how an Altair chart becomes page output. Call :func:`enable_offline_charts`
  once at the top of a chapter (or notebook); every chart displayed afterwards is written as a
  self-contained HTML block: the Vega-Lite spec inline, a static SVG drawn by ``vl-convert`` (what
  readers without JavaScript see), and a few lines of script that hand the spec to ``vegaEmbed`` when
  the page provides it. That is in the book build only (``MASREVIEW_BOOK_BUILD``, set by the build);
  in JupyterLab a chart is a Vega spec that JupyterLab's own Vega renderer draws, live and offline
  (:func:`render_lab_chart`). The book's Sphinx extension
  (:mod:`masreview.book.sphinxext`) serves one Vega bundle per site and adds it only to pages holding a
  chart, so charts stay interactive with no request leaving the site.
* **Chart builders**: functions that turn loaded data into Altair charts.

Output is byte-identical across runs: the element id is a hash of the spec, and the ids inside the
static SVG are renamed from that hash.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from typing import Any

import altair as alt
import vl_convert

from masreview.present.html import esc

# ---------------------------------------------------------------------------------------------------
# Renderer
# ---------------------------------------------------------------------------------------------------

#: Name under which the renderer is registered with ``alt.renderers``.
RENDERER_NAME = "masreview"

#: CSS class of every chart container. :mod:`masreview.book.sphinxext` looks for it to decide which
#: pages need the Vega bundle, and the site tests look for it to check each chart rendered.
CHART_CLASS = "masreview-chart"

#: Vega-Lite version Altair writes (``"6.4"`` for altair 6.3.0). vl-convert must know it, otherwise
#: the static SVG and the browser bundle would use a different Vega-Lite than the spec targets.
VEGALITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])

if VEGALITE_VERSION not in vl_convert.get_vegalite_versions():
    raise ImportError(
        f"altair {alt.__version__} writes Vega-Lite {VEGALITE_VERSION}, which vl-convert-python "
        f"does not know (it has {', '.join(vl_convert.get_vegalite_versions())}). "
        "Upgrade altair and vl-convert-python together (requirements.in)."
    )

# Runs in the page. It finds its own container, renders the spec with vegaEmbed (SVG renderer, no
# action menu) and then removes the static fallback. Without vegaEmbed (JupyterLab, a page opened
# without JavaScript) the static SVG simply stays.
_EMBED_SCRIPT = """(function () {
  var me = document.currentScript;
  if (!me) { return; }
  var box = me.parentNode;
  function draw() {
    if (!window.vegaEmbed || box.getAttribute("data-rendered")) { return; }
    var spec = JSON.parse(box.querySelector("script[type='application/json']").textContent);
    window.vegaEmbed(box.querySelector(".masreview-chart-live"), spec,
                     {actions: false, renderer: "svg"}).then(function () {
      var still = box.querySelector(".masreview-chart-static");
      if (still) { still.remove(); }
      box.setAttribute("role", "figure");
      box.setAttribute("data-rendered", "vega-embed");
    }).catch(function (err) { console.error("chart " + box.id + " did not render:", err); });
  }
  if (window.vegaEmbed) { draw(); }
  else if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); }
})();"""


def json_safe(value: Any) -> Any:
    """The spec with NaN and infinities as ``null``, so that it is valid JSON (as Vega reads it)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def spec_id(spec: dict[str, Any]) -> str:
    """Deterministic element id for a chart: a hash of its canonical JSON."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                           allow_nan=False)
    return "chart-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def chart_label(spec: dict[str, Any]) -> str:
    """Text for ``aria-label``: the chart's title (and subtitle) and description."""
    title = spec.get("title")
    parts: list[str] = []
    if isinstance(title, dict):
        for key in ("text", "subtitle"):
            value = title.get(key)
            if value:
                parts.append(" ".join(value) if isinstance(value, list) else str(value))
    elif isinstance(title, list):
        parts.append(" ".join(str(line) for line in title))
    elif title:
        parts.append(str(title))
    if spec.get("description"):
        parts.append(str(spec["description"]))
    return ". ".join(p.strip().rstrip(".") for p in parts if p.strip()) or "Chart"


def _script_json(spec: dict[str, Any]) -> str:
    """The spec as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def static_svg(spec: dict[str, Any], prefix: str) -> str:
    """The chart drawn by vl-convert, with its element ids made deterministic and page-unique.

    vl-convert numbers clip paths and gradients with a counter that lives as long as the Python
    process (``clip1``, ``clip2``, ...), so the same chart would come out differently depending on
    what was drawn before it, and two charts on one page would share ids. Each id is renamed to
    ``<prefix>-<n>`` in order of first appearance.
    """
    svg = vl_convert.vegalite_to_svg(spec, vl_version=VEGALITE_VERSION)
    ids = dict.fromkeys(re.findall(r'\bid="([^"]+)"', svg))
    for n, old in enumerate(ids, start=1):
        new = f"{prefix}-{n}"
        svg = re.sub(rf'\bid="{re.escape(old)}"', f'id="{new}"', svg)
        svg = re.sub(rf'(url\(#|href="#){re.escape(old)}([)"])', rf"\g<1>{new}\g<2>", svg)
    return svg


def render_chart(spec: dict[str, Any], **_metadata: Any) -> dict[str, str]:
    """Altair renderer: a mimebundle with one ``text/html`` block (plus a ``text/plain`` line)."""
    spec = json_safe(spec)
    element_id = spec_id(spec)
    label = chart_label(spec)
    block = (
        # A chart wider than the text column scrolls sideways instead of being cut off.
        f'<div class="{CHART_CLASS}" id="{element_id}" role="img" '
        f'aria-label="{esc(label)}" style="max-width:100%;overflow-x:auto">'
        f'<div class="masreview-chart-static">{static_svg(spec, element_id)}</div>'
        '<div class="masreview-chart-live"></div>'
        f'<script type="application/json">{_script_json(spec)}</script>'
        f"<script>{_EMBED_SCRIPT}</script>"
        "</div>"
    )
    return {"text/html": block, "text/plain": f"<chart: {label}>"}


#: Set (to ``1``) by the book build (:mod:`masreview.book.sphinxext`, :mod:`masreview.book.preexecute`) for
#: the kernels it starts. Without it a chapter runs interactively (JupyterLab) and charts use
#: :func:`render_lab_chart`.
BOOK_BUILD_ENV = "MASREVIEW_BOOK_BUILD"

#: Name under which the JupyterLab renderer is registered with ``alt.renderers``.
LAB_RENDERER_NAME = "masreview-lab"

#: MIME type of a Vega spec, drawn by JupyterLab's own Vega extension (no request leaves the machine).
#: JupyterLab 4.6 renders Vega 5 and Vega-Lite 3 to 5 (its bundled Vega-Lite is 5.6); Altair 6 writes
#: Vega-Lite 6 under ``application/vnd.vegalite.v6.json``, which JupyterLab does not know, so the spec
#: is compiled to Vega here (by vl-convert, with the Vega-Lite version Altair targets) and the Vega
#: runtime of JupyterLab draws it, parameters and their menus and sliders included.
VEGA_MIME_TYPE = "application/vnd.vega.v5+json"


def in_book_build() -> bool:
    """True in a kernel the book build started (its outputs become pages)."""
    return os.environ.get(BOOK_BUILD_ENV, "") not in ("", "0")


#: Width (pixels) JupyterLab gets for a chart that is as wide as its container on the website
#: (``width="container"``): in a notebook's output area such a chart and its container keep resizing
#: each other and the tab stops responding.
LAB_CONTAINER_WIDTH = 640


def fixed_width(node: Any, width: int = LAB_CONTAINER_WIDTH) -> Any:
    """The spec with every ``"width": "container"`` replaced by ``width`` pixels."""
    if isinstance(node, dict):
        return {k: (width if k == "width" and v == "container" else fixed_width(v, width))
                for k, v in node.items()}
    if isinstance(node, list):
        return [fixed_width(v, width) for v in node]
    return node


def render_lab_chart(spec: dict[str, Any], **_metadata: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Altair renderer for JupyterLab: the chart as a Vega spec (live: menus, sliders, tooltips), the
    static SVG for front ends without a Vega renderer, and a ``text/plain`` line; drawn as SVG with no
    action menu (its "open in the Vega editor" would leave the machine), as on the website."""
    spec = fixed_width(json_safe(spec))
    vega = vl_convert.vegalite_to_vega(spec, vl_version=VEGALITE_VERSION)
    data = {
        VEGA_MIME_TYPE: vega,
        "image/svg+xml": static_svg(spec, spec_id(spec)),
        "text/plain": f"<chart: {chart_label(spec)}>",
    }
    return data, {VEGA_MIME_TYPE: {"embed_options": {"renderer": "svg", "actions": False}}}


def enable_offline_charts() -> None:
    """Render every Altair chart from now on with the project renderer (idempotent).

    In the book build (:data:`BOOK_BUILD_ENV` set) that is :func:`render_chart`, the HTML block the
    pages hold; elsewhere (a chapter run in JupyterLab) :func:`render_lab_chart`, which JupyterLab
    draws live without the page's Vega bundle.
    """
    if RENDERER_NAME not in alt.renderers.names():
        alt.renderers.register(RENDERER_NAME, render_chart)
    if LAB_RENDERER_NAME not in alt.renderers.names():
        alt.renderers.register(LAB_RENDERER_NAME, render_lab_chart)
    alt.renderers.enable(RENDERER_NAME if in_book_build() else LAB_RENDERER_NAME)


# ---------------------------------------------------------------------------------------------------
# Chart builders
# ---------------------------------------------------------------------------------------------------
