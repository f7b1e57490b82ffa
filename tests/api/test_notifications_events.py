"""Every event that asks someone to act tells exactly the right people, once, and goes out as a webhook.

One test per row of the event table (xunjian.notifications.recipients.EVENTS); each names who must be told and
checks that everybody else (manager2, inspector2, a supervisor of another city, the actor) is told nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from xunjian.notifications.tables import Notification, WebhookDelivery, WebhookSubscription

from tests.integration.jobs import factory

from .checklist_answers import all_compliant, payload
from .test_findings import SITE_OK
from .test_patrols import ZONE_LZ, patrol_body, recent_start, three_encounters

LZ = "YL-620102-001"  # 福寿园养老院 in 城关区 (Lanzhou): manager's site, inspector's region


@pytest.fixture
async def people(demo):
    """The demo's users plus a supervisor of Lanzhou (told about its sites) and one of Tianshui (never told)."""
    await Notification.delete(force=True)  # the demo's own events
    await factory.supervisor("sup_lz", demo.regions["620100"])
    await factory.supervisor("sup_ts", demo.regions["620500"])
    await WebhookSubscription.insert(WebhookSubscription(name="省平台", url="http://127.0.0.1:9/hook", secret="x" * 32))
    return demo


async def told(kind: str, subject_id) -> list[str]:
    """Who got a notification of this kind about this subject (one name per notification)."""
    rows = await Notification.select(Notification.user._.username.as_alias("username")).where(
        (Notification.kind == kind) & (Notification.subject_id == str(subject_id)))
    return sorted(r["username"] for r in rows)


async def webhooks(kind: str) -> int:
    return await WebhookDelivery.count().where(WebhookDelivery.event_type == kind)


async def submit(client, headers, site_id: int, inspection_id: uuid.UUID | None = None, **noncompliant) -> dict:
    inspection_id = inspection_id or uuid.uuid4()
    answers = all_compliant("eldercare_safety")
    for key in noncompliant:
        # Major hazards need a photo; the same one on every replay of this inspection.
        answers[key] = {"result": "noncompliant", "note": noncompliant[key],
                        "photos": [str(uuid.uuid5(inspection_id, key))]}
    r = await client.put(f"/api/inspections/{inspection_id}", json=payload(site_id, answers=answers),
                         headers=headers)
    assert r.status_code in (200, 201), r.text
    return {f["item_key"]: f["id"] for f in r.json()["findings"]}


async def test_a_general_finding_tells_the_sites_managers_only(client, people, as_user):
    ids = await submit(client, await as_user("inspector"), people.sites[LZ], lighting_ok="应急照明不亮")
    fid = ids["lighting_ok"]
    assert await told("finding.raised", fid) == ["manager"]
    note = (await client.get("/api/notifications", headers=await as_user("manager"))).json()["items"][0]
    assert note["kind"] == "finding.raised" and note["subject_type"] == "finding"
    assert note["subject_id"] == str(fid) and note["site_id"] == people.sites[LZ]
    assert note["title"].startswith("兰州市城关区福寿园养老院发现隐患：") and note["body"] == "兰州市城关区福寿园养老院"
    # The finding's own title apart, so a screen in another language can word the message itself.
    assert note["subject_title"] and note["title"] == "兰州市城关区福寿园养老院发现隐患：" + note["subject_title"]
    assert await webhooks("finding.raised") == 1


async def test_a_major_hazard_also_tells_the_regions_supervisors_once_after_five_replays(client, people, as_user):
    inspector = await as_user("inspector")
    inspection_id = uuid.uuid4()
    first = await submit(client, inspector, people.sites[LZ], inspection_id, exits_clear="安全出口上锁")
    # Five replays of the same submission, concurrently, as an outbox might send them.
    await asyncio.gather(*(submit(client, inspector, people.sites[LZ], inspection_id, exits_clear="安全出口上锁")
                           for _ in range(5)))
    fid = first["exits_clear"]
    assert await told("finding.raised", fid) == ["manager", "sup_lz", "supervisor"]
    assert await Notification.count() == 3
    assert await webhooks("finding.raised") == 1


async def test_a_self_inspection_finding_tells_the_regions_inspectors(client, people, as_user):
    ids = await submit(client, await as_user("manager"), people.sites[LZ], medicines_in_order="过期药品",
                       exits_clear="安全出口堵塞")
    assert await told("finding.self_reported", ids["medicines_in_order"]) == ["inspector"]
    # A major hazard found by the institution itself is one the supervisors hear of as well.
    assert await told("finding.self_reported", ids["exits_clear"]) == ["inspector", "sup_lz", "supervisor"]
    assert await told("finding.raised", ids["exits_clear"]) == []  # the manager is not told what they reported
    assert await webhooks("finding.self_reported") == 2


async def test_a_response_tells_the_inspector_who_recorded_the_finding(client, people, as_user):
    ids = await submit(client, await as_user("inspector"), people.sites[LZ], lighting_ok="应急照明不亮")
    fid = ids["lighting_ok"]
    body = {"note": "已更换灯具", "client_id": str(uuid.uuid4())}
    for _ in range(5):  # the device's retries of one response
        r = await client.post(f"/api/findings/{fid}/responses", json=body, headers=await as_user("manager"))
        assert r.status_code in (200, 201), r.text
    assert await told("finding.responded", fid) == ["inspector"]
    note = (await client.get("/api/notifications?kind=finding.responded",
                             headers=await as_user("inspector"))).json()["items"][0]
    assert note["title"].startswith("兰州市城关区福寿园养老院已反馈整改：")
    assert await webhooks("finding.responded") == 1


async def test_recheck_reject_and_close_tell_the_sites_managers(client, people, as_user):
    inspector, manager, supervisor = await as_user("inspector"), await as_user("manager"), await as_user("supervisor")
    fid = (await submit(client, inspector, people.sites[LZ], exits_clear="安全出口上锁"))["exits_clear"]
    url = f"/api/findings/{fid}"

    async def act(path, body, headers, expect=200):
        r = await client.post(url + path, json=body, headers=headers)
        assert r.status_code == expect, r.text

    await act("/responses", {"note": "已拆锁"}, manager, 201)
    await act("/verification", {"decision": "reject", "note": "门锁仍在"}, inspector)
    assert await told("finding.rejected", fid) == ["manager"]
    await act("/responses", {"note": "已更换推杠门"}, manager, 201)
    await act("/verification", {"decision": "recheck", "location": SITE_OK}, inspector)
    # A major hazard passed on site waits for a supervisor, who is asked to close it.
    assert await told("finding.awaiting_closure", fid) == ["manager", "sup_lz", "supervisor"]
    await act("/verification", {"decision": "accept"}, inspector, 403)
    await act("/verification", {"decision": "accept"}, supervisor)
    assert await told("finding.closed", fid) == ["manager"]
    # Each response is its own event: the inspector heard of both.
    assert await told("finding.responded", fid) == ["inspector", "inspector"]
    for kind in ("finding.rejected", "finding.awaiting_closure", "finding.closed"):
        assert await webhooks(kind) == 1


async def test_an_extension_request_tells_who_may_decide_and_the_decision_tells_the_managers(client, people, as_user):
    inspector, manager = await as_user("inspector"), await as_user("manager")
    ids = await submit(client, inspector, people.sites[LZ], lighting_ok="应急照明不亮", extinguishers_ok="灭火器过期")
    first, second = ids["lighting_ok"], ids["extinguishers_ok"]
    asked = (factory.utcnow() + timedelta(days=60)).isoformat()
    for fid in (first, second):
        r = await client.post(f"/api/findings/{fid}/extension", headers=manager,
                              json={"action": "request", "reason": "灯具到货需要时间", "deadline": asked})
        assert r.status_code == 200, r.text
    assert await told("finding.extension_requested", first) == ["inspector", "sup_lz", "supervisor"]
    r = await client.post(f"/api/findings/{first}/extension", json={"action": "approve"}, headers=inspector)
    assert r.status_code == 200, r.text
    assert await told("finding.extension_approved", first) == ["manager"]
    r = await client.post(f"/api/findings/{second}/extension", json={"action": "refuse", "reason": "期限足够"},
                          headers=await as_user("sup_lz"))
    assert r.status_code == 200, r.text
    assert await told("finding.extension_refused", second) == ["manager"]
    assert await webhooks("finding.extension_requested") == 2
    assert await webhooks("finding.extension_approved") == await webhooks("finding.extension_refused") == 1


async def test_follow_up_cases_opened_and_closed_tell_the_regions_supervisors(client, people, as_user):
    inspector = await as_user("inspector")
    started = recent_start()
    body = patrol_body(people.sites[ZONE_LZ], started, three_encounters(started))
    patrol_id = str(uuid.uuid4())
    for _ in range(5):
        r = await client.put(f"/api/patrols/{patrol_id}", json=body, headers=inspector)
        assert r.status_code in (200, 201), r.text
    case_ids = [e["case"]["id"] for e in r.json()["encounters"] if e["case"]]
    assert len(case_ids) == 2
    for case_id in case_ids:
        assert await told("case.opened", case_id) == ["sup_lz", "supervisor"]
    note = (await client.get("/api/notifications?kind=case.opened", headers=await as_user("sup_lz"))).json()
    assert {n["title"] for n in note["items"]} == {f"兰州火车站及东岗立交桥下：街面巡查跟进个案 #{i}已登记"
                                                   for i in case_ids}
    assert {n["subject_type"] for n in note["items"]} == {"follow_up_case"}
    r = await client.post(f"/api/follow-up-cases/{case_ids[0]}/close", json={"outcome": "placed_at_station"},
                          headers=inspector)
    assert r.status_code == 200, r.text
    assert await told("case.closed", case_ids[0]) == ["sup_lz", "supervisor"]
    # The words of welfare follow-up (登记, 办结), not those of a case at law (立案, 结案), in the title and the label.
    note = (await client.get("/api/notifications?kind=case.closed", headers=await as_user("sup_lz"))).json()
    assert [n["title"] for n in note["items"]] == [f"兰州火车站及东岗立交桥下：街面巡查跟进个案 #{case_ids[0]}已办结"]
    prefs = (await client.get("/api/notifications/preferences", headers=await as_user("sup_lz"))).json()
    labels = {k["kind"]: k["label"] for k in prefs["kinds"]}
    assert (labels["case.opened"], labels["case.closed"]) == ("跟进个案登记", "跟进个案办结")
    assert await webhooks("case.opened") == 2 and await webhooks("case.closed") == 1


async def test_escalation_steps_keep_their_kind_and_the_inbox_filters_by_kind(client, people, as_user):
    from xunjian.escalation.service import escalate

    await factory.close_existing_findings()
    deadline = factory.utcnow() + timedelta(days=5)
    fid = await factory.finding(people.sites[LZ], people.users["inspector"], deadline=deadline, title="消防通道堵塞")
    await escalate(deadline)
    assert await told("escalation", fid) == ["inspector", "manager"]
    await submit(client, await as_user("inspector"), people.sites[LZ], lighting_ok="应急照明不亮")
    manager = await as_user("manager")
    everything = (await client.get("/api/notifications", headers=manager)).json()
    assert sorted(n["kind"] for n in everything["items"]) == ["escalation", "finding.raised"]
    only = (await client.get("/api/notifications?kind=escalation&unread=true", headers=manager)).json()
    assert [n["kind"] for n in only["items"]] == ["escalation"] and only["total"] == 1
    assert only["items"][0]["subject_title"] == "消防通道堵塞" and only["items"][0]["level"] >= 1
    assert (await client.get("/api/notifications?kind=nonsense", headers=manager)).status_code == 422


async def test_a_muted_kind_stays_out_of_the_inbox_but_required_kinds_cannot_be_muted(client, people, as_user):
    inspector, manager = await as_user("inspector"), await as_user("manager")
    prefs = (await client.get("/api/notifications/preferences", headers=manager)).json()
    assert prefs["muted"] == []
    required = {k["kind"] for k in prefs["kinds"] if k["required"]}
    assert required == {"escalation", "finding.raised", "finding.listed", "site.decision"}
    for kind in required:
        r = await client.put("/api/notifications/preferences", json={"muted": ["finding.closed", kind]},
                             headers=manager)
        assert r.status_code == 422 and r.json()["details"] == {"field": "muted", "required": [kind]}
    assert (await client.get("/api/notifications/preferences", headers=manager)).json()["muted"] == []
    assert (await client.put("/api/notifications/preferences", json={"muted": ["bogus"]},
                             headers=manager)).status_code == 422
    r = await client.put("/api/notifications/preferences", json={"muted": ["finding.closed", "finding.rejected"]},
                         headers=manager)
    assert r.status_code == 200 and r.json()["muted"] == ["finding.closed", "finding.rejected"]

    fid = (await submit(client, inspector, people.sites[LZ], lighting_ok="应急照明不亮"))["lighting_ok"]
    assert await told("finding.raised", fid) == ["manager"]  # required: muting cannot stop it
    assert (await client.post(f"/api/findings/{fid}/responses", json={"note": "已修复"},
                              headers=manager)).status_code == 201
    assert (await client.post(f"/api/findings/{fid}/verification", json={"decision": "accept"},
                              headers=inspector)).status_code == 200
    assert await told("finding.closed", fid) == []
    assert await webhooks("finding.closed") == 1  # webhooks still carry it
    # Muting is per person: the inspector still hears of the response.
    assert await told("finding.responded", fid) == ["inspector"]

    # The list is replaced, not added to; what was unmuted arrives again.
    r = await client.put("/api/notifications/preferences", json={"muted": ["finding.rejected"]}, headers=manager)
    assert r.status_code == 200 and r.json()["muted"] == ["finding.rejected"]
    fid = (await submit(client, inspector, people.sites[LZ], lighting_ok="应急照明不亮"))["lighting_ok"]
    assert (await client.post(f"/api/findings/{fid}/responses", json={"note": "已修复"},
                              headers=manager)).status_code == 201
    assert (await client.post(f"/api/findings/{fid}/verification", json={"decision": "accept"},
                              headers=inspector)).status_code == 200
    assert await told("finding.closed", fid) == ["manager"]
