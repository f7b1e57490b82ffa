"""Passwords: argon2id, with a bound on how many hashes are computed at once.

Each argon2id computation holds `argon2_memory_kib` (64 MiB by default) and a core for a while; a shift-start crowd
computing them all at once ran the server out of memory and starved every other request. At most
`login_concurrency` run at once, up to `login_queue` callers wait for a slot, each at most `login_queue_seconds`;
beyond that the answer is 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..config import Settings
from ..errors import Invalid, ServiceUnavailable
from . import rules

MIN_PASSWORD_LENGTH = 8


class WorkLimiter:
    """A semaphore with a bounded, first-come queue and a bounded wait. It holds no event-loop object while idle,
    so one instance serves whichever loop uses it (each test runs its own)."""

    def __init__(self, concurrency: int, queue: int, max_wait: float):
        self.concurrency, self.queue, self.max_wait = concurrency, queue, max_wait
        self.running = 0
        self._waiters: deque[asyncio.Future] = deque()
        self._seconds_each = 0.1  # a running mean of how long a slot is held, for Retry-After

    def _busy(self, message: str) -> ServiceUnavailable:
        wait = rules.overload_retry_after(len(self._waiters), self.concurrency, self._seconds_each,
                                          max(1, int(self.max_wait)))
        return ServiceUnavailable(message, retry_after=wait)

    async def _acquire(self) -> None:
        if self.running < self.concurrency and not self._waiters:
            self.running += 1
            return
        if len(self._waiters) >= self.queue:
            raise self._busy("The server is busy checking passwords; try again shortly")
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._waiters.append(waiter)

        def give_up() -> None:
            if not waiter.done():
                waiter.set_exception(self._busy("The server is busy checking passwords; try again shortly"))

        timer = loop.call_later(self.max_wait, give_up)
        try:
            await waiter
        except BaseException:
            # Cancelled just after a slot was handed over: pass it on rather than lose it.
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release()
            raise
        finally:
            timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes straight to the next caller
                return
        self.running -= 1

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        started = time.monotonic()
        try:
            yield
        finally:
            self._seconds_each = 0.8 * self._seconds_each + 0.2 * (time.monotonic() - started)
            self._release()


_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this hash when the user does not exist keeps the timing of "no such user" and "wrong password" alike.
_dummy_hash = _hasher.hash("not-a-real-password")
_defaults = Settings()
_limiter = WorkLimiter(_defaults.login_concurrency, _defaults.login_queue, _defaults.login_queue_seconds)


def configure(settings: Settings) -> None:
    """argon2id cost (the test suite lowers it; production keeps the library's defaults) and the bound."""
    global _hasher, _dummy_hash, _limiter
    _limiter = WorkLimiter(settings.login_concurrency, settings.login_queue, settings.login_queue_seconds)
    if settings.argon2_memory_kib == _hasher.memory_cost and settings.argon2_time_cost == _hasher.time_cost:
        return
    _hasher = PasswordHasher(memory_cost=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost)
    _dummy_hash = _hasher.hash("not-a-real-password")


def slot():
    """One argon2 slot, for a caller that has more to do inside it than one hash (login rechecks its throttle)."""
    return _limiter.slot()


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_in_slot(password_hash: str | None, password: str) -> bool:
    """Verify while holding a slot from `slot()`; no hash (no such user) verifies against a dummy and fails."""
    return await anyio.to_thread.run_sync(_verify, password_hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    async with slot():
        return await verify_in_slot(password_hash, password)


async def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Password must have at least {MIN_PASSWORD_LENGTH} characters", details={"field": "password"})
    async with slot():
        return await anyio.to_thread.run_sync(_hasher.hash, password)
