"""The demo's quarter is coherent, as `xunjian demo` leaves it: lived through the services at past moments with the
jobs run as the days passed (backend/xunjian/demo.py's Clock), on both engines.

No deadline before what it is the deadline of; each ladder step of a subject on a day of its own, in ladder order,
after the subject was opened; what the history shows as raised is raised when it was; the board's 12-week trend has
a snapshot nearly every week and moves; some findings were closed on time, some late, some are open and overdue;
a second load adds nothing; the printed demo logins sign in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from xunjian import db
from xunjian import demo as demo_module

from tests.conftest import login

BEIJING = ZoneInfo("Asia/Shanghai")


def _utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


async def _counts() -> dict[str, int]:
    tables = ("inspection", "finding", "finding_response", "finding_verification", "patrol", "follow_up_case",
              "escalation_step", "notification", "risk_snapshot", "audit_event", "app_user")
    return {t: (await db.fetch(f"SELECT COUNT(*) AS n FROM {t}"))[0]["n"] for t in tables}


async def test_the_demo_quarter_is_coherent(client, settings):
    started = datetime.now(timezone.utc)
    await demo_module.load(settings)
    now = datetime.now(timezone.utc)

    findings = await db.fetch("SELECT id, created_at, deadline, first_deadline, status, closed_at, listing "
                              "FROM finding")
    assert len(findings) >= 15
    for f in findings:
        assert _utc(f["deadline"]) > _utc(f["created_at"]), f
        assert f["first_deadline"] is None or _utc(f["first_deadline"]) > _utc(f["created_at"]), f
        assert _utc(f["created_at"]) <= now
    cases = await db.fetch("SELECT id, opened_at, deadline FROM follow_up_case")
    assert len(cases) >= 6
    assert all(_utc(c["deadline"]) > _utc(c["opened_at"]) for c in cases), cases

    # Inspections over the 12 weeks, not all on one day.
    submitted = sorted(_utc(r["submitted_at"]) for r in await db.fetch("SELECT submitted_at FROM inspection"))
    assert submitted[0] < started - timedelta(weeks=10) and submitted[-1] > started - timedelta(weeks=2)
    assert len({s.astimezone(BEIJING).date() for s in submitted}) == len(submitted)

    # What became of the findings: closed within their deadline (after extensions), closed late, still open and
    # overdue; a major hazard listed for supervision (挂牌督办) by its authority.
    closed = [f for f in findings if f["status"] == "closed"]
    on_time = [f for f in closed if _utc(f["closed_at"]) <= _utc(f["deadline"])]
    late = [f for f in closed if _utc(f["closed_at"]) > _utc(f["deadline"])]
    overdue = [f for f in findings if f["status"] != "closed" and _utc(f["deadline"]) < now]
    assert len(on_time) >= 3 and len(late) >= 2 and len(overdue) >= 3, (len(on_time), len(late), len(overdue))
    assert any(f["listing"] == "confirmed" for f in findings)
    assert all(_utc(f["closed_at"]) > _utc(f["created_at"]) for f in closed)

    # The history dates each finding's raising when it was raised (not when the demo was loaded).
    created = {str(f["id"]): _utc(f["created_at"]) for f in findings}
    raised = await db.fetch("SELECT entity_id, at FROM audit_event WHERE action = 'finding.create'")
    assert {r["entity_id"]: _utc(r["at"]) for r in raised} == created

    # Each subject's ladder steps: on days of their own, in ladder order, after it was opened.
    opened = {("finding", f["id"]): _utc(f["created_at"]) for f in findings} | {
        ("follow_up_case", c["id"]): _utc(c["opened_at"]) for c in cases}
    steps: dict[tuple, list] = {}
    for s in await db.fetch("SELECT subject_type, subject_id, level, taken_at FROM escalation_step ORDER BY id"):
        steps.setdefault((s["subject_type"], s["subject_id"]), []).append((_utc(s["taken_at"]), s["level"]))
    assert len(steps) >= 8 and sum(len(v) >= 2 for v in steps.values()) >= 6
    for subject, taken in steps.items():
        days = [t.astimezone(BEIJING).date() for t, _ in taken]
        assert len(set(days)) == len(days), (subject, taken)
        assert [lv for _, lv in sorted(taken)] == sorted(lv for _, lv in taken), (subject, taken)
        assert min(t for t, _ in taken) > opened[subject]
    # The history's ladder events carry the moments the steps were taken.
    ladder_events = await db.fetch("SELECT MIN(at) AS first FROM audit_event WHERE action LIKE 'escalation.%'")
    assert _utc(ladder_events[0]["first"]) < started - timedelta(weeks=8)

    # Inbox entries were written when people were told; what is older than the last day has been read.
    told = await db.fetch("SELECT created_at, read_at FROM notification")
    assert min(_utc(n["created_at"]) for n in told) < started - timedelta(weeks=10)
    assert all(n["read_at"] is not None for n in told if _utc(n["created_at"]) < started - timedelta(days=2))

    # The supervisor's board: a 12-week trend with a snapshot in most weeks, whose counts move.
    headers = await login(client, "supervisor")
    board = (await client.get("/api/risk/board", headers=headers)).json()
    trend = board["trend"]
    assert len(trend) == 12
    shown = [p for p in trend if sum(p["counts"].values()) > 0]
    assert len(shown) >= 8, trend
    assert len({tuple(sorted(p["counts"].items())) for p in shown}) >= 3, trend
    assert board["counts"]["red"] + board["counts"]["orange"] >= 1

    # Loading again lives nothing again.
    before = await _counts()
    await demo_module.load(settings)
    assert await _counts() == before

    # The printed logins sign in with the demo password.
    for username, *_ in demo_module.USERS + demo_module.MORE_USERS:
        await login(client, username, settings.demo_password)
