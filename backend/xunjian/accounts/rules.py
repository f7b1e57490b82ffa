"""Pure account rules: roles, token handling, session validity, login throttling arithmetic, the client address."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum


class Role(str, Enum):
    inspector = "inspector"
    manager = "manager"
    supervisor = "supervisor"
    admin = "admin"
    lottery_centre = "lottery_centre"  # 福彩中心: holds the outlets' agency contracts and terminals


REGION_ROLES = {Role.inspector.value, Role.supervisor.value, Role.lottery_centre.value}
# Roles that see only some kinds of site in their regions (scope.py's site_kinds).
ROLE_SITE_KINDS = {Role.lottery_centre.value: ("lottery_outlet",)}
SITE_ROLES = {Role.manager.value}
# Law-enforcement officers carry a certificate (执法证号): those who inspect and those who supervise.
CERTIFICATE_ROLES = {Role.inspector.value, Role.supervisor.value}
CERTIFICATE_MAX = 40


def certificate_problem(role: str, number: str | None) -> str | None:
    """Why `number` cannot be this role's 执法证号, or None when it can (None and "" mean no number)."""
    if not number:
        return None
    if role not in CERTIFICATE_ROLES:
        return f"A {role} has no certificate number"
    if len(number) > CERTIFICATE_MAX or number != number.strip():
        return f"A certificate number has 1 to {CERTIFICATE_MAX} characters, no leading or trailing spaces"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in number):
        return "A certificate number may not contain control characters"
    return None


def reads_people(role: str, personal_data: bool) -> bool:
    """Who reads the personal data of people met on patrols (person records, encounters, their photos), within their
    scope. Supervisors: yes, it is their work (follow-up cases, family tracing; rescue-station staff have supervisor
    accounts), bounded by their regions as today. Admins run the system and see everything, so for them it takes the
    personal-data grant. Inspectors see only what they recorded themselves (decided by the patrol rules)."""
    return role == "supervisor" or (role == "admin" and personal_data)


def self_change_problem(before_role: str, before_active: bool, before_regions: set[int], role: str,
                        active: bool, regions: set[int], before_grant: bool = False,
                        grant: bool = False) -> str | None:
    """An admin may not lock themselves out: no deactivating, demoting or narrowing their own account (another admin
    can). Nor may they give themselves the personal-data grant: another admin decides, and it is audited."""
    if grant != before_grant:
        return "You cannot change your own personal-data grant"
    if before_active and not active:
        return "You cannot deactivate your own account"
    if before_role != role:
        return "You cannot change your own role"
    if before_regions - regions:
        return "You cannot remove regions from your own account"
    return None


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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    """An address as peers and proxies write it (`[v6]:port` and `v4:port` included), IPv4-mapped IPv6 as IPv4."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


def _trusted(addr: Address | None, proxies: tuple[Network, ...]) -> bool:
    return addr is not None and any(addr in net for net in proxies)


def client_address(peer: str, forwarded_for: list[str], proxies: tuple[Network, ...]) -> str:
    """The client a request counts as. X-Forwarded-For is believed only from a trusted peer, and then only up to
    its right-most entry that is not itself a trusted proxy: everything left of that was written by the client."""
    peer_addr = _address(peer)
    if not _trusted(peer_addr, proxies):
        return str(peer_addr) if peer_addr else peer
    nearest = peer_addr
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        addr = _address(hop)
        if addr is None:
            break  # garbage from beyond our proxies: the last address a trusted proxy vouched for stands
        nearest = addr
        if not _trusted(addr, proxies):
            break
    return str(nearest)
