"""APScheduler 3 wiring: `xunjian scheduler` (its own process, the deployment) or in-process under `xunjian serve`
when settings.run_scheduler is on (the embedded default).

Each job: explicit misfire_grace_time, coalesce, max_instances=1; each run takes the job's lock (see locks.py), so a
second scheduler process, or a CLI/API run at the same moment, skips instead of running twice.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from ..config import Settings
from .registry import load_all
from .service import run_job

log = logging.getLogger("xunjian.scheduler")

TIMEZONE = "Asia/Shanghai"


async def _scheduled(settings: Settings, name: str) -> None:
    try:
        await run_job(settings, name, trigger="schedule")
    except Exception:  # the run record could not be written (database down): log, the next run tries again
        log.exception("Scheduled run of %s could not run", name)


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    for spec in load_all().values():
        kind, kwargs = spec.trigger
        scheduler.add_job(
            _scheduled, kind, args=[settings, spec.name], id=spec.name, name=spec.name,
            misfire_grace_time=spec.misfire_grace_time, coalesce=spec.coalesce, max_instances=1,
            replace_existing=True, **kwargs,
        )
    return scheduler


async def stop(scheduler: AsyncIOScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # shutdown completes on the next loop turn


def install(app) -> None:
    """Called by create_app: start the scheduler with the app when settings.run_scheduler is on."""
    settings: Settings = app.state.settings
    if not settings.run_scheduler:
        return

    async def start_scheduler(app) -> None:
        app.state.scheduler = build_scheduler(settings)
        app.state.scheduler.start()
        log.debug("Scheduler started in-process with jobs %s", sorted(load_all()))

    async def stop_scheduler(app) -> None:
        scheduler = getattr(app.state, "scheduler", None)
        if scheduler is not None:
            await stop(scheduler)

    app.state.startup_hooks.append(start_scheduler)
    app.state.shutdown_hooks.append(stop_scheduler)


async def run_forever(settings: Settings, stop_event: asyncio.Event | None = None) -> None:
    """The body of `xunjian scheduler`: run every job on its schedule until SIGINT/SIGTERM (or stop_event)."""
    stop_event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop_event.set)
        except (NotImplementedError, RuntimeError):
            pass  # no signal handlers off the main thread (tests) or on Windows: stop_event still ends the loop
    scheduler = build_scheduler(settings)
    scheduler.start()
    log.info("Scheduler running jobs %s", sorted(load_all()))
    try:
        await stop_event.wait()
    finally:
        await stop(scheduler)
