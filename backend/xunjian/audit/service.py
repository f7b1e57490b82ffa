"""The one audit trail. Events are written in the caller's transaction, so a change and its event land together."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec

from .. import db
from ..paging import check_page
from .schemas import AuditEventRead, AuditList
from .tables import AuditEvent


async def record(
    actor: Any,
    action: str,
    entity_type: str,
    entity_id: Any,
    *,
    site_id: int | None = None,
    before: Any = None,
    after: Any = None,
    client_addr: str = "",
    at: datetime | None = None,
) -> None:
    """`actor` is a Principal (or None for the system: jobs). `at` is the time of the change it records (the
    service's `now`, so a change made at a past moment, as the demo's history does, is dated then); by default the
    database's now."""
    await AuditEvent.insert(
        AuditEvent(
            **({"at": at} if at is not None else {}),
            actor=getattr(actor, "id", None),
            actor_name=getattr(actor, "username", "system"),
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            site_id=site_id,
            before=before,
            after=after,
            client_addr=client_addr or getattr(actor, "client_addr", ""),
        )
    )


async def events_for(entity_type: str, entity_id: Any) -> list[dict]:
    return (
        await AuditEvent.select(
            AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.actor_name, AuditEvent.action,
            AuditEvent.before, AuditEvent.after, AuditEvent.client_addr,
            AuditEvent.actor.display_name.as_alias("display_name"),  # the actor's current name, as list_events
        )
        .where((AuditEvent.entity_type == entity_type) & (AuditEvent.entity_id == str(entity_id)))
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )


# The trail newest first, with the actor's current display name; {where} is built by list_events from fixed pieces.
_LIST = """
SELECT e.id, e.at, e.actor, e.actor_name, u.display_name, e.action, e.entity_type, e.entity_id, e.site_id, e.before,
       e.after, e.client_addr
FROM audit_event e LEFT JOIN app_user u ON u.id = e.actor
WHERE {where} ORDER BY e.at DESC, e.id DESC LIMIT {{}} OFFSET {{}}
"""


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _json(value):
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


async def list_events(*, actor: int | None = None, entity_type: str | None = None, entity_id: str | None = None,
                      site: int | None = None, action: str | None = None, since: datetime | None = None,
                      until: datetime | None = None, limit: int = 50, offset: int = 0) -> AuditList:
    """Every filter is answered by an index (actor, entity, site_id, action, at). `since` is inclusive, `until`
    exclusive; a time without a zone is UTC."""
    check_page(limit, offset)
    where, args = ["1 = 1"], []
    for sql, value in (("e.actor = {}", actor), ("e.entity_type = {}", entity_type),
                       ("e.entity_id = {}", entity_id), ("e.site_id = {}", site), ("e.action = {}", action)):
        if value is not None:
            where.append(sql)
            args.append(value)
    if since is not None:
        where.append("e.at >= {}")
        args.append(_utc(since))
    if until is not None:
        where.append("e.at < {}")
        args.append(_utc(until))
    return await _page(where, args, limit, offset)


async def _page(where: list[str], args: list, limit: int, offset: int) -> AuditList:
    condition = " AND ".join(where)
    rows = await db.fetch(_LIST.format(where=condition), *args, limit, offset)
    total = (await db.fetch(f"SELECT COUNT(*) AS n FROM audit_event e WHERE {condition}", *args))[0]["n"]
    items = [
        AuditEventRead(
            id=r["id"], at=_utc(datetime.fromisoformat(r["at"]) if isinstance(r["at"], str) else r["at"]),
            actor_id=r["actor"], actor_username=r["actor_name"], actor_display_name=r["display_name"],
            action=r["action"], entity_type=r["entity_type"], entity_id=r["entity_id"], site_id=r["site_id"],
            details={"before": _json(r["before"]), "after": _json(r["after"])}, client_addr=r["client_addr"],
        )
        for r in rows
    ]
    return AuditList(items=items, total=total, limit=limit, offset=offset)


# What the review of personal-data access lists (PIPL 第五十四条 compliance audits): every read and change of a person
# record, of the people met on patrols, their cases and photos, grants given or taken, purges, and the reviews.
PERSONAL_DATA_ACTIONS = (
    "person.read", "person.list", "person.create", "person.update", "person.purge", "encounter.read",
    "encounter.candidates", "encounter.link", "encounter.unlink", "encounter.purge", "patrol.read_people",
    "case.read", "case.list", "case.close", "photo.view_restricted", "user.personal_data", "privacy.access_log",
)
# A person's trail: the record's own events and those of the encounters linked to it.
_OF_PERSON = ("((e.entity_type = 'person' AND e.entity_id = {}) OR (e.entity_type = 'encounter' AND e.entity_id IN "
              "(SELECT CAST(x.id AS VARCHAR(64)) FROM encounter x WHERE x.person = {})))")


async def personal_data_access(principal: Any, *, user: int | None = None, person: int | None = None,
                               since: datetime | None = None, until: datetime | None = None, limit: int = 50,
                               offset: int = 0) -> AuditList:
    """The trail of personal-data access for those who oversee it (the personal-data grant), newest first. Outside
    an everything scope only events of sites in the caller's scope. The review is itself an event of the trail."""
    check_page(limit, offset)
    where = ["e.action IN (" + ", ".join("{}" for _ in PERSONAL_DATA_ACTIONS) + ")"]
    args: list = list(PERSONAL_DATA_ACTIONS)
    if not principal.scope.everything:
        scope_sql, scope_args = principal.scope.sql("s")
        where.append(f"e.site_id IN (SELECT s.id FROM site s WHERE {scope_sql})")
        args += scope_args
    if user is not None:
        where.append("e.actor = {}")
        args.append(user)
    if person is not None:
        where.append(_OF_PERSON)
        args += [str(person), person]
    if since is not None:
        where.append("e.at >= {}")
        args.append(_utc(since))
    if until is not None:
        where.append("e.at < {}")
        args.append(_utc(until))
    page = await _page(where, args, limit, offset)
    async with db.write_transaction():
        await record(principal, "privacy.access_log", "audit", "personal_data", after={
            "user": user, "person": person, "since": since and _utc(since).isoformat(),
            "until": until and _utc(until).isoformat(), "offset": offset, "returned": len(page.items)})
    return page
