"""On a phone (390 px wide): the menu button opens the navigation, every chapter is reachable from it,
and no page is wider than the screen. Also: the landing page says the key messages first."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from sitecheck import content_pages, local_only_context

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _page(browser, viewport):
    context, outside = local_only_context(browser)
    page = context.new_page()
    page.set_viewport_size(viewport)
    return context, page, outside


def _visible_toggle(page, selector):
    buttons = page.locator(selector)
    for i in range(buttons.count()):
        if buttons.nth(i).is_visible():
            return buttons.nth(i)
    return None


def test_phone_menu_reaches_every_chapter_and_no_page_overflows(browser, site_url, site_dir):
    context, page, outside = _page(browser, PHONE)
    try:
        page.goto(f"{site_url}/intro.html")
        toggle = _visible_toggle(page, ".primary-toggle")
        assert toggle is not None, "no visible menu button at 390 px"
        toggle.click()
        dialog = page.locator("#pst-primary-sidebar-modal")
        dialog.wait_for(state="visible", timeout=5000)
        assert page.evaluate("document.getElementById('pst-primary-sidebar-modal').open")
        hrefs = dialog.locator("nav a.reference.internal").evaluate_all("els => els.map(e => e.href)")
        reached = {urlsplit(h).path.lstrip("/").split("#")[0] for h in hrefs}
        expected = set(content_pages(site_dir))
        assert expected - reached == set(), f"chapters missing from the phone menu: {expected - reached}"
        page.keyboard.press("Escape")

        too_wide = {}
        for rel in sorted(expected):
            page.goto(urljoin(site_url + "/", rel))
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)  # charts render after load
            sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if sw > iw:
                too_wide[rel] = (sw, iw)
        assert too_wide == {}, f"pages wider than a 390 px screen: {too_wide}"
        assert outside == []
    finally:
        context.close()


def test_phone_contents_button_opens_the_page_contents(browser, site_url):
    context, page, _ = _page(browser, PHONE)
    try:
        page.goto(f"{site_url}/chapters/synthesis.html")
        toggle = _visible_toggle(page, ".secondary-toggle")
        assert toggle is not None
        toggle.click()
        page.locator("#pst-secondary-sidebar-modal").wait_for(state="visible", timeout=5000)
        assert page.evaluate("document.getElementById('pst-secondary-sidebar-modal').open")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP], ids=["1366px"])
def test_key_messages_on_the_first_screen(browser, site_url, viewport):
    context, page, _ = _page(browser, viewport)
    try:
        page.goto(f"{site_url}/intro.html")
        box = page.locator(".masreview-key-messages")
        assert box.count() == 1
        top = box.bounding_box()["y"]
        assert top < viewport["height"] / 2, f"key messages start {top:.0f} px down"
        text = " ".join(box.inner_text().split())
        assert "The evidence is very uncertain about the effect of ruxolitinib on" in text or \
            "certainty evidence" in text
        assert "95% interval" in text and "Evidence last updated" in text
        assert box.locator("a[href*='synthesis']").count() >= 1
    finally:
        context.close()


def test_every_page_has_the_favicon_and_our_script(site_dir):
    from sitecheck import soup

    for rel in content_pages(site_dir):
        s = soup(site_dir / rel)
        icon = s.find("link", rel="icon")
        assert icon is not None and "favicon.svg" in icon["href"], rel
        assert any("masreview.js" in (t.get("src") or "") for t in s.find_all("script")), rel


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_every_chart_is_drawn_with_a_size(browser, site_url, site_dir, viewport):
    """Each chart on each page is drawn (an SVG at least 150 px wide and 40 px high: a one-phase timeline
    scaled to a phone is about 75 px high), never an empty box (the evidence map once was 0 x 0)."""
    from masreview.present.charts import CHART_CLASS

    context, page, _ = _page(browser, viewport)
    empty = {}
    try:
        for rel in content_pages(site_dir):
            if f'class="{CHART_CLASS}"' not in (site_dir / rel).read_text(encoding="utf-8"):
                continue
            page.goto(urljoin(site_url + "/", rel))
            page.wait_for_load_state("load")
            page.wait_for_timeout(500)  # charts render after load
            sizes = page.evaluate(f"""() => Array.from(document.querySelectorAll('div.{CHART_CLASS}')).map(c => {{
                const svgs = Array.from(c.querySelectorAll('svg')).filter(s => s.getBoundingClientRect().width > 0);
                const r = svgs.length ? svgs[0].getBoundingClientRect() : {{width: 0, height: 0}};
                return [c.id, Math.round(r.width), Math.round(r.height)];
            }})""")
            small = [s for s in sizes if s[1] < 150 or s[2] < 40]
            if small:
                empty[rel] = small
    finally:
        context.close()
    assert empty == {}, f"charts drawn empty or tiny: {empty}"
