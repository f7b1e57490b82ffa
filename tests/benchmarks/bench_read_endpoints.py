"""Read endpoints with auth and scoping against a bare Litestar hello-world, same server, same run.

Run by hand:  .venv/bin/python tests/benchmarks/bench_read_endpoints.py [--seconds 10] [--database-url URL]
Needs `wrk` (Debian package). Prints requests/s and each endpoint's ratio to the hello-world baseline
(target: at least 0.30). Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def wrk(url: str, seconds: int, token: str | None = None) -> float:
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses\n{out}")
    return float(m.group(1))


HELLO = textwrap.dedent("""
    from litestar import Litestar, get

    @get("/hello")
    async def hello() -> dict:
        return {"hello": "world"}

    app = Litestar([hello])
""")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("XUNJIAN_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("install wrk first: apt-get install -y wrk")
    tmp = Path(tempfile.mkdtemp(prefix="xj-bench-"))
    env = {**os.environ, "XUNJIAN_DATA_DIR": str(tmp), "XUNJIAN_LOG_LEVEL": "WARNING"}
    if args.database_url:
        env["XUNJIAN_DATABASE_URL"] = args.database_url
    subprocess.run([PY, "-m", "xunjian.cli", "demo"], env=env, check=True, capture_output=True)
    (tmp / "hello.py").write_text(HELLO)
    app_port, hello_port = free_port(), free_port()
    procs = [
        subprocess.Popen([PY, "-m", "xunjian.cli", "serve", "--no-scheduler", "--port", str(app_port)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([PY, "-m", "uvicorn", "hello:app", "--port", str(hello_port), "--log-level", "warning",
                          "--no-access-log"], cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        base = f"http://127.0.0.1:{app_port}"
        wait_up(base + "/healthz")
        wait_up(f"http://127.0.0.1:{hello_port}/hello")
        password = env.get("XUNJIAN_DEMO_PASSWORD", "xunjian-demo-2026")
        req = urllib.request.Request(base + "/api/auth/login", method="POST",
                                     data=json.dumps({"username": "inspector", "password": password}).encode(),
                                     headers={"content-type": "application/json"})
        token = json.loads(urllib.request.urlopen(req).read())["token"]
        sites = json.loads(urllib.request.urlopen(urllib.request.Request(
            base + "/api/sites?limit=1", headers={"Authorization": f"Bearer {token}"})).read())
        site_id = sites["items"][0]["id"]
        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(f"engine: {engine}; uvicorn, one process each; wrk -t2 -c32 -d{args.seconds}s on the same 2 cores")
        baseline = wrk(f"http://127.0.0.1:{hello_port}/hello", args.seconds)
        print(f"{'bare Litestar hello-world':<40} {baseline:>10.0f} req/s   1.00")
        for label, path in [
            ("GET /api/me", "/api/me"),
            (f"GET /api/sites/{site_id}", f"/api/sites/{site_id}"),
            ("GET /api/sites?limit=20", "/api/sites?limit=20"),
            ("GET /api/regions", "/api/regions"),
        ]:
            rps = wrk(base + path, args.seconds, token)
            print(f"{label:<40} {rps:>10.0f} req/s   {rps / baseline:.2f}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
