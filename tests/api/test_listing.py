"""Listing for supervision (挂牌督办) as a decision, clock-driven: the ladder proposes a major hazard to the prefecture
holding its site; a supervisor of that prefecture confirms it (a numbered 督办通知书, level 3, the site red) or declines
it with the reason; only that authority's supervisors then close it. And a major hazard's extension: the inspector
proposes within the bound, a supervisor approves."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from tests.integration.jobs import factory
from xunjian.audit.tables import AuditEvent
from xunjian.documents.service import document_year
from xunjian.documents.tables import IssuedDocument
from xunjian.escalation.service import escalate
from xunjian.escalation.tables import EscalationStep
from xunjian.findings.tables import Finding
from xunjian.notifications.tables import Notification
from xunjian.risk.tables import SiteRisk

LZ = "YL-620102-001"  # 城关区, 兰州市: manager's site
SITE_OK = {"lat": 36.0579, "lng": 103.8413}


async def _proposed(demo, grade: str = "major") -> tuple[int, datetime]:
    """A finding of the manager's site, taken up the ladder to its proposal by the clock."""
    deadline = factory.utcnow() - timedelta(days=10)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], grade=grade, deadline=deadline)
    await escalate(deadline + timedelta(days=3))
    return fid, deadline


async def _people(demo, as_user):
    for name, code in [("sup_lanzhou", "620100"), ("sup_chengguan", "620102"), ("sup_tianshui", "620500")]:
        await factory.supervisor(name, demo.regions[code])
    return {name: await as_user(name) for name in ("sup_lanzhou", "sup_chengguan", "sup_tianshui", "supervisor",
                                                   "inspector", "manager", "admin")}


async def test_the_prefecture_confirms_a_proposal_and_only_it_closes_the_listed_hazard(client, demo, as_user):
    who = await _people(demo, as_user)
    fid, _ = await _proposed(demo)
    url = f"/api/findings/{fid}"
    finding = (await client.get(url, headers=who["sup_lanzhou"])).json()["finding"]
    assert finding["listing"] == "proposed" and finding["escalation_level"] == 2
    assert finding["listing_authority_id"] == demo.regions["620100"]
    assert {"confirm_listing", "decline_listing"} <= set(finding["allowed_actions"])
    assert "confirm_listing" not in (await client.get(url, headers=who["supervisor"])).json()["finding"][
        "allowed_actions"]
    # The list says the same, to each.
    for name, can in (("sup_lanzhou", True), ("supervisor", False)):
        items = (await client.get(f"/api/findings?site={demo.sites[LZ]}", headers=who[name])).json()["items"]
        row = next(x for x in items if x["id"] == fid)
        assert row["listing"] == "proposed" and ("confirm_listing" in row["allowed_actions"]) is can

    confirm = {"decision": "confirm", "reason": "逾期未整改，列入挂牌督办"}
    # Another prefecture's supervisor does not see it; in scope but not the listing authority: 403.
    assert (await client.post(url + "/listing", json=confirm, headers=who["sup_tianshui"])).status_code == 404
    for name in ("sup_chengguan", "supervisor", "inspector", "manager", "admin"):
        r = await client.post(url + "/listing", json=confirm, headers=who[name])
        assert r.status_code == 403, (name, r.text)
        assert r.json()["code"] == "forbidden"
    assert await IssuedDocument.count() == 0  # refused decisions issue nothing

    body = {**confirm, "client_id": str(uuid.uuid4())}
    r = await client.post(url + "/listing", json=body, headers=who["sup_lanzhou"])
    assert r.status_code == 200, r.text
    listed = r.json()
    assert listed["listing"] == "confirmed" and listed["escalation_level"] == 3
    # The device's retry changes nothing; a second decision is a conflict.
    assert (await client.post(url + "/listing", json=body, headers=who["sup_lanzhou"])).status_code == 200
    r = await client.post(url + "/listing", json={"decision": "decline", "reason": "x"}, headers=who["sup_lanzhou"])
    assert r.status_code == 409 and r.json()["details"]["listing"] == "confirmed"

    # One numbered 督办通知书 of 兰州市's sequence.
    year = document_year(factory.utcnow())
    docs = await IssuedDocument.select().where(IssuedDocument.subject_id == str(fid))
    assert [(d["kind"], d["serial"], d["number"], d["authority"]) for d in docs] == [
        ("supervision_notice", 1, f"兰民督〔{year}〕第0001号", demo.regions["620100"])]
    detail = (await client.get(url, headers=who["manager"])).json()
    assert [(x["decision"], x["number"], x["authority_name"]) for x in detail["listings"]] == [
        ("confirm", f"兰民督〔{year}〕第0001号", "兰州市")]
    history = [e["action"] for e in (await client.get(url + "/history", headers=who["manager"])).json()]
    assert history[-2:] == ["escalation.listing", "finding.confirm_listing"]
    assert await AuditEvent.count().where(AuditEvent.action == "document.issue") == 1
    told = {r["user.username"] for r in await Notification.select(Notification.user.username).where(
        (Notification.kind == "finding.listed") & (Notification.subject_id == str(fid)))}
    assert {"manager", "inspector", "sup_chengguan", "supervisor"} <= told and "sup_tianshui" not in told
    rating = await SiteRisk.select(SiteRisk.tier).where(SiteRisk.site == demo.sites[LZ]).first()
    assert rating["tier"] == "red"  # a major hazard at level 3

    # Rectified and re-checked on site: only the listing authority closes (销号) it.
    assert (await client.post(url + "/responses", json={"note": "已拆除门锁"}, headers=who["manager"])).status_code == 201
    r = await client.post(url + "/verification", json={"decision": "recheck", "location": SITE_OK},
                          headers=who["inspector"])
    assert r.status_code == 200
    for name in ("inspector", "sup_chengguan", "supervisor"):
        r = await client.post(url + "/verification", json={"decision": "accept"}, headers=who[name])
        assert r.status_code == 403, name
    assert (await client.post(url + "/verification", json={"decision": "accept"},
                              headers=who["sup_tianshui"])).status_code == 404
    r = await client.post(url + "/verification", json={"decision": "accept"}, headers=who["sup_lanzhou"])
    assert r.status_code == 200 and r.json()["status"] == "closed"

    # The next confirmation anywhere in 兰州市 takes the next number.
    other, _ = await _proposed(demo)
    r = await client.post(f"/api/findings/{other}/listing", json=confirm, headers=who["sup_lanzhou"])
    assert r.status_code == 200
    assert (await IssuedDocument.select(IssuedDocument.number).where(IssuedDocument.subject_id == str(other))
            .first())["number"] == f"兰民督〔{year}〕第0002号"


async def test_a_declined_proposal_keeps_its_level_and_is_not_proposed_again(client, demo, as_user):
    who = await _people(demo, as_user)
    fid, deadline = await _proposed(demo)
    url = f"/api/findings/{fid}/listing"
    r = await client.post(url, json={"decision": "decline"}, headers=who["sup_lanzhou"])
    assert r.status_code == 422 and r.json()["details"]["field"] == "reason"
    r = await client.post(url, json={"decision": "decline", "reason": "  "}, headers=who["sup_lanzhou"])
    assert r.status_code == 422
    r = await client.post(url, json={"decision": "decline", "reason": "单位已停用该楼层，风险可控"},
                          headers=who["sup_lanzhou"])
    assert r.status_code == 200, r.text
    assert r.json()["listing"] == "declined" and r.json()["escalation_level"] == 2
    assert await IssuedDocument.count() == 0
    detail = (await client.get(f"/api/findings/{fid}", headers=who["inspector"])).json()
    assert [(x["decision"], x["reason"], x["number"]) for x in detail["listings"]] == [
        ("decline", "单位已停用该楼层，风险可控", "")]
    assert (await Notification.count().where((Notification.kind == "finding.listing_declined")
                                             & (Notification.subject_id == str(fid)))) >= 1
    steps = await EscalationStep.count()
    await escalate(deadline + timedelta(days=60))
    assert await EscalationStep.count() == steps
    row = await Finding.select(Finding.listing, Finding.escalation_level).where(Finding.id == fid).first()
    assert row == {"listing": "declined", "escalation_level": 2}
    # A declined finding closes by the ordinary rule for major hazards: any supervisor in scope, after a re-check.
    f = f"/api/findings/{fid}"
    await client.post(f + "/responses", json={"note": "已整改"}, headers=who["manager"])
    await client.post(f + "/verification", json={"decision": "recheck", "location": SITE_OK}, headers=who["inspector"])
    r = await client.post(f + "/verification", json={"decision": "accept"}, headers=who["sup_chengguan"])
    assert r.status_code == 200 and r.json()["status"] == "closed"


async def test_nothing_to_decide_without_a_proposal(client, demo, as_user):
    who = await _people(demo, as_user)
    deadline = factory.utcnow() - timedelta(days=30)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)  # general
    await escalate(factory.utcnow())
    r = await client.post(f"/api/findings/{fid}/listing", json={"decision": "confirm"}, headers=who["sup_lanzhou"])
    # Nobody is the listing authority of a finding never proposed.
    assert r.status_code == 403
    r = await client.post(f"/api/findings/{fid}/listing", json={"decision": "maybe"}, headers=who["sup_lanzhou"])
    assert r.status_code == 400 or r.status_code == 422
    assert set(r.json()) == {"code", "message", "details"}


async def test_a_major_hazards_extension_is_proposed_within_the_bound_and_approved_by_a_supervisor(
        client, demo, as_user):
    who = await _people(demo, as_user)
    deadline = factory.utcnow() + timedelta(days=20)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major", deadline=deadline)
    url = f"/api/findings/{fid}/extension"

    async def post(body, name, expect):
        r = await client.post(url, json=body, headers=who[name])
        assert r.status_code == expect, (name, r.text)
        return r.json()

    asked = deadline + timedelta(days=40)
    await post({"action": "request", "reason": "需更换整栋楼消防管网", "deadline": asked.isoformat()}, "manager", 200)
    assert (await post({"action": "approve"}, "inspector", 403))["code"] == "forbidden"
    problem = await post({"action": "propose"}, "inspector", 422)  # 40 days is beyond the inspector's 30
    assert problem["details"]["field"] == "deadline" and "30" in problem["message"]
    proposed = await post({"action": "propose", "reason": "同意延期20天",
                           "deadline": (deadline + timedelta(days=20)).isoformat()}, "inspector", 200)
    assert proposed["extension_status"] == "proposed"
    assert datetime.fromisoformat(proposed["deadline"]) == deadline  # nothing moves until a supervisor approves
    told = {r["user.username"] for r in await Notification.select(Notification.user.username).where(
        Notification.kind == "finding.extension_proposed")}
    assert {"sup_lanzhou", "sup_chengguan", "supervisor"} <= told
    approved = await post({"action": "approve"}, "sup_chengguan", 200)
    assert approved["extension_status"] == "approved"
    assert datetime.fromisoformat(approved["deadline"]) == deadline + timedelta(days=20)
    assert datetime.fromisoformat(approved["first_deadline"]) == deadline

    # A second extension counts from the first deadline: 20 + 15 days is past the bound for the inspector.
    again = deadline + timedelta(days=35)
    await post({"action": "request", "reason": "设备到货延迟", "deadline": again.isoformat()}, "manager", 200)
    await post({"action": "propose"}, "inspector", 422)
    approved = await post({"action": "approve", "reason": "特殊情况"}, "sup_lanzhou", 200)
    assert datetime.fromisoformat(approved["deadline"]) == again
    assert datetime.fromisoformat(approved["first_deadline"]) == deadline
    # A general hazard's extension is still the inspector's to decide; there is nothing to propose.
    general = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)
    g = f"/api/findings/{general}/extension"
    await client.post(g, json={"action": "request", "reason": "x", "deadline": asked.isoformat()},
                      headers=who["manager"])
    assert (await client.post(g, json={"action": "propose"}, headers=who["inspector"])).status_code == 409
    assert (await client.post(g, json={"action": "approve"}, headers=who["inspector"])).status_code == 200


async def test_the_manager_submits_a_major_hazards_five_point_plan(client, demo, as_user):
    who = await _people(demo, as_user)
    major = await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major",
                                  deadline=factory.utcnow() + timedelta(days=30))
    general = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=factory.utcnow())
    plan = {"measures": "拆除门锁，更换推杠门", "funds": "机构自筹2万元", "complete_by": "2026-12-31T18:00:00+08:00",
            "responsible": "王院长", "contingency": "整改期间安排专人24小时值守出口"}
    url = f"/api/findings/{major}/plan"
    assert (await client.post(url, json=plan, headers=who["inspector"])).status_code == 403
    assert (await client.post(url, json=plan, headers=await as_user("manager2"))).status_code == 404
    assert (await client.post(url, json={**plan, "funds": " "}, headers=who["manager"])).status_code == 422
    assert (await client.post(url, json={k: v for k, v in plan.items() if k != "contingency"},
                              headers=who["manager"])).status_code in (400, 422)
    r = await client.post(f"/api/findings/{general}/plan", json=plan, headers=who["manager"])
    assert r.status_code == 409 and "major" in r.json()["message"]
    body = {**plan, "client_id": str(uuid.uuid4())}
    assert (await client.post(url, json=body, headers=who["manager"])).status_code == 201
    assert (await client.post(url, json=body, headers=who["manager"])).status_code == 200  # the device's retry
    revised = {**plan, "funds": "机构自筹3万元"}
    assert (await client.post(url, json=revised, headers=who["manager"])).status_code == 201
    detail = (await client.get(url.rsplit("/", 1)[0], headers=who["sup_lanzhou"])).json()
    assert [p["funds"] for p in detail["plans"]] == ["机构自筹2万元", "机构自筹3万元"]
    created = datetime.fromisoformat(detail["finding"]["created_at"])
    assert datetime.fromisoformat(detail["plan_due"]) == created + timedelta(days=7)
    told = {r["user.username"] for r in await Notification.select(Notification.user.username).where(
        Notification.kind == "finding.plan_submitted")}
    assert {"inspector", "sup_lanzhou", "sup_chengguan"} <= told and "manager" not in told
    history = [e["action"] for e in (await client.get(url.rsplit("/", 1)[0] + "/history",
                                                      headers=who["manager"])).json()]
    assert history.count("finding.submit_plan") == 2
