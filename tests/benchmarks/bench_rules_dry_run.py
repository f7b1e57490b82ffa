"""The risk rules' dry run and activation at national scale (national_data.py: 250,000 sites, 2,000,000 findings):
how long each takes after a first full rating with the shipped rules, with a version whose thresholds move many
sites. Prints figures, asserts nothing on time.

    .venv/bin/python tests/benchmarks/bench_rules_dry_run.py --database-url postgresql://…/xunjian_e_bench [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import time
from datetime import datetime, timezone
from pathlib import Path

from tests.benchmarks.national_data import Scale, generate


class _Admin:
    id, username, client_addr = None, "bench", ""


async def run(args) -> None:
    from xunjian import db
    from xunjian.config import Settings
    from xunjian.risk import service, versions

    settings = Settings(data_dir=Path(args.data_dir), database_url=args.database_url, db_pool_size=4)
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    if not args.reuse:
        meta = await generate(settings, Scale(sites=args.sites, findings=args.findings,
                                              inspections=args.sites * 12 // 5), now)
        print(f"generated in {meta['build_s']:.1f} s + written in {meta['write_s']:.1f} s", flush=True)
    engine = db.make_engine(settings)
    db.bind_engine(engine)
    await db.prepare(engine, 4)
    try:
        await db.migrate(engine)
        await versions.store_shipped(settings, now)
        if not args.reuse:
            started = time.perf_counter()
            await service.rate_sites(now, rules=versions.current_rules())
            print(f"first full rating (v1): {time.perf_counter() - started:.1f} s", flush=True)
        doc = copy.deepcopy(versions.current_rules())
        stored = max(r.version for r in (await versions.list_versions()).items)
        doc.update(version=stored + 1, description="benchmark: lower thresholds")
        # Version 2 of the rules keeps its thresholds per kind over a default section; version 1 at the top.
        (doc["default"] if "default" in doc else doc)["thresholds"] = {"yellow": 6, "orange": 20, "red": 60}
        await versions.upload(_Admin(), json.dumps(doc).encode(), settings.schemas_dir)
        started = time.perf_counter()
        dry = await versions.dry_run(doc["version"])
        print(f"dry run v{doc['version']}: {time.perf_counter() - started:.1f} s; {dry.sites_rated} rated, "
              f"{dry.sites_changing} changing, {dry.transitions}", flush=True)
        started = time.perf_counter()
        done = await versions.activate(_Admin(), doc["version"])
        print(f"activation (re-rates every site): {time.perf_counter() - started:.1f} s; "
              f"{done.sites_changed} changed", flush=True)
    finally:
        await db.shutdown(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgresql://… (a database of its own: rebuilt)")
    parser.add_argument("--data-dir", default="/tmp/xunjian-bench-rules")
    parser.add_argument("--sites", type=int, default=250_000)
    parser.add_argument("--findings", type=int, default=2_000_000)
    parser.add_argument("--reuse", action="store_true", help="the data of an earlier run (versions pile up)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
