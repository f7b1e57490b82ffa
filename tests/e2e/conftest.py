"""A real server for the browser tests: `xunjian serve` in a subprocess on a free port, SQLite in a temp data dir,
demo data loaded. Without /usr/bin/chromium they are skipped (and scripts/test.sh says so loudly); in CI (CI set)
they fail instead, so a machine without a browser cannot pass for green."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "e2e-demo-password-1"

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items):
    if CHROMIUM.exists():
        return
    browser_tests = [item for item in items if "tests/e2e" in str(item.fspath)]
    reason = "/usr/bin/chromium is missing (apt-get install -y chromium)"
    if browser_tests and os.environ.get("CI"):
        raise pytest.UsageError(f"CI runs the browser tests, but {reason}")
    for item in browser_tests:
        item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, request):
    data = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNJIAN_")}
    env.update(XUNJIAN_DATA_DIR=str(data), XUNJIAN_DEMO_PASSWORD=PASSWORD, XUNJIAN_ARGON2_MEMORY_KIB="1024",
               XUNJIAN_ARGON2_TIME_COST="1", XUNJIAN_LOG_LEVEL="WARNING",
               # One inspector suffices in these screens' flows (the demo itself names second inspectors).
               XUNJIAN_TWO_INSPECTORS_KINDS="none")
    # A test module may run its server with settings of its own (SERVER_ENV), e.g. the shipped defaults.
    env.update(getattr(request.module, "SERVER_ENV", {}))
    exe = [sys.executable, "-m", "xunjian.cli"]
    subprocess.run([*exe, "demo"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = open(data / "serve.log", "w")
    proc = subprocess.Popen([*exe, "serve", "--no-scheduler", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    # Generous: under pytest-xdist two workers start servers and browsers at once on two cores (47 s was seen).
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("server did not start:\n" + (data / "serve.log").read_text())
        time.sleep(0.2)
    try:
        yield {"base": base, "data": data, "db": data / "xunjian.sqlite3"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
