"""What every part of the patrols service shares: the clock, canonical values for content hashes, query conditions,
and who may use patrols at all."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Iterable

from ..accounts.principal import Principal
from ..errors import NotFound
from . import rules


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def and_all(conds: Iterable) -> Any:
    where = None
    for c in conds:
        if c is None:
            continue
        where = c if where is None else where & c
    return where


def ensure_staff(principal: Principal) -> None:
    if principal.role not in rules.STAFF_ROLES:
        raise NotFound("Not found")
