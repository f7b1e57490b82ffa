"""Running a job: take its lock, record the run (start, end, counts, error), call it with its clock."""

from __future__ import annotations

import logging
import os
import socket
import traceback
from datetime import datetime, timezone

from .. import db
from ..audit import service as audit
from ..config import Settings
from ..errors import Invalid, NotFound
from ..risk import versions as risk_versions
from .locks import job_lock
from .registry import JobContext, load_all
from .schemas import JobList, JobRead, JobRunList, JobRunRead
from .tables import JobRun

log = logging.getLogger("xunjian.jobs")

HOST = f"{socket.gethostname()}:{os.getpid()}"
TRIGGERS = ("schedule", "cli", "api")
ABANDONED = "abandoned: the process running it ended before it finished"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_read(row: dict) -> JobRunRead:
    return JobRunRead(
        id=row["id"], name=row["name"], trigger=row["trigger"], now=row["now"], started_at=row["started_at"],
        finished_at=row["finished_at"], status=row["status"], counts=row["counts"] or {}, error=row["error"],
        host=row["host"],
    )


async def _finish(run_id: int, status: str, counts: dict, error: str = "") -> JobRunRead:
    await JobRun.update({JobRun.finished_at: utcnow(), JobRun.status: status, JobRun.counts: counts,
                         JobRun.error: error[-4000:]}).where(JobRun.id == run_id)
    row = await JobRun.select().where(JobRun.id == run_id).output(load_json=True).first()
    return to_read(row)


async def run_job(settings: Settings, name: str, now: datetime | None = None, trigger: str = "cli") -> JobRunRead:
    """Run one job now (or with the given clock). Never raises for the job's own failure: the run records it."""
    jobs = load_all()
    spec = jobs.get(name)
    if spec is None:
        raise NotFound(f"No job named {name!r}", details={"jobs": sorted(jobs)})
    if now is None:
        now = utcnow()
    elif now.tzinfo is None:
        raise Invalid("now must carry a time zone", details={"field": "now"})
    now = now.astimezone(timezone.utc)
    async with job_lock(settings, name) as held:
        if held:
            # Holding the lock, no other run of this job is under way anywhere: a run still marked running was left
            # by a process that ended without finishing it (the lock dies with its holder).
            await JobRun.update({JobRun.status: "failed", JobRun.finished_at: utcnow(), JobRun.error: ABANDONED}) \
                .where((JobRun.name == name) & (JobRun.status == "running"))
        rows = await JobRun.insert(JobRun(
            name=name, trigger=trigger, now=now, started_at=utcnow(), status="running" if held else "skipped",
            counts={}, error="", host=HOST,
        )).returning(JobRun.id)
        run_id = rows[0]["id"]
        if not held:
            log.info("Job %s skipped: another process holds its lock", name)
            return await _finish(run_id, "skipped", {}, "another process holds the job's lock")
        try:
            # A run rates with the rules active when it starts, whichever process runs it (the scheduler's has no
            # refresher of its own).
            await risk_versions.refresh()
            counts = await spec.fn(JobContext(now=now, settings=settings, run_id=run_id))
        except Exception as exc:
            log.exception("Job %s failed", name)
            return await _finish(run_id, "failed", {}, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        log.info("Job %s done: %s", name, counts)
        if db.is_sqlite():
            # Jobs change row counts a lot; keep SQLite's planner statistics fresh (cheap when nothing changed).
            await db.fetch("PRAGMA optimize")
        return await _finish(run_id, "ok", dict(counts or {}))


async def run_job_as(principal, settings: Settings, name: str, now: datetime | None) -> JobRunRead:
    """An admin's on-demand run, kept in the audit trail."""
    run = await run_job(settings, name, now, trigger="api")
    await audit.record(principal, "job.run", "job", run.id, after={"name": name, "now": run.now.isoformat(),
                                                                    "status": run.status, "counts": run.counts})
    return run


async def list_runs(name: str | None = None, limit: int = 50, offset: int = 0) -> JobRunList:
    """Runs newest first, of one job or all, a page at a time."""
    query = JobRun.select().order_by(JobRun.id, ascending=False).limit(limit).offset(offset).output(load_json=True)
    count = JobRun.count()
    if name:
        query = query.where(JobRun.name == name)
        count = count.where(JobRun.name == name)
    return JobRunList(items=[to_read(r) for r in await query], total=await count, limit=limit, offset=offset)


async def list_jobs() -> JobList:
    items = []
    for spec in load_all().values():
        last = await JobRun.select().where(JobRun.name == spec.name).order_by(JobRun.id, ascending=False) \
            .limit(1).output(load_json=True).first()
        items.append(JobRead(
            name=spec.name, description=spec.description, trigger=spec.trigger[0], schedule=spec.trigger[1],
            misfire_grace_time=spec.misfire_grace_time, coalesce=spec.coalesce, max_instances=1,
            last_run=to_read(last) if last else None,
        ))
    return JobList(items=sorted(items, key=lambda j: j.name))
