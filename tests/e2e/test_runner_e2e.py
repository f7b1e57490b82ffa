"""The checklist runner on a phone: one section at a time, "all comply" per section, a count that does not jump,
an item scrolled to stays clear of the sticky header, and no screen wider than 360 px in either language."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from .test_pwa_offline import (CHINESE, SITE_CODE, all_comply, answer_basic_info, api_token, checklist_ready, comply_sections,
                               db_rows, login, new_page, see)

pytestmark = pytest.mark.e2e

TEMPLATE = json.loads((Path(__file__).parents[2] / "schemas/checklists/eldercare_safety.json").read_text())
HAZARD = "fire_plan"  # a general item that needs no photo
HAZARD_SECTION = "fire_safety"


def open_new_draft(browser, server, viewport=None, init_script=None):
    site_id = db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0]
    ctx, page = new_page(browser, server, viewport)
    if init_script:
        page.add_init_script(init_script)
        page.reload()
    login(page, "inspector")
    page.goto(f"{server['base']}/#/site/{site_id}")
    see(page, "#start")
    page.click("#start")
    see(page, "#item-approved_beds input")
    checklist_ready(page)
    return ctx, page


def current_section(page) -> str:
    return page.get_attribute(".section.cur", "data-section")


def wait_section(page, key):
    page.wait_for_function("(k) => document.querySelector('.section.cur')?.dataset.section === k", arg=key)


def test_eldercare_all_comply_per_section_and_one_hazard_in_at_most_15_taps(server, browser):
    ctx, page = open_new_draft(browser, server)
    inspection_id = page.url.rsplit("/", 1)[1]
    taps: list[str] = []

    def tap(selector):
        taps.append(selector)
        page.click(selector)

    progress = [page.inner_text("#progress")]
    # Typed on the keyboard, not tapped: the two required numbers.
    page.fill("#item-approved_beds input", "180")
    page.fill("#item-residents_present input", "142")
    tap("#item-has_canteen label:has(input[value=no])")
    tap("#item-has_clinic label:has(input[value=no])")
    tap("#item-special_equipment label:has(input[value=none])")
    progress.append(page.inner_text("#progress"))
    tap("#next")

    check_sections = [s["key"] for s in TEMPLATE["sections"] if any(i["type"] == "check" for i in s["items"])]
    for key in check_sections:
        wait_section(page, key)
        if key == HAZARD_SECTION:
            tap(f"#item-{HAZARD} label:has(input[value=noncompliant])")
        dialogs = len(page.dialogs)
        tap(".section.cur button[data-comply]")  # moves on to the next section once confirmed
        assert len(page.dialogs) == dialogs + 1 and "符合" in page.dialogs[-1], "all comply asks first"
        progress.append(page.inner_text("#progress"))
    wait_section(page, TEMPLATE["sections"][-1]["key"])
    # Every check answered; the hazard kept its answer through "all comply".
    assert page.is_checked(f"#item-{HAZARD} input[value=noncompliant]")
    tap("#submit")
    see(page, "#sign-h")  # the runner ends on the signing screen
    assert "将生成 1 项隐患" in page.dialogs[-1]
    assert len(taps) <= 15, taps
    print(f"\n{len(taps)} taps (plus {len(page.dialogs)} confirmations and 2 typed numbers): {taps}")

    # The count is of sections, fixed by the template: it only grows, never jumps as conditional items appear.
    counts = [tuple(map(int, re.search(r"(\d+)/(\d+)", p).groups())) for p in progress]
    assert len({n for _, n in counts}) == 1, progress
    assert [a for a, _ in counts] == sorted(a for a, _ in counts), progress
    assert counts[-1][0] == counts[-1][1], progress

    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 0", timeout=30000)
    assert not page.errors, page.errors
    r = httpx.get(f"{server['base']}/api/inspections/{inspection_id}", headers=api_token(server, "inspector"))
    assert r.status_code == 200, r.text
    body = r.json()
    answers = body["answers"]
    assert answers["special_equipment"] == ["none"] and answers["has_canteen"] == "no"
    # No canteen, clinic, special equipment or fire control room: every conditional item stays hidden.
    checks = [i for s in TEMPLATE["sections"] for i in s["items"] if i["type"] == "check"]
    shown = [i["key"] for i in checks if "show_if" not in i]
    assert {k: answers[k]["result"] for k in shown} == {k: "noncompliant" if k == HAZARD else "compliant" for k in shown}
    assert not [i["key"] for i in checks if "show_if" in i and i["key"] in answers], "hidden items are not sent"
    assert [f["item_key"] for f in body["findings"]] == [HAZARD]
    ctx.close()


# Three more tabs, as a lottery centre, documents or plans bring (tests/e2e/test_screens_fit_e2e.py): at 360 px the
# bar wraps onto a second row and the sticky header is about 100 px tall instead of about 50.
MORE_TABS = """() => {
    const nav = document.getElementById('nav');
    for (const l of ['Lottery centre', 'Documents', 'Inspection plans']) {
        const a = document.createElement('a'); a.href = '#/findings'; a.textContent = l; nav.append(a);
    }
    return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(nav.offsetHeight))));
}"""
# Where a title lies against the bottom of the sticky tab bar, once the page has scrolled to it.
TITLE_AND_BAR = """(s) => {
    const nav = document.getElementById('nav');
    return {title: document.querySelector(s).getBoundingClientRect().top, nav: nav.getBoundingClientRect().bottom,
            bar: nav.offsetHeight, y: scrollY};
}"""


@pytest.mark.parametrize("tabs", ["one row", "wrapped"])
def test_an_item_scrolled_to_is_not_under_the_sticky_header(server, browser, tabs):
    ctx, page = open_new_draft(browser, server)
    if tabs == "wrapped":
        assert page.evaluate(MORE_TABS) > 90, "the tab bar wraps onto a second row"
    page.fill("#item-approved_beds input", "180")
    page.fill("#item-residents_present input", "142")
    page.click("#item-has_canteen label:has(input[value=no])")
    page.click("#item-has_clinic label:has(input[value=no])")
    # 无 is exclusive in the template: ticking it unticks 电梯, and ticking 电梯 again unticks 无.
    page.click("#item-special_equipment label:has(input[value=elevator])")
    page.click("#item-special_equipment label:has(input[value=none])")
    assert not page.is_checked("#item-special_equipment input[value=elevator]")
    page.click("#item-special_equipment label:has(input[value=elevator])")
    assert not page.is_checked("#item-special_equipment input[value=none]")
    page.click("#item-special_equipment label:has(input[value=none])")
    assert page.is_checked("#item-special_equipment input[value=none]")
    page.select_option("#jump", str([s["key"] for s in TEMPLATE["sections"]].index(HAZARD_SECTION)))
    wait_section(page, HAZARD_SECTION)
    page.wait_for_timeout(200)
    box = page.evaluate(TITLE_AND_BAR, ".section.cur h2")
    assert box["y"] > 0, "the section lies below the first screen, so the page scrolled to it"
    assert box["title"] >= box["nav"], f"the section's title is under the sticky header: {box}"
    assert tabs == "one row" or box["bar"] > 90, box
    # Five checks of the section answered by hand: the first one missing is far down the page.
    items = [i["key"] for s in TEMPLATE["sections"] if s["key"] == HAZARD_SECTION for i in s["items"]]
    for key in items[:5]:
        page.click(f"#item-{key} label:has(input[value=compliant])")
    page.select_option("#jump", str(len(TEMPLATE["sections"])))  # the last page: hazards no item covers
    page.click("#submit")
    # Submitting with answers missing goes to the first one: major_hazards comes first in the template.
    wait_section(page, "major_hazards")
    first = TEMPLATE["sections"][1]["items"][0]["key"]
    page.wait_for_function("(k) => document.activeElement?.closest('.item')?.id === 'item-' + k", arg=first)
    page.click(".section.cur button[data-comply]")  # the major hazards all comply: on to the next missing
    page.click("#submit")
    wait_section(page, "daily_major")
    page.click(".section.cur button[data-comply]")
    page.click("#submit")
    wait_section(page, HAZARD_SECTION)
    target = f"#item-{items[5]}"
    page.wait_for_function("(s) => document.activeElement?.closest('.item') === document.querySelector(s)", arg=target)
    page.wait_for_timeout(200)
    box = page.evaluate(TITLE_AND_BAR, target + " .q")
    assert box["y"] > 0, "the item lies below the first screen, so the page scrolled to it"
    assert box["title"] >= box["nav"], f"the item's title is under the sticky header: {box}"
    assert tabs == "one row" or box["bar"] > 90, box
    ctx.close()


OVERFLOW = """() => {
    const w = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width && r.right > w + 1;
    }).map((el) => el.tagName + '#' + el.id + '.' + el.className);
    return {w, scroll: document.documentElement.scrollWidth, wide};
}"""


def test_the_runner_fits_360_px_in_chinese_and_english(server, browser):
    ctx, page = open_new_draft(browser, server, {"width": 360, "height": 780})
    for lang in ("zh-CN", "en"):
        if lang == "en":
            page.click("#tools button[lang=en]")
            see(page, "#prev:has-text('Previous')")
            checklist_ready(page)
        for section in range(len(TEMPLATE["sections"]) + 1):
            page.select_option("#jump", str(section))
            page.wait_for_function("(i) => [...document.querySelectorAll('.section')][i]?.classList.contains('cur')",
                                   arg=section)
            out = page.evaluate(OVERFLOW)
            assert out["scroll"] <= out["w"] and not out["wide"], f"{lang}, section {section}: {out}"
    assert not page.errors, page.errors
    ctx.close()


def test_in_english_the_checklist_shows_the_templates_words_in_english(server, browser):
    """The template is written in Chinese; a person who chose English reads its sections, questions, units, options
    and help in English (a basis citing a regulation stays as written: it is the document's name)."""
    ctx, page = open_new_draft(browser, server)
    page.click("#tools button[lang=en]")
    see(page, "#prev:has-text('Previous')")
    checklist_ready(page)
    assert page.inner_text("#item-approved_beds .q") == "Approved beds (beds)"
    assert page.locator("#item-has_canteen .choices label").all_inner_texts() == ["Yes", "No"]
    assert "Eldercare institution safety hazard checklist" in page.inner_text("#main")
    assert page.evaluate(CHINESE, "#main .checklist h2, #main .q, #main .choices label, #main option") == []
    assert "written conclusion" in page.text_content("#main .checklist")  # an item's help
    assert "Basis: Inspection practice (fire safety)" in page.text_content("#main .checklist")  # a basis from practice
    assert not page.errors, page.errors
    ctx.close()


# The check-in position asked for when the inspection starts answers only when the test says so (a phone that takes
# long to find itself).
HELD_POSITION = """(() => {
    const held = [];
    navigator.geolocation.getCurrentPosition = (ok) => held.push(ok);
    window.__releasePosition = () => held.splice(0).forEach((ok) => ok({timestamp: Date.now(),
        coords: {latitude: 36.0578, longitude: 103.8412, accuracy: 12}}));
    window.__heldPositions = () => held.length;
})()"""
DRAFT = """(id) => new Promise((resolve, reject) => {
    const req = indexedDB.open('xunjian');
    req.onsuccess = () => {
        const get = req.result.transaction('drafts', 'readwrite').objectStore('drafts').get(id);
        get.onsuccess = () => resolve(get.result ? {submitted: !!get.result.submitted} : null);
        get.onerror = () => reject(get.error);
    };
    req.onerror = () => reject(req.error);
})"""


def test_a_sent_inspection_leaves_no_draft_behind_even_if_the_check_in_position_comes_late(server, browser):
    ctx, page = open_new_draft(browser, server, init_script=HELD_POSITION)
    inspection_id = page.url.rsplit("/", 1)[1]
    assert page.evaluate("() => window.__heldPositions()") == 1, "the runner asks for the check-in position at start"
    answer_basic_info(page)
    all_comply(page, comply_sections(page))
    page.click("#submit")
    see(page, "#sign-h")
    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 0", timeout=30000)
    r = httpx.get(f"{server['base']}/api/inspections/{inspection_id}", headers=api_token(server, "inspector"))
    assert r.status_code == 200, r.text
    assert page.evaluate(DRAFT, inspection_id) is None, "the server took the inspection: its draft is gone"

    # The position arrives now: the runner of the sent inspection must not write its draft back.
    page.evaluate("() => window.__releasePosition()")
    page.wait_for_timeout(1000)
    # A readwrite read on the drafts store comes after any write the position started.
    assert page.evaluate(DRAFT, inspection_id) is None, "the draft came back after it was sent"
    page.goto(f"{server['base']}/#/")
    see(page, "#main:not([aria-busy])")
    assert not page.errors, page.errors
    ctx.close()


# A draft as an older runner left it: submitted, its inspection sent (no longer in the outbox), with a photo.
PUT_DRAFTS = """(drafts) => new Promise((resolve, reject) => {
    const req = indexedDB.open('xunjian');
    req.onsuccess = () => {
        const t = req.result.transaction(['drafts', 'blobs'], 'readwrite');
        for (const d of drafts) {
            t.objectStore('drafts').put(d);
            t.objectStore('blobs').put({id: d.photo, blob: new Blob(['x']), type: 'image/jpeg', created_at: d.updated_at});
        }
        t.oncomplete = () => resolve();
        t.onerror = () => reject(t.error);
    };
    req.onerror = () => reject(req.error);
})"""
BLOB = DRAFT.replace("'drafts'", "'blobs'").replace("{submitted: !!get.result.submitted}", "true")


def test_a_sent_draft_an_older_runner_wrote_back_is_dropped_with_its_photo_at_start(server, browser):
    ctx, page = new_page(browser, server)
    login(page, "inspector")
    old = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    drafts = [{"id": str(uuid.uuid4()), "photo": str(uuid.uuid4()), "submitted": submitted, "updated_at": at,
               "answers": {"exits_clear": {"result": "noncompliant", "photos": []}}}
              for submitted, at in [(True, old), (False, old), (True, datetime.now(timezone.utc).isoformat())]]
    for d in drafts:
        d["answers"]["exits_clear"]["photos"] = [d["photo"]]
    page.evaluate(PUT_DRAFTS, drafts)
    page.reload()
    see(page, "nav#nav a")
    stale, unsent, just_submitted = drafts
    deadline = time.monotonic() + 15
    while page.evaluate(DRAFT, stale["id"]) is not None and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert page.evaluate(DRAFT, stale["id"]) is None, "the sent draft stays on the phone"
    assert page.evaluate(BLOB, stale["photo"]) is None, "its photo stays on the phone"
    # An unsent draft, and one submitted a moment ago (its inspection about to be queued), are kept with their photos.
    assert page.evaluate(DRAFT, unsent["id"]) == {"submitted": False}
    assert page.evaluate(DRAFT, just_submitted["id"]) == {"submitted": True}
    assert page.evaluate(BLOB, unsent["photo"]) and page.evaluate(BLOB, just_submitted["photo"])
    assert not page.errors, page.errors
    ctx.close()


# The phone cannot store the queued inspection (as when its storage is full): IndexedDB refuses that put.
FAIL_QUEUE = """(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, ...rest) {
        if (window.__failQueue && this.name === 'outbox' && value && value.type === 'inspection')
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return put.call(this, value, ...rest);
    };
})()"""
OUTBOX_IDS = """() => new Promise((resolve, reject) => {
    const req = indexedDB.open('xunjian');
    req.onsuccess = () => {
        const all = req.result.transaction('outbox').objectStore('outbox').getAll();
        all.onsuccess = () => resolve(all.result.map((i) => i.type));
        all.onerror = () => reject(all.error);
    };
    req.onerror = () => reject(req.error);
})"""


def test_a_submission_the_phone_cannot_store_keeps_the_draft_open_and_queues_nothing(server, browser):
    ctx, page = open_new_draft(browser, server, init_script=FAIL_QUEUE)
    inspection_id = page.url.rsplit("/", 1)[1]
    answer_basic_info(page)
    all_comply(page, comply_sections(page))
    page.evaluate("() => { window.__failQueue = true; }")
    page.click("#submit")
    see(page, "#toast.error:not([hidden])")
    assert "quota" in page.inner_text("#toast")
    # Nothing half-written: the draft is not hidden as submitted while nothing would send it.
    assert page.evaluate(DRAFT, inspection_id) == {"submitted": False}
    assert page.evaluate(OUTBOX_IDS) == []
    # Once the phone can store again, the same draft is submitted and sent.
    page.evaluate("() => { window.__failQueue = false; }")
    page.click("#submit")
    see(page, "#sign-h")
    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 0", timeout=30000)
    r = httpx.get(f"{server['base']}/api/inspections/{inspection_id}", headers=api_token(server, "inspector"))
    assert r.status_code == 200, r.text
    assert not page.errors, page.errors
    ctx.close()
