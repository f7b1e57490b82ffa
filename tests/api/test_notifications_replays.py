"""Every row of the event table, replayed: the request that causes the event is sent five times at once, as an outbox
that lost its answers would, and each person it tells has exactly one notification of it, and its webhook goes out
once. The list of cases must name every kind of the table (xunjian.notifications.recipients.EVENTS and the ladder's
steps), so a kind added without a replay test fails here.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from tests.integration.jobs import factory
from xunjian.escalation.service import escalate
from xunjian.notifications.recipients import ESCALATION_KIND, EVENTS
from xunjian.notifications.tables import Notification, WebhookDelivery, WebhookSubscription

from .checklist_answers import all_compliant, payload
from .test_findings import SITE_OK
from .test_patrols import ZONE_LZ, patrol_body, recent_start, three_encounters

LZ = "YL-620102-001"  # 福寿园养老院 in 城关区 (兰州): manager's site, in inspector's region
REPLAYS = 5


@pytest.fixture
async def world(demo, as_user):
    await Notification.delete(force=True)  # the demo's own events
    await factory.close_existing_findings()
    await factory.supervisor("sup_lz", demo.regions["620100"])  # the prefecture: listing authority of 城关区
    await WebhookSubscription.insert(WebhookSubscription(name="省平台", url="http://127.0.0.1:9/hook", secret="x" * 32))
    names = ("inspector", "manager", "supervisor", "sup_lz")
    return demo, {n: await as_user(n) for n in names}


async def _send(client, method: str, url: str, body: dict, headers: dict) -> list[int]:
    """The same request five times at once; every answer must be a success (the first 201/200, replays 200)."""
    answers = await asyncio.gather(*(client.request(method, url, json=body, headers=headers)
                                     for _ in range(REPLAYS)))
    for r in answers:
        assert r.status_code in (200, 201), r.text
    return [r.status_code for r in answers]


async def _inspect(client, headers, site_id: int, **noncompliant) -> dict[str, int]:
    inspection_id = uuid.uuid4()
    answers = all_compliant("eldercare_safety")
    for key, note in noncompliant.items():
        answers[key] = {"result": "noncompliant", "note": note, "photos": [str(uuid.uuid5(inspection_id, key))]}
    await _send(client, "PUT", f"/api/inspections/{inspection_id}", payload(site_id, answers=answers), headers)
    r = await client.get(f"/api/inspections/{inspection_id}", headers=headers)
    return {f["item_key"]: f["id"] for f in r.json()["findings"]}


def _once(body: dict) -> dict:
    return {**body, "client_id": str(uuid.uuid4())}


async def _act(client, fid: int, path: str, body: dict, headers: dict) -> None:
    """One step on the way to the event under test (not replayed)."""
    r = await client.post(f"/api/findings/{fid}{path}", json=body, headers=headers)
    assert r.status_code in (200, 201), r.text


async def _major_responded(client, demo, who) -> int:
    fid = (await _inspect(client, who["inspector"], demo.sites[LZ], exits_clear="安全出口上锁"))["exits_clear"]
    await _act(client, fid, "/responses", {"note": "已拆锁"}, who["manager"])
    return fid


async def _general(client, demo, who) -> int:
    return (await _inspect(client, who["inspector"], demo.sites[LZ], lighting_ok="应急照明不亮"))["lighting_ok"]


async def _proposed(demo) -> int:
    """A major hazard taken up the ladder by the clock to its proposal for listing (挂牌督办)."""
    deadline = factory.utcnow() - timedelta(days=10)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major", deadline=deadline)
    await escalate(deadline + timedelta(days=3))
    await Notification.delete(force=True)
    return fid


# Each case: prepare the state, then return (method, url, body, who sends it, the event's subject id).
async def raised(client, demo, who):
    inspection_id = uuid.uuid4()
    answers = all_compliant("eldercare_safety")
    answers["exits_clear"] = {"result": "noncompliant", "note": "安全出口上锁",
                              "photos": [str(uuid.uuid5(inspection_id, "exits_clear"))]}
    return "PUT", f"/api/inspections/{inspection_id}", payload(demo.sites[LZ], answers=answers), "inspector", None


async def self_reported(client, demo, who):
    inspection_id = uuid.uuid4()
    answers = all_compliant("eldercare_safety")
    answers["medicines_in_order"] = {"result": "noncompliant", "note": "过期药品", "photos": []}
    return "PUT", f"/api/inspections/{inspection_id}", payload(demo.sites[LZ], answers=answers), "manager", None


async def responded(client, demo, who):
    fid = await _general(client, demo, who)
    return "POST", f"/api/findings/{fid}/responses", _once({"note": "已更换灯具"}), "manager", fid


async def rechecked(client, demo, who):
    fid = await _general(client, demo, who)
    await _act(client, fid, "/responses", {"note": "已更换灯具"}, who["manager"])
    body = _once({"decision": "recheck", "location": SITE_OK})
    return "POST", f"/api/findings/{fid}/verification", body, "inspector", fid


async def awaiting_closure(client, demo, who):
    fid = await _major_responded(client, demo, who)
    body = _once({"decision": "recheck", "location": SITE_OK})
    return "POST", f"/api/findings/{fid}/verification", body, "inspector", fid


async def rejected(client, demo, who):
    fid = await _major_responded(client, demo, who)
    body = _once({"decision": "reject", "note": "门锁仍在"})
    return "POST", f"/api/findings/{fid}/verification", body, "inspector", fid


async def closed(client, demo, who):
    fid = await _major_responded(client, demo, who)
    await _act(client, fid, "/verification", {"decision": "recheck", "location": SITE_OK}, who["inspector"])
    return "POST", f"/api/findings/{fid}/verification", _once({"decision": "accept"}), "supervisor", fid


def _asked(days: int) -> str:
    return (factory.utcnow() + timedelta(days=days)).isoformat()


async def extension_requested(client, demo, who):
    fid = await _general(client, demo, who)
    body = _once({"action": "request", "reason": "灯具到货需要时间", "deadline": _asked(30)})
    return "POST", f"/api/findings/{fid}/extension", body, "manager", fid


async def extension_proposed(client, demo, who):
    fid = await _major_responded(client, demo, who)
    await _act(client, fid, "/extension", {"action": "request", "reason": "需更换推杠门", "deadline": _asked(40)},
               who["manager"])
    body = _once({"action": "propose", "reason": "同意延期", "deadline": _asked(40)})
    return "POST", f"/api/findings/{fid}/extension", body, "inspector", fid


async def extension_approved(client, demo, who):
    fid = await _general(client, demo, who)
    await _act(client, fid, "/extension", {"action": "request", "reason": "x", "deadline": _asked(30)},
               who["manager"])
    return "POST", f"/api/findings/{fid}/extension", _once({"action": "approve"}), "inspector", fid


async def extension_refused(client, demo, who):
    fid = await _general(client, demo, who)
    await _act(client, fid, "/extension", {"action": "request", "reason": "x", "deadline": _asked(30)},
               who["manager"])
    body = _once({"action": "refuse", "reason": "期限足够"})
    return "POST", f"/api/findings/{fid}/extension", body, "sup_lz", fid


async def plan_submitted(client, demo, who):
    fid = (await _inspect(client, who["inspector"], demo.sites[LZ], exits_clear="安全出口上锁"))["exits_clear"]
    body = _once({"measures": "拆除门锁，更换推杠门", "funds": "机构自筹2万元", "complete_by": _asked(20),
                  "responsible": "王院长", "contingency": "整改期间安排专人24小时值守出口"})
    return "POST", f"/api/findings/{fid}/plan", body, "manager", fid


async def listed(client, demo, who):
    fid = await _proposed(demo)
    body = _once({"decision": "confirm", "reason": "逾期未整改，列入挂牌督办"})
    return "POST", f"/api/findings/{fid}/listing", body, "sup_lz", fid


async def listing_declined(client, demo, who):
    fid = await _proposed(demo)
    body = _once({"decision": "decline", "reason": "已在整改，暂不挂牌"})
    return "POST", f"/api/findings/{fid}/listing", body, "sup_lz", fid


async def site_decision(client, demo, who):
    site = demo.sites[LZ]
    body = _once({"kind": "talk", "reason": "重大隐患逾期未整改，约谈机构负责人"})
    return "POST", f"/api/sites/{site}/decisions", body, "supervisor", None


async def case_opened(client, demo, who):
    started = recent_start()
    body = patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started))
    return "PUT", f"/api/patrols/{uuid.uuid4()}", body, "inspector", None


async def case_closed(client, demo, who):
    started = recent_start()
    patrol_id = uuid.uuid4()
    r = await client.put(f"/api/patrols/{patrol_id}", json=patrol_body(demo.sites[ZONE_LZ], started,
                                                                        three_encounters(started)),
                         headers=who["inspector"])
    assert r.status_code == 201, r.text
    case_id = next(e["case"]["id"] for e in r.json()["encounters"] if e["case"])
    return "POST", f"/api/follow-up-cases/{case_id}/close", {"outcome": "placed_at_station"}, "inspector", case_id


# kind → (case, who must be told: one notification each)
CASES = {
    "finding.raised": (raised, ["manager", "sup_lz", "supervisor"]),
    "finding.self_reported": (self_reported, ["inspector"]),
    "finding.responded": (responded, ["inspector"]),
    "finding.rechecked": (rechecked, ["manager"]),
    "finding.awaiting_closure": (awaiting_closure, ["manager", "sup_lz", "supervisor"]),
    "finding.rejected": (rejected, ["manager"]),
    "finding.closed": (closed, ["manager"]),
    "finding.extension_requested": (extension_requested, ["inspector", "sup_lz", "supervisor"]),
    "finding.extension_proposed": (extension_proposed, ["sup_lz", "supervisor"]),
    "finding.extension_approved": (extension_approved, ["manager"]),
    "finding.extension_refused": (extension_refused, ["manager"]),
    "finding.plan_submitted": (plan_submitted, ["inspector", "sup_lz", "supervisor"]),
    "finding.listed": (listed, ["inspector", "manager", "supervisor"]),
    "finding.listing_declined": (listing_declined, ["inspector", "supervisor"]),
    "site.decision": (site_decision, ["manager", "sup_lz"]),
    "case.opened": (case_opened, ["sup_lz", "supervisor"]),
    "case.closed": (case_closed, ["sup_lz", "supervisor"]),
}


def test_every_kind_of_the_event_table_has_a_replay_case():
    assert set(CASES) | {ESCALATION_KIND} == set(EVENTS) | {ESCALATION_KIND}


async def _told(kind: str) -> dict[str, list[str]]:
    """subject id → who got a notification of this kind about it (one name per notification)."""
    rows = await Notification.select(Notification.subject_id, Notification.user._.username.as_alias("username")).where(
        Notification.kind == kind)
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["subject_id"], []).append(r["username"])
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_five_replays_of_the_request_tell_each_person_once(client, world, kind):
    demo, who = world
    case, expected = CASES[kind]
    method, url, body, sender, subject = await case(client, demo, who)
    await Notification.delete().where(Notification.kind == kind)  # what the preparation itself caused
    await WebhookDelivery.delete().where(WebhookDelivery.event_type == kind)
    statuses = await _send(client, method, url, body, who[sender])
    assert statuses.count(201) <= 1, statuses  # one of them created the record, the others replayed it
    told = await _told(kind)
    assert told, f"{kind}: nobody was told"
    if subject is not None:
        assert list(told) == [str(subject)], told
    for subject_id, names in told.items():
        assert names == expected, (kind, subject_id, names)
    assert await WebhookDelivery.count().where(WebhookDelivery.event_type == kind) == len(told)


async def test_the_ladder_run_five_times_tells_each_person_once(client, world):
    demo, _ = world
    deadline = factory.utcnow() - timedelta(days=1)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline, title="消防通道堵塞")
    now = deadline + timedelta(hours=1)
    for _ in range(REPLAYS):
        await escalate(now)
    told = await _told(ESCALATION_KIND)
    assert told == {str(fid): ["inspector", "manager"]}
    assert await WebhookDelivery.count().where(WebhookDelivery.event_type == "escalation.step") == 1
