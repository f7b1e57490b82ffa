"""Authorization cases of notifications: everyone has an inbox and sees only their own; webhooks are for admins."""

from tests.api.authz import ROLES, Case

ALL_200 = {r: 200 for r in ROLES}


def only_admin(status: int) -> dict[str, int]:
    return {"admin": status, "supervisor": 403, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
            "lottery": 403}


async def setup(client, demo, as_user):
    from xunjian.notifications import service
    from datetime import datetime, timezone

    from xunjian.notifications.tables import Notification, WebhookDelivery, WebhookSubscription

    key = f"test:{await Notification.count()}"
    await service.notify([demo.users["manager"]], kind="test", event_key=key, title="整改逾期：安全出口堵塞",
                         subject_type="finding", subject_id="1", site_id=demo.sites["YL-620102-001"])
    note = await Notification.select(Notification.id).where(Notification.event_key == key).first()
    rows = await WebhookSubscription.insert(WebhookSubscription(
        name="省平台", url="http://127.0.0.1:9/hook", secret="x" * 32)).returning(WebhookSubscription.id)
    delivery = await WebhookDelivery.insert(WebhookDelivery(
        subscription=rows[0]["id"], event_type="finding.raised", event_key=key, payload="{}", status="failed",
        next_attempt_at=datetime.now(timezone.utc))).returning(WebhookDelivery.id)
    return {"note_manager": str(note["id"]), "webhook": str(rows[0]["id"]), "delivery": str(delivery[0]["id"])}


CASES = [
    Case("GET", "/api/notifications", ALL_200),
    Case("GET", "/api/notifications?unread=true&limit=10", ALL_200),
    Case("GET", "/api/notifications/unread-count", ALL_200),
    Case("GET", "/api/notifications?kind=finding.raised", ALL_200),
    Case("GET", "/api/notifications/preferences", ALL_200),
    Case("PUT", "/api/notifications/preferences", ALL_200, body={"muted": ["finding.closed"]}),
    Case("POST", "/api/notifications/{note_manager}/read", {**{r: 404 for r in ROLES}, "manager": 200}),
    Case("POST", "/api/notifications/read-all", ALL_200),
    Case("GET", "/api/admin/webhooks", only_admin(200)),
    Case("POST", "/api/admin/webhooks", only_admin(201),
         body={"name": "县平台", "url": "https://example.org/hook", "event_types": ["escalation.step"]}),
    Case("DELETE", "/api/admin/webhooks/{webhook}", only_admin(204)),
    Case("GET", "/api/admin/webhooks/{webhook}/deliveries", only_admin(200)),
    Case("POST", "/api/admin/webhooks/{webhook}/deliveries/{delivery}/redeliver", only_admin(200)),
]
