"""National-scale data for the job and board benchmarks: 31 provinces, 341 prefectures, 2,728 counties,
250,000 sites (40,000 eldercare institutions, 205,000 lottery outlets, 5,000 rescue stations), 600,000 inspections
and 2,000,000 findings, deterministic (seeded).

Findings: 80% closed, 5% responded, 15% open; 10% major; deadlines from 90 days before to 30 days after `now`.
Written with the engines' bulk paths (sqlite3 executemany in one transaction, asyncpg COPY), into a database the
real migrations have built. Used by bench_jobs.py; can also be run alone:

    .venv/bin/python tests/benchmarks/national_data.py --database-url postgresql://…/xunjian_e_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROVINCES, PREFECTURES, COUNTIES = 31, 11, 8
KINDS = [("eldercare", 40_000), ("lottery_outlet", 205_000), ("rescue_station", 5_000)]


@dataclass
class Scale:
    sites: int = 250_000
    inspections: int = 600_000
    findings: int = 2_000_000

    def kinds(self) -> list[tuple[str, int]]:
        total = sum(n for _, n in KINDS)
        return [(k, n * self.sites // total) for k, n in KINDS]


def _ts(sqlite: bool, value: datetime):
    # Piccolo writes Timestamptz on SQLite as str() of the UTC datetime; keep the same text so comparisons hold.
    return str(value) if sqlite else value


def build_rows(scale: Scale, now: datetime, sqlite: bool, seed: int = 5) -> dict[str, tuple[list[str], list]]:
    rnd = random.Random(seed)
    ts = lambda v: _ts(sqlite, v)  # noqa: E731
    regions, region_cols = [], ["id", "code", "name", "level", "parent", "path"]
    counties = []
    rid = 0
    for p in range(PROVINCES):
        rid += 1
        pid, pcode = rid, f"{11 + p:02d}0000"
        ppath = f"/{pcode}/"
        regions.append((pid, pcode, f"省{p}", "province", None, ppath))
        for q in range(PREFECTURES):
            rid += 1
            qid, qcode = rid, f"{11 + p:02d}{q + 1:02d}00"
            qpath = f"{ppath}{qcode}/"
            regions.append((qid, qcode, f"市{p}-{q}", "prefecture", pid, qpath))
            for c in range(COUNTIES):
                rid += 1
                ccode = f"{11 + p:02d}{q + 1:02d}{c + 1:02d}"
                cpath = f"{qpath}{ccode}/"
                regions.append((rid, ccode, f"县{p}-{q}-{c}", "county", qid, cpath))
                counties.append((rid, cpath))

    users, user_cols = [], ["id", "username", "display_name", "role", "password_hash", "is_active", "created_at",
                            "password_changed_at"]
    links, link_cols = [], ["id", "user", "region"]
    uid = 0

    def user(name: str, role: str) -> int:
        nonlocal uid
        uid += 1
        users.append((uid, name, name, role, "!", True, ts(now), ts(now)))
        return uid

    admin = user("bench_admin", "admin")
    inspectors = []
    for region in regions:
        if region[3] in ("prefecture", "county"):
            s = user(f"sup_{region[1]}", "supervisor")
            links.append((len(links) + 1, s, region[0]))
        if region[3] == "prefecture":
            i = user(f"insp_{region[1]}", "inspector")
            links.append((len(links) + 1, i, region[0]))
            inspectors.append(i)
    province_sup = user("sup_province_11", "supervisor")
    links.append((len(links) + 1, province_sup, regions[0][0]))

    sites, site_cols = [], ["id", "kind", "code", "name", "region", "region_path", "address", "lat", "lng",
                            "operator", "ownership", "approved_beds", "radius_m", "polygon", "place_types",
                            "attributes", "is_active", "created_at", "updated_at"]
    managers, manager_cols = [], ["id", "user", "site"]
    sid = 0
    for kind, n in scale.kinds():
        for _ in range(n):
            sid += 1
            county_id, path = rnd.choice(counties)
            beds = rnd.randint(20, 400) if kind == "eldercare" else None
            attrs = {"residents": int(beds * rnd.uniform(0.4, 0.95)), "full_care_residents": int(beds * rnd.uniform(0, 0.4))} \
                if beds else {}
            created = now - timedelta(days=rnd.uniform(30, 2000))
            sites.append((sid, kind, f"B-{sid:07d}", f"{kind}-{sid}", county_id, path, "", 35.0, 104.0, "",
                          None, beds, None, None, "[]", json.dumps(attrs), True, ts(created), ts(created)))
            if kind == "eldercare" and sid % 10 == 0:
                m = user(f"mgr_{sid}", "manager")
                managers.append((len(managers) + 1, m, sid))

    inspections, inspection_cols = [], ["id", "site", "inspector", "template_key", "template_version", "status",
                                         "self_inspection", "answers", "extra_findings", "remarks", "content_hash",
                                         "checkin_far", "created_at", "updated_at", "submitted_at",
                                         "checks_answered", "checks_noncompliant"]
    for _ in range(scale.inspections):
        key = uuid.UUID(int=rnd.getrandbits(128))
        at = now - timedelta(days=rnd.uniform(0, 730))
        inspections.append((str(key) if sqlite else key, rnd.randint(1, sid), rnd.choice(inspectors),
                            "bench", 1, "submitted", rnd.random() < 0.1, "{}", "[]", "", key.hex, False,
                            ts(at), ts(at), ts(at), rnd.randint(10, 45), rnd.choice([0, 0, 0, 1, 1, 2, 3, 5])))

    findings, finding_cols = [], ["id", "site", "title", "description", "basis", "grade", "status", "deadline",
                                  "risk_weight", "self_reported", "photos", "last_reason", "created_by",
                                  "created_at", "updated_at", "closed_at", "escalation_level"]
    for fid in range(1, scale.findings + 1):
        r = rnd.random()
        status = "closed" if r < 0.80 else "responded" if r < 0.85 else "open"
        grade = "major" if rnd.random() < 0.10 else "general"
        if status == "closed":
            deadline = now - timedelta(days=rnd.uniform(0, 1000))
        else:
            deadline = now + timedelta(days=rnd.uniform(-90, 30))
        created = deadline - timedelta(days=30 if grade == "major" else 15)
        findings.append((fid, rnd.randint(1, sid), "隐患", "", "", grade, status, ts(deadline),
                         1.0, rnd.random() < 0.15, "[]", "", rnd.choice(inspectors), ts(created), ts(created),
                         ts(deadline) if status == "closed" else None, 0))
    return {
        "region": (region_cols, regions), "app_user": (user_cols, users), "user_region": (link_cols, links),
        "site": (site_cols, sites), "site_manager": (manager_cols, managers),
        "inspection": (inspection_cols, inspections), "finding": (finding_cols, findings),
        "_meta": (["admin", "province_sup"], [(admin, province_sup)]),
    }


TABLE_ORDER = ["region", "app_user", "user_region", "site", "site_manager", "inspection", "finding"]


def write_sqlite(path: Path, data: dict) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    with con:
        for table in TABLE_ORDER:
            cols, rows = data[table]
            quoted = ", ".join(f'"{c}"' for c in cols)
            con.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" for _ in cols)})', rows)
    con.execute("ANALYZE")
    con.close()


async def write_postgres(url: str, data: dict) -> None:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        for table in TABLE_ORDER:
            cols, rows = data[table]
            await con.copy_records_to_table(table, records=rows, columns=cols)
            if table != "inspection":  # serial ids: continue after the generated ones
                await con.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f"(SELECT MAX(id) FROM \"{table}\"))")
        await con.execute("ANALYZE")
    finally:
        await con.close()


async def generate(settings, scale: Scale, now: datetime) -> dict:
    """Migrate an empty database and fill it. Returns ids the benchmark needs."""
    from xunjian import db

    if settings.is_postgres:
        import asyncpg

        con = await asyncpg.connect(settings.database_url)
        try:
            await con.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
        finally:
            await con.close()
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(settings.sqlite_path) + suffix).unlink(missing_ok=True)
    engine = db.make_engine(settings)
    await db.prepare(engine, 2)
    try:
        await db.migrate(engine)
    finally:
        await db.shutdown(engine)
    started = time.perf_counter()
    data = build_rows(scale, now, sqlite=not settings.is_postgres)
    built = time.perf_counter() - started
    if settings.is_postgres:
        await write_postgres(settings.database_url, data)
    else:
        await asyncio.to_thread(write_sqlite, settings.sqlite_path, data)
    admin, province_sup = data["_meta"][1][0]
    return {"admin": admin, "province_sup": province_sup, "build_s": built,
            "write_s": time.perf_counter() - started - built,
            "rows": {t: len(data[t][1]) for t in TABLE_ORDER}}


def main() -> None:
    import os

    from xunjian.config import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql://… (an empty database); SQLite when omitted")
    parser.add_argument("--data-dir", default="/tmp/xunjian-bench")
    parser.add_argument("--sites", type=int, default=250_000)
    parser.add_argument("--findings", type=int, default=2_000_000)
    args = parser.parse_args()
    os.makedirs(args.data_dir, exist_ok=True)
    settings = Settings(data_dir=Path(args.data_dir), database_url=args.database_url)
    scale = Scale(sites=args.sites, findings=args.findings, inspections=args.sites * 12 // 5)
    print(asyncio.run(generate(settings, scale, datetime.now(timezone.utc))))


if __name__ == "__main__":
    main()
