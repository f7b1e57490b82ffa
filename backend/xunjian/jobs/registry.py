"""The job registry: each domain registers its jobs (name, function, schedule) from its own module.

A job is `async fn(ctx: JobContext) -> dict[str, int]` (counts for the run record). It takes its clock from
`ctx.now`, never from the wall clock, so tests and `xunjian jobs run NAME --now ISO` can move time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable

from ..config import Settings

# Modules that register jobs on import. A domain with a job adds its module here.
JOB_MODULES = [
    "xunjian.escalation.job",
    "xunjian.risk.job",
    "xunjian.notifications.delivery",
    "xunjian.patrols.jobs",
    "xunjian.photos.job",
    "xunjian.jobs.housekeeping",
]


@dataclass(frozen=True)
class JobContext:
    now: datetime
    settings: Settings
    run_id: int | None = None


@dataclass(frozen=True)
class JobSpec:
    name: str
    fn: Callable[[JobContext], Awaitable[dict[str, Any]]]
    description: str
    # APScheduler trigger: ("cron", {"hour": 2, "minute": 0}) or ("interval", {"minutes": 5}); times in Asia/Shanghai.
    trigger: tuple[str, dict] = ("interval", {"hours": 1})
    # Late runs (a restart, a long pause) still run within this many seconds; coalesce folds missed runs into one.
    misfire_grace_time: int = 3600
    coalesce: bool = True
    extra: dict = field(default_factory=dict)


JOBS: dict[str, JobSpec] = {}


def register(spec: JobSpec) -> JobSpec:
    JOBS[spec.name] = spec
    return spec


def load_all() -> dict[str, JobSpec]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return JOBS
