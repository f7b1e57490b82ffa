"""A plan drawn and published by a supervisor reaches the drawn inspector's phone first: the task is above the due
list, the inspection started from it carries the task, the task is done and the public page shows the result."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import httpx
import pytest

from .conftest import PASSWORD
from .test_pwa_offline import all_comply, answer_basic_info, api_token, comply_sections, db_rows, login, new_page, see

pytestmark = pytest.mark.e2e


def create_draw_and_publish(page, count: int, seed: str) -> int:
    """On the plans screen with the form filled in but the count: create the plan, draw `count` sites with `seed`,
    publish it (the confirmation is accepted by new_page's dialog handler); the plan's id."""
    page.fill("#plan-form input[name=count]", str(count))
    page.click("#plan-create")
    see(page, "#plan-draw")
    plan_id = int(page.url.rsplit("/", 1)[1])
    page.fill("input[name=seed]", seed)
    page.click("#plan-draw")
    see(page, "#plan-draw-table tbody tr")
    assert page.locator("#plan-draw-table tbody tr").count() == count
    assert seed in page.inner_text("#plan-seed")
    page.click("#plan-publish")
    see(page, "#plan-public")
    return plan_id


def test_a_drawn_task_is_inspected_from_the_home_screen_and_published(server, browser):
    base = server["base"]
    admin, sup = api_token(server, "admin"), api_token(server, "supervisor")
    lanzhou = db_rows(server, "SELECT id FROM region WHERE code = '620100'")[0][0]
    inspector = db_rows(server, "SELECT id FROM app_user WHERE username = 'inspector'")[0][0]
    second = httpx.post(base + "/api/admin/users", headers=admin, json={
        "username": "e2e_lz_b", "password": PASSWORD, "role": "inspector", "display_name": "兰州市检查员 赵强",
        "region_ids": [lanzhou]})
    assert second.status_code == 201, second.text
    plan = httpx.post(base + "/api/plans", headers=sup, json={
        "name": "兰州市养老机构双随机抽查", "kind": "routine", "region_id": lanzhou, "site_kinds": ["eldercare"],
        "period_start": date.today().isoformat(), "period_end": (date.today() + timedelta(days=30)).isoformat(),
        "pool": [inspector, second.json()["id"]], "count": 1}).json()
    assert httpx.post(f"{base}/api/plans/{plan['id']}/draw", headers=sup, json={"seed": "e2e"}).status_code == 200
    assert httpx.post(f"{base}/api/plans/{plan['id']}/publish", headers=sup).status_code == 200

    ctx, page = new_page(browser, server)
    login(page, "inspector")
    see(page, "#tasks li")
    # The task comes before the due list.
    assert page.evaluate("() => !!(document.querySelector('#tasks-h').compareDocumentPosition("
                         "document.querySelector('#due-h')) & Node.DOCUMENT_POSITION_FOLLOWING)")
    task = httpx.get(base + "/api/plans/tasks", headers=api_token(server, "inspector")).json()["items"][0]
    assert task["site_name"] in page.inner_text("#tasks")
    page.click("#tasks li a.main")
    see(page, "#start")
    page.click("#start")
    see(page, "#item-approved_beds input")
    # The task's other inspector is named, preselected from the list kept when the site was opened.
    see(page, "#co-inspectors input:checked")
    assert "赵强" in page.inner_text("#co-inspectors") and " *" in page.inner_text("#co-inspectors legend")
    answer_basic_info(page)
    all_comply(page, comply_sections(page))
    # Without a second inspector the runner says why and queues nothing (the server would refuse it).
    box = f"#co-inspectors input[value='{second.json()['id']}']"
    assert page.is_checked(box) and page.locator("#co-inspectors input:checked").count() == 1
    page.uncheck(box)
    page.click("#submit")
    see(page, "text=须有两名检查人员")
    assert page.evaluate("() => document.querySelector('#outbox-count').dataset.count") in ("0", None)
    page.check(box)
    page.click("#submit")
    # Sent through the outbox, which may still be empty right after the click: wait for the task to be done.
    deadline = time.monotonic() + 30
    while db_rows(server, "SELECT status FROM plan_task WHERE id = ?", task["id"]) != [("done",)] \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 0", timeout=30000)
    assert not page.errors, page.errors
    assert db_rows(server, "SELECT status FROM plan_task WHERE id = ?", task["id"]) == [("done",)]
    assert sorted(db_rows(server, 'SELECT t."user", t.lead FROM inspection_team t JOIN plan_task p '
                                  'ON p.inspection = t.inspection WHERE p.id = ?', task["id"])) == [
        (inspector, 1), (second.json()["id"], 0)]
    ctx.close()

    public = httpx.get(f"{base}/public/plans/{plan['id']}.json").json()
    assert public["sites"][0]["name"] == task["site_name"] and public["sites"][0]["result"] == "compliant"
    page_html = httpx.get(f"{base}/public/plans/{plan['id']}").text
    assert "未发现问题" in page_html and "王磊" not in page_html and "赵强" not in page_html


def test_a_supervisor_creates_draws_and_publishes_a_plan_on_the_plans_screen(server, browser):
    base = server["base"]
    lanzhou = db_rows(server, "SELECT id FROM region WHERE code = '620100'")[0][0]
    httpx.post(base + "/api/admin/users", headers=api_token(server, "admin"), json={
        "username": "e2e_lz_c", "password": PASSWORD, "role": "inspector", "display_name": "兰州市检查员 孙丽",
        "region_ids": [lanzhou]})
    ctx, page = new_page(browser, server, viewport={"width": 1366, "height": 900})
    login(page, "supervisor")
    page.click("nav#nav a[href='#/plans']")
    see(page, "#plan-form")
    page.fill("#plan-form input[name=name]", "兰州市投注站专项检查")
    page.select_option("#plan-form select[name=kind]", "special")
    # While the chosen region's pool loads, the previous region's people are not offered (nor sent with the plan).
    held, pool = [], re.compile(rf".*/api/plans/inspectors\?region={lanzhou}$")
    page.route(pool, lambda route: held.append(route))
    page.select_option("#plan-form select[name=region]", label="兰州市")
    deadline = time.monotonic() + 15
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held and page.locator("#plan-pool label").count() == 0
    for route in held:
        route.continue_()
    page.unroute(pool)
    page.wait_for_function("() => [...document.querySelectorAll('#plan-pool label')].some((l) => l.textContent.includes('兰州市检查员 孙丽'))")
    assert "天水" not in page.inner_text("#plan-pool")
    page.uncheck("#plan-kinds input[value=eldercare]")
    page.check("#plan-kinds input[value=lottery_outlet]")
    plan_id = create_draw_and_publish(page, 2, "公开-2026")
    assert page.get_attribute("#plan-public", "href") == f"/public/plans/{plan_id}"
    assert not page.errors, page.errors
    ctx.close()
    plan = httpx.get(f"{base}/api/plans/{plan_id}", headers=api_token(server, "supervisor")).json()
    assert plan["status"] == "published" and plan["kind"] == "special" and plan["site_kinds"] == ["lottery_outlet"]
    assert len(httpx.get(f"{base}/public/plans/{plan_id}.json").json()["sites"]) == 2
