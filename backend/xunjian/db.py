"""Engine choice and transactions.

SQLite is the embedded default (WAL, IMMEDIATE transactions for read-then-write work). SQLite has one writer, and its
busy handler neither queues nor is fair: under load some writers waited past the timeout and failed with "database is
locked". So every write of this process (each write transaction, each write statement outside one) first takes one
in-process writer lock, a fair queue; the busy timeout remains for other processes (`xunjian jobs run`).
PostgreSQL is used when XUNJIAN_DATABASE_URL says so, with a connection pool opened in the lifespan. The engine is bound to every table at start-up: nothing is cached at
import time.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import functools
import importlib
import re
import sqlite3
import threading
import uuid
import weakref
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import AsyncIterator

from piccolo.conf.apps import AppConfig
from piccolo.engine.base import Engine
import aiosqlite
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from .config import Settings
from .errors import DATABASE_RETRY_AFTER, ConfigError, ServiceUnavailable

from .piccolo_conf import APP_MODULES


# SQLite hands every value of a declared INTEGER, TIMESTAMPTZ, BOOLEAN or UUID column to a converter registered for
# the type (process-wide). Piccolo's go through a generic bytes-or-str wrapper and read every integer through
# Decimal: on the findings list (28 columns a row) they cost more than the statement itself (1.4 ms -> 0.56 ms for
# a page of 18). These give the same values, faster; Piccolo's array converters do not use the registry.
def _int_out(value: bytes) -> int:
    try:
        return int(value)
    except ValueError:  # "1.0" and the like, which Piccolo accepts too
        return int(Decimal(value.decode("utf8")))


# Remembered: a list polled by phones reads the same timestamps again and again, and a datetime is immutable
# (a page of 18 findings, 0.54 -> 0.40 ms).
@functools.lru_cache(maxsize=16384)
def _timestamptz_out(value: bytes, _utc=datetime.timezone.utc) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.decode("utf8")).replace(tzinfo=_utc)


def _boolean_out(value: bytes) -> bool:
    return value == b"1"


@functools.lru_cache(maxsize=16384)  # immutable too, and read again on every poll (4% of a findings page)
def _uuid_out(value: bytes) -> uuid.UUID:
    return uuid.UUID(value.decode("utf8"))


for _type, _converter in {"INTEGER": _int_out, "TIMESTAMPTZ": _timestamptz_out, "BOOLEAN": _boolean_out,
                          "UUID": _uuid_out}.items():
    sqlite3.register_converter(_type, _converter)


def app_configs() -> list[AppConfig]:
    return [importlib.import_module(m).APP_CONFIG for m in APP_MODULES]


def all_tables() -> list[type[Table]]:
    tables: list[type[Table]] = []
    for cfg in app_configs():
        tables.extend(cfg.table_classes)
    return tables


# As long as SQLite's own busy timeout: a writer waiting longer is answered 503 instead of waiting on.
WRITER_WAIT_SECONDS = 30

# Statements that only read: a SELECT, EXPLAIN or WITH with no write word in it. Anything else (INSERT, UPDATE,
# DELETE, DDL, PRAGMA optimize, a WITH ending in a write) counts as a write; a false "write" costs a wait in the
# writer queue (the due list, a WITH query, queued behind every submission), a false "read" would bring back
# "database is locked".
_READ_ONLY = re.compile(r"\s*(SELECT|EXPLAIN|WITH)\b", re.IGNORECASE)
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_READ_QUERY_TYPES = {"select", "objects", "count", "exists", "table_exists"}


def is_write(query: str, query_type: str = "generic") -> bool:
    if query_type in _READ_QUERY_TYPES:
        return False
    return _is_write_sql(query)


@functools.lru_cache(maxsize=1024)
def _is_write_sql(query: str) -> bool:
    # Named SQL repeats the same few texts; scanning a board query for write words cost 5% of its request.
    return not _READ_ONLY.match(query) or bool(_WRITE_WORD.search(query))


class WriterLock:
    """One SQLite writer at a time in this process, in arrival order, across event loops and threads (the scheduler
    runs its jobs as tasks on the server's loop; a test client or a CLI may run another loop). Re-entrant within a
    task: a write transaction inside another, or a write statement inside a write transaction, does not wait for
    itself. Child tasks inherit the holder's context, as they inherit Piccolo's current transaction."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queues: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> asyncio.Lock
        self._held = contextvars.ContextVar(f"sqlite_writer_{id(self)}", default=False)

    def held(self) -> bool:
        return self._held.get()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        if self._held.get():
            yield
            return
        queue = self._queues.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        try:
            async with asyncio.timeout(WRITER_WAIT_SECONDS):
                await queue.acquire()
                try:
                    await self._acquire_across_loops()
                except BaseException:
                    queue.release()
                    raise
        except TimeoutError:
            raise ServiceUnavailable("The database is busy; try again shortly", code="database_busy",
                                     retry_after=DATABASE_RETRY_AFTER) from None
        token = self._held.set(True)
        try:
            yield
        finally:
            self._held.reset(token)
            self._lock.release()
            queue.release()

    async def _acquire_across_loops(self) -> None:
        # Within one loop the asyncio queue already serialises; only another loop or thread can hold the lock here.
        if self._lock.acquire(blocking=False):
            return
        waiting = asyncio.get_running_loop().run_in_executor(None, self._lock.acquire)
        try:
            await asyncio.shield(waiting)
        except BaseException:
            # Given up (timeout, cancelled): whenever the thread gets the lock, hand it straight back.
            waiting.add_done_callback(lambda _: self._lock.release())
            raise


def _execute_fetch(conn: sqlite3.Connection, query: str, args, commit: bool) -> list:
    """Runs in an aiosqlite connection's own thread: a statement in one trip there instead of three or four."""
    cursor = conn.execute(query, args)
    try:
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if commit:
        conn.commit()
    return rows


class _PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on one of the pool's connections, handed back at the end, instead of Piccolo's new connection
    (a connection and a thread opened and closed per write). A connection whose BEGIN, COMMIT or ROLLBACK failed is
    closed, not handed back: it may be mid-transaction, and a failed BEGIN's would otherwise keep its thread alive."""

    async def get_connection(self):
        return await self.engine._borrow()

    async def begin(self):
        try:
            await super().begin()
        except BaseException:
            await self.engine._discard(self.connection)
            raise

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await self.engine._discard(self.connection)
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
        self.engine._give_back(self.connection)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a new connection (and a thread) for every query outside a transaction, which
    caps a read endpoint at a few hundred requests per second. This keeps a few connections open per event loop
    and hands them out in turn; transactions still get a connection of their own."""

    def __init__(self, *args, pool_size: int = 4, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_size = pool_size
        self.writer = WriterLock()
        self._pools: dict[int, asyncio.Queue] = {}
        self._opened: dict[int, list] = {}

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        return _PooledSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _pool(self) -> asyncio.Queue:
        key = id(asyncio.get_running_loop())
        pool = self._pools.get(key)
        if pool is None:
            pool = asyncio.Queue()
            self._pools[key] = pool
            self._opened[key] = []
        if pool.empty() and len(self._opened[key]) < self.pool_size:
            connection = aiosqlite.connect(**self.connection_kwargs)
            # A pool left open by a caller that never shuts the engine down must not keep the process alive.
            connection._thread.daemon = True
            await connection
            await connection.execute("PRAGMA foreign_keys = 1")
            connection.row_factory = dict_factory
            self._opened[key].append(connection)
            pool.put_nowait(connection)
        return pool

    async def _borrow(self):
        return await (await self._pool()).get()

    def _give_back(self, connection) -> None:
        key = id(asyncio.get_running_loop())
        if connection in self._opened.get(key, []):
            self._pools[key].put_nowait(connection)

    async def _discard(self, connection) -> None:
        """A connection that may be mid-transaction leaves the pool (a new one is opened when needed)."""
        opened = self._opened.get(id(asyncio.get_running_loop()), [])
        if connection in opened:
            opened.remove(connection)
        await connection.close()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if not self.writer.held() and is_write(query, query_type):
            async with self.writer.hold():
                return await self._run_pooled(query, args)
        return await self._run_pooled(query, args)

    async def _run_pooled(self, query, args):
        connection = await self._borrow()
        try:
            rows = await connection._execute(_execute_fetch, connection._conn, query, args or [], True)
        except BaseException:
            # A failed statement may leave the connection mid-transaction: replace it rather than reuse it.
            await self._discard(connection)
            raise
        self._give_back(connection)
        return rows

    async def _run_in_existing_connection(self, connection, query, args=None, query_type="generic", table=None):
        # Inside a transaction: one trip, no PRAGMA (the pool's connections have foreign keys on). RETURNING exists
        # from SQLite 3.35, which Piccolo's own path works around before.
        if sqlite3.sqlite_version_info < (3, 35):
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        return await connection._execute(_execute_fetch, connection._conn, query, args or [], False)

    async def close_pool(self) -> None:
        key = id(asyncio.get_running_loop())
        for connection in self._opened.pop(key, []):
            await connection.close()
        self._pools.pop(key, None)


def make_engine(settings: Settings) -> Engine:
    if settings.is_postgres:
        return PostgresEngine(config={"dsn": settings.database_url})
    if settings.database_url and settings.database_url.startswith("sqlite:///"):
        path = settings.database_url.removeprefix("sqlite:///")
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path = str(settings.sqlite_path)
    return PooledSQLiteEngine(path=path, timeout=30)


def bind_engine(engine: Engine) -> None:
    for table in all_tables():
        table._meta.db = engine
    # The migration runner and `piccolo` CLI find the engine through piccolo_conf.
    from . import piccolo_conf

    piccolo_conf.DB = engine


def is_sqlite(engine: Engine | None = None) -> bool:
    if engine is None:
        from . import piccolo_conf

        engine = piccolo_conf.DB
    return engine.engine_type == "sqlite"


def current_engine() -> Engine:
    from . import piccolo_conf

    if piccolo_conf.DB is None:
        raise ConfigError("No database engine bound")
    return piccolo_conf.DB


async def _keep_session(connection) -> None:
    """A pooled PostgreSQL connection handed back as it is. asyncpg's default reset (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL) is a second round trip after every statement, and nothing here leaves that state on a pooled
    connection: settings only as SET LOCAL, advisory locks only as transaction locks (a job's session lock has its
    own connection, jobs/locks.py), no LISTEN, no cursors WITH HOLD. asyncpg still rolls back an open transaction."""


async def prepare(engine: Engine, pool_size: int = 20) -> None:
    """Open the pool (PostgreSQL) or switch on WAL (SQLite); fail loudly when the database is unreachable."""
    if engine.engine_type == "sqlite":
        path = engine.path
        try:
            con = sqlite3.connect(path, timeout=30)
            con.execute("PRAGMA journal_mode=WAL")
            con.close()
        except sqlite3.Error as exc:
            raise ConfigError(f"Cannot open the SQLite database at {path}: {exc}") from exc
        return
    try:
        await engine.start_connection_pool(max_size=pool_size, min_size=1, reset=_keep_session)
        await engine.run_ddl("SELECT 1")
    except Exception as exc:  # asyncpg raises many kinds; all mean "cannot start"
        raise ConfigError(f"Cannot reach PostgreSQL: {exc}") from exc


async def shutdown(engine: Engine) -> None:
    if isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()
    elif engine.engine_type != "sqlite":
        await engine.close_connection_pool()


@asynccontextmanager
async def write_transaction(engine: Engine | None = None):
    """A transaction for read-then-write work: IMMEDIATE on SQLite, taken after the process's writer lock; a plain
    transaction on PostgreSQL."""
    engine = engine or current_engine()
    if isinstance(engine, PooledSQLiteEngine):
        async with engine.writer.hold(), engine.transaction(transaction_type=TransactionType.immediate) as tx:
            yield tx
    elif engine.engine_type == "sqlite":
        async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
            yield tx
    else:
        async with engine.transaction() as tx:
            yield tx


async def ping(engine: Engine | None = None) -> bool:
    try:
        await (engine or current_engine()).run_ddl("SELECT 1")
        return True
    except Exception:
        return False


@functools.lru_cache(maxsize=1024)
def _engine_sql(sql: str, engine_type: str) -> str:
    """`{}` placeholders as the engine's own (`?`, `$n`)."""
    parts = sql.split("{}")
    if engine_type == "sqlite":
        return "?".join(parts)
    return "".join(part + (f"${i}" if i < len(parts) else "") for i, part in enumerate(parts, 1))


async def fetch(sql: str, *args) -> list[dict]:
    """Raw SQL with `{}` placeholders (Piccolo's QueryString style) for set-based work.

    Named SQL repeats the same few texts: each is translated to the engine's placeholders once (`_engine_sql`) and
    handed to Piccolo already compiled, instead of being split into fragments again on every call. Other braces
    and nested QueryStrings are left to Piccolo."""
    from piccolo.querystring import QueryString

    engine = current_engine()
    querystring = QueryString(sql, *args)
    plain = sql.count("{") == sql.count("}") == sql.count("{}")
    if plain and not any(isinstance(a, QueryString) for a in querystring.args):
        querystring._frozen_compiled_strings = (_engine_sql(sql, engine.engine_type), list(args))
    return await engine.run_querystring(querystring)


def _migration_table(engine: Engine):
    """Piccolo's migration bookkeeping, pointed at `engine` (its runner finds our apps through PICCOLO_CONF)."""
    import os

    from piccolo.apps.migrations.tables import Migration

    os.environ["PICCOLO_CONF"] = "xunjian.piccolo_conf"
    Migration._meta.db = engine
    return Migration


async def pending_migrations(engine: Engine) -> list[str]:
    """`app:id` of every migration the database has not applied (every one of them on an empty database)."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    Migration = _migration_table(engine)
    applied: set[tuple[str, str]] = set()
    if await Migration.table_exists():
        applied = {(r["app_name"], r["name"]) for r in await Migration.select(Migration.app_name, Migration.name)}
    finder = BaseMigrationManager()
    pending = []
    for app in finder.get_app_registry().app_configs.values():
        modules = finder.get_migration_modules(app.resolved_migrations_folder_path)
        pending += [f"{app.app_name}:{mid}" for mid in finder.get_migration_ids(modules)
                    if (app.app_name, mid) not in applied]
    return pending


async def ensure_migrated(engine: Engine) -> None:
    """Refuse to start on a database the migrations have not (all) been applied to, saying what to do, instead of
    failing later on a missing table or column."""
    pending = await pending_migrations(engine)
    if pending:
        raise ConfigError(f"The database is not up to date: {len(pending)} migration(s) not applied "
                          f"(the first: {pending[0]}). Run `xunjian migrate` first.")


async def migrate(engine: Engine) -> int:
    """Apply every app's migrations from wherever the database stands (empty included); returns how many ran.

    Piccolo prints a table per app on every run, applied or not; that goes to the debug log (and into the error
    when a migration fails), so a first start shows what a person needs rather than thirty tables."""
    import contextlib
    import io
    import logging

    from piccolo.apps.migrations.commands.forwards import run_forwards

    bind_engine(engine)
    _migration_table(engine)
    pending = await pending_migrations(engine)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = await run_forwards(app_name="all")
    logging.getLogger("xunjian.db").debug("Migrations:\n%s", printed.getvalue())
    if not result.success:
        raise ConfigError(f"Migrations failed: {result.message}\n{printed.getvalue()}")
    return len(pending)
