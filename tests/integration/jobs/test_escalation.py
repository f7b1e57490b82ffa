"""Clock-driven escalation: the ladder on the right days, each step once, the right inboxes, the finding's history;
level 3 (挂牌督办) only as a proposal for a major hazard (or a general one where the ladder is configured so).

No test sleeps: each moves `now`.
"""

from __future__ import annotations

from datetime import timedelta

from xunjian.audit.tables import AuditEvent
from xunjian.escalation import rules as ladder_rules
from xunjian.escalation.service import escalate
from xunjian.escalation.tables import EscalationStep
from xunjian.findings.tables import Finding
from xunjian.notifications.tables import Notification
from xunjian.risk.tables import SiteRisk

from . import factory

LZ = "YL-620102-001"  # 城关区, 兰州市: manager's site


async def _steps(finding_id: int) -> list[str]:
    rows = await EscalationStep.select(EscalationStep.step).where(
        (EscalationStep.subject_type == "finding") & (EscalationStep.subject_id == finding_id)
    ).order_by(EscalationStep.id)
    return [r["step"] for r in rows]


async def _level(finding_id: int) -> int:
    return (await Finding.select(Finding.escalation_level).where(Finding.id == finding_id).first())["escalation_level"]


async def _inbox(finding_id: int) -> dict[str, set[int]]:
    """step title prefix → users notified, for this finding."""
    rows = await Notification.select(Notification.user, Notification.level, Notification.title).where(
        (Notification.subject_type == "finding") & (Notification.subject_id == str(finding_id)))
    out: dict[int, set[int]] = {}
    for r in rows:
        out.setdefault(r["level"], set()).add(r["user"])
    return out


async def _people(demo):
    county = await factory.supervisor("sup_chengguan", demo.regions["620102"])
    prefecture = await factory.supervisor("sup_lanzhou", demo.regions["620100"])
    other_county = await factory.supervisor("sup_qilihe", demo.regions["620103"])
    other_prefecture = await factory.supervisor("sup_tianshui", demo.regions["620500"])
    return county, prefecture, other_county, other_prefecture


async def _listing(finding_id: int) -> tuple[str | None, int | None]:
    row = await Finding.select(Finding.listing, Finding.listing_authority).where(Finding.id == finding_id).first()
    return row["listing"], row["listing_authority"]


async def test_general_finding_walks_reminder_1_2_on_the_right_days_and_is_never_listed(client, demo):
    county, prefecture, other_county, other_prefecture = await _people(demo)
    inspector, manager = demo.users["inspector"], demo.users["manager"]
    deadline = factory.utcnow() + timedelta(days=5)
    fid = await factory.finding(demo.sites[LZ], inspector, deadline=deadline)

    async def at(days: float) -> list[str]:
        await escalate(deadline + timedelta(days=days))
        return await _steps(fid)

    assert await at(-3.1) == []
    assert await at(-3) == ["reminder"]
    assert await _level(fid) == 0
    assert await at(-0.1) == ["reminder"]
    assert await at(0) == ["reminder", "level1"]
    assert await _level(fid) == 1
    assert await at(6.9) == ["reminder", "level1"]
    assert await at(7) == ["reminder", "level1", "level2"]
    assert await _level(fid) == 2
    # Release 1 listed it by the clock 22 days after the deadline; a general hazard is now never listed.
    assert await at(22) == ["reminder", "level1", "level2"]
    assert await at(365) == ["reminder", "level1", "level2"]
    assert await _level(fid) == 2
    assert await _listing(fid) == (None, None)

    inbox = await _inbox(fid)
    assert inbox[0] == {manager}  # the reminder goes to the manager
    assert inbox[1] == {manager, inspector}
    assert inbox[2] == {manager, inspector, county}  # 督办: the county supervisor of the site's county
    assert set(inbox) == {0, 1, 2}
    everyone = set().union(*inbox.values())
    assert not everyone & {prefecture, other_county, other_prefecture, demo.users["supervisor"],
                           demo.users["inspector2"]}

    history = await AuditEvent.select(AuditEvent.action, AuditEvent.actor_name, AuditEvent.at).where(
        (AuditEvent.entity_type == "finding") & (AuditEvent.entity_id == str(fid))).order_by(AuditEvent.id)
    assert [h["action"] for h in history] == ["escalation.reminder", "escalation.level1", "escalation.level2"]
    assert {h["actor_name"] for h in history} == {"system"}
    assert history[1]["at"] == deadline  # recorded at the job's clock
    titles = {r["title"] for r in await Notification.select(Notification.title).where(
        Notification.subject_id == str(fid))}
    assert not any("挂牌" in t for t in titles)


async def test_major_finding_climbs_faster_to_a_proposal_for_the_prefecture(client, demo):
    county, prefecture, other_county, other_prefecture = await _people(demo)
    deadline = factory.utcnow() + timedelta(days=5)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major", deadline=deadline)
    for days, expected in [(-3, ["reminder"]), (0, ["reminder", "level2"]), (2.9, ["reminder", "level2"]),
                           (3, ["reminder", "level2", "listing"]), (30, ["reminder", "level2", "listing"])]:
        await escalate(deadline + timedelta(days=days))
        assert await _steps(fid) == expected, days
    # A proposal, not a level: the finding stays at 督办 until the listing authority decides.
    assert await _level(fid) == 2
    assert await _listing(fid) == ("proposed", demo.regions["620100"])  # 兰州市 holds 城关区
    inbox = await _inbox(fid)
    assert county in inbox[2] and prefecture not in inbox[2]
    assert inbox[3] == {prefecture}  # the proposal goes to the prefecture's supervisors only
    history = await AuditEvent.select(AuditEvent.action, AuditEvent.after).where(
        (AuditEvent.entity_type == "finding") & (AuditEvent.entity_id == str(fid))).order_by(AuditEvent.id) \
        .output(load_json=True)
    assert history[-1]["action"] == "escalation.listing" and history[-1]["after"]["proposal"] in (True, 1)
    # An open major hazard makes an eldercare institution red (rules v2; a lottery outlet orange until listed).
    rating = await SiteRisk.select(SiteRisk.tier).where(SiteRisk.site == demo.sites[LZ]).first()
    assert rating["tier"] == "red"


async def test_a_general_hazard_is_proposed_only_where_the_ladder_says_so(client, demo):
    await _people(demo)
    data = ladder_rules.DEFAULT_LADDERS_DATA["finding"]
    configured = ladder_rules.parse_ladders({"finding": {**data, "general": [
        *data["general"], {"step": "listing", "level": 3, "offset_days": 22, "proposal": True,
                           "notify": ["prefecture"]}]}})
    deadline = factory.utcnow() + timedelta(days=5)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)
    await escalate(deadline + timedelta(days=21.9), configured)
    assert await _steps(fid) == ["reminder", "level1", "level2"]
    await escalate(deadline + timedelta(days=22), configured)
    assert await _steps(fid) == ["reminder", "level1", "level2", "listing"]
    assert await _listing(fid) == ("proposed", demo.regions["620100"])


async def test_running_twice_at_the_same_now_adds_nothing(client, demo):
    await _people(demo)
    deadline = factory.utcnow() + timedelta(days=5)
    ids = [await factory.finding(demo.sites[LZ], demo.users["inspector"], grade=grade, deadline=deadline)
           for grade in ("general", "major", "general")]
    now = deadline + timedelta(days=30)
    first = await escalate(now)
    assert [len(await _steps(i)) for i in ids] == [3, 3, 3]
    assert first["steps"] >= 9 and first["notifications"] > 0

    async def totals():
        return (await EscalationStep.count(), await Notification.count(),
                await AuditEvent.count().where(AuditEvent.action.like("escalation.%")),
                await Finding.select(Finding.id, Finding.listing, Finding.escalation_level).order_by(Finding.id))

    before = await totals()
    second = await escalate(now)
    assert second["steps"] == 0 and second["notifications"] == 0
    assert await totals() == before


async def test_first_seen_long_overdue_announces_only_the_highest_step(client, demo):
    deadline = factory.utcnow() - timedelta(days=10)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)
    await escalate(factory.utcnow())
    assert await _steps(fid) == ["reminder", "level1", "level2"]
    assert set((await _inbox(fid)).keys()) == {2}


async def test_an_approved_extension_moves_the_ladder(client, demo, as_user):
    manager, inspector = await as_user("manager"), await as_user("inspector")
    deadline = factory.utcnow() + timedelta(days=5)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)
    await escalate(deadline - timedelta(days=3))
    assert await _steps(fid) == ["reminder"]
    new_deadline = deadline + timedelta(days=10)
    r = await client.post(f"/api/findings/{fid}/extension", headers=manager,
                          json={"action": "request", "reason": "材料到货需要时间", "deadline": new_deadline.isoformat()})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/findings/{fid}/extension", headers=inspector, json={"action": "approve"})
    assert r.status_code == 200, r.text
    await escalate(deadline + timedelta(days=1))  # past the old deadline: nothing
    assert await _steps(fid) == ["reminder"]
    assert await _level(fid) == 0
    await escalate(new_deadline)
    assert await _steps(fid) == ["reminder", "level1"]


async def test_a_closed_finding_leaves_the_ladder(client, demo):
    deadline = factory.utcnow() + timedelta(days=5)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)
    closed = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline, status="closed")
    await escalate(deadline)
    assert await _steps(fid) == ["reminder", "level1"]
    await Finding.update({Finding.status: "closed"}).where(Finding.id == fid)
    await escalate(deadline + timedelta(days=40))
    assert await _steps(fid) == ["reminder", "level1"]
    assert await _steps(closed) == []


async def test_a_responded_finding_waits_and_resumes_when_reopened(client, demo):
    deadline = factory.utcnow() + timedelta(days=5)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline, status="responded")
    await escalate(deadline + timedelta(days=1))
    assert await _steps(fid) == []
    await Finding.update({Finding.status: "open"}).where(Finding.id == fid)  # the response was rejected
    await escalate(deadline + timedelta(days=1))
    assert await _steps(fid) == ["reminder", "level1"]
