"""`xunjian serve` as a real process, for the tests and benchmarks that kill it, run two of it, or load it."""

from __future__ import annotations

import io
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a server process: ours without any XUNJIAN_ setting, then the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNJIAN_")}
    env["XUNJIAN_DATA_DIR"] = str(data_dir)
    from tests.conftest import TEST_PII_KEY

    # the key the tests' databases are sealed with: without it the server makes its own and refuses them
    env["XUNJIAN_PII_KEY"] = TEST_PII_KEY
    # These servers test processes (restarts, crashes, two instances) with one inspector's submissions, like the
    # tests' base settings; tests/api/test_inspectors.py tests the two-inspector default.
    env["XUNJIAN_TWO_INSPECTORS_KINDS"] = "none"
    if database_url:
        env["XUNJIAN_DATABASE_URL"] = database_url
    env.update({f"XUNJIAN_{k.upper()}": str(v) for k, v in extra.items()})
    return env


class Server:
    """One `xunjian serve --no-scheduler` process on a free port; `start()` returns once /readyz answers 200."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None, start_timeout: float = 60):
        self.env, self.log_path, self.start_timeout = env, log, start_timeout
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Server":
        timeout = self.start_timeout
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "xunjian.cli", "serve", "--no-scheduler", "--port", str(self.port)],
            env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"xunjian serve exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"xunjian serve did not become ready in {timeout} s: {self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def login(url: str, username: str, password: str, client: httpx.Client | None = None) -> dict[str, str]:
    """Bearer headers for a user of a running server."""
    r = (client or httpx).post(f"{url}/api/auth/login", json={"username": username, "password": password},
                               timeout=60)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def small_jpeg(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    """A distinct small JPEG (random blocks, so no two seeds share bytes)."""
    from PIL import Image

    rnd = random.Random(seed)
    image = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    for _ in range(8):
        x, y = rnd.randrange(size[0] - 20), rnd.randrange(size[1] - 20)
        image.paste(tuple(rnd.randrange(256) for _ in range(3)), (x, y, x + 20, y + 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def demo_database(backend, demo_snapshot, data_dir: Path) -> dict[str, str]:
    """The suite's demo data in a fresh database for server processes (as the `settings` fixture builds it for
    in-process apps); returns their environment."""
    import asyncio
    import shutil

    from tests.conftest import _restore_postgres, _truncate_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    if backend.name == "sqlite":
        shutil.copy(demo_snapshot, data_dir / "xunjian.sqlite3")
        return server_env(data_dir)
    asyncio.run(_truncate_postgres(backend.url))
    asyncio.run(_restore_postgres(backend.url, demo_snapshot))
    return server_env(data_dir, backend.url)
