"""The argon2 bound, driven step by step (no timing)."""

import asyncio

import pytest

from xunjian.accounts.passwords import WorkLimiter
from xunjian.errors import ServiceUnavailable


async def _hold(limiter: WorkLimiter, entered: asyncio.Event, leave: asyncio.Event):
    async with limiter.slot():
        entered.set()
        await leave.wait()


async def _held(limiter: WorkLimiter) -> tuple[asyncio.Task, asyncio.Event]:
    """A task holding one slot until the returned event is set."""
    entered, leave = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(_hold(limiter, entered, leave))
    await entered.wait()
    return task, leave


async def test_beyond_slots_and_queue_the_answer_is_503_with_retry_after():
    limiter = WorkLimiter(concurrency=1, queue=1, max_wait=30)
    first, first_out = await _held(limiter)
    second_in, second_out = asyncio.Event(), asyncio.Event()
    second = asyncio.create_task(_hold(limiter, second_in, second_out))
    await asyncio.sleep(0)
    with pytest.raises(ServiceUnavailable) as refused:
        async with limiter.slot():
            pass
    assert int(refused.value.headers["Retry-After"]) >= 1
    assert not second_in.is_set()
    first_out.set()
    await first
    await second_in.wait()  # the queued caller got the freed slot
    second_out.set()
    await second
    assert limiter.running == 0


async def test_a_cancelled_waiter_gives_its_place_back():
    limiter = WorkLimiter(concurrency=1, queue=1, max_wait=30)
    holder, release = await _held(limiter)
    waiter = asyncio.create_task(_hold(limiter, asyncio.Event(), asyncio.Event()))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await holder
    assert limiter.running == 0
    async with limiter.slot():
        assert limiter.running == 1


async def test_a_waiter_gives_up_after_the_maximum_wait():
    limiter = WorkLimiter(concurrency=1, queue=5, max_wait=0)
    holder, release = await _held(limiter)
    with pytest.raises(ServiceUnavailable):
        async with limiter.slot():
            pass
    release.set()
    await holder
    assert limiter.running == 0
