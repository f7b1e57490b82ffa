"""The supervisor's board as a desktop and a phone show it: at 1366 px the red and orange sites are above the fold
with the region table beside them; at 360 and 1366 px nothing on the board is wider than the screen, in Chinese and
in English; a county's own sites have their row (本级) so the region rows add up to the totals. The board is not in the
shell: the service worker keeps it once a supervisor opened it, so it opens offline after a reload."""

from __future__ import annotations

import re

import pytest

from .conftest import PASSWORD
from .test_pwa_offline import db_rows, go_offline, login, new_page, see, until

pytestmark = pytest.mark.e2e

# Elements of the board whose right edge passes the viewport (a scrolling container's content excepted).
OVERFLOW = """() => {
  const w = document.documentElement.clientWidth;
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const wide = [...document.querySelectorAll('#main *')].filter((el) => el.getBoundingClientRect().right > w + 1 && !scrolls(el))
    .map((el) => el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').slice(0, 30));
  return { page: document.documentElement.scrollWidth - w, wide: wide.slice(0, 5) };
}"""


def open_board(page, base, region=None):
    page.goto(base + "/#/board" + (f"?region={region}" if region else ""))
    see(page, "#tier-totals")
    page.wait_for_function("() => !document.querySelector('#main[aria-busy]')")


def test_board_fits_desktop_and_phone_in_both_languages(server, browser):
    county = db_rows(server, "SELECT id FROM region WHERE code = ?", "620102")[0][0]
    for width, height in ((1366, 768), (360, 780)):
        ctx = browser.new_context(viewport={"width": width, "height": height}, service_workers="allow")
        page = ctx.new_page()
        page.errors = []
        page.console = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(server["base"] + "/")
        login(page, "supervisor")
        for lang in ("zh-CN", "en"):
            if page.evaluate("document.documentElement.lang") != lang:
                page.click("#tools button.link[lang]")
                page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
            for region in (None, county):
                open_board(page, server["base"], region)
                see(page, "#regions")
                overflow = page.evaluate(OVERFLOW)
                assert overflow == {"page": 0, "wide": []}, (width, lang, region, overflow)
                if region is None:  # the province holds the demo's red and orange sites
                    see(page, "#hot-sites > li")
                    hot = page.locator("#hot-sites > li").first.bounding_box()
                    regions = page.locator("#regions").bounding_box()
                    if width == 1366:
                        assert hot["y"] + hot["height"] <= height, f"the first red/orange site is below the fold ({lang})"
                        assert regions["x"] >= hot["x"] + hot["width"], "the region table is not beside the sites"
                        assert regions["y"] < height, "the region table starts below the fold"
                    else:
                        assert regions["y"] > hot["y"], "on a phone the sites come first, the regions below"
                if region == county:
                    own = page.locator("#regions tbody th:not(:has(a))").inner_text()
                    assert own == ("本级（城关区）" if lang == "zh-CN" else "Directly under 城关区")
                    cells = page.eval_on_selector_all(
                        "#regions tbody tr", "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => +td.textContent))")
                    totals = page.eval_on_selector_all("#tier-totals > div", "ds => ds.map(d => +d.lastChild.textContent)")
                    assert [sum(c[i] for c in cells) for i in range(4)] == totals
        assert not page.errors, page.errors
        ctx.close()


def test_the_board_is_kept_once_opened_and_opens_offline(server, browser):
    # The first visit at its worst: the worker's script is held back until the board is shown, so the board module is
    # loaded before the worker controls the page (import() never fetches it again): it must still be kept.
    held, worker = [], re.compile(r".*/sw\.js$")
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, service_workers="allow")
    ctx.route(worker, lambda route: held.append(route))
    page = ctx.new_page()
    page.errors, page.console = [], []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server["base"] + "/")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    see(page, "#tier-totals")  # a supervisor's home is the board
    assert page.evaluate("() => navigator.serviceWorker.controller") is None
    for route in held:
        route.continue_()
    ctx.unroute(worker)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    until(page, """async () => { for (const n of await caches.keys()) {
      if (n.startsWith('xj-lang-') && await (await caches.open(n)).match('/js/views/board.js')) return true; } return false; }""")
    precached = page.evaluate("""async () => { for (const n of await caches.keys()) {
      if (n.startsWith('xj-shell-') && await (await caches.open(n)).match('/js/views/board.js')) return true; } return false; }""")
    assert not precached, "the board is not in the shell's precache"
    go_offline(ctx)
    ctx.route(re.compile(r".*/js/views/board\.js.*"), lambda route: route.abort("internetdisconnected"))
    page.reload()
    see(page, "#tier-totals")
    assert page.locator("#regions").is_visible()
    assert not page.errors, page.errors
    ctx.close()


def test_an_inspector_never_loads_the_board(server, browser):
    ctx, page = new_page(browser, server)
    board = []
    page.on("request", lambda r: board.append(r.url) if "/js/views/board.js" in r.url else None)
    login(page, "inspector")
    page.goto(server["base"] + "/#/board")
    page.wait_for_function("() => !document.querySelector('#main[aria-busy]') && document.querySelector('#main h1')")
    assert page.inner_text("#main h1") == "首页", "an inspector asking for the board sees the due list"
    assert page.locator("#tier-totals").count() == 0
    assert board == [], "an inspector's phone downloads the board"
    ctx.close()
