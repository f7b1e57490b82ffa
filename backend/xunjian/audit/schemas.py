from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class AuditEventRead(msgspec.Struct):
    id: int
    at: datetime
    actor_id: int | None
    actor_username: str
    actor_display_name: str | None
    action: str
    entity_type: str
    entity_id: str
    site_id: int | None
    details: dict[str, Any]
    client_addr: str


class AuditList(msgspec.Struct):
    items: list[AuditEventRead]
    total: int
    limit: int
    offset: int
