"""The desk's decisions on a site and the 五到位 plan, in the PWA against a real server.

The welfare-lottery centre logs in: its tab bar holds its outlets' board, the outlets, their findings and its inbox,
and nothing it opens answers 403 or 404. On an outlet it may end the agency contract only after a fine: the server's
409 no_penalty is said in words. The supervisor's fine outside 2,000-10,000 yuan is refused in words, a fine inside
it is recorded once, then the centre ends the contract. The manager submits a major hazard's plan with its five
parts; the inspector sees it read-only."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.api.checklist_answers import all_compliant, payload

from .test_notifications_e2e import submit_major_hazard, uploaded_photo
from .test_pwa_offline import SITE_CODE, api_token, db_rows, login, new_page, see

pytestmark = pytest.mark.e2e

OUTLET = "FC-62010201"


def outlet_finding(server, site_id: int) -> int:
    """An inspector's audit of an outlet with one non-compliant check (the runner itself is tested elsewhere)."""
    headers = api_token(server, "inspector")
    photo = uploaded_photo(server, headers, (30, 30, 200))
    answers = all_compliant("lottery_outlet_audit")
    answers["no_credit_sales"] = {"result": "noncompliant", "note": "赊账售彩", "photos": [photo]}
    r = httpx.put(f"{server['base']}/api/inspections/{uuid.uuid4()}", headers=headers,
                  json=payload(site_id, "lottery_outlet_audit", answers=answers))
    assert r.status_code == 201, r.text
    return next(f["id"] for f in r.json()["findings"] if f["item_key"] == "no_credit_sales")


def refused(page) -> list[str]:
    """Every API answer of 403 or 404 the page got (the centre must be offered nothing that refuses it)."""
    return [f"{s} {u}" for s, u in page.answers if s in (403, 404)]


def record(page, kind: str, reason: str, amount: str | None = None) -> None:
    page.select_option("#decision-kind", kind)
    if amount is not None:
        page.fill("#decision-amount", amount)
    page.fill("#decision-reason", reason)
    page.click("#decision-send")


def test_the_centre_ends_a_contract_only_after_the_supervisors_fine(server, browser):
    base = server["base"]
    site = db_rows(server, "SELECT id FROM site WHERE code = ?", OUTLET)[0][0]
    finding = outlet_finding(server, site)
    ctx, page = new_page(browser, server, {"width": 1366, "height": 768})
    page.answers = []
    page.on("response", lambda r: page.answers.append((r.status, r.url)) if "/api/" in r.url else None)
    login(page, "lottery")
    assert page.eval_on_selector_all("nav#nav a", "els => els.map((a) => a.getAttribute('href'))") == \
        ["#/board", "#/sites", "#/findings", "#/inbox"]
    see(page, "#tier-totals")
    assert "/#/board" in page.url or page.url.endswith("/#/")
    for tab in ("#/sites", "#/findings", "#/inbox", "#/board"):
        page.click(f"nav#nav a[href='{tab}']")
        page.wait_for_function("() => !document.querySelector('#main[aria-busy]') && document.querySelector('#main h1')")
    page.goto(f"{base}/#/site/{site}")
    see(page, "#decisions-link")
    page.click("#decisions-link")
    see(page, "#decision-form")
    # Only the centre's own kinds are offered.
    assert page.eval_on_selector_all("#decision-kind option", "els => els.map((o) => o.value)") == \
        ["terminal_suspended", "terminal_restored", "contract_ended"]
    assert page.is_visible("#decision-finding")
    record(page, "contract_ended", "多次赊销彩票")
    see(page, "#decision-error:not([hidden])")
    assert "尚无依第四十一条作出的罚款记录" in page.inner_text("#decision-error")
    assert int(page.get_attribute("#outbox-count", "data-count")) == 0  # the refused copy is not left waiting
    assert db_rows(server, "SELECT COUNT(*) FROM site_decision WHERE site = ?", site) == [(0,)]
    page.wait_for_timeout(300)
    assert refused(page) == [], refused(page)

    # The supervisor fines the outlet: outside the range the server's 422 is said in words, inside it is recorded.
    sctx, sup = new_page(browser, server, {"width": 390, "height": 844})
    login(sup, "supervisor")
    sup.goto(f"{base}/#/decisions/{site}")
    see(sup, "#decision-form")
    assert sup.eval_on_selector_all("#decision-kind option", "els => els.map((o) => o.value)") == \
        ["talk", "suspension", "suspension_lifted", "correction_ordered", "fine"]
    assert sup.is_hidden("#decision-amount")
    sup.select_option("#decision-kind", "fine")
    assert sup.is_visible("#decision-amount")
    record(sup, "fine", "向未成年人赊销彩票", amount="20000")
    see(sup, "#decision-error:not([hidden])")
    assert "2,000 至 10,000 元" in sup.inner_text("#decision-error")
    sup.fill("#decision-amount", "5000")
    sup.select_option("#decision-finding", str(finding))
    sup.click("#decision-send")
    see(sup, "#decisions li[data-kind=fine]")
    assert "5,000" in sup.inner_text("#decisions") and "第四十一条第一款" in sup.inner_text("#decisions")
    assert db_rows(server, "SELECT kind, amount_yuan, finding_id FROM site_decision WHERE site = ?", site) == \
        [("fine", 5000, finding)]
    assert not sup.errors, sup.errors
    sctx.close()

    page.reload()
    see(page, "#decisions li[data-kind=fine]")
    record(page, "contract_ended", "罚款后仍多次赊销彩票，依第四十一条第二款终止代销合同")
    see(page, "#decisions li[data-kind=contract_ended]")
    text = page.inner_text("#decisions")
    assert "终止代销合同" in text and "甘肃省福利彩票发行中心" in text
    # Newest first, each once.
    assert page.eval_on_selector_all("#decisions li", "els => els.map((e) => e.dataset.kind)") == \
        ["contract_ended", "fine"]
    assert db_rows(server, "SELECT COUNT(*) FROM site_decision WHERE site = ?", site) == [(2,)]
    assert db_rows(server, "SELECT is_active FROM site WHERE id = ?", site) == [(0,)]
    assert refused(page) == [], refused(page)
    assert not page.errors, page.errors
    ctx.close()


def test_a_decision_made_offline_is_sent_once_when_the_network_returns(server, browser):
    from .test_pwa_offline import go_offline, go_online

    site = db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0]
    ctx, page = new_page(browser, server, {"width": 1366, "height": 768})
    login(page, "supervisor")
    page.goto(f"{server['base']}/#/decisions/{site}")
    see(page, "#decision-form")
    go_offline(ctx)
    record(page, "talk", "安全出口长期上锁，约谈法定代表人")
    see(page, "#decisions-pending")
    assert db_rows(server, "SELECT COUNT(*) FROM site_decision WHERE site = ?", site) == [(0,)]
    go_online(ctx)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => Number(document.querySelector('#outbox-count').dataset.count) === 0", timeout=30000)
    see(page, "#decisions li[data-kind=talk]")
    # The same item sent again (a lost answer) is the same decision: its id is the client_id.
    body = db_rows(server, "SELECT client_id FROM site_decision WHERE site = ?", site)
    assert len(body) == 1
    r = httpx.post(f"{server['base']}/api/sites/{site}/decisions", headers=api_token(server, "supervisor"),
                   json={"kind": "talk", "reason": "安全出口长期上锁，约谈法定代表人", "client_id": body[0][0]})
    assert r.status_code == 200, r.text
    assert db_rows(server, "SELECT COUNT(*) FROM site_decision WHERE site = ?", site) == [(1,)]
    assert not page.errors, page.errors
    ctx.close()


def test_the_manager_submits_the_five_part_plan_and_the_inspector_reads_it(server, browser):
    site = db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0]
    finding, other = submit_major_hazard(server, site), submit_major_hazard(server, site)
    ctx, page = new_page(browser, server)
    login(page, "manager")
    page.goto(f"{server['base']}/#/finding/{finding}")
    see(page, "#plan-form")
    assert "前提交" in page.inner_text("#plan-form-due")  # due 7 days after it was found
    assert page.query_selector("#plan") is None  # said once, on the form
    page.fill("#plan-measures", "拆除二楼安全出口锁具，改为推闩式逃生门锁")
    page.fill("#plan-responsible", "院长 张红")
    page.fill("#plan-funds", "自筹 3,000 元")
    page.fill("#plan-complete_by", "2030-01-15")
    page.fill("#plan-contingency", "整改期间每层安排专人值守，夜间巡查每两小时一次")
    page.click("#plan-send")
    see(page, "#plan-parts")
    parts = page.inner_text("#plan-parts")
    assert "推闩式逃生门锁" in parts and "院长 张红" in parts and "自筹 3,000 元" in parts and "2030" in parts
    assert db_rows(server, "SELECT COUNT(*) FROM finding_plan WHERE finding = ?", finding) == [(1,)]
    assert page.is_visible("#plan-form")  # the manager may revise it: the form holds the plan in force
    assert page.input_value("#plan-responsible") == "院长 张红"
    assert not page.errors, page.errors
    ctx.close()

    ctx, page = new_page(browser, server)
    login(page, "inspector")
    page.goto(f"{server['base']}/#/finding/{other}")  # another major hazard, its plan not in yet: when it is due
    see(page, "#plan-due")
    assert "前提交" in page.inner_text("#plan-due")
    page.goto(f"{server['base']}/#/finding/{finding}")
    see(page, "#plan-parts")
    assert "每层安排专人值守" in page.inner_text("#plan-parts")
    assert page.query_selector("#plan-form") is None
    ctx.close()
