"""Read endpoints with auth and scoping against a bare Litestar hello-world, same server, same run.

Run by hand:
    .venv/bin/python tests/benchmarks/bench_read_endpoints.py [--seconds 5] [--rounds 3] [--database-url URL]
    .venv/bin/python tests/benchmarks/bench_read_endpoints.py --national [--data-dir DIR] [--reuse] [--database-url URL]
    .venv/bin/python tests/benchmarks/bench_read_endpoints.py --against DIR   # an A/B with another checkout's code

Demo data by default; `--national` generates the 250,000 sites of national_data.py (once per data dir or database;
`--reuse` takes what an earlier run generated), rates them, and queries as a province supervisor, a county
supervisor and a county inspector. Needs `wrk` (Debian package). Each endpoint is run right after the hello-world
baseline, `--rounds` times; the table gives the median requests/s and the median of the per-round ratios
(target: at least 0.30). With `--against DIR` (e.g. `git archive main | tar -x -C DIR`), a second application
server runs DIR's code on the same data, and each round measures the baseline, DIR's server ("before") and this
tree's ("after") back to back. Never asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
PASSWORD = "bench-password-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def wrk(url: str, seconds: int, token: str | None = None, connections: int = 32, script: str | None = None) -> dict:
    """requests/s and latency percentiles (ms) of one wrk run; any error response ends the benchmark."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses\n{out}")

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"), "p90": ms("90"),
            "p99": ms("99"), "out": out}


HELLO = textwrap.dedent("""
    from litestar import Litestar, get

    @get("/hello")
    async def hello() -> dict:
        return {"hello": "world"}

    app = Litestar([hello])
""")


def get_json(url: str, token: str) -> dict:
    return json.loads(urllib.request.urlopen(urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}"})).read())


def login(base: str, username: str, password: str) -> str:
    req = urllib.request.Request(base + "/api/auth/login", method="POST",
                                 data=json.dumps({"username": username, "password": password}).encode(),
                                 headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(req).read())["token"]


class Servers:
    """The application (xunjian serve) and the hello-world, each one uvicorn process on its own port."""

    def __init__(self, env: dict, tmp: Path, against: Path | None = None):
        (tmp / "hello.py").write_text(HELLO)
        self.app_port, self.hello_port = free_port(), free_port()
        self.before = None
        self.procs = []
        if against:
            port = free_port()
            self.procs.append(subprocess.Popen(
                [PY, "-m", "xunjian.cli", "serve", "--no-scheduler", "--port", str(port)],
                env={**env, "PYTHONPATH": str(against / "backend")}, cwd=against,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            self.before = f"http://127.0.0.1:{port}"
        self.procs += [
            subprocess.Popen([PY, "-m", "xunjian.cli", "serve", "--no-scheduler", "--port", str(self.app_port)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([PY, "-m", "uvicorn", "hello:app", "--port", str(self.hello_port), "--log-level",
                              "warning", "--no-access-log"], cwd=tmp, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        self.base = f"http://127.0.0.1:{self.app_port}"
        self.hello = f"http://127.0.0.1:{self.hello_port}/hello"
        wait_up(self.base + "/healthz", 300)
        wait_up(self.hello)
        if self.before:
            wait_up(self.before + "/healthz", 300)

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait(10)


def measure(servers: Servers, cases: list[tuple[str, str, str]], seconds: int, rounds: int) -> None:
    """Each case (label, path, token) right after a baseline run, `rounds` times; prints medians. With a "before"
    server, it runs between the baseline and this tree's server in every round."""
    targets = ([("before", servers.before), ("after", servers.base)] if servers.before else [("", servers.base)])
    print(f"{'endpoint':<52} {'':>6} {'req/s':>8} {'ratio':>6}   {'p50 ms':>7} {'p99 ms':>7}   (baseline req/s)",
          flush=True)
    for label, path, token in cases:
        base_rps, runs = [], {name: [] for name, _ in targets}
        for i in range(rounds):
            b = wrk(servers.hello, seconds)
            base_rps.append(b["rps"])
            for name, url in (targets if i % 2 == 0 else targets[::-1]):  # neither goes first every time
                r = wrk(url + path, seconds, token)
                runs[name].append((r["rps"], r["rps"] / b["rps"], r["p50"], r["p99"]))
        for name, _ in targets:
            rps, ratios, p50, p99 = (statistics.median(col) for col in zip(*runs[name]))
            print(f"{label:<52} {name:>6} {rps:>8.0f} {ratios:>6.2f}   {p50:>7.1f} {p99:>7.1f}   "
                  f"({statistics.median(base_rps):.0f})", flush=True)


def demo_cases(base: str, password: str) -> list[tuple[str, str, str]]:
    inspector = login(base, "inspector", password)
    supervisor = login(base, "supervisor", password)
    site_id = get_json(base + "/api/sites?limit=1", inspector)["items"][0]["id"]
    return [
        ("GET /api/me", "/api/me", inspector),
        ("GET /api/regions", "/api/regions", inspector),
        ("GET /api/sites/{id}", f"/api/sites/{site_id}", inspector),
        ("GET /api/sites?limit=20", "/api/sites?limit=20", inspector),
        ("GET /api/inspections/due (inspector)", "/api/inspections/due", inspector),
        ("GET /api/notifications (supervisor)", "/api/notifications", supervisor),
        ("GET /api/findings (supervisor)", "/api/findings", supervisor),
        ("GET /api/risk/board (supervisor)", "/api/risk/board", supervisor),
    ]


NATIONAL_USERS = {  # username: (role, region code)
    "bench_read_province_sup": ("supervisor", "110000"),
    "bench_read_county_sup": ("supervisor", "110101"),
    "bench_read_county_insp": ("inspector", "110101"),
}


async def prepare_national(settings, reuse: bool) -> None:
    """Generate the national data (unless reused), rate every site, and add the three bench users."""
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    from national_data import Scale, generate

    from xunjian import db
    from xunjian.accounts import service as accounts
    from xunjian.accounts.schemas import UserCreate
    from xunjian.accounts.tables import User
    from xunjian.jobs.service import run_job
    from xunjian.regions.tables import Region

    marker = settings.data_dir / ("national-pg.json" if settings.is_postgres else "national-sqlite.json")
    if not (reuse and marker.exists()):
        started = time.perf_counter()
        now = datetime_now()
        meta = await generate(settings, Scale(), now)
        print(f"generated national data in {time.perf_counter() - started:.0f} s: {meta['rows']}", flush=True)
        marker.write_text(json.dumps({"now": now.isoformat()}))
    accounts.configure_hasher(settings)
    engine = db.make_engine(settings)
    await db.prepare(engine, 4)
    await db.migrate(engine)
    db.bind_engine(engine)
    try:
        if not await db.fetch("SELECT 1 AS x FROM site_risk LIMIT 1"):
            started = time.perf_counter()
            run = await run_job(settings, "risk", datetime_now(), trigger="cli")
            assert run.status == "ok", run.error
            print(f"rated in {time.perf_counter() - started:.0f} s", flush=True)
        for username, (role, code) in NATIONAL_USERS.items():
            if not await User.exists().where(User.username == username):
                region = await Region.select(Region.id).where(Region.code == code).first()
                await accounts.create_user(None, UserCreate(username=username, password=PASSWORD, role=role,
                                                            display_name=username, region_ids=[region["id"]],
                                                            site_ids=[]))
    finally:
        await db.shutdown(engine)


def datetime_now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0)


def national_cases(base: str) -> list[tuple[str, str, str]]:
    cases = []
    for username, (role, code) in NATIONAL_USERS.items():
        who = username.removeprefix("bench_read_")
        token = login(base, username, PASSWORD)
        site_id = get_json(base + "/api/sites?limit=1", token)["items"][0]["id"]
        paths = ["/api/me", "/api/regions", f"/api/sites/{site_id}", "/api/sites?limit=20"]
        if role == "inspector":
            paths.append("/api/inspections/due")
        paths += ["/api/notifications", "/api/findings", "/api/risk/board"]
        cases += [(f"{who}: GET {p.replace(str(site_id), '{id}')}", p, token) for p in paths]
    return cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("XUNJIAN_BENCH_DATABASE_URL"))
    parser.add_argument("--national", action="store_true", help="250,000 sites instead of the demo's 22")
    parser.add_argument("--data-dir", help="where the national data's SQLite file lives (kept for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="with --national: the data an earlier run generated")
    parser.add_argument("--only", help="only the endpoints whose label contains this")
    parser.add_argument("--against", type=Path, help="another checkout whose server is measured as 'before'")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("install wrk first: apt-get install -y wrk")
    tmp = Path(tempfile.mkdtemp(prefix="xj-bench-"))
    data_dir = Path(args.data_dir) if args.data_dir else tmp
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "XUNJIAN_DATA_DIR": str(data_dir), "XUNJIAN_LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["XUNJIAN_DATABASE_URL"] = args.database_url
    if args.national:
        from xunjian.config import Settings

        settings = Settings(data_dir=data_dir, database_url=args.database_url, argon2_memory_kib=1024,
                            argon2_time_cost=1)
        asyncio.run(prepare_national(settings, args.reuse))
    else:
        subprocess.run([PY, "-m", "xunjian.cli", "demo"], env=env, check=True, capture_output=True)
    servers = Servers(env, tmp, args.against.resolve() if args.against else None)
    try:
        if args.national:
            cases = national_cases(servers.base)
        else:
            cases = demo_cases(servers.base, env.get("XUNJIAN_DEMO_PASSWORD", "xunjian-demo-2026"))
        if args.only:
            cases = [c for c in cases if args.only in c[0]]
        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(f"engine: {engine}; {'national' if args.national else 'demo'} data; uvicorn, one process each; "
              f"wrk -t2 -c32 -d{args.seconds}s on the same 2 cores, {args.rounds} rounds; "
              f"load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}", flush=True)
        measure(servers, cases, args.seconds, args.rounds)
        print(f"load at the end {' '.join(Path('/proc/loadavg').read_text().split()[:3])}", flush=True)
    finally:
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
