"""Follow-up cases climb their own escalation ladder (催办, 督办; never 挂牌督办), each step once; a closed case leaves
it."""

from __future__ import annotations

from datetime import timedelta

from tests.api.test_patrols import ZONE_LZ, patrol_body, recent_start, submit, three_encounters
from xunjian.audit.tables import AuditEvent
from xunjian.escalation.service import escalate
from xunjian.escalation.tables import EscalationStep
from xunjian.notifications.tables import Notification
from xunjian.patrols.tables import FollowUpCase


async def test_cases_escalate_once_per_step_and_stop_when_closed(client, demo, as_user):
    inspector = await as_user("inspector")
    started = recent_start()
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started)))
    cases = {c["reasons"][0]: c for c in (e["case"] for e in r.json()["encounters"]) if c}
    minor, refusal = cases["minor"], cases["refusal"]
    assert minor["urgent"] and not refusal["urgent"]

    def at(deadline: str, days: float):
        from datetime import datetime

        return datetime.fromisoformat(deadline.replace("Z", "+00:00")) + timedelta(days=days)

    # Past the minor's same-day deadline: the urgent case takes the faster ladder (level 2 at the deadline).
    now = at(minor["deadline"], 0.01)
    await escalate(now)
    await escalate(now)  # a second run at the same time adds nothing
    steps = await EscalationStep.select(EscalationStep.subject_id, EscalationStep.step, EscalationStep.level).where(
        EscalationStep.subject_type == "follow_up_case").order_by(EscalationStep.id)
    minor_steps = [s["step"] for s in steps if s["subject_id"] == minor["id"]]
    assert minor_steps == ["reminder", "level2"]
    level = await FollowUpCase.select(FollowUpCase.escalation_level).where(FollowUpCase.id == minor["id"]).first()
    assert level["escalation_level"] == 2
    history = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.entity_type == "follow_up_case") & (AuditEvent.entity_id == str(minor["id"])))
    assert "escalation.level2" in [h["action"] for h in history]
    # The recording inspector is told; no institution manager ever is, and no personal detail is in the title.
    notes = await Notification.select(Notification.user.username, Notification.title).where(
        Notification.subject_type == "follow_up_case")
    assert {n["user.username"] for n in notes} >= {"inspector"}
    assert not {n["user.username"] for n in notes} & {"manager", "manager2"}
    assert all("未成年" not in n["title"] for n in notes)

    # The refusal case, closed before its deadline, never climbs past where it stood.
    r = await client.post(f"/api/follow-up-cases/{refusal['id']}/close", json={"outcome": "placed_at_station"},
                          headers=inspector)
    assert r.status_code == 200
    await escalate(at(refusal["deadline"], 30))
    refusal_steps = [s["step"] for s in await EscalationStep.select(EscalationStep.step).where(
        (EscalationStep.subject_type == "follow_up_case") & (EscalationStep.subject_id == refusal["id"]))]
    assert "level1" not in refusal_steps
    # A case about a person climbs to 督办 and no further: it is never listed (挂牌督办).
    minor_steps = [s["step"] for s in await EscalationStep.select(EscalationStep.step).where(
        (EscalationStep.subject_type == "follow_up_case") & (EscalationStep.subject_id == minor["id"])).order_by(
        EscalationStep.id)]
    assert minor_steps == ["reminder", "level2"]
    level = await FollowUpCase.select(FollowUpCase.escalation_level).where(FollowUpCase.id == minor["id"]).first()
    assert level["escalation_level"] == 2
    titles = [n["title"] for n in await Notification.select(Notification.title).where(
        Notification.subject_type == "follow_up_case")]
    assert titles and all("挂牌" not in t and "隐患" not in t for t in titles)
    assert any(t.startswith("紧急个案督办") for t in titles)
    ladders = (await client.get("/api/escalation/ladders", headers=inspector)).json()
    cases = next(x for x in ladders if x["subject_type"] == "follow_up_case")
    assert [lv["name"] for lv in cases["levels"]] == ["催办", "督办"]
