"""Issue 13 end to end in the PWA: a supervisor creates, draws and publishes a plan on the plans screen; an inspector
of the drawn pair sees the task, inspects naming the second inspector, with one hazard; the runner ends on the signing
screen, where both inspectors and the site's person in charge sign on the same phone; the documents refuse to issue
while a signature is missing and say whose; the rectification notice is downloaded through the PWA and read back; the
public page of the plan shows the result without logging in."""

from __future__ import annotations

import io
import time

import httpx
import pytest
from pypdf import PdfReader

from .test_notifications_e2e import submit_major_hazard
from .test_plans_e2e import create_draw_and_publish
from .test_pwa_offline import SITE_CODE, all_comply, answer_basic_info, api_token, camera_jpeg, comply_sections, db_rows, \
    go_offline, go_online, jump_to, login, new_page, outbox_count, see, until

pytestmark = pytest.mark.e2e
# The shipped default: an eldercare institution is inspected by two (the other browser tests' server says "none").
SERVER_ENV = {"XUNJIAN_TWO_INSPECTORS_KINDS": "eldercare"}

HAZARD, HAZARD_SECTION = "fire_plan", "fire_safety"  # a general item that needs no photo
CERTS = {"inspector": "甘民执字620100001", "inspector_lz2": "甘民执字620100002"}


def draw(page, selector):
    pad = page.locator(selector)
    pad.evaluate("(el) => el.scrollIntoView({ block: 'center' })")  # clear of the sticky header and tab bar
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for x, y in ((80, 120), (140, 50), (220, 130)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=3)
    page.mouse.up()


def wait_for(condition, timeout=30):
    """Poll a condition on the server's database (the outbox sends in the background)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_plan_to_signed_documents_and_the_public_result(server, browser):
    base = server["base"]
    admin = api_token(server, "admin")
    ids = {u: db_rows(server, "SELECT id FROM app_user WHERE username = ?", u)[0][0] for u in CERTS}
    for username, cert in CERTS.items():
        r = httpx.patch(f"{base}/api/admin/users/{ids[username]}", headers=admin, json={"certificate_no": cert})
        assert r.status_code == 200, r.text

    # --- the supervisor plans and draws on the plans screen -------------------------------------------------
    ctx, page = new_page(browser, server, viewport={"width": 1366, "height": 900})
    login(page, "supervisor")
    page.click("nav#nav a[href='#/plans']")
    see(page, "#plan-form")
    page.fill("#plan-form input[name=name]", "兰州市养老机构双随机抽查（文书）")
    page.select_option("#plan-form select[name=region]", label="兰州市")
    # The pool is reloaded for the region chosen: 兰州's inspectors, none of 天水's.
    tianshui = db_rows(server, "SELECT id FROM app_user WHERE username = 'inspector2'")[0][0]
    page.wait_for_function("([lz, ts]) => document.querySelector(`#plan-pool input[value='${lz}']`) "
                           "&& !document.querySelector(`#plan-pool input[value='${ts}']`)", arg=[ids["inspector_lz2"], tianshui])
    page.evaluate("(keep) => document.querySelectorAll('#plan-pool input').forEach((i) => { i.checked = keep.includes(+i.value); })",
                  list(ids.values()))
    plan_id = create_draw_and_publish(page, 1, "文书-2026")
    assert not page.errors, page.errors
    ctx.close()
    (task,) = httpx.get(base + "/api/plans/tasks", headers=api_token(server, "inspector")).json()["items"]
    assert sorted(task["inspectors"]) == sorted(ids.values())

    # --- the drawn inspector inspects with the second one ---------------------------------------------------
    ctx, page = new_page(browser, server)
    login(page, "inspector")
    see(page, "#tasks li")
    assert task["site_name"] in page.inner_text("#tasks")
    page.click("#tasks li a.main")
    see(page, "#start")
    page.click("#start")
    see(page, "#item-approved_beds input")
    see(page, f"#co-inspectors input[value='{ids['inspector_lz2']}']:checked")
    inspection_id = page.url.rsplit("/", 1)[1]
    answer_basic_info(page)
    all_comply(page, comply_sections(page))
    jump_to(page, HAZARD_SECTION)
    page.check(f"#item-{HAZARD} input[value=noncompliant]")
    page.click("#submit")
    # The runner ends on the signing screen: both inspectors with their certificates, and the site.
    see(page, "#sign-h")
    assert page.url.endswith(f"#/sign/{inspection_id}")
    for username, cert in CERTS.items():
        card = page.locator(f"[data-signer='u{ids[username]}']")
        assert cert in card.inner_text()
    assert "被检查单位负责人" in page.inner_text("[data-signer=site]")
    assert page.get_attribute("#sign-count", "data-signed") == "0"

    for username in CERTS:
        key = f"u{ids[username]}"
        page.click(f"[data-save='{key}']")  # an empty pad is not saved
        see(page, f"[data-signer='{key}'] .error:has-text('请在框内签名')")
        draw(page, f"[data-signer='{key}'] canvas")
        page.click(f"[data-save='{key}']")
        see(page, f"[data-signer='{key}'] [data-status]")
    page.wait_for_function("() => document.querySelector('#outbox-count').dataset.count === '0'", timeout=30000)
    wait_for(lambda: db_rows(server, "SELECT count(*) FROM inspection_signature WHERE inspection = ?",
                             inspection_id) == [(2,)])

    # Without the site's signature the record is not issued: the screen says who has still to sign.
    page.click("[data-doc=record] [data-act=view]")
    see(page, "#docs [data-code=signatures_missing]")
    assert "被检查单位负责人" in page.inner_text("#docs [data-code=signatures_missing]")
    assert db_rows(server, "SELECT count(*) FROM issued_document WHERE subject_id = ?", inspection_id) == [(0,)]

    # The manager signs on the same phone.
    page.fill("[data-signer=site] input[name=signer-name]", "李院长")
    draw(page, "[data-signer=site] canvas")
    page.click("[data-save=site]")
    see(page, "[data-signer=site] [data-status=signed]", timeout=30000)
    assert page.get_attribute("#sign-count", "data-signed") == "3"
    rows = db_rows(server, "SELECT signer, name, image_sha256 IS NOT NULL FROM inspection_signature "
                           "WHERE inspection = ? ORDER BY signer, name", inspection_id)
    assert [(r[0], r[2]) for r in rows] == [("inspector", 1), ("inspector", 1), ("site", 1)]
    assert rows[2][1] == "李院长"

    # The notice, downloaded through the PWA (fetched with the token, saved from an object URL), read back.
    with page.expect_download() as dl:
        page.get_by_role("button", name="下载 责令整改通知书").click()  # each button names its document
    pdf = dl.value.path().read_bytes()
    assert pdf[:5] == b"%PDF-"
    ((number,),) = db_rows(server, "SELECT number FROM issued_document WHERE subject_id = ? "
                                   "AND kind = 'rectification_notice'", inspection_id)
    assert number in dl.value.suggested_filename
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    ((title,),) = db_rows(server, "SELECT title FROM finding WHERE inspection = ?", inspection_id)
    for expected in (number, *CERTS.values(), title, "责令整改通知书"):
        assert expected in text, expected
    # 查看 opens the same PDF from an object URL in a new tab (the browser's viewer, which prints it too).
    with ctx.expect_page() as tab:
        page.click("[data-doc=notice] [data-act=view]")
    assert tab.value.url.startswith("blob:" + base)
    # 打印 loads it into a frame of the page and prints from there (or opens the viewer where that cannot be done).
    page.click("[data-doc=notice] [data-act=print]")
    page.wait_for_selector("iframe[src^='blob:']", state="attached")
    # Signed by all, it has left the home screen's list of inspections to be signed.
    page.click("nav#nav a[href='#/']")
    see(page, "#due-h")
    assert page.locator(f"a[href='#/sign/{inspection_id}']").count() == 0
    assert not page.errors, page.errors
    ctx.close()

    # --- the public page of the plan, with no session -------------------------------------------------------
    ctx = browser.new_context()
    public = ctx.new_page()
    public.goto(f"{base}/public/plans/{plan_id}")
    body = public.inner_text("body")
    assert task["site_name"] in body and "发现隐患" in body
    assert "王磊" not in body and "李院长" not in body and CERTS["inspector"] not in body
    ctx.close()


def test_signatures_and_a_refusal_made_offline_wait_on_the_phone_and_reach_the_server(server, browser, tmp_path):
    """In a township without signal: the inspector signs and the person in charge refuses (拒签) before a witness,
    with a photo of the scene (the second inspector signs later); both wait in the outbox through a reload and reach the server when the network is
    back, the handwriting and the photo with them."""
    second = db_rows(server, "SELECT id FROM app_user WHERE username = 'inspector_lz2'")[0][0]
    finding = submit_major_hazard(server, db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0],
                                  co_inspector_ids=[second])
    ((inspection_id,),) = db_rows(server, "SELECT inspection FROM finding WHERE id = ?", finding)
    scene = tmp_path / "scene.jpg"
    scene.write_bytes(camera_jpeg(800, 600))
    ctx, page = new_page(browser, server)
    login(page, "inspector")
    # Reached from the finding's screen, online once: the screen and the inspection are kept for offline use.
    page.goto(f"{server['base']}/#/finding/{finding}")
    see(page, "#sign-link")
    page.click("#sign-link")
    see(page, "#sign-h")
    until(page, """async () => { const kept = new Set(); for (const n of await caches.keys()) if (n.startsWith('xj-lang-'))
      for (const r of await (await caches.open(n)).keys()) kept.add(new URL(r.url).pathname);
      return ['screen', 'pad', 'docs'].every((m) => kept.has(`/js/sign/${m}.js`)); }""")
    go_offline(ctx)
    page.reload()
    see(page, "#sign-h")
    inspector = db_rows(server, "SELECT id FROM app_user WHERE username = 'inspector'")[0][0]
    draw(page, f"[data-signer='u{inspector}'] canvas")
    page.click(f"[data-save='u{inspector}']")
    see(page, f"[data-signer='u{inspector}'] [data-status=waiting]")
    page.fill("[data-signer=site] input[name=signer-name]", "李院长")
    page.check("[data-signer=site] input[name=refused]")
    assert page.is_hidden("[data-signer=site] canvas"), "a refusal has no pad"
    page.click("[data-save=site]")  # a refusal needs its witness
    see(page, "[data-signer=site] .error:has-text('请填写姓名')")
    page.fill("[data-signer=site] input[name=witness]", "护理员 张敏")
    page.set_input_files("[data-signer=site] input[type=file]", str(scene))
    see(page, "[data-signer=site] [data-photo]")
    page.click("[data-save=site]")
    see(page, "[data-signer=site] [data-status=waiting]")
    assert page.get_attribute("#sign-count", "data-signed") == "2"
    page.wait_for_function("() => document.querySelector('#outbox-count').dataset.count === '4'")  # 2 images, 2 signatures
    page.reload()
    see(page, "[data-signer=site] [data-status=waiting]")
    assert outbox_count(page) == 4
    assert db_rows(server, "SELECT count(*) FROM inspection_signature WHERE inspection = ?", inspection_id) == [(0,)]

    go_online(ctx)
    page.wait_for_function("() => document.querySelector('#outbox-count').dataset.count === '0'", timeout=30000)
    rows = db_rows(server, "SELECT signer, refused, witness_name, image_sha256 IS NOT NULL, photo_id IS NOT NULL, "
                           "refusal_photo_id IS NOT NULL FROM inspection_signature WHERE inspection = ? ORDER BY signer",
                   inspection_id)
    assert rows == [("inspector", 0, None, 1, 1, 0), ("site", 1, "护理员 张敏", 1, 0, 1)]
    # The second inspector has not signed: the home screen leads back to the signing screen.
    page.click("nav#nav a[href='#/']")
    see(page, f"#tosign a[href='#/sign/{inspection_id}']")
    assert not page.errors, page.errors
    ctx.close()


def test_an_eldercare_inspection_without_a_second_inspector_is_refused_in_the_runner(server, browser):
    """Not a plan task (test_plans_e2e covers that): the site's kind alone (the settings, through /api/me) asks for
    two inspectors; the runner says so before anything is queued, and sends the inspection once one is named."""
    site_id = db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0]
    second = db_rows(server, "SELECT id FROM app_user WHERE username = 'inspector_lz2'")[0][0]
    ctx, page = new_page(browser, server)
    login(page, "inspector")
    page.goto(f"{server['base']}/#/site/{site_id}")
    see(page, "#start")
    page.click("#start")
    see(page, "#item-approved_beds input")
    inspection_id = page.url.rsplit("/", 1)[1]
    assert " *" in page.inner_text("#co-inspectors legend")
    assert page.locator("#co-inspectors input:checked").count() == 0
    answer_basic_info(page)
    all_comply(page, comply_sections(page))
    page.click("#submit")
    see(page, ".error:has-text('本次检查须有两名检查人员')")
    assert page.url.endswith(f"#/run/{inspection_id}") and outbox_count(page) == 0
    page.check(f"#co-inspectors input[value='{second}']")
    page.click("#submit")
    see(page, "#sign-h")
    page.wait_for_function("() => document.querySelector('#outbox-count').dataset.count === '0'", timeout=30000)
    assert sorted(db_rows(server, 'SELECT "user" FROM inspection_team WHERE inspection = ?', inspection_id)) == sorted(
        [(db_rows(server, "SELECT id FROM app_user WHERE username = 'inspector'")[0][0],), (second,)])
    assert not page.errors, page.errors
    ctx.close()
