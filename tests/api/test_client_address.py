"""Item 5 of issue 12: the address the throttle counts is the peer's unless the peer is a trusted proxy."""

import ipaddress

import httpx
import pytest


@pytest.fixture
async def app(settings):
    from xunjian.app import create_app

    return create_app(settings.with_(trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),
                                                      ipaddress.ip_network("fd00::/8"))))


def _client(app, peer: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 40000)), base_url="http://testserver")


async def _fail(client, i, forwarded):
    return await client.post("/api/auth/login", json={"username": f"nobody{i}", "password": "wrong-password"},
                             headers={"X-Forwarded-For": forwarded})


async def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(client, demo, settings):
    for i in range(settings.login_max_failures_per_client):
        assert (await _fail(client, i, f"198.51.100.{i}")).status_code == 401
    r = await _fail(client, 99, "198.51.100.200")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


async def test_forwarded_clients_behind_a_trusted_proxy_are_counted_apart(client, app, demo, settings):
    limit = settings.login_max_failures_per_client
    async with _client(app, "10.1.2.3") as proxied:
        for i in range(limit + 5):
            # The left-most entry is the client's own claim; the proxy appended what it saw, then a second proxy.
            r = await _fail(proxied, i, f"203.0.113.9, 192.0.2.{i}, 10.9.9.9")
            assert r.status_code == 401, i
        for i in range(limit):
            assert (await _fail(proxied, i, "2001:db8::7")).status_code == 401
        assert (await _fail(proxied, 0, "2001:db8::7")).status_code == 429
    # The proxy's own address was never the one counted.
    assert (await _fail(client, 0, "")).status_code == 401


async def test_audit_and_sessions_record_the_forwarded_client(app, client, demo):
    from tests.conftest import DEMO_PASSWORD
    from xunjian.accounts.tables import UserSession
    from xunjian.audit.tables import AuditEvent

    async with _client(app, "fd00::1") as proxied:
        r = await proxied.post("/api/auth/login", json={"username": "inspector", "password": DEMO_PASSWORD},
                               headers={"X-Forwarded-For": "192.0.2.44"})
        assert r.status_code == 200
    assert [s["client_addr"] for s in await UserSession.select(UserSession.client_addr)] == ["192.0.2.44"]
    events = await AuditEvent.select(AuditEvent.client_addr).where(AuditEvent.action == "auth.login")
    assert [e["client_addr"] for e in events] == ["192.0.2.44"]
