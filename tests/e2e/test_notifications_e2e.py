"""Notifications in the PWA, two browser contexts against a real server: an inspector records a major hazard at the
manager's institution; the manager, already in the app, gets the badge and a system notification by the polling
(no reload), opens the finding from the inbox and responds; the inspector is told the same way. The badge survives
an offline reload marked with its time, and a notification read offline waits in the outbox and is counted at once.
Then the outbox's wording: offline is not a failure, a busy server retries, a refused item says what to do."""

from __future__ import annotations

import io
import json
import uuid

import httpx
import pytest
from PIL import Image

from tests.api.checklist_answers import all_compliant, payload

from .test_pwa_offline import SITE_CODE, SITE_POS, api_token, db_rows, go_offline, go_online, login, outbox_count, \
    patrol_queued_offline, see

pytestmark = pytest.mark.e2e

POLL_WAIT = "01:15"  # past the longest first poll interval (60 s + 20 % jitter)


def app_context(browser, server):
    """A phone with notifications allowed and a clock the test can move, so the once-a-minute poll is seen at once."""
    ctx = browser.new_context(viewport={"width": 360, "height": 780}, permissions=["geolocation", "notifications"],
                              geolocation=SITE_POS, service_workers="allow")
    ctx.clock.install()
    page = ctx.new_page()
    page.errors = []
    page.console = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    page.goto(server["base"] + "/")
    return ctx, page


def polled(page, username):
    """The first poll after the login has set the mark of what was already there."""
    page.wait_for_function(f"async () => ((await (await import('/js/db.js')).kvGet('inbox:{username}')) || {{}}).seen != null",
                           timeout=15000)


def badge(page) -> int:
    el = page.query_selector("#unread")
    return int(el.inner_text()) if el else 0


def wait_badge(page, n, timeout=15000):
    page.wait_for_function(f"() => Number(document.querySelector('#unread')?.textContent || 0) === {n}", timeout=timeout)


def system_notifications(page) -> list[dict]:
    return page.evaluate("async () => (await (await navigator.serviceWorker.ready).getNotifications())"
                         ".map((n) => ({ tag: n.tag, title: n.title, open: n.data && n.data.open }))")


def uploaded_photo(server, headers, colour=(200, 30, 30)) -> str:
    """A small JPEG put through the photo API; its id."""
    photo = str(uuid.uuid4())
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    r = httpx.put(f"{server['base']}/api/photos/{photo}", content=buf.getvalue(),
                  headers={**headers, "Content-Type": "image/jpeg"})
    assert r.status_code in (200, 201), r.text
    return photo


def submit_major_hazard(server, site_id, **extra) -> int:
    """The inspector's submission (the PWA's own checklist run is covered by test_pwa_offline); `extra` goes into the
    body (co_inspector_ids...)."""
    headers = api_token(server, "inspector")
    photo = uploaded_photo(server, headers)
    answers = all_compliant("eldercare_safety")
    answers["exits_clear"] = {"result": "noncompliant", "note": "二楼安全出口上锁", "photos": [photo]}
    r = httpx.put(f"{server['base']}/api/inspections/{uuid.uuid4()}", headers=headers,
                  json=payload(site_id, answers=answers, checkin={"lat": SITE_POS["latitude"], "lng": SITE_POS["longitude"]},
                               **extra))
    assert r.status_code == 201, r.text
    (finding,) = [f for f in r.json()["findings"] if f["item_key"] == "exits_clear"]
    assert finding["grade"] == "major"
    return finding["id"]


def test_a_major_hazard_reaches_the_manager_and_the_response_reaches_the_inspector(server, browser):
    site_id = db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0]
    mctx, manager = app_context(browser, server)
    login(manager, "manager")
    polled(manager, "manager")
    ictx, inspector = app_context(browser, server)
    login(inspector, "inspector")
    polled(inspector, "inspector")
    m0, i0 = badge(manager), badge(inspector)
    assert not system_notifications(manager), "nothing from before the login is shown as new"

    finding_id = submit_major_hazard(server, site_id)
    (nid,), = db_rows(server, "SELECT n.id FROM notification n JOIN app_user u ON u.id = n.user "
                              "WHERE u.username = 'manager' AND n.kind = 'finding.raised' AND n.subject_id = ?", str(finding_id))

    # --- the manager, in the app all along: the next poll brings the badge and the system notification ---------
    manager.clock.fast_forward(POLL_WAIT)
    wait_badge(manager, m0 + 1)
    shown = system_notifications(manager)
    assert [n["open"] for n in shown if n["tag"] == f"xj-{nid}"] == [f"#/finding/{finding_id}"], shown
    assert len(shown) == 1, "shown once"
    manager.click("nav a[href='#/inbox']")
    see(manager, f"#inbox li[data-id='{nid}'].unread")
    item = manager.locator(f"#inbox li[data-id='{nid}']")
    assert "发现隐患" in item.inner_text() and "检查发现隐患" in item.inner_text(), item.inner_text()
    # the kind filter lists only that kind
    manager.select_option("select[name=kind]", "finding.raised")
    see(manager, f"#inbox li[data-id='{nid}']")
    assert {k for k in manager.eval_on_selector_all("#inbox li", "els => els.map((e) => e.dataset.kind)")} == {"finding.raised"}

    # opening it reads it, and the response says it was sent (it was: the phone is online)
    manager.click(f"#inbox li[data-id='{nid}'] a.main")
    see(manager, "#respond-form textarea")
    wait_badge(manager, m0)
    manager.fill("#respond-form textarea", "已拆除门锁，出口畅通")
    manager.click("#respond-form button[type=submit]")
    see(manager, "#toast:not([hidden])")
    assert manager.inner_text("#toast") == "已发送"
    see(manager, "#finding-status[data-status=responded]")
    assert db_rows(server, "SELECT read_at IS NOT NULL FROM notification WHERE id = ?", nid) == [(1,)]
    assert not manager.errors, manager.errors
    mctx.close()

    # --- the inspector is told of the response the same way --------------------------------------------------
    (rid,), = db_rows(server, "SELECT n.id FROM notification n JOIN app_user u ON u.id = n.user "
                              "WHERE u.username = 'inspector' AND n.kind = 'finding.responded' AND n.subject_id = ?", str(finding_id))
    inspector.clock.fast_forward(POLL_WAIT)
    wait_badge(inspector, i0 + 1)
    assert f"xj-{rid}" in [n["tag"] for n in system_notifications(inspector)]
    inspector.click("nav a[href='#/inbox']")
    see(inspector, f"#inbox li[data-id='{rid}'].unread a[href='#/finding/{finding_id}']")

    # --- offline: the badge survives a reload, marked as of when it was known --------------------------------
    go_offline(ictx)
    inspector.reload()
    see(inspector, "#unread.stale")
    assert badge(inspector) == i0 + 1
    assert "截至" in inspector.get_attribute("#unread", "title")
    see(inspector, "#inbox-count")
    assert "截至" in inspector.inner_text("#inbox-count")
    assert inspector.is_disabled("#read-all"), "marking all read needs the network"

    # read offline: queued in the outbox, counted at once, sent when the network returns
    inspector.click(f"#inbox li[data-id='{rid}'] button.link")
    wait_badge(inspector, i0)
    assert outbox_count(inspector) == 1
    assert db_rows(server, "SELECT read_at IS NULL FROM notification WHERE id = ?", rid) == [(1,)]
    inspector.reload()
    wait_badge(inspector, i0)
    go_online(ictx)
    inspector.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 0", timeout=30000)
    assert db_rows(server, "SELECT read_at IS NOT NULL FROM notification WHERE id = ?", rid) == [(1,)]
    wait_badge(inspector, i0)
    assert not inspector.errors, inspector.errors
    ictx.close()


OVERFLOW = """() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
    .map((e) => e.tagName + '#' + e.id + '.' + e.className + ':' + e.textContent.slice(0, 20) + '@' + Math.round(e.getBoundingClientRect().right)).slice(0, 5)"""


def test_inbox_settings_mute_a_kind_but_not_a_required_one(server, browser):
    ctx, page = app_context(browser, server)
    login(page, "manager")
    page.goto(server["base"] + "/#/inbox")
    see(page, "#inbox-settings")
    page.click("#inbox-settings summary")
    for lang, other in (("zh", "Inbox"), ("en", "消息")):  # with its settings open it fits 360 px in both languages
        assert page.evaluate(OVERFLOW) == [], lang
        page.click("#tools button")
        page.wait_for_function(f"() => document.querySelector('main h1')?.textContent === '{other}'")
        page.click("#inbox-settings summary")
    assert page.is_disabled("#inbox-prefs input[name='finding.raised']")
    assert "不能关闭" in page.inner_text("#inbox-prefs")
    page.uncheck("#inbox-prefs input[name='finding.closed']")
    page.click("#inbox-prefs button[type=submit]")
    see(page, "#toast:not([hidden])")
    r = httpx.get(server["base"] + "/api/notifications/preferences", headers=api_token(server, "manager"))
    assert r.json()["muted"] == ["finding.closed"]
    httpx.put(server["base"] + "/api/notifications/preferences", json={"muted": []}, headers=api_token(server, "manager"))
    ctx.close()


def test_the_outbox_says_offline_busy_or_failed_with_what_to_do(server, browser):
    ctx, page = patrol_queued_offline(browser, server)

    # offline is what it is, in the person's language: no raw browser error, no "failed"
    page.goto(server["base"] + "/#/outbox")
    see(page, "#outbox-list li")
    text = page.inner_text("#outbox-list")
    assert "离线，联网后自动发送" in text and "失败" not in text and "Failed to fetch" not in text, text
    assert "×" not in text

    # a site never opened online still shows the risk it had in the due list (fetched at login), with its date
    site = page.evaluate("async () => (await (await import('/js/db.js')).cacheGet('/api/inspections/due')).value.items[0].site_id")
    page.goto(f"{server['base']}/#/site/{site}")
    see(page, "#site-risk #risk-asof")
    assert "截至" in page.inner_text("#risk-asof")

    # a refused item (a 4xx) fails and says what to do; the patrol before it is sent
    queue = """async (path) => (await import('/js/app.js')).queue({ type: path.includes('patrol') ? 'patrol' : 'response',
        method: path.includes('patrol') ? 'PUT' : 'POST', path, body: { note: '已整改', photos: [] }, label: path })"""
    page.evaluate(queue, "/api/findings/987654321/responses")
    go_online(ctx)
    page.goto(server["base"] + "/#/outbox")
    see(page, "#outbox-list li.tier-red")
    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 1", timeout=30000)
    refused = page.inner_text("#outbox-list li.tier-red")
    assert "发送失败" in refused and "请放弃此记录" in refused, refused

    # a busy server (503 with Retry-After) is not a failure either: it retries by itself; while the send is under
    # way the status line says so, and stops saying it when the send is over
    busy = dict(status=503, headers={"Retry-After": "120"}, content_type="application/json",
                body=json.dumps({"code": "overloaded", "message": "busy", "details": None}))
    held = []
    def hold(route):
        held.append(route)
    ctx.route("**/api/patrols/**", hold)
    page.evaluate(queue, f"/api/patrols/{uuid.uuid4()}")
    page.click("#sync-now")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('同步中')")
    ctx.route("**/api/patrols/**", lambda route: route.fulfill(**busy))  # the newer route answers from now on
    for route in held:
        route.fulfill(**busy)
    ctx.unroute("**/api/patrols/**", hold)
    page.wait_for_function("() => !document.getElementById('status').textContent.includes('同步中')")
    see(page, "#outbox-list [data-why=sync_busy]")
    assert "服务器繁忙，稍后自动重试" in page.inner_text("#outbox-list")

    # in English too
    page.click("#tools button")
    page.wait_for_function("() => document.querySelector('main h1')?.textContent === 'Outbox'")
    assert page.evaluate(OVERFLOW) == [], "fits 360 px in English"
    assert "Server busy" in page.inner_text("#outbox-list") and "discard it" in page.inner_text("#outbox-list li.tier-red")
    assert not page.errors, page.errors
    ctx.close()


def test_in_english_the_inbox_words_a_hazard_in_english(server, browser):
    site_id = db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0]
    finding_id = submit_major_hazard(server, site_id)
    (nid,), = db_rows(server, "SELECT n.id FROM notification n JOIN app_user u ON u.id = n.user "
                      "WHERE u.username = 'manager' AND n.subject_id = ? AND n.kind = 'finding.raised'", str(finding_id))
    ctx, page = app_context(browser, server)
    login(page, "manager")
    page.click("#tools button[lang=en]")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.click("nav a[href='#/inbox']")
    see(page, f"#inbox li[data-id='{nid}'] a.main")
    title = page.inner_text(f"#inbox li[data-id='{nid}'] a.main")
    assert title.startswith("Hazard at ") and "发现隐患" not in title, title
    assert not page.errors, page.errors
    ctx.close()
