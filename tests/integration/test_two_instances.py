"""Two `xunjian serve` processes on one PostgreSQL: the scale-out the README promises, shown.

Both share the database, XUNJIAN_SECRET_KEY and the photo folder, as app instances behind a load balancer do.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import httpx
import pytest

from tests.api.checklist_answers import payload
from tests.conftest import DEMO_PASSWORD
from tests.integration.serve import Server, demo_database, login
from xunjian.accounts.service import PrincipalCache

ROUNDS = 20


@pytest.fixture(scope="module")
def two_servers(backend, demo_snapshot, tmp_path_factory):
    """Started once for the module: each test uses accounts and records of its own."""
    if backend.name != "postgres":
        pytest.skip("two app instances need PostgreSQL (XUNJIAN_TEST_DATABASE_URL)")
    tmp_path = tmp_path_factory.mktemp("two-instances")
    env = demo_database(backend, demo_snapshot, tmp_path / "data")
    env["XUNJIAN_SECRET_KEY"] = "two-instances-shared-secret-key-0123456789"
    servers = [Server(env, tmp_path / f"server-{i}.log") for i in range(2)]
    try:
        for s in servers:
            s.start()
        yield servers
    finally:
        for s in servers:
            s.stop()


def _at_once(calls) -> list[httpx.Response]:
    """Run the calls in threads released together by a barrier; their responses in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_the_same_inspection_put_to_both_instances_leaves_one_record(two_servers, backend):
    a, b = two_servers
    headers = login(a.url, "inspector", DEMO_PASSWORD)
    sites = httpx.get(f"{a.url}/api/sites", params={"limit": 100}, headers=headers, timeout=30).json()["items"]
    site_id = next(s["id"] for s in sites if s["code"] == "YL-620102-001")
    with httpx.Client(headers=headers, timeout=30) as client:
        outcomes = []
        for n in range(ROUNDS):
            ident, body = uuid.uuid4(), payload(site_id, remarks=f"round {n}")
            responses = _at_once([lambda s=s: client.put(f"{s.url}/api/inspections/{ident}", json=body)
                                  for s in (a, b)])
            outcomes.append(sorted(r.status_code for r in responses))
            got = client.get(f"{b.url}/api/inspections/{ident}")
            assert got.status_code == 200 and got.json()["remarks"] == f"round {n}"
    assert outcomes == [[200, 201]] * ROUNDS, [r for r in outcomes if r != [200, 201]]
    assert asyncio.run(_count(backend.url, "SELECT COUNT(*) FROM inspection WHERE remarks LIKE 'round %'")) == ROUNDS


async def _count(url: str, sql: str) -> int:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        return await con.fetchval(sql)
    finally:
        await con.close()


def test_a_logout_on_one_instance_is_refused_on_the_other_within_the_cache_ttl(two_servers):
    a, b = two_servers
    headers = login(a.url, "inspector", DEMO_PASSWORD)
    with httpx.Client(headers=headers, timeout=10) as client:
        assert client.get(f"{b.url}/api/me").status_code == 200  # now cached by b
        assert client.post(f"{a.url}/api/auth/logout").status_code == 204
        logged_out = time.monotonic()
        assert client.get(f"{a.url}/api/me").status_code == 401  # at once where it happened
        ttl = PrincipalCache().ttl
        status = 200
        while status != 401 and time.monotonic() - logged_out < ttl + 3:
            time.sleep(0.1)
            status = client.get(f"{b.url}/api/me").status_code
        refused_after = time.monotonic() - logged_out
    assert status == 401
    assert refused_after <= ttl + 1, f"the other instance still accepted the session after {refused_after:.1f} s"


def test_the_same_job_started_on_both_instances_runs_once(two_servers, backend):
    """While one instance runs the risk job, the same job started on the other is skipped. The test holds a lock on
    the table the job rates into, so that the first run is still under way whatever the two requests' skew (demo
    data rates in tens of milliseconds)."""
    a, b = two_servers
    with httpx.Client(headers=login(a.url, "admin", DEMO_PASSWORD), timeout=60) as client, \
            ThreadPoolExecutor(2) as pool:
        for _ in range(3):
            with _table_locked(backend.url, "site_risk"):
                barrier = threading.Barrier(2)

                def run(server):
                    barrier.wait()
                    return client.post(f"{server.url}/api/admin/jobs/risk/run")

                pending = {pool.submit(run, s) for s in (a, b)}
                done, pending = wait(pending, timeout=30, return_when=FIRST_COMPLETED)
                first = [f.result() for f in done]
            second = [f.result() for f in pending] if pending else []
            responses = first + second
            assert [r.status_code for r in responses] == [200, 200], [r.text[:300] for r in responses]
            assert [r.json()["status"] for r in responses] == ["skipped", "ok"], [r.json() for r in responses]


@contextlib.contextmanager
def _table_locked(url: str, table: str):
    """An open transaction holding an exclusive lock on the table, on an event loop of its own."""
    import asyncpg

    loop = asyncio.new_event_loop()
    con = loop.run_until_complete(asyncpg.connect(url))
    try:
        loop.run_until_complete(con.execute(f'BEGIN; LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE'))
        yield
    finally:
        loop.run_until_complete(con.close())  # ends the transaction
        loop.close()
