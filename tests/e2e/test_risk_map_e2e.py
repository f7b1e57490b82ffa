"""The board's risk map at 1366 px: the province's prefectures as coloured, labelled tile buttons that drill down on
click, the sites as coloured points that open the site, a patrol's route, the coverage table; and without a 天地图
key no request leaves the server the PWA came from."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from .test_board_layout_e2e import OVERFLOW
from .test_pwa_offline import db_rows, login, see

pytestmark = pytest.mark.e2e

NONE_BG = "rgb(236, 239, 241)"


def test_the_board_shows_the_map_drills_down_and_fetches_nothing_outside(server, browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, service_workers="allow")
    page = ctx.new_page()
    page.errors, page.console, hosts = [], [], set()
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.goto(server["base"] + "/")
    login(page, "supervisor")
    page.goto(server["base"] + "/#/board")
    see(page, "#map-tiles button[data-region]")
    # Gansu's prefectures (the first screen after login may still be replacing itself).
    page.wait_for_function("() => document.querySelectorAll('#map-tiles button[data-region]').length === 14")
    tiles = page.locator("#map-tiles button[data-region]")
    lanzhou = db_rows(server, "SELECT id FROM region WHERE code = ?", "620100")[0][0]
    tile = page.locator(f"#map-tiles button[data-region='{lanzhou}']")
    label = tile.get_attribute("aria-label")
    assert "兰州市" in label and "重大风险" in label  # a text label, not colour alone
    tier = tile.get_attribute("data-tier")
    assert tier in {"red", "orange", "yellow", "blue"}
    assert tile.evaluate("el => getComputedStyle(el).backgroundColor") != NONE_BG
    coloured = {t.get_attribute("data-tier") for t in tiles.all()}
    assert coloured - {"none"}, coloured

    see(page, "#risk-map svg a[data-site] circle")
    fills = set(page.eval_on_selector_all("#risk-map svg a[data-site] circle", "els => els.map((e) => e.getAttribute('fill'))"))
    assert len(fills) >= 2  # points coloured by tier

    see(page, "#coverage-table tbody tr")
    assert page.locator("#coverage-plans a[download]").get_attribute("href").startswith("/api/plans/coverage.csv")
    see(page, "#routes button[data-patrol]")
    page.locator("#routes button[data-patrol]").first.click()
    # A straight track has no area, so it is never "visible" to Playwright: attached is what counts.
    page.wait_for_selector("#route-view path[data-track]", state="attached")
    assert page.locator("#route-view rect[data-action]").count() >= 1  # where people were met
    assert page.evaluate(OVERFLOW) == {"page": 0, "wide": []}  # the map, routes and coverage fit 1366 px
    if os.environ.get("XUNJIAN_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["XUNJIAN_SCREENSHOTS"], "board-map-1366.png"), full_page=True)

    tile.click()  # drill down: the prefecture's counties as tiles
    page.wait_for_function(f"() => location.hash === '#/board?region={lanzhou}'")
    county = db_rows(server, "SELECT id FROM region WHERE code = ?", "620102")[0][0]
    see(page, f"#map-tiles button[data-region='{county}']")
    see(page, "#risk-map svg a[data-site]")
    point = page.locator("#risk-map svg a[data-site]").first
    site = point.get_attribute("data-site")
    point.click()
    page.wait_for_function(f"() => location.hash === '#/site/{site}'")
    assert hosts == {urlsplit(server["base"]).netloc}, hosts
    assert not page.errors, page.errors
    ctx.close()
