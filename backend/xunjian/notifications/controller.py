from typing import Annotated

from litestar import Router, delete, get, post, put
from litestar.params import Body, FromQuery

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from ..paging import Limit, Offset, PathId
from . import service
from .recipients import NotificationKind
from .schemas import (
    MarkedRead, NotificationList, NotificationPreferences, NotificationRead, PreferencesUpdate, UnreadCount,
    WebhookCreate, WebhookDeliveryList, WebhookDeliveryRead, WebhookList, WebhookRead,
)


@get("/api/notifications", tags=["notifications"],
     summary="Your inbox, newest first, with the unread count (optionally only unread, or only one kind)")
async def list_notifications(
    principal: Caller,
    unread: FromQuery[bool] = False,
    limit: Limit = 50,
    offset: Offset = 0,
    kind: FromQuery[NotificationKind | None] = None,
) -> NotificationList:
    return await service.list_inbox(principal, unread, limit, offset, kind=kind and kind.value)


@get("/api/notifications/preferences", tags=["notifications"],
     summary="The kinds of notification, which are required, and which you muted")
async def get_preferences(principal: Caller) -> NotificationPreferences:
    return await service.preferences(principal)


@put("/api/notifications/preferences", tags=["notifications"],
     summary="Mute kinds of notification in your inbox (replaces the list; required kinds cannot be muted)")
async def put_preferences(principal: Caller, data: Annotated[PreferencesUpdate, Body()]) -> NotificationPreferences:
    return await service.set_preferences(principal, data)


@get("/api/notifications/unread-count", tags=["notifications"], summary="How many of your notifications are unread")
async def unread_count(principal: Caller) -> UnreadCount:
    return await service.unread_count(principal)


@post("/api/notifications/{notification_id:int}/read", tags=["notifications"], status_code=200,
      summary="Mark one of your notifications read (idempotent)")
async def mark_read(principal: Caller, notification_id: PathId) -> NotificationRead:
    return await service.mark_read(principal, notification_id)


@post("/api/notifications/read-all", tags=["notifications"], status_code=200, summary="Mark all your notifications read")
async def mark_all_read(principal: Caller) -> MarkedRead:
    return await service.mark_all_read(principal)


@get("/api/admin/webhooks", guards=[admin_only], tags=["admin"], summary="Outbound webhooks")
async def list_webhooks(principal: Caller) -> WebhookList:
    return await service.list_webhooks()


@post("/api/admin/webhooks", guards=[admin_only], tags=["admin"],
      summary="Add a webhook (global, or for one region's sites); the answer shows the signing secret once")
async def create_webhook(principal: Caller, data: Annotated[WebhookCreate, Body()]) -> WebhookRead:
    return await service.create_webhook(principal, data)


@delete("/api/admin/webhooks/{webhook_id:int}", guards=[admin_only], tags=["admin"],
        summary="Stop a webhook (its pending deliveries are dropped; the log stays)")
async def delete_webhook(principal: Caller, webhook_id: PathId) -> None:
    await service.deactivate_webhook(principal, webhook_id)


@get("/api/admin/webhooks/{webhook_id:int}/deliveries", guards=[admin_only], tags=["admin"],
     summary="The delivery log of a webhook: each event's status and every attempt")
async def list_deliveries(
    principal: Caller, webhook_id: PathId, limit: Limit = 50,
) -> WebhookDeliveryList:
    return await service.list_deliveries(webhook_id, limit)


@post("/api/admin/webhooks/{webhook_id:int}/deliveries/{delivery_id:int}/redeliver", guards=[admin_only],
      tags=["admin"], status_code=200,
      summary="Send a delivery's event again (the same delivery, pending and due now; its attempt log stays)")
async def redeliver(principal: Caller, webhook_id: PathId, delivery_id: PathId) -> WebhookDeliveryRead:
    return await service.redeliver(principal, webhook_id, delivery_id)


router = Router(path="/", route_handlers=[
    list_notifications, get_preferences, put_preferences, unread_count, mark_read, mark_all_read, list_webhooks,
    create_webhook, delete_webhook, list_deliveries, redeliver,
])
