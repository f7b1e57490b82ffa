"""Two scheduler processes against the same PostgreSQL at the same moment: each escalation step exactly once.

Two real processes each build the APScheduler scheduler of `xunjian scheduler` and fire the escalation job at the
same instant; then two processes call the job body directly at once, bypassing the job lock, so only the unique
(subject_type, subject_id, step) index stands between them and a double step.
"""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

import pytest

from xunjian.escalation.tables import EscalationStep
from xunjian.jobs.tables import JobRun
from xunjian.notifications.tables import Notification

from . import factory

pytestmark = pytest.mark.postgres

SCHEDULER = textwrap.dedent("""
    import asyncio, sys
    from datetime import datetime
    from xunjian import cli
    from xunjian.config import Settings
    from xunjian.jobs.scheduler import build_scheduler, stop

    async def main(settings, fire_at):
        scheduler = build_scheduler(settings)
        scheduler.start()
        for job in scheduler.get_jobs():
            if job.id != "escalation":
                job.pause()
        scheduler.modify_job("escalation", next_run_time=fire_at)
        while datetime.now(fire_at.tzinfo) < fire_at:
            await asyncio.sleep(0.05)
        await asyncio.sleep(float(sys.argv[2]))
        await stop(scheduler)

    settings = Settings.from_env()
    fire_at = datetime.fromisoformat(sys.argv[1])
    asyncio.run(cli._with_engine(settings, lambda: main(settings, fire_at)))
""")

DIRECT = textwrap.dedent("""
    import asyncio, sys
    from datetime import datetime
    from xunjian import cli
    from xunjian.config import Settings
    from xunjian.escalation.service import escalate

    async def main(now, start_at):
        while datetime.now(start_at.tzinfo) < start_at:
            await asyncio.sleep(0.01)
        print(await escalate(now))

    settings = Settings.from_env()
    asyncio.run(cli._with_engine(settings, lambda: main(datetime.fromisoformat(sys.argv[1]),
                                                        datetime.fromisoformat(sys.argv[2]))))
""")


def _env(settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNJIAN_")}
    env["XUNJIAN_DATABASE_URL"] = settings.database_url
    env["XUNJIAN_DATA_DIR"] = str(settings.data_dir)
    env["XUNJIAN_PII_KEY"] = settings.pii_key  # the key the tests' database was sealed with
    return env


async def _run_two(settings, script: str, *args: str) -> list[subprocess.CompletedProcess]:
    def one():
        return subprocess.run([sys.executable, "-c", script, *args], env=_env(settings), capture_output=True,
                              text=True, timeout=180)

    return list(await asyncio.gather(asyncio.to_thread(one), asyncio.to_thread(one)))


async def _seed(demo, n: int, deadline: datetime) -> None:
    await factory.close_existing_findings()
    await factory.supervisor("sup_chengguan", demo.regions["620102"])
    sites = [demo.sites["YL-620102-001"], demo.sites["YL-620502-004"], demo.sites["FC-62010201"]]
    for i in range(n):
        await factory.finding(sites[i % 3], demo.users["inspector"], deadline=deadline,
                              grade="major" if i % 4 == 0 else "general")


async def _assert_each_step_once(expected: int) -> None:
    steps = await EscalationStep.select(EscalationStep.subject_id, EscalationStep.step)
    keys = [(s["subject_id"], s["step"]) for s in steps]
    assert len(keys) == len(set(keys)) == expected
    notes = await Notification.select(Notification.user, Notification.event_key)
    pairs = [(n["user"], n["event_key"]) for n in notes]
    assert len(pairs) == len(set(pairs)) > 0


async def test_two_scheduler_processes_escalate_each_step_once(client, demo, settings):
    if not settings.is_postgres:
        pytest.skip("PostgreSQL only: the embedded SQLite default runs one scheduler")
    n = 120
    await _seed(demo, n, factory.utcnow() - timedelta(days=30))
    fire_at = datetime.now(timezone.utc) + timedelta(seconds=6)
    done = await _run_two(settings, SCHEDULER, fire_at.isoformat(), "6")
    for p in done:
        assert p.returncode == 0, p.stderr[-2000:]
    majors = len(range(0, n, 4))
    # Each finding 30 days overdue has three steps: general reminder, level 1, level 2 (no level 3 unless configured);
    # major reminder, level 2 at the deadline, the proposal to list it (挂牌督办), which a supervisor decides.
    await _assert_each_step_once(majors * 3 + (n - majors) * 3)
    runs = await JobRun.select(JobRun.status, JobRun.trigger, JobRun.counts).where(JobRun.name == "escalation") \
        .output(load_json=True)
    assert len(runs) == 2 and {r["trigger"] for r in runs} == {"schedule"}
    assert sorted(r["status"] for r in runs) in (["ok", "skipped"], ["ok", "ok"])
    assert sum(r["counts"].get("steps", 0) for r in runs) == majors * 3 + (n - majors) * 3


async def test_two_processes_bypassing_the_lock_still_take_each_step_once(client, demo, settings):
    if not settings.is_postgres:
        pytest.skip("PostgreSQL only")
    n = 400
    await _seed(demo, n, factory.utcnow() - timedelta(days=30))
    start_at = datetime.now(timezone.utc) + timedelta(seconds=5)
    done = await _run_two(settings, DIRECT, factory.utcnow().isoformat(), start_at.isoformat())
    # Both may finish, or PostgreSQL may break a deadlock by failing one; never a duplicate.
    assert any(p.returncode == 0 for p in done), [p.stderr[-2000:] for p in done]
    majors = len(range(0, n, 4))
    expected = majors * 3 + (n - majors) * 3  # as above: three steps each
    await _assert_each_step_once(expected)
    # What each process says it did adds up to the whole, once.
    counts = [ast.literal_eval(p.stdout.strip().splitlines()[-1]) for p in done if p.returncode == 0]
    if len(counts) == 2:
        assert sum(c["steps"] for c in counts) == expected
        assert sum(c["notifications"] for c in counts) == await Notification.count()
