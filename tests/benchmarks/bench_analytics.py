"""The analytics (GET /api/analytics's service) at national scale: 250,000 sites, 2,000,000 findings, 600,000
inspections (national_data.py), for the whole country, a province and a county, against one hand-written aggregate
over the same findings (due, closed on time and late per month of this year). Run by hand; prints figures, never
asserts on time.

    .venv/bin/python -m tests.benchmarks.bench_analytics --database-url postgresql://postgres@127.0.0.1:5432/DB \
        [--reuse] [--escalate] [--rounds 3]

--reuse takes the data national_data.py (or bench_jobs.py) generated in that database; --escalate runs the
escalation job once first, so that the overdue table reconstructs levels from real ladder steps.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path


async def run(args) -> None:
    from xunjian import db
    from xunjian.accounts.principal import Principal
    from xunjian.analytics import rules, service
    from xunjian.config import Settings
    from xunjian.escalation.rules import DEFAULT_LADDERS
    from xunjian.jobs.service import run_job
    from xunjian.scope import Scope

    from tests.benchmarks.national_data import Scale, generate

    settings = Settings(data_dir=Path(args.data_dir), database_url=args.database_url, db_pool_size=4)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    if not args.reuse:
        await generate(settings, Scale(sites=args.sites, findings=args.findings, inspections=args.sites * 12 // 5), now)
    engine = db.make_engine(settings)
    await db.prepare(engine, 2)
    await db.migrate(engine)
    await db.shutdown(engine)
    engine = db.make_engine(settings)
    db.bind_engine(engine)
    await db.prepare(engine, 4)
    try:
        if args.escalate:
            started = time.perf_counter()
            job = await run_job(settings, "escalation", now, trigger="cli")
            print(f"escalation job: {time.perf_counter() - started:.1f} s, {job.counts}", flush=True)
        counts = (await db.fetch("SELECT (SELECT COUNT(*) FROM site) AS sites, (SELECT COUNT(*) FROM finding) AS "
                                 "findings, (SELECT COUNT(*) FROM escalation_step) AS steps"))[0]
        print(f"data: {dict(counts)}", flush=True)
        paths = {r["code"]: r["path"] for r in await db.fetch(
            "SELECT code, path FROM region WHERE code IN ('110000', '110101')")}
        who = {"admin (whole country)": Scope(everything=True),
               "province supervisor": Scope(region_paths=(paths["110000"],)),
               "county supervisor": Scope(region_paths=(paths["110101"],))}
        period = rules.period(now, None, None, None)
        baseline_sql = (
            "SELECT to_char(f.deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS m, COUNT(*), "
            "SUM(CASE WHEN f.status = 'closed' AND f.closed_at <= f.deadline THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN f.status = 'closed' AND f.closed_at > f.deadline THEN 1 ELSE 0 END) "
            "FROM finding f JOIN site s ON s.id = f.site WHERE f.deadline >= {} AND f.deadline < {} GROUP BY 1")
        base = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            await db.fetch(baseline_sql, period.start, period.end)
            base.append(time.perf_counter() - started)
        b = statistics.median(base)
        print(f"baseline aggregate (one table's figures, whole country): median {b * 1000:.0f} ms", flush=True)
        for label, scope in who.items():
            principal = Principal(id=1, username="bench", role="admin" if scope.everything else "supervisor",
                                  display_name="bench", scope=scope, session_id=0)
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                report = await service.analytics(principal, DEFAULT_LADDERS, now=now)
                times.append(time.perf_counter() - started)
            m = statistics.median(times)
            print(f"analytics, {label:<22} median {m * 1000:>7.0f} ms  max {max(times) * 1000:>7.0f} ms  "
                  f"({m / b:.1f}x the aggregate; {report.rectification_total.due} due this year, "
                  f"{report.open_major_hazards_total} open major, {len(report.coverage)} counties; overdue now/before "
                  f"{sum(o.overdue for o in report.overdue)}/{sum(o.previous_overdue for o in report.overdue)})",
                  flush=True)
    finally:
        await db.shutdown(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgresql://… (national data, or an empty database)")
    parser.add_argument("--data-dir", default="/tmp/xunjian-bench-analytics")
    parser.add_argument("--sites", type=int, default=250_000)
    parser.add_argument("--findings", type=int, default=2_000_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--escalate", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
