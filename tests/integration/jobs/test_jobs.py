"""Running jobs: every run recorded (start, end, counts, errors), one run per job at a time, the CLI, the
in-process scheduler."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from xunjian.jobs import registry
from xunjian.jobs.locks import job_lock
from xunjian.jobs.registry import JobSpec
from xunjian.jobs.service import run_job
from xunjian.jobs.tables import JobRun
from xunjian.risk.tables import SiteRisk

NOW = datetime(2026, 12, 1, 2, 30, tzinfo=timezone.utc)


async def test_a_run_is_recorded_with_its_clock_and_counts(client, demo, settings):
    run = await run_job(settings, "risk", NOW, trigger="cli")
    assert run.status == "ok" and run.now == NOW and run.finished_at >= run.started_at
    assert run.counts["sites_rated"] == await SiteRisk.count() > 0
    row = await JobRun.select().where(JobRun.id == run.id).first()
    assert row["status"] == "ok" and row["trigger"] == "cli"


async def test_a_failing_job_records_its_error(client, settings, monkeypatch):
    async def broken(ctx):
        raise RuntimeError("the rules file is unreadable")

    monkeypatch.setitem(registry.JOBS, "broken", JobSpec(name="broken", fn=broken, description="fails"))
    monkeypatch.setattr(registry, "JOB_MODULES", [])
    run = await run_job(settings, "broken", NOW)
    assert run.status == "failed"
    assert "RuntimeError: the rules file is unreadable" in run.error
    assert run.finished_at is not None


async def test_a_run_skips_while_another_holds_the_jobs_lock(client, demo, settings):
    async with job_lock(settings, "risk") as held:
        assert held
        run = await run_job(settings, "risk", NOW)
    assert run.status == "skipped" and "lock" in run.error
    assert not await SiteRisk.exists().where(SiteRisk.rated_at == NOW)  # it did nothing
    assert (await run_job(settings, "risk", NOW)).status == "ok"  # released
    assert await SiteRisk.exists().where(SiteRisk.rated_at == NOW)


async def test_a_run_left_running_by_a_dead_process_is_marked_failed_by_the_next(client, demo, settings):
    """A crashed process leaves its run "running" forever (and housekeeping never purges a running run). The next run
    that holds the job's lock knows no one else is running it and records the old one as abandoned; a run skipped
    for the lock leaves it alone."""
    from xunjian.jobs.service import ABANDONED

    rows = await JobRun.insert(JobRun(name="risk", trigger="schedule", now=NOW, started_at=NOW, status="running",
                                      counts={}, error="", host="gone:1")).returning(JobRun.id)
    dead = rows[0]["id"]
    async with job_lock(settings, "risk"):
        assert (await run_job(settings, "risk", NOW)).status == "skipped"
    assert (await JobRun.select(JobRun.status).where(JobRun.id == dead).first())["status"] == "running"
    await JobRun.insert(JobRun(name="escalation", trigger="schedule", now=NOW, started_at=NOW, status="running",
                               counts={}, error="", host="other:2"))
    run = await run_job(settings, "risk", NOW)
    assert run.status == "ok"
    old = await JobRun.select().where(JobRun.id == dead).first()
    assert old["status"] == "failed" and old["error"] == ABANDONED and old["finished_at"] is not None
    # Another job's run is that job's business.
    assert await JobRun.exists().where((JobRun.name == "escalation") & (JobRun.status == "running"))


async def test_concurrent_runs_of_one_job_run_once(client, demo, settings):
    runs = await asyncio.gather(*(run_job(settings, "escalation", NOW) for _ in range(3)))
    assert sorted(r.status for r in runs).count("ok") >= 1
    assert {r.status for r in runs} <= {"ok", "skipped"}


async def test_unknown_job_and_naive_clock_are_refused(client, settings):
    from xunjian.errors import Invalid, NotFound

    with pytest.raises(NotFound):
        await run_job(settings, "no-such-job", NOW)
    with pytest.raises(Invalid):
        await run_job(settings, "risk", datetime(2026, 12, 1))


def _cli_env(settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNJIAN_")}
    env["XUNJIAN_DATA_DIR"] = str(settings.data_dir)
    env["XUNJIAN_PII_KEY"] = settings.pii_key  # the key the tests' database was sealed with
    if settings.database_url:
        env["XUNJIAN_DATABASE_URL"] = settings.database_url
    return env


async def test_cli_runs_a_job_with_a_given_clock(client, demo, settings):
    def run():
        return subprocess.run(
            [sys.executable, "-m", "xunjian.cli", "jobs", "run", "risk", "--now", "2026-12-01T10:30:00+08:00"],
            env=_cli_env(settings), capture_output=True, text=True, timeout=120)

    done = await asyncio.to_thread(run)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout[done.stdout.index("{"):])
    assert out["status"] == "ok" and out["now"].startswith("2026-12-01T02:30:00")
    assert out["counts"]["sites_rated"] > 0

    bad = await asyncio.to_thread(lambda: subprocess.run(
        [sys.executable, "-m", "xunjian.cli", "jobs", "run", "risk", "--now", "yesterday"],
        env=_cli_env(settings), capture_output=True, text=True, timeout=60))
    assert bad.returncode == 2 and "ISO" in bad.stderr


async def test_the_app_runs_the_scheduler_in_process_when_asked(settings):
    from tests.conftest import running
    from xunjian.app import create_app

    app = create_app(settings.with_(run_scheduler=True))
    async with running(app):
        scheduler = app.state.scheduler
        assert scheduler.running
        assert {j.id for j in scheduler.get_jobs()} >= {"risk", "escalation", "webhooks"}
    await asyncio.sleep(0)
    assert not scheduler.running

    plain = create_app(settings)
    async with running(plain):
        assert getattr(plain.state, "scheduler", None) is None
