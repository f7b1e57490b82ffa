"""The one audit trail. Events are written in the caller's transaction, so a change and its event land together."""

from __future__ import annotations

from typing import Any

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
) -> None:
    """`actor` is a Principal (or None for the system: jobs)."""
    await AuditEvent.insert(
        AuditEvent(
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
        )
        .where((AuditEvent.entity_type == entity_type) & (AuditEvent.entity_id == str(entity_id)))
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
