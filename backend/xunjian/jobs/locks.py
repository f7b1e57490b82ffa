"""One run of a job at a time across processes.

PostgreSQL: a session-level advisory lock taken on a dedicated connection (not a pooled one: a pooled
`pg_try_advisory_xact_lock` releases at once and protects nothing), held for the whole run and released by closing
the connection, so a crashed holder frees it too. SQLite: the embedded default runs one scheduler; an flock on a file
next to the database still keeps a CLI run and the in-process scheduler of the same machine apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from typing import AsyncIterator

import anyio

from ..config import Settings


def lock_key(name: str) -> int:
    """A stable signed 64-bit key per job name (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.blake2b(f"xunjian.job.{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.asynccontextmanager
async def job_lock(settings: Settings, name: str) -> AsyncIterator[bool]:
    """Yields True when this process holds the job's lock, False when another does (the caller then skips)."""
    if settings.is_postgres:
        import asyncpg

        con = await asyncpg.connect(settings.database_url)
        try:
            held = await con.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(name))
            try:
                yield bool(held)
            finally:
                if held:
                    await con.execute("SELECT pg_advisory_unlock($1)", lock_key(name))
        finally:
            await con.close()
        return
    path = _sqlite_lock_path(settings, name)
    fd = await anyio.to_thread.run_sync(lambda: os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            held = False
        try:
            yield held
        finally:
            if held:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _sqlite_lock_path(settings: Settings, name: str) -> str:
    if settings.database_url and settings.database_url.startswith("sqlite:///"):
        base = settings.database_url.removeprefix("sqlite:///")
    else:
        base = str(settings.sqlite_path)
    return f"{base}.job-{name}.lock"
