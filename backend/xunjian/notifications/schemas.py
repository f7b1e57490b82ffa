from datetime import datetime
from typing import Annotated

import msgspec

from ..paging import Id
from .recipients import NotificationKind


class NotificationRead(msgspec.Struct):
    id: int
    kind: str
    title: str
    body: str
    # The subject's own title (see the table); with `kind` and `body` (the site) a client words the title itself.
    subject_title: str
    subject_type: str
    subject_id: str
    site_id: int | None
    level: int
    created_at: datetime
    read_at: datetime | None


class NotificationList(msgspec.Struct):
    items: list[NotificationRead]
    total: int
    unread: int
    limit: int
    offset: int


class UnreadCount(msgspec.Struct):
    unread: int


class MarkedRead(msgspec.Struct):
    marked: int


class KindRead(msgspec.Struct):
    kind: NotificationKind
    label: str
    required: bool  # legally required: cannot be muted


class NotificationPreferences(msgspec.Struct):
    muted: list[NotificationKind]
    kinds: list[KindRead]


class PreferencesUpdate(msgspec.Struct, forbid_unknown_fields=True):
    # The kinds not to put in your inbox (replaces the list); webhooks still carry them.
    muted: list[NotificationKind]


# PostgreSQL refuses NUL in text (a 500 before); a URL has no spaces or control characters.
_TEXT = r"^[^\x00]*$"


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_TEXT)]
    url: Annotated[str, msgspec.Meta(min_length=8, max_length=500, pattern=r"^https?://[^\x00-\x20]+$")]
    # Generated when omitted; shown once in the answer to this request.
    secret: Annotated[str, msgspec.Meta(min_length=16, max_length=128, pattern=_TEXT)] | None = None
    region_id: Id | None = None
    event_types: list[Annotated[str, msgspec.Meta(max_length=64, pattern=_TEXT)]] = []


class WebhookRead(msgspec.Struct):
    id: int
    name: str
    url: str
    region_id: int | None
    event_types: list[str]
    is_active: bool
    created_at: datetime
    secret: str | None = None  # only in the answer that created it


class WebhookList(msgspec.Struct):
    items: list[WebhookRead]


class WebhookAttemptRead(msgspec.Struct):
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int


class WebhookDeliveryRead(msgspec.Struct):
    id: int
    event_type: str
    event_key: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str
    log: list[WebhookAttemptRead]


class WebhookDeliveryList(msgspec.Struct):
    items: list[WebhookDeliveryRead]
