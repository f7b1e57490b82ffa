"""The housekeeping job, clock-driven: what is older than its retention goes, what the product still needs stays.

Rows are written straight to the tables at chosen times; the job runs through the real runner, and what stays is
read where users and operators see it (the inbox, the site's rating history, the webhook log, the job runs).
Every run is repeated at the same clock, and the repeat must delete nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.api.test_patrols import ZONE_LZ, patrol_body, recent_start, submit, three_encounters
from xunjian.escalation.service import escalate
from xunjian.escalation.tables import EscalationStep
from xunjian.findings.tables import Finding
from xunjian.jobs.service import run_job
from xunjian.jobs.tables import JobRun
from xunjian.notifications.tables import Notification, WebhookAttempt, WebhookDelivery
from xunjian.patrols.tables import FollowUpCase
from xunjian.risk.service import local_day
from xunjian.risk.tables import RiskRating, RiskSnapshot

from . import factory

LZ = "YL-620102-001"
NOW = factory.utcnow()


def ago(days: float, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


async def _housekeep(settings, now: datetime = NOW) -> dict[str, int]:
    """Run the job; run it again at the same clock, which must find nothing left to delete. The first run's counts."""
    first = await run_job(settings, "housekeeping", now, trigger="cli")
    assert first.status == "ok", first.error
    second = await run_job(settings, "housekeeping", now, trigger="cli")
    assert second.status == "ok", second.error
    assert set(second.counts) == set(first.counts) and not any(second.counts.values()), second.counts
    return first.counts


async def _notify(user_id: int, title: str, created_at: datetime, read: bool) -> None:
    await Notification.insert(Notification(
        user=user_id, kind="escalation", event_key=title, title=title, created_at=created_at,
        read_at=created_at + timedelta(hours=1) if read else None,
    ))


async def _inbox(client, headers) -> set[str]:
    r = await client.get("/api/notifications", params={"limit": 200}, headers=headers)
    assert r.status_code == 200, r.text
    return {n["title"] for n in r.json()["items"]}


async def test_notifications_past_the_retention_go_read_or_unread(client, demo, settings, as_user):
    manager = demo.users["manager"]
    for days in (181, 179):
        for read in (True, False):
            await _notify(manager, f"{days}d {'read' if read else 'unread'}", ago(days), read)
    headers = await as_user("manager")
    assert len(await _inbox(client, headers)) == 4

    counts = await _housekeep(settings)
    assert counts["notifications"] == 2
    assert await _inbox(client, headers) == {"179d read", "179d unread"}

    await _notify(manager, "31d", ago(31), False)
    await _notify(manager, "29d", ago(29), False)
    assert (await _housekeep(settings.with_(notification_retention_days=30)))["notifications"] == 3
    assert await _inbox(client, headers) == {"29d"}


async def _rate(site_id: int, rated_at: datetime, tier: str = "yellow") -> None:
    await RiskRating.insert(RiskRating(site=site_id, rated_at=rated_at, tier=tier, score=50.0, factors=[],
                                       rules_version=1, trigger="job"))


async def _history(client, headers, site_id: int) -> list[tuple[datetime, str]]:
    r = await client.get(f"/api/risk/sites/{site_id}", headers=headers)
    assert r.status_code == 200, r.text
    return [(datetime.fromisoformat(h["rated_at"].replace("Z", "+00:00")), h["tier"]) for h in r.json()["history"]]


async def test_old_ratings_go_but_each_sites_latest_stays(client, demo, settings, as_user):
    old_site, mixed_site, recent_site, tied_site = (demo.sites[c] for c in (
        LZ, "YL-620103-002", "YL-620123-003", "YL-620502-004"))
    for days, tier in ((900, "red"), (800, "orange"), (740, "yellow")):
        await _rate(old_site, ago(days), tier)
    await _rate(mixed_site, ago(800), "red")
    await _rate(mixed_site, ago(10), "blue")
    await _rate(recent_site, ago(100), "orange")
    await _rate(recent_site, ago(50), "yellow")
    # Two ratings at the same time: the later row is the latest.
    await _rate(tied_site, ago(800), "red")
    await _rate(tied_site, ago(800), "orange")
    today, cutoff_day = local_day(NOW), local_day(ago(730))
    for day in (cutoff_day - timedelta(days=1), cutoff_day, today):
        await RiskSnapshot.insert(RiskSnapshot(day=day, region=demo.regions["620102"], tier="red", sites=1))

    counts = await _housekeep(settings)
    assert counts["risk_ratings"] == 4 and counts["risk_snapshots"] == 1
    admin = await as_user("admin")
    # The latest rating stays though older than the cutoff: the site page still shows it.
    assert await _history(client, admin, old_site) == [(ago(740), "yellow")]
    assert await _history(client, admin, mixed_site) == [(ago(10), "blue")]
    assert await _history(client, admin, recent_site) == [(ago(50), "yellow"), (ago(100), "orange")]
    assert await _history(client, admin, tied_site) == [(ago(800), "orange")]
    days = sorted(r["day"] for r in await RiskSnapshot.select(RiskSnapshot.day))
    assert days == [cutoff_day, today]


async def _steps(subject_type: str, subject_id: int) -> list[int]:
    rows = await EscalationStep.select(EscalationStep.id).where(
        (EscalationStep.subject_type == subject_type) & (EscalationStep.subject_id == subject_id)
    ).order_by(EscalationStep.id)
    return [r["id"] for r in rows]


async def _close_finding(finding_id: int, closed_at: datetime) -> None:
    await Finding.update({Finding.status: "closed", Finding.closed_at: closed_at}).where(Finding.id == finding_id)


async def test_steps_of_long_closed_findings_go_and_each_rung_is_still_taken_once(client, demo, settings):
    await factory.close_existing_findings()
    deadline = ago(900)
    closed_long_ago, closed_lately, still_open, responded = [
        await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline) for _ in range(4)]
    await escalate(deadline + timedelta(days=30))  # every rung of the general ladder, 870 days ago
    steps = {fid: await _steps("finding", fid) for fid in (closed_long_ago, closed_lately, still_open, responded)}
    assert all(len(ids) == 3 for ids in steps.values())
    await _close_finding(closed_long_ago, ago(800))
    await _close_finding(closed_lately, ago(100))
    await Finding.update({Finding.status: "responded"}).where(Finding.id == responded)

    assert (await _housekeep(settings))["escalation_steps"] == 3
    assert await _steps("finding", closed_long_ago) == []
    for fid in (closed_lately, still_open, responded):
        assert await _steps("finding", fid) == steps[fid]

    # Exactly once still holds: the ladder finds every rung of the open finding taken, and of the responded one
    # when a rejection reopens it.
    notifications = await Notification.count()
    assert (await run_job(settings, "escalation", NOW)).counts["steps"] == 0
    await Finding.update({Finding.status: "open"}).where(Finding.id == responded)
    assert (await run_job(settings, "escalation", NOW)).counts["steps"] == 0
    assert await _steps("finding", still_open) == steps[still_open]
    assert await _steps("finding", responded) == steps[responded]
    assert await Notification.count() == notifications


async def test_steps_of_long_closed_follow_up_cases_go_those_of_open_cases_stay(client, demo, settings, as_user):
    started = recent_start()
    _, r = await submit(client, await as_user("inspector"),
                        patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started)))
    assert r.status_code == 201, r.text
    cases = [e["case"]["id"] for e in r.json()["encounters"] if e["case"]]
    await escalate(started + timedelta(days=40))
    steps = {case: await _steps("follow_up_case", case) for case in cases}
    assert all(steps.values())
    closed, still_open = cases
    await FollowUpCase.update({FollowUpCase.status: "closed", FollowUpCase.outcome: "placed_at_station",
                               FollowUpCase.closed_at: ago(731)}).where(FollowUpCase.id == closed)

    assert (await _housekeep(settings))["escalation_steps"] == len(steps[closed])
    assert await _steps("follow_up_case", closed) == []
    assert await _steps("follow_up_case", still_open) == steps[still_open]


async def test_finished_webhook_deliveries_go_with_their_attempts_pending_ones_stay(client, demo, settings, as_user):
    admin = await as_user("admin")
    r = await client.post("/api/admin/webhooks", headers=admin,
                          json={"name": "督办推送", "url": "http://127.0.0.1:9/hook", "secret": "s" * 24})
    assert r.status_code == 201, r.text
    hook = r.json()["id"]
    for key, status, days, attempts in (("old-delivered", "delivered", 731, 2), ("old-failed", "failed", 800, 3),
                                        ("old-pending", "pending", 800, 1), ("recent-delivered", "delivered", 700, 1)):
        rows = await WebhookDelivery.insert(WebhookDelivery(
            subscription=hook, event_type="escalation.step", event_key=key, payload="{}", status=status,
            attempts=attempts, next_attempt_at=ago(days - 1), created_at=ago(days),
        )).returning(WebhookDelivery.id)
        for n in range(attempts):
            await WebhookAttempt.insert(WebhookAttempt(delivery=rows[0]["id"], at=ago(days - n), status_code=500,
                                                       error="HTTP 500", duration_ms=12))

    counts = await _housekeep(settings)
    assert (counts["webhook_deliveries"], counts["webhook_attempts"]) == (2, 5)
    r = await client.get(f"/api/admin/webhooks/{hook}/deliveries", headers=admin)
    assert r.status_code == 200, r.text
    assert {d["event_key"]: len(d["log"]) for d in r.json()["items"]} == {"old-pending": 1, "recent-delivered": 1}
    assert await WebhookAttempt.count() == 2


async def test_old_finished_runs_go_the_current_run_records_its_counts(client, demo, settings, as_user):
    # The job's clock far enough ahead that this run's own record (started on the wall clock) is older than the
    # cutoff: only its status, running, keeps it.
    later = NOW + timedelta(days=1000)
    for status, days in (("ok", 731), ("failed", 800), ("skipped", 900), ("ok", 729)):
        await JobRun.insert(JobRun(name="risk", trigger="schedule", now=ago(days, later), started_at=ago(days, later),
                                   finished_at=ago(days, later) + timedelta(minutes=1), status=status, counts={}))

    run = await run_job(settings, "housekeeping", later, trigger="cli")
    assert run.status == "ok", run.error
    r = await client.get("/api/admin/jobs/runs", headers=await as_user("admin"))
    assert r.status_code == 200, r.text
    runs = r.json()["items"]
    assert [(x["name"], x["status"]) for x in runs] == [("housekeeping", "ok"), ("risk", "ok")]
    assert runs[0]["id"] == run.id and runs[0]["counts"] == run.counts
    assert run.counts["job_runs"] == 3
    assert set(run.counts) == {"notifications", "risk_ratings", "risk_snapshots", "job_runs", "webhook_deliveries",
                               "webhook_attempts", "escalation_steps"}
