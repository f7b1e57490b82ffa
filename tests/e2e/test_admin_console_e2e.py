"""The admin console in headless Chromium at desktop sizes, against a real server: no console screen is wider than
the window."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD
from .test_pwa_offline import login, new_page, see

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 900}
SCREENS = ["accounts", "sites", "import", "regions", "templates", "rules", "jobs", "webhooks", "audit"]


def desktop_page(browser, server, username, password=PASSWORD):
    ctx, page = new_page(browser, server, DESKTOP)
    login(page, username, password)
    return ctx, page


def screen(page, name):
    page.goto(page.url.split("#")[0] + f"#/admin/{name}")
    see(page, f".console[data-screen={name}]")
    page.wait_for_function("() => !document.querySelector('#main[aria-busy]') && "
                           "![...document.querySelectorAll('#main .muted')].some((p) => p.textContent === '加载中…')")


def test_no_console_screen_is_wider_than_the_window_at_1366_or_1024_px(server, browser):
    ctx, page = desktop_page(browser, server, "admin")
    for window in (DESKTOP["width"], 1024):
        page.set_viewport_size({"width": window, "height": DESKTOP["height"]})
        for name in SCREENS:
            screen(page, name)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= window, f"{name} is {width} px wide in a {window} px window"
    assert page.errors == []
    ctx.close()
