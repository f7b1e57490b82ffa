"""The in-app inbox and the outbound webhook queue (an outbox: jobs only insert rows; delivery.py sends them)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, Invalid, NotFound
from ..regions.tables import Region
from . import rules
from . import sql as S
from .recipients import LABELS, REQUIRED_KINDS
from .schemas import (
    KindRead, MarkedRead, NotificationList, NotificationPreferences, NotificationRead, PreferencesUpdate,
    UnreadCount, WebhookAttemptRead, WebhookCreate, WebhookDeliveryList, WebhookDeliveryRead, WebhookList,
    WebhookRead,
)
from .tables import Notification, NotificationMute, WebhookAttempt, WebhookDelivery, WebhookSubscription


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- inbox

_COLUMNS = (Notification.id, Notification.kind, Notification.title, Notification.subject_title, Notification.body,
            Notification.subject_type, Notification.subject_id, Notification.site_id, Notification.level,
            Notification.created_at, Notification.read_at)


def _read(row: dict) -> NotificationRead:
    """A notification as read from the inbox statement or _COLUMNS (which may carry more, e.g. the page's counts)."""
    return NotificationRead(**{name: row[name] for name in NotificationRead.__struct_fields__})


async def _unread(user_id: int) -> int:
    return (await db.fetch(S.UNREAD, user_id))[0]["n"]


async def list_inbox(principal: Principal, unread_only: bool = False, limit: int = 50, offset: int = 0,
                     kind: str | None = None) -> NotificationList:
    """One page, the total and the unread count: one statement (three past the last page)."""
    where, args = "", []
    if unread_only:
        where += " AND n.read_at IS NULL"
    if kind is not None:
        where += " AND n.kind = {}"
        args.append(kind)
    rows = await db.fetch(S.INBOX.format(where=where), principal.id, principal.id, *args, limit, offset)
    if rows:
        total, unread = rows[0]["total_count"], rows[0]["unread_count"]
    else:
        total = (await db.fetch(S.COUNT.format(where=where), principal.id, *args))[0]["n"] if offset else 0
        unread = await _unread(principal.id)
    return NotificationList(
        items=[_read(r) for r in rows],
        total=total, unread=unread, limit=limit, offset=offset,
    )


async def unread_count(principal: Principal) -> UnreadCount:
    return UnreadCount(unread=await _unread(principal.id))


async def mark_read(principal: Principal, notification_id: int, now: datetime | None = None) -> NotificationRead:
    """Mark one of the caller's notifications read (idempotent). Another user's notification is 404."""
    cond = (Notification.id == notification_id) & (Notification.user == principal.id)
    async with db.write_transaction():
        row = await Notification.select(Notification.read_at).where(cond).first()
        if row is None:
            raise NotFound("Notification not found")
        if row["read_at"] is None:
            await Notification.update({Notification.read_at: now or utcnow()}).where(cond)
    return _read(await Notification.select(*_COLUMNS).where(cond).first())


async def mark_all_read(principal: Principal) -> MarkedRead:
    cond = (Notification.user == principal.id) & Notification.read_at.is_null()
    async with db.write_transaction():
        n = await Notification.count().where(cond)
        await Notification.update({Notification.read_at: utcnow()}).where(cond)
    return MarkedRead(marked=n)


async def preferences(principal: Principal) -> NotificationPreferences:
    muted = await NotificationMute.select(NotificationMute.kind).where(NotificationMute.user == principal.id) \
        .order_by(NotificationMute.kind)
    return NotificationPreferences(
        muted=[r["kind"] for r in muted],
        kinds=[KindRead(kind=k, label=label, required=k in REQUIRED_KINDS) for k, label in LABELS.items()],
    )


async def set_preferences(principal: Principal, data: PreferencesUpdate) -> NotificationPreferences:
    """Replace the caller's muted kinds. A legally required kind cannot be muted (422, nothing changes)."""
    muted = sorted({k.value for k in data.muted})
    required = [k for k in muted if k in REQUIRED_KINDS]
    if required:
        raise Invalid("These notifications are required and cannot be muted",
                      details={"field": "muted", "required": required})
    async with db.write_transaction():
        before = await preferences(principal)
        await NotificationMute.delete().where(NotificationMute.user == principal.id)
        if muted:
            await NotificationMute.insert(*(
                NotificationMute(user=principal.id, kind=k, user_kind=f"{principal.id}:{k}") for k in muted
            )).on_conflict(action="DO NOTHING")
        await audit.record(principal, "notification.preferences", "user", principal.id,
                           before={"muted": before.muted}, after={"muted": muted})
    return await preferences(principal)


async def notify(user_ids: list[int], *, kind: str, event_key: str, title: str, body: str = "",
                 subject_type: str = "", subject_id: str = "", site_id: int | None = None, level: int = 0,
                 now: datetime | None = None) -> None:
    """Put a message in these users' inboxes, once per (user, event_key). For other domains' events."""
    now = now or utcnow()
    rows = [Notification(user=u, kind=kind, event_key=event_key, title=title[:200], body=body,
                         subject_type=subject_type, subject_id=str(subject_id), site_id=site_id, level=level,
                         created_at=now) for u in sorted(set(user_ids))]
    if rows:
        await Notification.insert(*rows).on_conflict(action="DO NOTHING")


# ---------------------------------------------------------------- webhooks: queue

@dataclass(frozen=True)
class WebhookEvent:
    event_type: str
    event_key: str  # unique per event: a subscription gets it once
    region_path: str  # the site's, for region-scoped subscriptions
    data: dict


async def has_subscriptions() -> bool:
    return await WebhookSubscription.exists().where(WebhookSubscription.is_active == True)  # noqa: E712


async def queue_webhooks(events: list[WebhookEvent], now: datetime) -> int:
    """Queue each event for every matching active subscription (inside the caller's transaction)."""
    if not events:
        return 0
    subs = await WebhookSubscription.select(
        WebhookSubscription.id, WebhookSubscription.region_path, WebhookSubscription.event_types,
    ).where(WebhookSubscription.is_active == True).output(load_json=True)  # noqa: E712
    rows = []
    for event in events:
        for sub in subs:
            if rules.matches(sub["region_path"], sub["event_types"] or [], event.event_type, event.region_path):
                payload = {"id": event.event_key, "type": event.event_type, "occurred_at": now.isoformat(),
                           "data": event.data}
                rows.append(WebhookDelivery(
                    subscription=sub["id"], event_type=event.event_type, event_key=event.event_key,
                    payload=json.dumps(payload, ensure_ascii=False, default=str), status="pending", attempts=0,
                    next_attempt_at=now, created_at=now,
                ))
    for start in range(0, len(rows), 500):
        await WebhookDelivery.insert(*rows[start:start + 500]).on_conflict(action="DO NOTHING")
    return len(rows)


# ---------------------------------------------------------------- webhooks: administration

def _webhook_read(row: dict, secret: str | None = None) -> WebhookRead:
    return WebhookRead(id=row["id"], name=row["name"], url=row["url"], region_id=row["region"],
                       event_types=row["event_types"] or [], is_active=row["is_active"],
                       created_at=row["created_at"], secret=secret)


async def create_webhook(actor: Principal, data: WebhookCreate) -> WebhookRead:
    region_path = ""
    if data.region_id is not None:
        region = await Region.select(Region.path).where(Region.id == data.region_id).first()
        if region is None:
            raise Invalid("Unknown region", details={"field": "region_id"})
        region_path = region["path"]
    secret = data.secret or secrets.token_urlsafe(32)
    async with db.write_transaction():
        rows = await WebhookSubscription.insert(WebhookSubscription(
            name=data.name.strip(), url=data.url, secret=secret, region=data.region_id, region_path=region_path,
            event_types=list(data.event_types), is_active=True,
        )).returning(WebhookSubscription.id)
        webhook_id = rows[0]["id"]
        await audit.record(actor, "webhook.create", "webhook", webhook_id,
                           after={"name": data.name, "url": data.url, "region_id": data.region_id,
                                  "event_types": list(data.event_types)})
    row = await WebhookSubscription.select().where(WebhookSubscription.id == webhook_id).output(load_json=True).first()
    return _webhook_read(row, secret)


async def list_webhooks() -> WebhookList:
    rows = await WebhookSubscription.select().order_by(WebhookSubscription.id).output(load_json=True)
    return WebhookList(items=[_webhook_read(r) for r in rows])


async def deactivate_webhook(actor: Principal, webhook_id: int) -> None:
    async with db.write_transaction():
        if not await WebhookSubscription.exists().where(WebhookSubscription.id == webhook_id):
            raise NotFound("Webhook not found")
        await WebhookSubscription.update({WebhookSubscription.is_active: False}) \
            .where(WebhookSubscription.id == webhook_id)
        # Nothing more goes out to it: pending deliveries stop.
        await WebhookDelivery.update({WebhookDelivery.status: "failed", WebhookDelivery.last_error: "webhook removed"}) \
            .where((WebhookDelivery.subscription == webhook_id) & (WebhookDelivery.status == "pending"))
        await audit.record(actor, "webhook.deactivate", "webhook", webhook_id)


async def list_deliveries(webhook_id: int, limit: int = 50) -> WebhookDeliveryList:
    if not await WebhookSubscription.exists().where(WebhookSubscription.id == webhook_id):
        raise NotFound("Webhook not found")
    rows = await WebhookDelivery.select().where(WebhookDelivery.subscription == webhook_id) \
        .order_by(WebhookDelivery.id, ascending=False).limit(limit)
    ids = [r["id"] for r in rows]
    attempts: dict[int, list] = {i: [] for i in ids}
    if ids:
        for a in await WebhookAttempt.select().where(WebhookAttempt.delivery.is_in(ids)).order_by(WebhookAttempt.id):
            attempts[a["delivery"]].append(_attempt_read(a))
    return WebhookDeliveryList(items=[_delivery_read(r, attempts[r["id"]]) for r in rows])


def _delivery_read(r: dict, log: list[WebhookAttemptRead]) -> WebhookDeliveryRead:
    return WebhookDeliveryRead(
        id=r["id"], event_type=r["event_type"], event_key=r["event_key"], status=r["status"],
        attempts=r["attempts"], next_attempt_at=r["next_attempt_at"] if r["status"] == "pending" else None,
        created_at=r["created_at"], delivered_at=r["delivered_at"], last_status_code=r["last_status_code"],
        last_error=r["last_error"], log=log,
    )


async def redeliver(actor: Principal, webhook_id: int, delivery_id: int) -> WebhookDeliveryRead:
    """Send a delivery's event again: the same row (one per subscription and event, so receivers that deduplicate by
    the delivery id see the same id) back to pending, due now, its attempts counted afresh for the backoff; the
    log of earlier attempts stays. The webhook job sends it on its next run (every minute, or run it now)."""
    where = (WebhookDelivery.id == delivery_id) & (WebhookDelivery.subscription == webhook_id)
    async with db.write_transaction():
        hook = await WebhookSubscription.select(WebhookSubscription.is_active) \
            .where(WebhookSubscription.id == webhook_id).first()
        row = await WebhookDelivery.select(WebhookDelivery.status, WebhookDelivery.attempts).where(where).first()
        if hook is None or row is None:
            raise NotFound("Webhook delivery not found")
        if not hook["is_active"]:
            raise Conflict("The webhook was stopped; nothing is sent to it", code="webhook_inactive")
        await WebhookDelivery.update({
            WebhookDelivery.status: "pending", WebhookDelivery.attempts: 0,
            WebhookDelivery.next_attempt_at: datetime.now(timezone.utc), WebhookDelivery.delivered_at: None,
        }).where(where)
        await audit.record(actor, "webhook.redeliver", "webhook_delivery", delivery_id,
                           before={"status": row["status"], "attempts": row["attempts"]},
                           after={"webhook": webhook_id, "status": "pending"})
        fresh = await WebhookDelivery.select().where(where).first()
    log = [_attempt_read(a) for a in await WebhookAttempt.select().where(WebhookAttempt.delivery == delivery_id)
           .order_by(WebhookAttempt.id)]
    return _delivery_read(fresh, log)


def _attempt_read(a: dict) -> WebhookAttemptRead:
    return WebhookAttemptRead(at=a["at"], status_code=a["status_code"], error=a["error"], duration_ms=a["duration_ms"])
