"""Outbound webhooks: a receiver in the test gets a correctly signed delivery; a failing one is retried with backoff
and every attempt is logged; a slow one costs the delivery job one short timeout and the escalation job nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from xunjian.escalation.service import escalate
from xunjian.notifications import rules
from xunjian.notifications.delivery import deliver_due
from xunjian.notifications.tables import WebhookAttempt, WebhookDelivery

from . import factory
from .receiver import Receiver

LZ = "YL-620102-001"
SECRET = "a-test-secret-of-some-length"


async def _subscribe(client, as_user, url: str, **extra) -> dict:
    await factory.close_existing_findings()
    r = await client.post("/api/admin/webhooks", headers=await as_user("admin"),
                          json={"name": "督办推送", "url": url, "secret": SECRET, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_receiver_gets_a_correctly_signed_delivery(client, demo, as_user):
    with Receiver().running() as receiver:
        hook = await _subscribe(client, as_user, receiver.url)
        assert hook["secret"] == SECRET
        deadline = factory.utcnow() + timedelta(days=5)
        fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline, grade="major")
        counts = await escalate(deadline)
        assert counts["webhooks_queued"] == 1  # the reminder is superseded by level 2 in the same run
        assert await deliver_due(deadline) == {"delivered": 1, "retry": 0, "failed": 0}

    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    headers = {k.lower(): v for k, v in got["headers"].items()}
    assert rules.verify(SECRET, headers["x-xunjian-timestamp"], got["body"], headers["x-xunjian-signature"])
    assert headers["x-xunjian-signature"] == rules.signature(SECRET, headers["x-xunjian-timestamp"], got["body"])
    assert headers["content-type"] == "application/json"
    body = json.loads(got["body"])
    assert body["type"] == "escalation.step"
    assert body["data"]["subject_type"] == "finding" and body["data"]["subject_id"] == fid
    assert body["data"]["level"] == 2 and body["data"]["site"]["code"] == LZ

    log = (await client.get(f"/api/admin/webhooks/{hook['id']}/deliveries", headers=await as_user("admin"))).json()
    assert log["items"][0]["status"] == "delivered"
    assert [a["status_code"] for a in log["items"][0]["log"]] == [200]
    # Delivered once: another run sends nothing.
    assert await deliver_due(deadline + timedelta(hours=1)) == {"delivered": 0, "retry": 0, "failed": 0}


async def test_a_failing_receiver_is_retried_with_backoff_and_logged(client, demo, as_user):
    with Receiver(status=500).running() as receiver:
        hook = await _subscribe(client, as_user, receiver.url)
        deadline = factory.utcnow() + timedelta(days=5)
        await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)
        await escalate(deadline - timedelta(days=3))
        now = deadline - timedelta(days=3)
        assert await deliver_due(now) == {"delivered": 0, "retry": 1, "failed": 0}
        delivery = await WebhookDelivery.select().first()
        assert delivery["status"] == "pending" and delivery["attempts"] == 1
        assert delivery["next_attempt_at"] == now + timedelta(minutes=1)
        # Not yet due: nothing is sent.
        assert await deliver_due(now + timedelta(seconds=30)) == {"delivered": 0, "retry": 0, "failed": 0}
        assert await deliver_due(now + timedelta(minutes=1)) == {"delivered": 0, "retry": 1, "failed": 0}
        assert len(receiver.requests) == 2
        receiver.status = 204
        later = now + timedelta(minutes=1) + timedelta(minutes=2)
        assert await deliver_due(later) == {"delivered": 1, "retry": 0, "failed": 0}

    attempts = await WebhookAttempt.select(WebhookAttempt.status_code, WebhookAttempt.error).order_by(WebhookAttempt.id)
    assert [a["status_code"] for a in attempts] == [500, 500, 204]
    assert attempts[0]["error"] == "HTTP 500"
    log = (await client.get(f"/api/admin/webhooks/{hook['id']}/deliveries", headers=await as_user("admin"))).json()
    assert log["items"][0]["status"] == "delivered" and log["items"][0]["attempts"] == 3
    assert len(log["items"][0]["log"]) == 3


async def test_a_dead_receiver_is_given_up_after_the_last_attempt(client, demo, as_user):
    await _subscribe(client, as_user, "http://127.0.0.1:9/nobody-listens")
    deadline = factory.utcnow() + timedelta(days=5)
    await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)
    now = deadline - timedelta(days=3)
    await escalate(now)
    outcomes = []
    for _ in range(rules.MAX_ATTEMPTS):
        counts = await deliver_due(now)
        outcomes.append("failed" if counts["failed"] else "retry" if counts["retry"] else "-")
        now += timedelta(hours=7)
    assert outcomes == ["retry"] * (rules.MAX_ATTEMPTS - 1) + ["failed"]
    delivery = await WebhookDelivery.select().first()
    assert delivery["status"] == "failed" and delivery["attempts"] == rules.MAX_ATTEMPTS
    assert "Connect" in delivery["last_error"]


async def test_a_slow_receiver_holds_up_nothing(client, demo, as_user):
    with Receiver(delay=3).running() as receiver:
        await _subscribe(client, as_user, receiver.url)
        deadline = factory.utcnow() + timedelta(days=5)
        for _ in range(3):
            await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)
        started = time.monotonic()
        counts = await escalate(deadline)  # queues only
        assert counts["webhooks_queued"] == 3
        assert time.monotonic() - started < 2
        started = time.monotonic()
        result = await deliver_due(deadline, timeout=0.5)  # sent concurrently, each cut at the timeout
        assert time.monotonic() - started < 2.5
        assert result == {"delivered": 0, "retry": 3, "failed": 0}
    errors = {a["error"].split(":")[0] for a in await WebhookAttempt.select(WebhookAttempt.error)}
    assert errors == {"ReadTimeout"}


async def test_region_webhooks_get_only_their_regions_events(client, demo, as_user):
    with Receiver().running() as receiver:
        await _subscribe(client, as_user, receiver.url, region_id=demo.regions["620500"])  # 天水
        deadline = factory.utcnow() + timedelta(days=5)
        await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline)  # 兰州
        ts = await factory.finding(demo.sites["YL-620502-004"], demo.users["inspector2"], deadline=deadline)
        assert (await escalate(deadline))["webhooks_queued"] == 1
        await deliver_due(deadline)
    assert [json.loads(r["body"])["data"]["subject_id"] for r in receiver.requests] == [ts]
