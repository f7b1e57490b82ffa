"""A shift-start crowd against `xunjian serve`: mixed load, a login storm, a soak. Prints figures, never asserts.

Run by hand (needs the `bench` extra: `.venv/bin/pip install -e '.[bench]'`):

    .venv/bin/python tests/benchmarks/bench_load.py --scenario mixed|storm|soak|all [--users 200] [--seconds 60]
        [--minutes 30] [--database-url postgresql://…/scratch]

The script starts `xunjian serve --no-scheduler` itself, on SQLite in a temporary data dir or on the given
PostgreSQL database (a scratch database: its schema is DROPPED and rebuilt for every scenario), loads the demo and
creates the accounts each scenario needs (inspectors across the demo's prefectures with eldercare sites, every
tenth a supervisor), then drives it with locust as a library, in this one process. Figures:

- mixed: N users for S seconds mixing reads, inspection PUTs and photo PUTs; requests/s, errors by endpoint and
  status, p50/p95 per endpoint, then every acknowledged (2xx) write read back by its author: how many are missing.
  Accounts hash at a low argon2 cost here so that logging them in is not the storm again.
- storm: N distinct accounts logging in within 10 s at the production argon2 cost, each retrying after
  Retry-After on 503/429 (after 1 s on anything else) until 60 s; responses by status, 5xx other than
  503-with-Retry-After, accounts logged in, a probe's site-list latency, and the server's peak RSS.
- soak: 20 users for M minutes; throughput, latency and RSS of the first five minutes against the last five.
Every scenario prints the server's RSS (sampled every 100 ms, children included) and the CPU seconds of the server
and of this load generator (on 2 cores the generator's own share matters).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.integration.serve import Server, login, server_env, small_jpeg  # noqa: E402

PASSWORD = "bench-password-1"
# Prefectures of the demo that hold eldercare sites (the template the inspection PUTs use).
REGIONS = ["620100", "620500", "620900", "620700", "622900"]
LOW_COST = {"argon2_memory_kib": "1024", "argon2_time_cost": "1"}


# --- set-up (runs in a child process: locust's gevent patching and asyncio do not share a process) ---------------

async def _create_accounts(prefix: str, count: int) -> None:
    from xunjian.accounts import service
    from xunjian.accounts.schemas import UserCreate
    from xunjian.regions.tables import Region

    regions = {r["code"]: r["id"] for r in await Region.select(Region.id, Region.code)}
    for i in range(count):
        role = "supervisor" if i % 10 == 9 else "inspector"
        await service.create_user(None, UserCreate(
            username=f"{prefix}{i:04d}", password=PASSWORD, role=role, display_name=f"压测 {i}",
            region_ids=[regions[REGIONS[i % len(REGIONS)]]]))


def setup_main(prefix: str, count: int) -> None:
    """Empty the database (PostgreSQL), load the demo, create the accounts."""
    from xunjian import cli
    from xunjian.config import Settings

    settings = Settings.from_env()
    if settings.is_postgres:
        import asyncpg

        async def reset():
            con = await asyncpg.connect(settings.database_url)
            try:
                await con.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
            finally:
                await con.close()

        asyncio.run(reset())
    cli.cmd_demo(settings, None)
    asyncio.run(cli._with_engine(settings, lambda: _create_accounts(prefix, count)))


def prepare(args, data_dir: Path, prefix: str, count: int, cost: dict[str, str]) -> dict[str, str]:
    """A fresh database with the demo and `count` accounts (in a child process); the server's environment."""
    env = server_env(data_dir, args.database_url, demo_password=PASSWORD, **cost)
    subprocess.run([sys.executable, __file__, "_setup", prefix, str(count)], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return env


# --- measuring ----------------------------------------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    pids += _tree(int(child))
    except OSError:
        pass
    return pids


def _rss_kib(pid: int) -> int:
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler:
    """The server's RSS every 100 ms, in a greenlet beside locust's users (reading /proc does not block)."""

    def __init__(self, pid: int):
        import gevent

        self.pid, self.samples = pid, []  # (monotonic, KiB)
        self._greenlet = gevent.spawn(self._run)

    def _run(self):
        import gevent

        while True:
            self.samples.append((time.monotonic(), _rss_kib(self.pid)))
            gevent.sleep(0.1)

    def stop(self):
        self._greenlet.kill()

    def peak_mib(self, start: float = 0, end: float = float("inf")) -> float:
        return max((kib for t, kib in self.samples if start <= t <= end), default=0) / 1024


class Recorder:
    """Every request's endpoint, status, time and duration (locust's stats merge statuses; we need them apart)."""

    def __init__(self):
        self.rows: list[tuple[float, str, int, float, str]] = []  # (monotonic, name, status, ms, retry-after)

    def on_request(self, request_type, name, response_time, response_length, response=None, exception=None,
                   **_kw):
        status = getattr(response, "status_code", 0) or 0
        retry = response.headers.get("Retry-After", "") if response is not None and status else ""
        self.rows.append((time.monotonic(), f"{request_type} {name}", status, response_time, retry))


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def print_table(rows: list[tuple], seconds: float) -> None:
    by_name: dict[str, list] = defaultdict(list)
    for row in rows:
        by_name[row[1]].append(row)
    print(f"{'endpoint':<34} {'count':>7} {'req/s':>7} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8}  statuses")
    for name in sorted(by_name):
        items = by_name[name]
        errors = sum(1 for r in items if _error(r))
        times = [r[3] for r in items]
        statuses = " ".join(f"{s}:{n}" for s, n in sorted(Counter(r[2] for r in items).items()))
        print(f"{name:<34} {len(items):>7} {len(items) / seconds:>7.1f} {errors:>7} {pct(times, 50):>8.0f} "
              f"{pct(times, 95):>8.0f}  {statuses}")
    errors = sum(1 for r in rows if _error(r))
    deferred = sum(1 for r in rows if r[2] == 503 and r[4])
    share = 100 * errors / len(rows) if rows else 0
    print(f"{'all':<34} {len(rows):>7} {len(rows) / seconds:>7.1f} {errors:>7} ({share:.2f}% errors; "
          f"{deferred} answers 503 with Retry-After, retried, are not counted as errors)")


def _error(row) -> bool:
    """A response the client cannot act on. 503 with Retry-After is the server saying when to come back, and the
    clients (the PWA, these users) come back then."""
    return not 200 <= row[2] < 300 and not (row[2] == 503 and row[4])


def run_locust(user_classes: list, users: int, spawn_rate: float, seconds: float, recorder: Recorder,
               host: str) -> float:
    from locust.env import Environment
    import gevent

    env = Environment(user_classes=user_classes, host=host)
    env.events.request.add_listener(recorder.on_request)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(users, spawn_rate=spawn_rate)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    return time.monotonic() - started


def report_costs(server: Server, cpu_before: tuple[float, float], wall: float, sampler: Sampler) -> None:
    server_cpu = _cpu_seconds(server.proc.pid) - cpu_before[0]
    own = resource.getrusage(resource.RUSAGE_SELF)
    own_cpu = own.ru_utime + own.ru_stime - cpu_before[1]
    first = sampler.samples[0][1] / 1024 if sampler.samples else 0
    print(f"server RSS: {first:.0f} MiB at start, {sampler.peak_mib():.0f} MiB peak; CPU over {wall:.0f} s: "
          f"server {server_cpu:.1f} s ({100 * server_cpu / wall:.0f}% of a core), load generator {own_cpu:.1f} s "
          f"({100 * own_cpu / wall:.0f}%)")


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


# --- users --------------------------------------------------------------------------------------------------------

def user_classes(accounts: list[str], acked: list[tuple], wait: tuple[float, float]):
    from locust import HttpUser, between, task

    from tests.api.checklist_answers import payload

    pool = list(accounts)
    inspector_pool = [a for a in pool if int(a[-4:]) % 10 != 9]
    supervisor_pool = [a for a in pool if int(a[-4:]) % 10 == 9]

    class Crew(HttpUser):
        abstract = True
        wait_time = between(*wait)
        network_timeout = connection_timeout = 120.0

        def on_start(self):
            self.username = self.accounts.pop() if self.accounts else None
            if self.username is None:
                self.stop()
                return
            import gevent

            # As the PWA does: an overloaded login (503) or a throttled one (429) is tried again after Retry-After.
            until = time.monotonic() + 60
            while True:
                r = self.client.post("/api/auth/login", json={"username": self.username, "password": PASSWORD},
                                     name="/api/auth/login")
                retry = r.headers.get("Retry-After", "") if r.status_code in (429, 503) else ""
                if not retry.isdigit() or time.monotonic() > until:
                    break
                gevent.sleep(int(retry))
            self.headers = {"Authorization": f"Bearer {r.json()['token']}"} if r.status_code == 200 else {}
            r = self.client.get("/api/sites?kind=eldercare&limit=100", headers=self.headers, name="/api/sites")
            self.sites = [s["id"] for s in r.json()["items"]] if r.status_code == 200 else []
            if not self.sites:
                self.stop()

        def read(self, path: str, name: str | None = None):
            self.client.get(path, headers=self.headers, name=name or path)

        @task(2)
        def me(self):
            self.read("/api/me")

        @task(3)
        def sites_list(self):
            self.read("/api/sites?limit=50", "/api/sites")

        @task(2)
        def site(self):
            self.read(f"/api/sites/{self.sites[0]}", "/api/sites/[id]")

        @task(2)
        def findings(self):
            self.read("/api/findings?limit=20", "/api/findings")

        @task(2)
        def notifications(self):
            self.read("/api/notifications", "/api/notifications")

    class Inspector(Crew):
        weight = len(inspector_pool)
        accounts = inspector_pool

        @task(2)
        def due(self):
            self.read("/api/inspections/due")

        @task(3)
        def inspection(self):
            ident = uuid.uuid4()
            body = payload(self.sites[ident.int % len(self.sites)], remarks=f"{self.username} {ident}")
            r = self.client.put(f"/api/inspections/{ident}", json=body, headers=self.headers,
                                name="/api/inspections/[uuid]")
            if 200 <= r.status_code < 300:
                acked.append(("inspection", ident, self.headers, body["remarks"]))

        @task(1)
        def photo(self):
            ident = uuid.uuid4()
            data = small_jpeg(ident.int % 2**32)
            r = self.client.put(f"/api/photos/{ident}", data=data, name="/api/photos/[uuid]",
                                headers={**self.headers, "Content-Type": "image/jpeg"})
            if 200 <= r.status_code < 300:
                acked.append(("photo", ident, self.headers, r.json()["sha256"]))

    class Supervisor(Crew):
        weight = len(supervisor_pool)
        accounts = supervisor_pool

        @task(3)
        def board(self):
            self.read("/api/risk/board")

    return [c for c in (Inspector, Supervisor) if c.weight]


def verify_acked(url: str, acked: list[tuple]) -> None:
    import httpx

    missing, wrong = Counter(), Counter()
    with httpx.Client(base_url=url, timeout=60) as client:
        for kind, ident, headers, expected in acked:
            r = client.get(f"/api/{kind}s/{ident}", headers=headers)
            if r.status_code != 200:
                missing[f"{kind} {r.status_code}"] += 1
            elif r.json()["remarks" if kind == "inspection" else "sha256"] != expected:
                wrong[kind] += 1
    kinds = Counter(a[0] for a in acked)
    print(f"acknowledged writes: {dict(kinds)}; missing when read back by their author: "
          f"{sum(missing.values())} {dict(missing)}; different content: {sum(wrong.values())}")


# --- scenarios ----------------------------------------------------------------------------------------------------

def start_server(env: dict[str, str], workdir: Path) -> Server:
    return Server(env, workdir / "server.log", start_timeout=120)


def scenario_mixed(args, workdir: Path) -> None:
    env = prepare(args, workdir / "mixed", "mix", args.users, LOW_COST)
    with start_server(env, workdir / "mixed") as server:
        accounts = [f"mix{i:04d}" for i in range(args.users)]
        acked: list[tuple] = []
        recorder, sampler = Recorder(), Sampler(server.proc.pid)
        before = (_cpu_seconds(server.proc.pid), _own_cpu())
        wall = run_locust(user_classes(accounts, acked, (1, 3)), args.users, 50, args.seconds, recorder,
                          server.url)
        sampler.stop()
        print(f"\n== mixed: {args.users} users, {wall:.0f} s, {engine(args)} ==")
        print_table(recorder.rows, wall)
        report_costs(server, before, wall, sampler)
        verify_acked(server.url, acked)


def scenario_storm(args, workdir: Path) -> None:
    import gevent
    import httpx
    from locust import HttpUser, constant, task

    env = prepare(args, workdir / "storm", "storm", args.users, {})
    with start_server(env, workdir / "storm") as server:
        probe_headers = login(server.url, "inspector", PASSWORD)
        pool = [f"storm{i:04d}" for i in range(args.users)]
        logged_in: dict[str, float] = {}
        started = time.monotonic()
        deadline = started + 60

        class Arriving(HttpUser):
            wait_time = constant(3600)
            network_timeout = connection_timeout = 120.0

            def on_start(self):
                username = pool.pop()
                while time.monotonic() < deadline:
                    r = self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD},
                                         name="/api/auth/login")
                    if r.status_code == 200:
                        if time.monotonic() <= deadline:
                            logged_in[username] = time.monotonic() - started
                        return
                    retry = r.headers.get("Retry-After", "") if r.status_code in (429, 503) else ""
                    gevent.sleep(min(float(retry) if retry.replace(".", "", 1).isdigit() else 1.0,
                                     max(0.0, deadline - time.monotonic())))

            @task
            def idle(self):
                pass

        probe_times: list[float] = []
        probe_failures: list[str] = []

        def probe():
            with httpx.Client(base_url=server.url, headers=probe_headers, timeout=120) as client:
                while time.monotonic() < deadline:
                    t = time.monotonic()
                    try:
                        client.get("/api/sites?limit=50").raise_for_status()
                        probe_times.append((time.monotonic() - t) * 1000)
                    except httpx.HTTPError as exc:
                        probe_failures.append(type(exc).__name__)
                    gevent.sleep(1)

        recorder, sampler = Recorder(), Sampler(server.proc.pid)
        before = (_cpu_seconds(server.proc.pid), _own_cpu())
        prober = gevent.spawn(probe)
        wall = run_locust([Arriving], args.users, args.users / 10, 60, recorder, server.url)
        prober.join()
        sampler.stop()
        rows = [r for r in recorder.rows if r[1] == "POST /api/auth/login"]
        bad = Counter(r[2] for r in rows if r[2] >= 500 and not (r[2] == 503 and r[4]) or r[2] == 0)
        print(f"\n== storm: {args.users} accounts arriving within 10 s, {engine(args)}, production argon2 ==")
        print_table(rows, wall)
        print(f"responses by status: {dict(sorted(Counter(r[2] for r in rows).items()))}")
        print(f"5xx other than 503 with Retry-After (0 = connection failed): {sum(bad.values())} {dict(bad)}")
        times = sorted(logged_in.values())
        print(f"accounts logged in within 60 s: {len(logged_in)} of {args.users}"
              + (f" (the last after {times[-1]:.1f} s, median {pct(times, 50):.1f} s)" if times else ""))
        print(f"a probe's site list during the storm: p50 {pct(probe_times, 50):.0f} ms, "
              f"max {max(probe_times, default=0):.0f} ms ({len(probe_times)} answered, failed: "
              f"{dict(Counter(probe_failures))})")
        if server.proc.poll() is not None:
            print(f"the server process ended during the storm (exit status {server.proc.returncode})")
        report_costs(server, before, wall, sampler)


def scenario_soak(args, workdir: Path) -> None:
    users = 20
    env = prepare(args, workdir / "soak", "soak", users, LOW_COST)
    with start_server(env, workdir / "soak") as server:
        accounts = [f"soak{i:04d}" for i in range(users)]
        acked: list[tuple] = []
        recorder, sampler = Recorder(), Sampler(server.proc.pid)
        before = (_cpu_seconds(server.proc.pid), _own_cpu())
        start = time.monotonic()
        wall = run_locust(user_classes(accounts, acked, (0.1, 0.3)), users, 20, args.minutes * 60,
                          recorder, server.url)
        sampler.stop()
        window = min(300.0, wall / 2)
        late = start + wall - window

        def figures(t0: float, t1: float) -> tuple[float, float, float]:
            rows = [r for r in recorder.rows if t0 <= r[0] < t1]
            return len(rows) / window, pct([r[3] for r in rows], 95), sampler.peak_mib(t0, t1)

        first, last = figures(start, start + window), figures(late, start + wall)
        print(f"\n== soak: {users} users, {wall / 60:.1f} min, {engine(args)}; windows of {window:.0f} s ==")
        print(f"{'':<12} {'req/s':>8} {'p95 ms':>8} {'RSS MiB':>8}")
        for label, f in (("first", first), ("last", last)):
            print(f"{label:<12} {f[0]:>8.1f} {f[1]:>8.0f} {f[2]:>8.0f}")
        print(f"{'last/first':<12} {last[0] / first[0]:>8.2f} {last[1] / max(first[1], 1):>8.2f} "
              f"{last[2] / max(first[2], 1):>8.2f}")
        print_table(recorder.rows, wall)
        report_costs(server, before, wall, sampler)
        verify_acked(server.url, acked)


def engine(args) -> str:
    return "PostgreSQL" if args.database_url else "SQLite"


SCENARIOS = {"mixed": scenario_mixed, "storm": scenario_storm, "soak": scenario_soak}


def main() -> None:
    if sys.argv[1:2] == ["_setup"]:
        setup_main(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--users", type=int, default=200, help="simulated users (mixed) or accounts (storm)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the mixed scenario")
    parser.add_argument("--minutes", type=float, default=30, help="length of the soak")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (emptied); SQLite when omitted")
    args = parser.parse_args()
    import locust  # noqa: F401  (patches the standard library for gevent before anything opens a socket)

    print(f"xunjian bench_load on {engine(args)}; the machine may be shared with other runs: figures are indicative")
    with tempfile.TemporaryDirectory(prefix="xunjian-load-") as tmp:
        for name in (list(SCENARIOS) if args.scenario == "all" else [args.scenario]):
            SCENARIOS[name](args, Path(tmp))


if __name__ == "__main__":
    main()
