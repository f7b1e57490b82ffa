"""Redelivering a webhook delivery: the same event goes out again, once, under the same delivery id, audited."""

from __future__ import annotations

from datetime import datetime, timezone

from xunjian.audit.tables import AuditEvent
from xunjian.notifications.delivery import deliver_due
from xunjian.notifications.tables import WebhookDelivery

from tests.integration.jobs.receiver import Receiver


async def _hook_with_delivery(client, admin, url: str) -> tuple[dict, int]:
    r = await client.post("/api/admin/webhooks", headers=admin, json={"name": "省平台", "url": url})
    assert r.status_code == 201, r.text
    hook = r.json()
    rows = await WebhookDelivery.insert(WebhookDelivery(
        subscription=hook["id"], event_type="finding.raised", event_key="finding.raised:1",
        payload='{"type": "finding.raised", "data": {"subject_id": 1}}', status="pending",
        next_attempt_at=datetime.now(timezone.utc))).returning(WebhookDelivery.id)
    return hook, rows[0]["id"]


async def test_a_delivered_event_is_sent_again_once_under_the_same_delivery_id(client, demo, as_user):
    admin = await as_user("admin")
    with Receiver().running() as receiver:
        hook, delivery = await _hook_with_delivery(client, admin, receiver.url)
        assert (await deliver_due(datetime.now(timezone.utc)))["delivered"] == 1
        r = await client.post(f"/api/admin/webhooks/{hook['id']}/deliveries/{delivery}/redeliver", headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "pending" and r.json()["attempts"] == 0 and len(r.json()["log"]) == 1
        assert (await deliver_due(datetime.now(timezone.utc)))["delivered"] == 1
        assert (await deliver_due(datetime.now(timezone.utc)))["delivered"] == 0
    assert len(receiver.requests) == 2
    ids = {{k.lower(): v for k, v in q["headers"].items()}["x-xunjian-delivery"] for q in receiver.requests}
    assert ids == {str(delivery)}
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    log = (await client.get(f"/api/admin/webhooks/{hook['id']}/deliveries", headers=admin)).json()["items"][0]
    assert log["status"] == "delivered" and [a["status_code"] for a in log["log"]] == [200, 200]
    events = await AuditEvent.select(AuditEvent.actor_name, AuditEvent.entity_id, AuditEvent.before).where(
        AuditEvent.action == "webhook.redeliver").output(load_json=True)
    assert events == [{"actor_name": "admin", "entity_id": str(delivery),
                       "before": {"status": "delivered", "attempts": 1}}]


async def test_redelivery_of_a_stopped_webhook_or_another_webhooks_delivery_is_refused(client, demo, as_user):
    admin = await as_user("admin")
    hook, delivery = await _hook_with_delivery(client, admin, "http://127.0.0.1:9/hook")
    other = (await client.post("/api/admin/webhooks", headers=admin,
                               json={"name": "县平台", "url": "https://example.org/h"})).json()
    path = "/api/admin/webhooks/{}/deliveries/{}/redeliver"
    assert (await client.post(path.format(other["id"], delivery), headers=admin)).status_code == 404
    assert (await client.post(path.format(hook["id"], 999999), headers=admin)).status_code == 404
    assert (await client.post(path.format(hook["id"], 2**40), headers=admin)).status_code == 422
    assert (await client.delete(f"/api/admin/webhooks/{hook['id']}", headers=admin)).status_code == 204
    r = await client.post(path.format(hook["id"], delivery), headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "webhook_inactive"
    assert (await WebhookDelivery.select(WebhookDelivery.status).first())["status"] == "failed"
