"""Shared fixtures. Every database test runs on SQLite, and on PostgreSQL too when XUNJIAN_TEST_DATABASE_URL is set.

The schema is built once per engine by the real migrations (so migrating from empty is tested on both); each test
then starts from an empty database: a copy of the migrated SQLite file, or TRUNCATE on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import httpx

from xunjian import db
from xunjian.config import Settings



def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own, named after the configured one with the
    worker's id (`xunjian_ci_gw0`…), created when missing: the suite truncates and migrates its database, and two
    workers on one would wipe each other's rows. Without xdist the configured database is used as it is."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{worker}"
    import asyncpg

    async def create() -> None:
        con = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
        try:
            if not await con.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await con.execute(f'CREATE DATABASE "{name}"')
        finally:
            await con.close()

    asyncio.run(create())
    return urlunsplit(parts._replace(path=f"/{name}"))


TEST_PG_URL = _worker_database(os.environ.get("XUNJIAN_TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgres"] if TEST_PG_URL else [])
DEMO_PASSWORD = "demo-password-1"
# The tests' own personal-data key (32 bytes in base64), so that PostgreSQL runs have one too.
TEST_PII_KEY = "dGVzdC1vbmx5LXBpaS1rZXktMzItYnl0ZXMtbG9uZyE="


@dataclass
class Backend:
    name: str
    template: Path | None = None
    url: str | None = None


def base_settings(data_dir: Path, **overrides) -> Settings:
    values = dict(
        data_dir=data_dir,
        demo_password=DEMO_PASSWORD,
        # argon2id still, at a cost that keeps the suite fast.
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        pii_key=TEST_PII_KEY,
        # Most tests record an inspection by one inspector; the tests of the two-inspector rule
        # (tests/api/test_inspectors.py) set the production default (eldercare) themselves.
        two_inspectors_kinds=(),
    )
    values.update(overrides)
    return Settings(**values)


async def _reset_postgres(url: str) -> None:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        await con.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await con.close()


async def _migrate(settings: Settings) -> None:
    engine = db.make_engine(settings)
    await db.prepare(engine, 2)
    try:
        await db.migrate(engine)
    finally:
        await db.shutdown(engine)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory) -> Backend:
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("sqlite-template")
        asyncio.run(_migrate(base_settings(folder)))
        return Backend("sqlite", template=base_settings(folder).sqlite_path)
    asyncio.run(_reset_postgres(TEST_PG_URL))
    asyncio.run(_migrate(base_settings(tmp_path_factory.mktemp("pg"), database_url=TEST_PG_URL)))
    return Backend("postgres", url=TEST_PG_URL)


async def _truncate_postgres(url: str) -> None:
    import asyncpg

    names = ", ".join(f'"{t._meta.tablename}"' for t in db.all_tables())
    con = await asyncpg.connect(url)
    try:
        await con.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await con.close()


async def _load_demo(settings: Settings) -> None:
    from xunjian import demo as demo_module
    from xunjian.accounts.service import configure_hasher
    from xunjian.patrols import pii

    engine = db.make_engine(settings)
    db.bind_engine(engine)
    configure_hasher(settings)
    pii.configure(settings)
    await db.prepare(engine, 2)
    try:
        await pii.check_keys()
        # The base demo only (regions, sites, users): tests create the records they talk about themselves.
        await demo_module.load(settings, hooks=False)
    finally:
        await db.shutdown(engine)


async def _dump_postgres(url: str) -> dict[str, tuple[list[str], list[tuple]]]:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        out = {}
        for table in db.all_tables():
            name = table._meta.tablename
            rows = await con.fetch(f'SELECT * FROM "{name}"')
            if rows:
                out[name] = (list(rows[0].keys()), [tuple(r) for r in rows])
        return out
    finally:
        await con.close()


async def _restore_postgres(url: str, snapshot: dict) -> None:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        for name, (columns, records) in snapshot.items():
            await con.copy_records_to_table(name, records=records, columns=columns)
            if "id" in columns:
                await con.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT MAX(id) FROM \"{name}\"))"
                    f" WHERE pg_get_serial_sequence('\"{name}\"', 'id') IS NOT NULL"
                )
    finally:
        await con.close()


@pytest.fixture(scope="session")
def demo_snapshot(backend: Backend, tmp_path_factory):
    """The demo data loaded once per engine: an SQLite file to copy, or PostgreSQL rows to restore."""
    folder = tmp_path_factory.mktemp("demo-template")
    if backend.name == "sqlite":
        shutil.copy(backend.template, folder / "xunjian.sqlite3")
        asyncio.run(_load_demo(base_settings(folder)))
        return folder / "xunjian.sqlite3"
    asyncio.run(_truncate_postgres(backend.url))
    asyncio.run(_load_demo(base_settings(folder, database_url=backend.url)))
    return asyncio.run(_dump_postgres(backend.url))


@pytest.fixture
def settings(backend: Backend, tmp_path: Path, request) -> Settings:
    """A fresh database for each test; with the demo data already in it when the test uses the `demo` fixture."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    wants_demo = "demo" in request.fixturenames
    snapshot = request.getfixturevalue("demo_snapshot") if wants_demo else None
    if backend.name == "sqlite":
        shutil.copy(snapshot or backend.template, data_dir / "xunjian.sqlite3")
        return base_settings(data_dir)
    asyncio.run(_truncate_postgres(backend.url))
    if snapshot:
        asyncio.run(_restore_postgres(backend.url, snapshot))
    return base_settings(data_dir, database_url=backend.url)


@pytest.fixture
async def app(settings: Settings):
    from xunjian.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(app):
    """An HTTP client bound to the app in the test's own event loop (the lifespan, its pool and the requests share
    one loop, so tests may also use the tables directly)."""
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@contextlib.asynccontextmanager
async def running(app):
    """Run the app's lifespan in a task of its own: pytest-asyncio sets fixtures up and tears them down in different
    tasks, and the lifespan's cancel scopes must be left in the task that entered them."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan():
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # raises the start-up error
    try:
        yield
    finally:
        stop.set()
        await task


async def assert_start_fails(app, message: str) -> None:
    """The app's start stops with our ConfigError saying `message` (the lifespan may wrap it in an exception
    group)."""
    from xunjian.errors import ConfigError

    with pytest.raises(BaseException) as info:
        async with running(app):
            pass
    if isinstance(info.value, BaseExceptionGroup):
        assert info.group_contains(ConfigError, match=message)
    else:
        assert info.errisinstance(ConfigError) and message in str(info.value)


@pytest.fixture
async def demo(client, settings):
    """The base demo data of `xunjian demo` (regions, sites, users; `settings` put it in the database). Returns
    lookups by code and username."""
    from xunjian.accounts.tables import User
    from xunjian.regions.tables import Region
    from xunjian.sites.tables import Site

    return DemoData(
        sites={r["code"]: r["id"] for r in await Site.select(Site.id, Site.code)},
        regions={r["code"]: r["id"] for r in await Region.select(Region.id, Region.code)},
        users={r["username"]: r["id"] for r in await User.select(User.id, User.username)},
    )


@dataclass
class DemoData:
    sites: dict[str, int]
    regions: dict[str, int]
    users: dict[str, int]


async def login(client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Bearer headers for a user."""
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def as_user(client):
    cache: dict[str, dict] = {}

    async def _headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await login(client, username)
        return cache[username]

    return _headers


# A thread that is not a daemon and outlives the tests (a leaked aiosqlite connection, once) keeps the interpreter
# from exiting after pytest has printed its result, and CI would wait for it until its time runs out. Name such
# threads, count them as a failure, and leave with the session's status instead.
_SESSION: dict[str, int] = {}


def pytest_sessionfinish(session, exitstatus):
    _SESSION["status"] = int(exitstatus)


def pytest_unconfigure(config):
    import sys
    import threading

    left = [t for t in threading.enumerate()
            if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if left and "status" in _SESSION:
        sys.stdout.flush()
        sys.stderr.write(f"FAILED: the tests left {len(left)} non-daemon thread(s) running: "
                         f"{', '.join(t.name for t in left)}\n")
        sys.stderr.flush()
        os._exit(_SESSION["status"] or 1)
