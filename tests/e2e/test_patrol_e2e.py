"""Patrol mode's photos of the people met: taken offline through the runner's capture and sent through the outbox; a
minor's photo only with the 'needed' mark and its reason, as the API requires, and without it the form says why and
records nothing."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from .test_pwa_offline import (
    api_token, camera_jpeg, db_rows, end_patrol, go_offline, go_online, login, new_page, see, until,
)

pytestmark = pytest.mark.e2e

ZONE = "兰州火车站及东岗立交桥下"


def test_a_minors_photo_needs_the_mark_and_its_reason_and_goes_offline_through_the_outbox(server, browser, tmp_path):
    before = db_rows(server, "SELECT count(*) FROM encounter")[0][0]
    photo = tmp_path / "child.jpg"
    photo.write_bytes(camera_jpeg(1600, 1200))
    ctx, page = new_page(browser, server)
    login(page, "inspector")
    page.goto(f"{server['base']}/#/patrol")
    see(page, "#patrol-start")
    page.select_option("select[name=zone]", label=ZONE)
    page.click("#patrol-start")
    see(page, "#enc-add")

    go_offline(ctx)
    page.click("#enc-add")
    page.click("[aria-labelledby=enc-sex] [data-value=female]")
    assert not page.is_visible("#enc-face"), "no mark to set before the person is known to be a minor"
    page.click("[aria-labelledby=enc-age] [data-value=age_under_14]")
    page.click("[aria-labelledby=enc-action] [data-value=persuaded_to_station]")
    see(page, "#enc-face")  # the age band makes her a minor: the rule is on the form
    page.set_input_files("main input[type=file]", str(photo))
    see(page, "main img[data-photo]")

    # Without the mark the form says why and records nothing.
    page.click("#enc-save")
    see(page, "#enc-problem:has-text('须标明确需拍摄')")
    assert page.is_visible("#enc-save"), "still on the form"
    # The mark without its reason is refused too.
    page.check("#enc-face-needed")
    page.click("#enc-save")
    see(page, "#enc-problem:has-text('请写明拍摄理由')")
    stored = page.evaluate("async () => (await (await import('/js/db.js')).kvGet('patrol')).encounters.length")
    assert stored == 0, "nothing is recorded while the photo is not marked"

    page.fill("#enc-face-reason", "寻找家人")
    page.click("#enc-save")
    see(page, "#enc-n:has-text('1')")

    # An adult's photo needs no mark.
    page.click("#enc-add")
    page.click("[aria-labelledby=enc-sex] [data-value=male]")
    page.click("[aria-labelledby=enc-age] [data-value=age_60_79]")
    page.click("[aria-labelledby=enc-action] [data-value=refused_supplies_given]")
    assert not page.is_visible("#enc-face")
    page.set_input_files("main input[type=file]", str(photo))
    see(page, "main img[data-photo]")
    page.click("#enc-save")
    see(page, "#enc-n:has-text('2')")

    end_patrol(page, "station", "snow")
    see(page, "#patrol-start")
    # Offline, the two photos and the patrol wait in the outbox; back online they are sent, photos first.
    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 3")
    go_online(ctx)
    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 0", timeout=30000)
    assert not page.errors, page.errors
    ctx.close()

    assert db_rows(server, "SELECT count(*) FROM encounter")[0][0] - before == 2
    (child, child_photos), (adult, adult_photos) = db_rows(
        server, "SELECT id, photo_ids FROM encounter ORDER BY created_at DESC, seq LIMIT 2")
    headers = api_token(server, "inspector")
    child_read = httpx.get(f"{server['base']}/api/encounters/{child}", headers=headers).json()
    assert (child_read["age_band"], child_read["face_needed"], child_read["face_reason"]) == (
        "age_under_14", True, "寻找家人")
    adult_read = httpx.get(f"{server['base']}/api/encounters/{adult}", headers=headers).json()
    assert (adult_read["age_band"], adult_read["face_needed"]) == ("age_60_79", False)
    for photos in (child_photos, adult_photos):
        (pid,) = json.loads(photos)
        # The photo arrived (with where it was taken) and is linked as a restricted photo of a person.
        assert db_rows(server, "SELECT origin FROM photo WHERE id = ?", pid) == [("camera",)]
        assert db_rows(server, "SELECT entity_type, restricted FROM photo_link WHERE photo_id = ?", pid) == [
            ("encounter", 1)]


def test_the_patrol_mode_is_not_in_the_shell_and_opens_offline_after_one_online_login(server, browser):
    """Patrol mode and its follow-up case are not precached (the shell's budget): the service worker keeps them once
    fetched, and the app fetches them right after an inspector's login, with the zones and the notice, so a patrol
    starts in a place without signal on a phone that never opened the patrol screen online."""
    ctx, page = new_page(browser, server)
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if re.search(r"/js/views/(patrol|case)\.js", r.url) else None)
    login(page, "inspector")  # lands on the due list; the patrol screen is never opened online
    assert page.inner_text("#main h1") == "首页"
    kept = """async () => { const kept = []; for (const n of await caches.keys()) if (n.startsWith('xj-lang-'))
      for (const r of await (await caches.open(n)).keys()) kept.push(new URL(r.url).pathname);
      return kept.filter((p) => /^\\/js\\/views\\/(patrol|case)\\.js$/.test(p)).sort(); }"""
    # fetched in the background after login, and kept by the service worker once fetched
    until(page, kept, ["/js/views/case.js", "/js/views/patrol.js"])
    precached = page.evaluate("""async () => { for (const n of await caches.keys()) if (n.startsWith('xj-shell-')) {
      const c = await caches.open(n); if (await c.match('/js/views/patrol.js') || await c.match('/js/views/case.js')) return true; }
      return false; }""")
    assert not precached, "the patrol mode is in the shell's precache"
    assert fetched, "the page fetched the patrol mode after login"

    go_offline(ctx)
    ctx.route(re.compile(r".*/js/views/(patrol|case)\.js.*"), lambda route: route.abort("internetdisconnected"))
    page.reload()
    see(page, "#main h1:has-text('首页')")
    page.evaluate("location.hash = '#/patrol'")
    see(page, "#patrol-start")
    page.select_option("select[name=zone]", label=ZONE)
    page.click("#patrol-start")
    see(page, "#enc-add")
    page.click("#enc-add")
    assert "最后一次见面后保存" in page.inner_text("#enc-notice"), "the notice is there offline"
    assert not page.errors, page.errors
    ctx.close()
