"""The client address behind the login throttle, as a real `xunjian serve` sees it: a forwarded header counts only
from a trusted proxy (XUNJIAN_TRUSTED_PROXIES). Uvicorn used to trust X-Forwarded-For from 127.0.0.1 itself, so a
local client named a new address with every guess and was never throttled."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.serve import Server, demo_database


def _wrong_logins(url: str, count: int) -> list[int]:
    statuses = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(count):
            response = client.post("/api/auth/login", json={"username": f"nobody{i}", "password": "wrong-password"},
                                   headers={"X-Forwarded-For": f"198.51.100.{i + 1}"})
            statuses.append(response.status_code)
    return statuses


@pytest.fixture
def env(backend, demo_snapshot, tmp_path):
    if backend.name != "sqlite":
        pytest.skip("the address is the server's, whatever the engine")
    return demo_database(backend, demo_snapshot, tmp_path / "data")


def test_a_spoofed_forwarded_for_does_not_escape_the_per_client_limit(env, tmp_path):
    server = Server({**env, "XUNJIAN_ARGON2_MEMORY_KIB": "1024", "XUNJIAN_ARGON2_TIME_COST": "1"},
                    tmp_path / "serve.log").start()
    try:
        statuses = _wrong_logins(server.url, 22)
    finally:
        server.stop()
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429], statuses


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(env, tmp_path):
    server = Server({**env, "XUNJIAN_ARGON2_MEMORY_KIB": "1024", "XUNJIAN_ARGON2_TIME_COST": "1",
                     "XUNJIAN_TRUSTED_PROXIES": "127.0.0.1"}, tmp_path / "serve.log").start()
    try:
        statuses = _wrong_logins(server.url, 22)
    finally:
        server.stop()
    assert statuses == [401] * 22, statuses
