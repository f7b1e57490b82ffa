"""Accounts: passwords (argon2id), sessions, throttled login, scope loading, user administration."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta, timezone

from .. import db
from ..audit import service as audit
from ..config import Settings
from ..errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from ..paging import check_page
from ..regions.service import get_region
from ..regions.tables import Region
from ..scope import Scope
from ..sites.tables import Site, SiteManager
from . import passwords, rules
from .passwords import configure as configure_hasher  # noqa: F401  (app, CLI and tests configure it here)
from .passwords import hash_password, verify_password
from .principal import Principal
from .schemas import AdminUserRead, UserCreate, UserList, UserUpdate
from .sql import COUNT_ATTEMPT, COUNT_USERS, INSPECTORS_COVERING, LINKED_TO_REGION, LIST_USERS
from .tables import LoginThrottle, User, UserRegion, UserSession

def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- login throttling

def _aware(value) -> datetime:
    """RETURNING on SQLite gives the stored text, on PostgreSQL a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


async def _count_attempt(key: str, now: datetime, window: timedelta) -> rules.ThrottleState:
    """One more attempt on `key`, counted in one statement: concurrent attempts each see their own count. Outside
    an explicit transaction, SQLite's write lock is held for this statement only, not across event-loop turns."""
    cutoff = rules.window_restarts_before(now, window)
    rows = await db.fetch(COUNT_ATTEMPT, key, now, cutoff, cutoff)
    return rules.ThrottleState(rows[0]["failures"], _aware(rows[0]["window_start"]))


async def _refuse_if_throttled(key: str, limit: int, now: datetime, window: timedelta) -> None:
    row = await LoginThrottle.select(LoginThrottle.failures, LoginThrottle.window_start).where(
        LoginThrottle.key == key).first()
    state = rules.ThrottleState(row["failures"], row["window_start"]) if row else None
    _refuse_for(rules.throttle_retry_after(state, now, limit, window))


def _refuse_for(wait: int) -> None:
    if wait:
        raise TooManyRequests("Too many failed logins; try again later", retry_after=wait)


async def login(settings: Settings, username: str, password: str, client_addr: str, user_agent: str,
                now: datetime | None = None) -> tuple[str, dict]:
    """The account's attempt is counted before the password is verified, so that N concurrent guesses cannot all
    pass one check; a success clears it. The client's counter holds failures only, so an office of people logging
    in from one address never trips it. Both are read before queueing for an argon2 slot (a locked account or
    client waits for nothing), and checked again inside it, where the count is taken: that keeps the writes of a
    storm to `login_concurrency` at once, and concurrent failures from one address overshoot its limit by fewer
    than that."""
    if not username or not password:
        raise Invalid("username and password are required")
    now = now or utcnow()
    window = timedelta(seconds=settings.login_window_seconds)
    user_key, client_key = f"user:{username.lower()[:100]}", f"ip:{client_addr}"
    user_limit, client_limit = settings.login_max_failures, settings.login_max_failures_per_client
    await _refuse_if_throttled(client_key, client_limit, now, window)
    await _refuse_if_throttled(user_key, user_limit, now, window)
    async with passwords.slot():
        await _refuse_if_throttled(client_key, client_limit, now, window)
        _refuse_for(rules.counted_retry_after(await _count_attempt(user_key, now, window), now, user_limit, window))
        user = await User.select().where(User.username == username).first()
        ok = await passwords.verify_in_slot(user["password_hash"] if user else None, password)
        if not ok or not user["is_active"]:
            await _count_attempt(client_key, now, window)
            raise Unauthorized("Wrong username or password", code="invalid_credentials")
    token = rules.new_token()
    async with db.write_transaction():
        await LoginThrottle.delete().where(LoginThrottle.key == user_key)
        await UserSession.insert(
            UserSession(
                token_hash=rules.token_hash(token),
                user=user["id"],
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=settings.session_max_hours),
                client_addr=client_addr[:64],
                user_agent=user_agent[:255],
            )
        )
        await audit.record(None, "auth.login", "user", user["id"], client_addr=client_addr,
                           after={"username": user["username"]})
    return token, user


async def inspectors_covering(site_region_path: str, ids: list[int] | None = None) -> list[dict]:
    """Active inspectors whose scope holds a site of this region path ({user_id, name, certificate_no}), by id;
    only those of `ids` when given. One statement, whatever the number of accounts."""
    where = ""
    if ids is not None:
        where = "AND u.id IN (" + (", ".join(str(int(i)) for i in ids) or "NULL") + ")"
    return await db.fetch(INSPECTORS_COVERING.format(ids=where), site_region_path)


async def load_scope(user_id: int, role: str) -> tuple[Scope, tuple[int, ...], tuple[int, ...]]:
    if role == "admin":
        return Scope(everything=True), (), ()
    if role in rules.REGION_ROLES:
        rows = await UserRegion.select(UserRegion.region, UserRegion.region._.path).where(UserRegion.user == user_id)
        paths = tuple(sorted({r["region.path"] for r in rows}))
        return (Scope(region_paths=paths, site_kinds=rules.ROLE_SITE_KINDS.get(role, ())),
                tuple(r["region"] for r in rows), ())
    rows = await SiteManager.select(SiteManager.site).where(SiteManager.user == user_id)
    ids = tuple(sorted(r["site"] for r in rows))
    return Scope(site_ids=frozenset(ids)), (), ids


class PrincipalCache:
    """Authenticated principals for a few seconds, so a read endpoint does not pay two queries for the session.

    Revocation in this process (logout, password change or reset, deactivation, role change) evicts at once; another
    app instance notices within `ttl` seconds.
    """

    def __init__(self, ttl: float = 5.0, max_entries: int = 10_000):
        self.ttl, self.max_entries = ttl, max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, key: str) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: str, principal: Principal) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, principal)

    def evict_user(self, user_id: int) -> None:
        for key in [k for k, (_, p) in self._entries.items() if p.id == user_id]:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


principal_cache = PrincipalCache()


async def authenticate(settings: Settings, token: str, via_cookie: bool, client_addr: str,
                       now: datetime | None = None) -> Principal | None:
    key = rules.token_hash(token)
    cached = principal_cache.get(key) if now is None else None
    if cached is not None:
        return dataclasses.replace(cached, via_cookie=via_cookie, client_addr=client_addr)
    principal = await _authenticate(settings, key, via_cookie, client_addr, now)
    if principal is not None and now is None:
        principal_cache.put(key, principal)
    return principal


async def _authenticate(settings: Settings, key: str, via_cookie: bool, client_addr: str,
                        now: datetime | None = None) -> Principal | None:
    now = now or utcnow()
    row = await (
        UserSession.select(
            UserSession.id, UserSession.last_seen_at, UserSession.expires_at, UserSession.revoked_at,
            UserSession.user.id, UserSession.user.username, UserSession.user.role,
            UserSession.user.display_name, UserSession.user.is_active, UserSession.user.certificate_no,
            UserSession.user.personal_data,
        )
        .where(UserSession.token_hash == key)
        .first()
    )
    if row is None or not row["user.is_active"]:
        return None
    idle = timedelta(minutes=settings.session_idle_minutes)
    if not rules.session_valid(now, row["last_seen_at"], row["expires_at"], row["revoked_at"], idle):
        return None
    # Sliding idle window without a write on every request.
    if now - row["last_seen_at"] > timedelta(minutes=1):
        await UserSession.update({UserSession.last_seen_at: now}).where(UserSession.id == row["id"])
    scope, region_ids, site_ids = await load_scope(row["user.id"], row["user.role"])
    return Principal(
        id=row["user.id"], username=row["user.username"], role=row["user.role"],
        display_name=row["user.display_name"], scope=scope, session_id=row["id"],
        region_ids=region_ids, site_ids=site_ids, via_cookie=via_cookie, client_addr=client_addr,
        certificate_no=row["user.certificate_no"], personal_data=bool(row["user.personal_data"]),
    )


async def logout(principal: Principal) -> None:
    principal_cache.evict_user(principal.id)
    async with db.write_transaction():
        await UserSession.update({UserSession.revoked_at: utcnow()}).where(UserSession.id == principal.session_id)
        await audit.record(principal, "auth.logout", "user", principal.id)


async def revoke_sessions(user_id: int) -> None:
    principal_cache.evict_user(user_id)
    await UserSession.update({UserSession.revoked_at: utcnow()}).where(
        (UserSession.user == user_id) & UserSession.revoked_at.is_null()
    )


# ---------------------------------------------------------------- self-service

async def update_me(principal: Principal, display_name: str | None) -> None:
    principal_cache.evict_user(principal.id)
    if display_name is not None:
        name = display_name.strip()
        if not name or len(name) > 100:
            raise Invalid("display_name must have 1 to 100 characters", details={"field": "display_name"})
        async with db.write_transaction():
            await User.update({User.display_name: name}).where(User.id == principal.id)
            await audit.record(principal, "user.update_self", "user", principal.id, after={"display_name": name})


async def change_password(principal: Principal, current: str, new: str) -> None:
    user = await User.select(User.password_hash).where(User.id == principal.id).first()
    if not await verify_password(user["password_hash"], current):
        raise Invalid("The current password is wrong", details={"field": "current_password"})
    new_hash = await hash_password(new)
    async with db.write_transaction():
        await User.update({User.password_hash: new_hash, User.password_changed_at: utcnow()}).where(
            User.id == principal.id
        )
        # Other sessions end: a changed password must lock out whoever knew the old one.
        principal_cache.evict_user(principal.id)
        await UserSession.update({UserSession.revoked_at: utcnow()}).where(
            (UserSession.user == principal.id) & (UserSession.id != principal.session_id)
            & UserSession.revoked_at.is_null()
        )
        await audit.record(principal, "user.change_password", "user", principal.id)


# ---------------------------------------------------------------- administration

async def _validate_links(role: str, region_ids: list[int], site_ids: list[int]) -> None:
    if role in rules.REGION_ROLES and not region_ids:
        raise Invalid(f"A {role} needs at least one region", details={"field": "region_ids"})
    if role in rules.SITE_ROLES and not site_ids:
        raise Invalid("A manager needs at least one site", details={"field": "site_ids"})
    if role not in rules.REGION_ROLES and region_ids:
        raise Invalid(f"A {role} is not linked to regions", details={"field": "region_ids"})
    if role not in rules.SITE_ROLES and site_ids:
        raise Invalid(f"A {role} is not linked to sites", details={"field": "site_ids"})
    if region_ids:
        found = await Region.count().where(Region.id.is_in(region_ids))
        if found != len(set(region_ids)):
            raise Invalid("Unknown region", details={"field": "region_ids"})
    if site_ids:
        found = await Site.count().where(Site.id.is_in(site_ids))
        if found != len(set(site_ids)):
            raise Invalid("Unknown site", details={"field": "site_ids"})


async def _set_links(user_id: int, region_ids: list[int], site_ids: list[int]) -> None:
    await UserRegion.delete().where(UserRegion.user == user_id)
    await SiteManager.delete().where(SiteManager.user == user_id)
    if region_ids:
        await UserRegion.insert(*[UserRegion(user=user_id, region=r) for r in sorted(set(region_ids))])
    if site_ids:
        await SiteManager.insert(*[SiteManager(user=user_id, site=s) for s in sorted(set(site_ids))])


def _admin_read(user: dict, region_ids, site_ids) -> AdminUserRead:
    return AdminUserRead(
        id=user["id"], username=user["username"], role=user["role"], display_name=user["display_name"],
        is_active=bool(user["is_active"]), region_ids=sorted(region_ids), site_ids=sorted(site_ids),
        certificate_no=user["certificate_no"], personal_data=bool(user["personal_data"]),
    )


async def read_user(user_id: int) -> AdminUserRead:
    user = await User.select().where(User.id == user_id).first()
    if not user:
        raise NotFound("User not found")
    regions = await UserRegion.select(UserRegion.region).where(UserRegion.user == user_id)
    sites = await SiteManager.select(SiteManager.site).where(SiteManager.user == user_id)
    return _admin_read(user, [r["region"] for r in regions], [s["site"] for s in sites])


async def list_users(*, role: str | None = None, q: str | None = None, active: bool | None = None,
                     region: int | None = None, limit: int = 50, offset: int = 0) -> UserList:
    """Accounts by id; `region` keeps those linked to that region or a region inside it."""
    from ..sites.service import _escape_like

    check_page(limit, offset)
    where, args = ["1 = 1"], []
    if role is not None:
        where.append("u.role = {}")
        args.append(role)
    if active is not None:
        where.append("u.is_active = {}")
        args.append(active)
    if q:
        needle = _escape_like(q)[:100].lower()
        if needle:
            where.append("(LOWER(u.username) LIKE {} OR LOWER(u.display_name) LIKE {})")
            args += [f"%{needle}%"] * 2
    if region is not None:
        where.append(LINKED_TO_REGION)
        args.append((await get_region(region))["path"] + "%")
    rows = await db.fetch(LIST_USERS.format(where=" AND ".join(where)), *args, limit, offset)
    if rows:
        total = rows[0]["total_count"]
    else:
        total = (await db.fetch(COUNT_USERS.format(where=" AND ".join(where)), *args))[0]["n"]
    ids = [r["id"] for r in rows]
    by_user_r: dict[int, list[int]] = {i: [] for i in ids}
    by_user_s: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for r in await UserRegion.select(UserRegion.user, UserRegion.region).where(UserRegion.user.is_in(ids)):
            by_user_r[r["user"]].append(r["region"])
        for s in await SiteManager.select(SiteManager.user, SiteManager.site).where(SiteManager.user.is_in(ids)):
            by_user_s[s["user"]].append(s["site"])
    return UserList(items=[_admin_read(u, by_user_r[u["id"]], by_user_s[u["id"]]) for u in rows], total=total,
                    limit=limit, offset=offset)


def _certificate(role: str, number: str | None) -> str | None:
    problem = rules.certificate_problem(role, number)
    if problem:
        raise Invalid(problem, details={"field": "certificate_no"})
    return number or None


async def _refuse_taken_certificate(number: str | None, user_id: int | None) -> None:
    if number is None:
        return
    query = User.exists().where(User.certificate_no == number)
    if user_id is not None:
        query = query.where(User.id != user_id)
    if await query:
        raise Conflict("Another account has that certificate number", details={"field": "certificate_no"})


async def create_user(actor: Principal | None, data: UserCreate, *, password_hash: str | None = None) -> AdminUserRead:
    """`password_hash`: a hash already made of `data.password`, for accounts that share one password (the demo's
    logins: one argon2 hash, a quarter of a second each, instead of one per account)."""
    username = data.username.strip()
    if not (3 <= len(username) <= 64) or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise Invalid("username must be 3 to 64 letters, digits, '.', '-' or '_'", details={"field": "username"})
    certificate_no = _certificate(data.role, data.certificate_no)
    await _validate_links(data.role, data.region_ids, data.site_ids)
    password_hash = password_hash or await hash_password(data.password)
    async with db.write_transaction():
        if await User.exists().where(User.username == username):
            raise Conflict("That username is taken", details={"field": "username"})
        await _refuse_taken_certificate(certificate_no, None)
        rows = await User.insert(
            User(username=username, display_name=data.display_name.strip() or username, role=data.role,
                 password_hash=password_hash, certificate_no=certificate_no, personal_data=data.personal_data)
        ).returning(User.id)
        user_id = rows[0]["id"]
        await _set_links(user_id, data.region_ids, data.site_ids)
        await audit.record(actor, "user.create", "user", user_id,
                           after={"username": username, "role": data.role, "region_ids": data.region_ids,
                                  "site_ids": data.site_ids, "certificate_no": certificate_no})
        if data.personal_data:
            await audit.record(actor, "user.personal_data", "user", user_id, before={"personal_data": False},
                               after={"personal_data": True})
    return await read_user(user_id)


async def update_user(actor: Principal, user_id: int, data: UserUpdate) -> AdminUserRead:
    principal_cache.evict_user(user_id)  # scope or role may change
    before = await read_user(user_id)
    role = data.role or before.role
    region_ids = data.region_ids if data.region_ids is not None else (
        before.region_ids if role in rules.REGION_ROLES else [])
    site_ids = data.site_ids if data.site_ids is not None else (before.site_ids if role in rules.SITE_ROLES else [])
    is_active = data.is_active if data.is_active is not None else before.is_active
    grant = data.personal_data if data.personal_data is not None else before.personal_data
    if actor is not None and actor.id == user_id:
        problem = rules.self_change_problem(before.role, before.is_active, set(before.region_ids), role, is_active,
                                            set(region_ids), before.personal_data, grant)
        if problem:
            raise Invalid(problem, code="cannot_change_self")
    if data.certificate_no is not None:
        certificate_no = _certificate(role, data.certificate_no)
    else:
        # A role without certificates drops the number it had.
        certificate_no = before.certificate_no if role in rules.CERTIFICATE_ROLES else None
    await _validate_links(role, region_ids, site_ids)
    changes = {}
    if data.display_name is not None:
        changes[User.display_name] = data.display_name.strip() or before.username
    if data.role is not None:
        changes[User.role] = data.role
    if data.is_active is not None:
        changes[User.is_active] = data.is_active
    if certificate_no != before.certificate_no:
        changes[User.certificate_no] = certificate_no
    if grant != before.personal_data:
        changes[User.personal_data] = grant
    async with db.write_transaction():
        await _refuse_taken_certificate(certificate_no, user_id)
        if changes:
            await User.update(changes).where(User.id == user_id)
        await _set_links(user_id, region_ids, site_ids)
        if data.is_active is False or (data.role and data.role != before.role):
            await revoke_sessions(user_id)
        action = "user.deactivate" if before.is_active and not is_active else "user.update"
        await audit.record(actor, action, "user", user_id, before=msgspec_to_builtins(before),
                           after={"role": role, "region_ids": region_ids, "site_ids": site_ids,
                                  "is_active": is_active, "certificate_no": certificate_no,
                                  "display_name": changes.get(User.display_name, before.display_name)})
        if grant != before.personal_data:
            # Its own event, so the review of personal-data access lists who was given or lost the grant.
            await audit.record(actor, "user.personal_data", "user", user_id,
                               before={"personal_data": before.personal_data}, after={"personal_data": grant})
    return await read_user(user_id)


async def reset_password(actor: Principal, user_id: int, new_password: str) -> None:
    await read_user(user_id)
    new_hash = await hash_password(new_password)
    async with db.write_transaction():
        await User.update({User.password_hash: new_hash, User.password_changed_at: utcnow()}).where(
            User.id == user_id)
        await revoke_sessions(user_id)
        await audit.record(actor, "user.reset_password", "user", user_id)


def msgspec_to_builtins(obj):
    import msgspec

    return msgspec.to_builtins(obj)
