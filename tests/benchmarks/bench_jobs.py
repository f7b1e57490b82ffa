"""The risk job, the escalation job and the risk board at national scale, against one hand-written SQL aggregate
over the same data in the same run. Run by hand; prints figures and ratios, never asserts on time.

    .venv/bin/python tests/benchmarks/bench_jobs.py                                   # SQLite, full scale
    .venv/bin/python tests/benchmarks/bench_jobs.py --database-url postgresql://postgres@127.0.0.1:5432/xunjian_e_bench
    options: --sites N --findings N (smaller runs), --reuse (skip generation: data from an earlier run)

Targets (BRIEF.md): the risk job under 60 s on PostgreSQL and within 2x of the aggregate; the escalation job's
second run over the same data writes nothing; the board under 100 ms p95 (and the risk map, measured alike).

The risk job runs once over empty ratings (every rating written), then three times again at the same now (nothing
changed) and on three following nights, each set interleaved with the rating aggregate; ratios are of medians.

Two baselines, each one hand-written statement materialised into a temporary table:
- "rating aggregate" reads what the rating reads (open findings with grade, weight, deadline and escalation level;
  each site's last three inspections; the site's beds and kind) and grades every site with a simplified formula. The
  job's ratio is given against this one: what the job adds is the factor breakdown, the comparison with the stored
  ratings, the writes (changed ratings, history, the board's roll-up) and the daily snapshot.
- "open findings aggregate": open findings grouped per site with a crude tier, the least any rating must read (the
  baseline of the first measurement, kept for comparison).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.national_data import Scale, generate  # noqa: E402

PASSWORD = "bench-password-1"


def baseline_sql(d, now: datetime) -> str:
    now_sql = d.ts_literal(now)
    return (
        "CREATE TEMP TABLE bench_baseline AS SELECT s.id AS site_id, COUNT(f.id) AS open_findings, "
        "SUM(CASE WHEN f.grade = 'major' THEN 1 ELSE 0 END) AS open_major, "
        f"SUM(CASE WHEN f.deadline < {now_sql} THEN 1 ELSE 0 END) AS overdue, "
        "MAX(f.escalation_level) AS max_level, "
        "CASE WHEN SUM(CASE WHEN f.grade = 'major' THEN 1 ELSE 0 END) > 0 THEN 'orange' "
        "WHEN COUNT(f.id) > 2 THEN 'yellow' ELSE 'blue' END AS tier "
        "FROM site s LEFT JOIN finding f ON f.site = s.id AND f.status <> 'closed' GROUP BY s.id"
    )


def rating_baseline_sql(d, now: datetime) -> str:
    now_sql = d.ts_literal(now)
    false = d.false
    return (
        "CREATE TEMP TABLE bench_baseline AS SELECT s.id AS site_id, "
        "COALESCE(f.pts, 0) + COALESCE(f.late_pts, 0) * 0.5 + COALESCE(f.levels, 0) * 5 "
        "+ COALESCE(i.ratio, 0) * 10 + CASE WHEN s.kind = 'eldercare' THEN COALESCE(s.approved_beds, 0) * 0.05 "
        "ELSE 0 END AS score, "
        "CASE WHEN COALESCE(f.major_level, 0) >= 3 THEN 'red' WHEN COALESCE(f.n_major, 0) > 0 THEN 'orange' "
        "WHEN COALESCE(f.pts, 0) >= 10 THEN 'yellow' ELSE 'blue' END AS tier, i.last_at "
        "FROM site s LEFT JOIN (SELECT site, "
        "SUM(CASE WHEN grade = 'major' THEN 20 ELSE 5 END * risk_weight) AS pts, "
        f"SUM(CASE WHEN deadline < {now_sql} THEN CASE WHEN grade = 'major' THEN 20 ELSE 5 END * risk_weight "
        "ELSE 0 END) AS late_pts, SUM(escalation_level) AS levels, "
        "SUM(CASE WHEN grade = 'major' THEN 1 ELSE 0 END) AS n_major, "
        "MAX(CASE WHEN grade = 'major' THEN escalation_level ELSE 0 END) AS major_level "
        f"FROM finding WHERE status <> 'closed' AND created_at <= {now_sql} GROUP BY site) f ON f.site = s.id "
        "LEFT JOIN (SELECT site, SUM(checks_noncompliant) * 1.0 / MAX(1, SUM(checks_answered)) AS ratio, "
        "MAX(submitted_at) AS last_at FROM (SELECT site, checks_answered, checks_noncompliant, submitted_at, "
        "ROW_NUMBER() OVER (PARTITION BY site ORDER BY submitted_at DESC) AS rn FROM inspection "
        f"WHERE status = 'submitted' AND self_inspection = {false} AND submitted_at <= {now_sql}) y "
        "WHERE rn <= 3 GROUP BY site) i ON i.site = s.id "
        f"WHERE s.is_active = {d.true}"
    ).replace("MAX(1, ", "max(1, " if d.sqlite else "GREATEST(1, ")


async def timed(label: str, results: dict, fn):
    started = time.perf_counter()
    value = await fn()
    results[label] = round(time.perf_counter() - started, 3)
    print(f"  {label:<34} {results[label]:>9.3f} s   {value if value is not None else ''}", flush=True)
    return value


async def baseline(now: datetime, sql=baseline_sql) -> int:
    from xunjian import db
    from xunjian.jobs.sqlkit import dialect

    d = dialect()
    async with db.write_transaction():
        if not d.sqlite:
            await db.fetch("SET LOCAL jit = off")  # as the job runs
            await db.fetch("SET LOCAL work_mem = '256MB'")
        await db.fetch("DROP TABLE IF EXISTS " + ("temp." if d.sqlite else "") + "bench_baseline")
        await db.fetch(sql(d, now))
        n = (await db.fetch("SELECT COUNT(*) AS n FROM bench_baseline"))[0]["n"]
        await db.fetch("DROP TABLE " + ("temp." if d.sqlite else "") + "bench_baseline")
    return n


async def table_counts() -> dict:
    from xunjian import db

    out = {}
    for table in ("escalation_step", "notification", "audit_event", "risk_rating", "webhook_delivery", "site_risk"):
        out[table] = (await db.fetch(f'SELECT COUNT(*) AS n FROM "{table}"'))[0]["n"]
    out["sum_escalation_level"] = (await db.fetch("SELECT SUM(escalation_level) AS n FROM finding"))[0]["n"]
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def board_latency(settings, requests: int) -> dict:
    import httpx

    from xunjian.accounts import service as accounts
    from xunjian.accounts.schemas import UserCreate
    from xunjian.accounts.tables import User
    from xunjian.app import create_app
    from xunjian.regions.tables import Region

    app = create_app(settings)
    out = {}
    async with app.lifespan():
        prefecture = await Region.select(Region.id).where(Region.code == "110100").first()
        county = await Region.select(Region.id).where(Region.code == "110101").first()
        province = await Region.select(Region.id).where(Region.code == "110000").first()
        who = {"admin (whole country)": ("bench_board_admin", "admin", []),
               "province supervisor": ("bench_board_prov", "supervisor", [province["id"]]),
               "prefecture supervisor": ("bench_board_pref", "supervisor", [prefecture["id"]]),
               "county supervisor": ("bench_board_county", "supervisor", [county["id"]]),
               # Its scope is one site kind: counted from the roll-up's rows of that kind.
               "province lottery centre": ("bench_board_lottery", "lottery_centre", [province["id"]])}
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for label, (username, role, regions) in who.items():
                if not await User.exists().where(User.username == username):
                    await accounts.create_user(None, UserCreate(username=username, password=PASSWORD, role=role,
                                                                display_name=username, region_ids=regions,
                                                                site_ids=[]))
                r = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
                headers = {"Authorization": f"Bearer {r.json()['token']}"}
                # The board, and the risk map beside it (its points capped, so a country's answer stays small).
                for path in ("/api/risk/board", "/api/risk/map"):
                    times = []
                    for i in range(requests + 5):
                        started = time.perf_counter()
                        r = await client.get(path, headers=headers)
                        elapsed = (time.perf_counter() - started) * 1000
                        assert r.status_code == 200, r.text
                        if i >= 5:  # warm-up
                            times.append(elapsed)
                    body = r.json()
                    name = label if path.endswith("board") else f"map, {label}"
                    out[name] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(pct(times, 95), 1),
                                 "max_ms": round(max(times), 1), "sites": sum(body["counts"].values()),
                                 "red": body["counts"]["red"], "orange": body["counts"]["orange"],
                                 "bytes": len(r.content)}
                    print(f"  {path.rsplit('/', 1)[1]}, {label:<24} p50 {out[name]['p50_ms']:>7.1f} ms  p95 "
                          f"{out[name]['p95_ms']:>7.1f} ms  ({out[name]['sites']} sites, {len(r.content)} bytes)",
                          flush=True)
    return out


async def run(args) -> dict:
    from xunjian import db
    from xunjian.accounts.service import configure_hasher
    from xunjian.config import Settings
    from xunjian.jobs.service import run_job

    async def job(name: str, at: datetime) -> dict:
        # Through the job runner, as the scheduler runs it: lock, run record, statistics upkeep.
        run = await run_job(settings, name, at, trigger="cli")
        assert run.status == "ok", run.error
        return run.counts

    def rate_sites(at):
        return job("risk", at)

    def escalate(at):
        return job("escalation", at)

    settings = Settings(data_dir=Path(args.data_dir), database_url=args.database_url, argon2_memory_kib=1024,
                        argon2_time_cost=1, db_pool_size=10)
    os.makedirs(args.data_dir, exist_ok=True)
    meta_path = Path(args.data_dir) / ("meta-pg.json" if settings.is_postgres else "meta-sqlite.json")
    engine_name = "PostgreSQL" if settings.is_postgres else "SQLite"
    results: dict = {"engine": engine_name, "sites": args.sites, "findings": args.findings}
    print(f"{engine_name}: {args.sites} sites, {args.findings} findings", flush=True)
    if args.reuse and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        now = datetime.fromisoformat(meta["now"])
    else:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        scale = Scale(sites=args.sites, findings=args.findings, inspections=args.sites * 12 // 5)
        meta = await generate(settings, scale, now)
        meta["now"] = now.isoformat()
        meta_path.write_text(json.dumps(meta))
        print(f"  generated in {meta['build_s']:.1f} s + written in {meta['write_s']:.1f} s: {meta['rows']}", flush=True)

    configure_hasher(settings)
    if args.reuse:  # data generated by an earlier release: bring its schema up to date first
        engine = db.make_engine(settings)
        await db.prepare(engine, 2)
        await db.migrate(engine)
        await db.shutdown(engine)
    if args.board_only:
        results["board"] = await board_latency(settings, args.requests)
        return results
    engine = db.make_engine(settings)
    db.bind_engine(engine)
    await db.prepare(engine, 10)
    try:
        if args.reuse:  # start the jobs from nothing again
            for table in ("notification", "escalation_step", "audit_event", "risk_rating", "risk_snapshot",
                          "risk_rollup", "site_risk", "job_run"):
                await db.fetch(f'DELETE FROM "{table}"')
            await db.fetch("UPDATE finding SET escalation_level = 0 WHERE escalation_level <> 0")
            await db.fetch("VACUUM" if not settings.is_postgres else "VACUUM ANALYZE")
        await timed("baseline aggregate (warm-up)", results, lambda: baseline(now))
        await timed("baseline aggregate", results, lambda: baseline(now))
        await timed("rating aggregate (warm-up)", results, lambda: baseline(now, rating_baseline_sql))
        await timed("risk job, first run", results, lambda: rate_sites(now))
        # Three of each, interleaved with the aggregate, and their medians: single runs on these machines vary by
        # 10% from one minute to the next.
        for n in (1, 2, 3):
            await timed(f"rating aggregate #{n}", results, lambda: baseline(now, rating_baseline_sql))
            await timed(f"risk job, again at the same now #{n}", results, lambda: rate_sites(now))
        for n in (1, 2, 3):
            await timed(f"rating aggregate #{n + 3}", results, lambda: baseline(now, rating_baseline_sql))
            await timed(f"risk job, night {n} later", results, lambda: rate_sites(now + timedelta(days=n)))
        results["rating aggregate"] = statistics.median(results[f"rating aggregate #{n}"] for n in range(1, 7))
        results["risk job, again at the same now"] = statistics.median(
            results[f"risk job, again at the same now #{n}"] for n in (1, 2, 3))
        results["risk job, next night"] = statistics.median(
            results[f"risk job, night {n} later"] for n in (1, 2, 3))
        print(f"  medians: rating aggregate {results['rating aggregate']:.3f} s, risk job again at the same now "
              f"{results['risk job, again at the same now']:.3f} s, risk job on a following night "
              f"{results['risk job, next night']:.3f} s", flush=True)
        first = await timed("escalation, first run (catch-up)", results, lambda: escalate(now))
        before = await table_counts()
        second = await timed("escalation, again at the same now", results, lambda: escalate(now))
        after = await table_counts()
        results["escalation_second_run_counts"] = second
        results["escalation_second_run_wrote_nothing"] = before == after and second["steps"] == 0
        print(f"  second run wrote nothing: {results['escalation_second_run_wrote_nothing']} "
              f"(tables {before})", flush=True)
        await timed("escalation, an hour later", results, lambda: escalate(now + timedelta(hours=1)))
        await timed("escalation, a day later", results, lambda: escalate(now + timedelta(days=1)))
        results["escalation_first_run_counts"] = first
    finally:
        await db.shutdown(engine)
    if not args.skip_board:
        results["board"] = await board_latency(settings, args.requests)
    base = results["baseline aggregate"]
    rating = results["rating aggregate"]
    results["ratios"] = {
        "risk job first run / rating aggregate": round(results["risk job, first run"] / rating, 2),
        "risk job again at the same now / rating aggregate": round(results["risk job, again at the same now"] / rating,
                                                                   2),
        "risk job next night / rating aggregate": round(results["risk job, next night"] / rating, 2),
        "risk job first run / open findings aggregate": round(results["risk job, first run"] / base, 2),
        "risk job next night / open findings aggregate": round(results["risk job, next night"] / base, 2),
        "escalation first run / baseline": round(results["escalation, first run (catch-up)"] / base, 2),
        "escalation a day later / baseline": round(results["escalation, a day later"] / base, 2),
        "escalation again / baseline": round(results["escalation, again at the same now"] / base, 2),
    }
    print("  ratios to the baseline:", json.dumps(results["ratios"], ensure_ascii=False), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="risk and escalation jobs and the board at national scale")
    parser.add_argument("--database-url", help="postgresql://… (a database of its own: it is dropped and rebuilt)")
    parser.add_argument("--data-dir", default="/tmp/xunjian-bench")
    parser.add_argument("--sites", type=int, default=250_000)
    parser.add_argument("--findings", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=100, help="board requests per user")
    parser.add_argument("--reuse", action="store_true", help="use the data generated by an earlier run")
    parser.add_argument("--skip-board", action="store_true")
    parser.add_argument("--board-only", action="store_true", help="with --reuse: only the board's latency")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    print(json.dumps(results, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
