"""Webhook signing and retry schedule, pure."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

SIGNATURE_HEADER = "X-Xunjian-Signature"
TIMESTAMP_HEADER = "X-Xunjian-Timestamp"
EVENT_HEADER = "X-Xunjian-Event"
DELIVERY_HEADER = "X-Xunjian-Delivery"

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed "sha256=". The timestamp is signed too, so a receiver
    can refuse old replays."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, timestamp, body), header or "")


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts (1 min, 2, 4, … capped at 6 h); None when given up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)
    return now + timedelta(seconds=delay)


def matches(subscription_region_path: str, event_types: list[str], event_type: str, site_region_path: str) -> bool:
    """A subscription gets an event when the type is one it asked for (or it asked for all) and the site lies in
    its region's subtree (or it is global)."""
    if event_types and event_type not in event_types:
        return False
    return not subscription_region_path or site_region_path.startswith(subscription_region_path)
