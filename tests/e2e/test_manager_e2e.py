"""The manager on a phone: an answer given offline says so in the person's words (and "sent" once it is, see
test_notifications_e2e); the rectification notice fits a 360 px screen with a print button, and prints as A4
without it."""

from __future__ import annotations

import pytest

from .test_notifications_e2e import submit_major_hazard
from .test_pwa_offline import SITE_CODE, db_rows, go_offline, go_online, login, new_page, outbox_count, see
from .test_screens_fit_e2e import OVERFLOW, SHOTS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def finding_id(server):
    return submit_major_hazard(server, db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0])


def test_an_answer_given_offline_says_it_waits_for_the_network(server, browser, finding_id):
    ctx, page = new_page(browser, server)
    login(page, "manager")
    page.goto(f"{server['base']}/#/finding/{finding_id}")
    see(page, "#respond-form textarea")
    go_offline(ctx)
    page.fill("#respond-form textarea", "已拆除门锁，出口畅通")
    page.click("#respond-form button[type=submit]")
    see(page, "#toast:not([hidden])")
    assert page.inner_text("#toast") == "离线，联网后自动发送"
    assert outbox_count(page) == 1
    go_online(ctx)
    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 0", timeout=30000)
    assert db_rows(server, "SELECT status FROM finding WHERE id = ?", finding_id) == [("responded",)]
    assert not page.errors, page.errors
    ctx.close()


def test_the_notice_fits_a_phone_and_prints_a4_without_its_button(server, browser, finding_id):
    ctx, page = new_page(browser, server)
    login(page, "manager")
    page.goto(f"{server['base']}/#/finding/{finding_id}")
    see(page, "#notice-link")
    href = page.get_attribute("#notice-link", "href")
    for width in (360, 390, 1366):
        page.set_viewport_size({"width": width, "height": 780})
        page.goto(server["base"] + href)
        see(page, "main.sheet")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"manager-notice-{width}-zh-CN.png"), full_page=True)
        out = page.evaluate(OVERFLOW)
        assert out == {"scroll": 0, "wide": []}, (width, out)
        assert page.is_visible("#print")
    # on screen the button prints; in print it is gone and the sheet takes the A4 page (the @page margins)
    page.evaluate("() => { window.print = () => { document.body.dataset.printed = '1'; }; }")
    page.click("#print")
    assert page.get_attribute("body", "data-printed") == "1"
    page.emulate_media(media="print")
    assert not page.is_visible("#print")
    assert page.evaluate("getComputedStyle(document.querySelector('.findings thead')).display") == "table-header-group"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert not page.errors, page.errors
    ctx.close()
