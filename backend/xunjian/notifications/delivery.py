"""The webhook delivery job: send due deliveries concurrently with a short timeout, log every attempt, back off.

A slow or dead receiver costs at most one timeout per attempt here, and never touches the jobs that queued the
events (they only inserted rows).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

import httpx

from .. import db
from ..jobs.registry import JobContext, JobSpec, register
from . import rules
from .tables import WebhookAttempt, WebhookDelivery

log = logging.getLogger("xunjian.webhooks")

BATCH = 200
CONCURRENCY = 8
TIMEOUT_SECONDS = 5.0


async def _send(client: httpx.AsyncClient, row: dict, now: datetime) -> tuple[int | None, str, int]:
    body = row["payload"].encode() if isinstance(row["payload"], str) else bytes(row["payload"])
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        rules.TIMESTAMP_HEADER: timestamp,
        rules.SIGNATURE_HEADER: rules.signature(row["secret"], timestamp, body),
        rules.EVENT_HEADER: row["event_type"],
        rules.DELIVERY_HEADER: str(row["id"]),
        "User-Agent": "xunjian-webhooks/1",
    }
    started = time.monotonic()
    try:
        response = await client.post(row["url"], content=body, headers=headers)
        status, error = response.status_code, "" if response.is_success else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:1000] or type(exc).__name__
    return status, error, int((time.monotonic() - started) * 1000)


async def _record(row: dict, now: datetime, status: int | None, error: str, duration_ms: int) -> str:
    attempts = row["attempts"] + 1
    ok = status is not None and 200 <= status < 300
    values: dict = {WebhookDelivery.attempts: attempts, WebhookDelivery.last_status_code: status,
                    WebhookDelivery.last_error: error}
    if ok:
        outcome = "delivered"
        values[WebhookDelivery.status] = "delivered"
        values[WebhookDelivery.delivered_at] = now
    else:
        retry_at = rules.next_attempt(attempts, now)
        outcome = "retry" if retry_at else "failed"
        values[WebhookDelivery.status] = "pending" if retry_at else "failed"
        if retry_at:
            values[WebhookDelivery.next_attempt_at] = retry_at
    async with db.write_transaction():
        await WebhookAttempt.insert(WebhookAttempt(delivery=row["id"], at=now, status_code=status, error=error,
                                                   duration_ms=duration_ms))
        await WebhookDelivery.update(values).where(WebhookDelivery.id == row["id"])
    return outcome


async def deliver_due(now: datetime, timeout: float = TIMEOUT_SECONDS) -> dict[str, int]:
    rows = await WebhookDelivery.select(
        WebhookDelivery.id, WebhookDelivery.event_type, WebhookDelivery.payload, WebhookDelivery.attempts,
        WebhookDelivery.subscription.url.as_alias("url"), WebhookDelivery.subscription.secret.as_alias("secret"),
    ).where(
        (WebhookDelivery.status == "pending") & (WebhookDelivery.next_attempt_at <= now)
        & (WebhookDelivery.subscription.is_active == True)  # noqa: E712
    ).order_by(WebhookDelivery.next_attempt_at).limit(BATCH)
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    if not rows:
        return counts
    semaphore = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False) as client:

        async def one(row: dict) -> None:
            async with semaphore:
                status, error, ms = await _send(client, row, now)
            counts[await _record(row, now, status, error, ms)] += 1

        await asyncio.gather(*(one(r) for r in rows))
    return counts


async def run_job(ctx: JobContext) -> dict[str, int]:
    return await deliver_due(ctx.now)


register(JobSpec(
    name="webhooks",
    fn=run_job,
    description="Send queued webhook deliveries (signed, retried with backoff, every attempt logged)",
    trigger=("interval", {"minutes": 1}),
    misfire_grace_time=300,
))


