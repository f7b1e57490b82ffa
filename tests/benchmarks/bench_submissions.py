"""Submissions (`PUT /api/inspections/{uuid}`) against a single-insert baseline, same server, same run.

Run by hand:  .venv/bin/python tests/benchmarks/bench_submissions.py [--seconds 20] [--rounds 3] [--database-url URL]

Demo data. The inspector submits an all-compliant eldercare checklist under a new UUID each time, spread over the
eldercare sites of their scope, from 16 concurrent clients (wrk -c16); then the same with two hazards per
submission (each a finding, so the sites' open findings grow as it runs). The baseline is one Piccolo insert in the
project's own write transaction (`db.write_transaction`), served by uvicorn the same way, on the same database.
Each submission run follows a baseline run; the table gives medians over `--rounds` (targets: all-compliant at
least 0.5 of the baseline on PostgreSQL and 0.35 on SQLite, with hazards at least 0.3, SQLite p95 within 5x of
its p50). Never asserts on time. Needs `wrk`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "api"))

from bench_read_endpoints import PY, Servers, free_port, get_json, login, wait_up, wrk  # noqa: E402
from checklist_answers import all_compliant  # noqa: E402

# One Piccolo insert in the project's write transaction: what a submission is measured against.
BASELINE = textwrap.dedent("""
    import uuid
    from contextlib import asynccontextmanager

    from litestar import Litestar, put
    from piccolo.columns import UUID, Varchar
    from piccolo.table import Table

    from xunjian import db
    from xunjian.config import Settings

    class BenchInsert(Table):
        key = UUID(primary_key=True)
        note = Varchar(length=50)

    @asynccontextmanager
    async def lifespan(app):
        engine = db.make_engine(Settings.from_env())
        await db.prepare(engine)
        BenchInsert._meta.db = engine
        db.bind_engine(engine)
        await BenchInsert.create_table(if_not_exists=True)
        try:
            yield
        finally:
            await db.shutdown(engine)

    @put("/baseline/{key:uuid}", status_code=201)
    async def insert(key: uuid.UUID) -> dict:
        async with db.write_transaction():
            await BenchInsert.insert(BenchInsert(key=key, note="bench"))
        return {"id": str(key)}

    app = Litestar([insert], lifespan=[lifespan])
""")

# A new UUID for each request: the run number, the wrk thread and a counter (never a replay across runs).
LUA = textwrap.dedent("""
    local threads = 0
    function setup(thread)
        thread:set("tid", threads)
        threads = threads + 1
    end
    function init(args)
        run = tonumber(args[1])
        n = 0
        token = args[2]
    end
    local bodies = {BODIES}
    request = function()
        n = n + 1
        local id = string.format("%08x-0000-4000-8000-%012x", run * 64 + tid, n)
        local body = bodies[(n % #bodies) + 1]
        local headers = {["Content-Type"] = "application/json"}
        if token ~= "" then headers["Authorization"] = "Bearer " .. token end
        return wrk.format("PUT", PREFIX .. id, headers, body)
    end
    function done(summary, latency, requests)
        io.write(string.format("p95_us %.0f\\n", latency:percentile(95)))
    end
""")

def hazards(key: str) -> dict:
    """Two check items answered non-compliant with a note: the first two shown ones that need no photo for it."""
    from checklist_answers import template

    items = [i for i in template(key).items if i["type"] == "check" and not i.get("photo_required_when_noncompliant")
             and not i.get("show_if")]
    return {i["key"]: {"result": "noncompliant", "note": "现场发现隐患"} for i in items[:2]}


def script(tmp: Path, name: str, prefix: str, bodies: list[str]) -> str:
    lua = LUA.replace("{BODIES}", "{" + ", ".join(f"[==[{b}]==]" for b in bodies) + "}") \
        .replace("PREFIX", json.dumps(prefix))
    path = tmp / f"{name}.lua"
    path.write_text(lua)
    return str(path)


def run_wrk(url: str, seconds: int, lua: str, run: int, token: str = "") -> dict:
    import re

    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", lua, url, "--", str(run), token]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out)
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)] if m else float("nan")

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p95 = re.search(r"p95_us (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"),
            "p95": int(p95.group(1)) / 1000 if p95 else float("nan"), "p99": ms("99"),
            "errors": int(errors.group(1)) if errors else 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("XUNJIAN_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("install wrk first: apt-get install -y wrk")
    tmp = Path(tempfile.mkdtemp(prefix="xj-bench-"))
    env = {**os.environ, "XUNJIAN_DATA_DIR": str(tmp), "XUNJIAN_LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["XUNJIAN_DATABASE_URL"] = args.database_url
    subprocess.run([PY, "-m", "xunjian.cli", "demo"], env=env, check=True, capture_output=True)
    (tmp / "baseline.py").write_text(BASELINE)
    base_port = free_port()
    baseline = subprocess.Popen([PY, "-m", "uvicorn", "baseline:app", "--port", str(base_port), "--log-level",
                                 "warning", "--no-access-log"], cwd=tmp, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = Servers(env, tmp)
    try:
        wait_up(servers.base + "/healthz")
        base_url = f"http://127.0.0.1:{base_port}"
        token = login(servers.base, "inspector", env.get("XUNJIAN_DEMO_PASSWORD", "xunjian-demo-2026"))
        sites = [s["id"] for s in get_json(servers.base + "/api/sites?kind=eldercare&limit=100", token)["items"]]
        # An eldercare inspection needs a second inspector (XUNJIAN_TWO_INSPECTORS_KINDS, issue 13): name the first
        # one the site offers, as the PWA's runner does; without one every PUT was a 422 and the figures measured
        # refusals.
        partner = {s: get_json(servers.base + f"/api/inspectors?site_id={s}", token) for s in sites}
        sites = [s for s in sites if partner[s]]
        version = get_json(servers.base + "/api/checklists/eldercare_safety", token)["version"]
        compliant = all_compliant("eldercare_safety")
        with_hazards = {**compliant, **hazards("eldercare_safety")}

        def bodies(answers: dict) -> list[str]:
            return [json.dumps({"site_id": s, "template_key": "eldercare_safety", "template_version": version,
                                "status": "submitted", "answers": answers,
                                "co_inspector_ids": [partner[s][0]["user_id"]]}, ensure_ascii=False) for s in sites]

        # One of each body is accepted before anything is timed (a refused body would be timed as a 422).
        for body in (bodies(compliant)[0], bodies(with_hazards)[0]):
            req = urllib.request.Request(f"{servers.base}/api/inspections/{uuid.uuid4()}", data=body.encode(),
                                         method="PUT", headers={"Authorization": f"Bearer {token}",
                                                                "Content-Type": "application/json"})
            with urllib.request.urlopen(req) as answer:
                assert answer.status == 201, answer.status
        lua_base = script(tmp, "baseline", "/baseline/", ['{}'])
        lua_ok = script(tmp, "compliant", "/api/inspections/", bodies(compliant))
        lua_hazards = script(tmp, "hazards", "/api/inspections/", bodies(with_hazards))
        wait_up(base_url + "/schema")  # served once its lifespan created the table
        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(f"engine: {engine}; {len(sites)} eldercare sites; uvicorn, one process each; wrk -t2 -c16 "
              f"-d{args.seconds}s on the same 2 cores, {args.rounds} rounds; load {os.getloadavg()[0]:.2f}",
              flush=True)
        print(f"{'':<34} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}   "
              "(baseline req/s, p50, p99)", flush=True)
        run = 0
        for label, lua in (("all-compliant", lua_ok), ("two hazards", lua_hazards)):
            rows, bases = [], []
            for _ in range(args.rounds):
                run += 1
                bases.append(run_wrk(base_url + "/", args.seconds, lua_base, run))
                rows.append(run_wrk(servers.base + "/", args.seconds, lua, run, token))
            med = {k: statistics.median(r[k] for r in rows) for k in ("rps", "p50", "p95", "p99")}
            ratio = statistics.median(r["rps"] / b["rps"] for r, b in zip(rows, bases))
            print(f"PUT /api/inspections, {label:<13} {med['rps']:>8.0f} {ratio:>6.2f} {med['p50']:>8.1f} "
                  f"{med['p95']:>8.1f} {med['p99']:>8.1f} {sum(r['errors'] for r in rows):>7}   "
                  f"({statistics.median(b['rps'] for b in bases):.0f}, "
                  f"{statistics.median(b['p50'] for b in bases):.1f}, {statistics.median(b['p99'] for b in bases):.1f})",
                  flush=True)
        print(f"load at the end {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        servers.stop()
        baseline.terminate()
        baseline.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
