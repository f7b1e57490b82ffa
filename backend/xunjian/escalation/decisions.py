"""Decisions on a site beyond the ladder (DOMAIN.md §5): a talk with the operator (约谈), a suspension until the
hazards are rectified (停业整顿) and the lifting of one; on a lottery outlet the supervisors' order to correct
(责令改正) and fine (罚款), and the welfare-lottery centre's suspension and restoring of the terminal and the end of
the agency contract (decision_rules.py). Deciders record them for sites in their scope; everyone who sees the site
sees them. Each is audited and announced in its own transaction."""

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
from ..sites import service as sites
from ..sites.tables import Site
from . import decision_rules as rules
from .tables import SiteDecision

REASON_LENGTH = 2000


class SiteDecisionRead(msgspec.Struct):
    id: int
    site_id: int
    kind: str
    kind_name: str
    reason: str
    basis: str  # the article it rests on ("" for a talk or suspension, practice)
    amount_yuan: int | None  # a fine's amount
    finding_id: int | None
    by: int
    by_name: str
    at: datetime


def _read(r: dict) -> SiteDecisionRead:
    return SiteDecisionRead(id=r["id"], site_id=r["site"], kind=r["kind"], kind_name=rules.KINDS[r["kind"]].name,
                            reason=r["reason"], basis=r["basis"], amount_yuan=r["amount_yuan"],
                            finding_id=r["finding_id"], by=r["by"], by_name=r["by_name"], at=r["at"])


_COLUMNS = (SiteDecision.id, SiteDecision.site, SiteDecision.kind, SiteDecision.reason, SiteDecision.basis,
            SiteDecision.amount_yuan, SiteDecision.finding_id, SiteDecision.by,
            SiteDecision.by._.display_name.as_alias("by_name"), SiteDecision.at)


async def list_decisions(principal: Principal, site_id: int) -> list[SiteDecisionRead]:
    await principal.scope.get_site(site_id)  # 404 outside the scope
    rows = await SiteDecision.select(*_COLUMNS).where(SiteDecision.site == site_id).order_by(SiteDecision.id)
    return [_read(r) for r in rows]


async def record_decision(principal: Principal, site_id: int, kind: str, reason: str, finding_id: int | None,
                          client_id: uuid.UUID | None,
                          amount_yuan: int | None = None) -> tuple[SiteDecisionRead, bool]:
    """404 outside the scope, 403 unless the kind's decider (decision_rules.py), 422 for a missing reason, a finding
    of another site, a lottery decision on another kind of site or a fine outside 2,000-10,000 yuan, 409 when the
    site's earlier decisions do not allow it. A replayed client_id changes nothing."""
    reason = reason.strip()
    async with db.write_transaction():
        site = await principal.scope.get_site(site_id, Site.kind)
        if principal.role not in rules.DECIDER_ROLES:
            raise Forbidden("Only supervisors and the welfare-lottery centre record decisions on a site")
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
        earlier = [r["kind"] for r in await SiteDecision.select(SiteDecision.kind)
                   .where(SiteDecision.site == site_id).order_by(SiteDecision.id)]
        problem = rules.decision_problem(kind, principal.role, site["kind"], earlier, amount_yuan)
        if problem is not None and problem.status == 409:
            raise Conflict(problem.message, code=problem.code)
        if problem is not None and problem.status == 422:
            raise Invalid(problem.message, details={"field": problem.field})
        if problem is not None:
            raise Forbidden(problem.message)
        spec = rules.KINDS[kind]
        now = datetime.now(timezone.utc)
        inserted = await SiteDecision.insert(SiteDecision(
            site=site_id, kind=kind, reason=reason, basis=spec.basis, amount_yuan=amount_yuan, finding_id=finding_id,
            by=principal.id, at=now, client_id=client_id)).returning(SiteDecision.id)
        decision_id = inserted[0]["id"]
        if spec.final:
            await sites.take_out_of_service(site_id, now)
        await audit.record(principal, f"site.{kind}", "site", site_id, site_id=site_id,
                           after={"decision": decision_id, "kind": kind, "reason": reason, "finding": finding_id,
                                  "basis": spec.basis, "amount_yuan": amount_yuan,
                                  **({"is_active": False} if spec.final else {})})
        await announce("site.decision", [Subject("site", site_id, site_id, rules.title(kind, amount_yuan),
                                                 key=decision_id,
                                                 data={"kind": kind, "finding_id": finding_id, "basis": spec.basis,
                                                       "amount_yuan": amount_yuan})],
                       actor_id=principal.id, now=now)
        row = await SiteDecision.select(*_COLUMNS).where(SiteDecision.id == decision_id).first()
    return _read(row), True
