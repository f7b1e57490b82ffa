"""Pure account rules: roles, token handling, session validity, login throttling arithmetic."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum


class Role(str, Enum):
    inspector = "inspector"
    manager = "manager"
    supervisor = "supervisor"
    admin = "admin"


REGION_ROLES = {Role.inspector.value, Role.supervisor.value}
SITE_ROLES = {Role.manager.value}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(token: str) -> str:
    """Derived from the session token: a page that can read our cookie can send it; another origin cannot."""
    return hashlib.sha256(b"csrf:" + token.encode()).hexdigest()


def csrf_ok(token: str, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(csrf_token(token), header)


def session_valid(now: datetime, last_seen_at: datetime, expires_at: datetime, revoked_at: datetime | None,
                  idle: timedelta) -> bool:
    return revoked_at is None and now < expires_at and now - last_seen_at < idle


@dataclass(frozen=True)
class ThrottleState:
    failures: int
    window_start: datetime


def throttle_retry_after(state: ThrottleState | None, now: datetime, limit: int, window: timedelta) -> int:
    """Seconds the key must wait, or 0 when one more login may be attempted (`state` counts the earlier ones)."""
    if state is None or now - state.window_start >= window or state.failures < limit:
        return 0
    return max(1, int((state.window_start + window - now).total_seconds()) + 1)


def counted_retry_after(counted: ThrottleState, now: datetime, limit: int, window: timedelta) -> int:
    """The same, for a state that already counts this attempt (counted before verifying, so that concurrent
    attempts cannot all pass one check)."""
    return throttle_retry_after(replace(counted, failures=counted.failures - 1), now, limit, window)


def window_restarts_before(now: datetime, window: timedelta) -> datetime:
    """A counter whose window started at or before this instant starts again at 1 (the SQL upsert's condition)."""
    return now - window


def overload_retry_after(waiting: int, concurrency: int, seconds_each: float, cap: int) -> int:
    """When a refused caller may expect a free slot: the work ahead of it spread over the slots."""
    return max(1, min(cap, math.ceil((waiting + concurrency) * seconds_each / concurrency)))
