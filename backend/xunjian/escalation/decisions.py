"""Decisions on a site beyond the ladder (DOMAIN.md §5): a talk with the operator (约谈), a suspension until the
hazards are rectified (停业整顿) and the lifting of one. Supervisors record them, for sites in their scope; everyone
who sees the site sees them. Each is audited and announced in its own transaction."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import msgspec

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, Forbidden, Invalid
from ..findings.tables import Finding
from ..notifications.recipients import Subject, announce
from ..sites.tables import Site
from .tables import SiteDecision

KINDS = {"talk": "约谈", "suspension": "停业整顿", "suspension_lifted": "恢复营业"}
DECIDERS = {"supervisor"}
REASON_LENGTH = 2000


class SiteDecisionRead(msgspec.Struct):
    id: int
    site_id: int
    kind: str
    kind_name: str
    reason: str
    finding_id: int | None
    by: int
    by_name: str
    at: datetime


def _read(r: dict) -> SiteDecisionRead:
    return SiteDecisionRead(id=r["id"], site_id=r["site"], kind=r["kind"], kind_name=KINDS[r["kind"]],
                            reason=r["reason"], finding_id=r["finding_id"], by=r["by"], by_name=r["by_name"],
                            at=r["at"])


_COLUMNS = (SiteDecision.id, SiteDecision.site, SiteDecision.kind, SiteDecision.reason, SiteDecision.finding_id,
            SiteDecision.by, SiteDecision.by._.display_name.as_alias("by_name"), SiteDecision.at)


async def list_decisions(principal: Principal, site_id: int) -> list[SiteDecisionRead]:
    await principal.scope.get_site(site_id)  # 404 outside the scope
    rows = await SiteDecision.select(*_COLUMNS).where(SiteDecision.site == site_id).order_by(SiteDecision.id)
    return [_read(r) for r in rows]


def suspended(kinds: list[str]) -> bool:
    """Whether a site whose decisions were `kinds` (oldest first) is suspended now."""
    state = False
    for kind in kinds:
        if kind in ("suspension", "suspension_lifted"):
            state = kind == "suspension"
    return state


async def record_decision(principal: Principal, site_id: int, kind: str, reason: str, finding_id: int | None,
                          client_id: uuid.UUID | None) -> tuple[SiteDecisionRead, bool]:
    """404 outside the scope, 403 unless a supervisor, 422 for a missing reason or a finding of another site,
    409 for a suspension of a suspended site or lifting one that is not. A replayed client_id changes nothing."""
    reason = reason.strip()
    async with db.write_transaction():
        await principal.scope.get_site(site_id)
        if principal.role not in DECIDERS:
            raise Forbidden("Only supervisors record decisions on a site")
        # Decisions on one site are taken one at a time (PostgreSQL; SQLite has one writer): concurrent replays of a
        # client_id, or two suspensions at once, would otherwise each pass the checks below and each be written.
        if not db.is_sqlite():
            await Site.select(Site.id).where(Site.id == site_id).lock_rows()
        if client_id is not None:
            done = await SiteDecision.select(*_COLUMNS).where(
                (SiteDecision.client_id == client_id) & (SiteDecision.site == site_id)
                & (SiteDecision.by == principal.id)).first()
            if done is not None:
                return _read(done), False
        if not reason:
            raise Invalid("reason is required", details={"field": "reason"})
        if len(reason) > REASON_LENGTH:
            raise Invalid("reason is too long", details={"field": "reason", "max": REASON_LENGTH})
        if finding_id is not None and not await Finding.exists().where(
                (Finding.id == finding_id) & (Finding.site == site_id)):
            raise Invalid("The finding is not one of this site's", details={"field": "finding_id"})
        kinds = [r["kind"] for r in await SiteDecision.select(SiteDecision.kind)
                 .where(SiteDecision.site == site_id).order_by(SiteDecision.id)]
        if kind == "suspension" and suspended(kinds):
            raise Conflict("The site is already suspended", code="already_suspended")
        if kind == "suspension_lifted" and not suspended(kinds):
            raise Conflict("The site is not suspended", code="not_suspended")
        now = datetime.now(timezone.utc)
        inserted = await SiteDecision.insert(SiteDecision(
            site=site_id, kind=kind, reason=reason, finding_id=finding_id, by=principal.id, at=now,
            client_id=client_id)).returning(SiteDecision.id)
        decision_id = inserted[0]["id"]
        await audit.record(principal, f"site.{kind}", "site", site_id, site_id=site_id,
                           after={"decision": decision_id, "kind": kind, "reason": reason, "finding": finding_id})
        await announce("site.decision", [Subject("site", site_id, site_id, KINDS[kind], key=decision_id,
                                                 data={"kind": kind, "finding_id": finding_id})],
                       actor_id=principal.id, now=now)
        row = await SiteDecision.select(*_COLUMNS).where(SiteDecision.id == decision_id).first()
    return _read(row), True
