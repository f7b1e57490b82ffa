"""`xunjian scheduler` and `xunjian jobs run NAME [--now ISO]` / `xunjian jobs list`."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import msgspec

from .. import cli
from ..config import Settings
from ..errors import ConfigError


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        now = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"--now {value!r} is not an ISO date-time: {exc}") from exc
    if now.tzinfo is None:
        raise ConfigError("--now needs a time zone, e.g. 2026-12-01T02:00:00+08:00")
    return now


def cmd_scheduler(settings: Settings, _args) -> int:
    from .scheduler import run_forever

    asyncio.run(cli._with_engine(settings, lambda: run_forever(settings)))
    return 0


def cmd_jobs(settings: Settings, args) -> int:
    from . import service

    if args.jobs_command == "list":
        result = asyncio.run(cli._with_engine(settings, service.list_jobs))
        print(json.dumps(msgspec.to_builtins(result), ensure_ascii=False, indent=2))
        return 0
    now = _parse_now(args.now)
    run = asyncio.run(cli._with_engine(settings, lambda: service.run_job(settings, args.name, now, trigger="cli")))
    print(json.dumps(msgspec.to_builtins(run), ensure_ascii=False, indent=2))
    return 0 if run.status == "ok" else 1


def extend(sub, commands: dict) -> None:
    sub.add_parser("scheduler", help="run the scheduled jobs (one process per deployment)")
    p = sub.add_parser("jobs", help="run or list the scheduled jobs")
    jobs_sub = p.add_subparsers(dest="jobs_command", required=True)
    run = jobs_sub.add_parser("run", help="run one job now")
    run.add_argument("name")
    run.add_argument("--now", help="the job's clock, ISO 8601 with a time zone (default: now)")
    jobs_sub.add_parser("list", help="the jobs, their schedules and last runs")
    commands["scheduler"] = cmd_scheduler
    commands["jobs"] = cmd_jobs
