"""Follow-up cases (跟进个案) that vulnerable people and refusals open: opening them with an encounter, reading,
listing and closing. Seen by the people who see the encounter (`rules.sees_people`); every read audited."""

from __future__ import annotations

from datetime import datetime

import msgspec

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, Invalid, NotFound
from ..notifications.recipients import Subject, announce
from ..regions.service import get_region
from . import pii, rules
from .common import and_all, ensure_staff, utcnow
from .schemas import CaseClose, CaseList, CaseRead
from .tables import FollowUpCase


CASE_COLUMNS = (
    FollowUpCase.id, FollowUpCase.encounter, FollowUpCase.zone, FollowUpCase.zone.name.as_alias("zone_name"),
    FollowUpCase.recorded_by, FollowUpCase.reasons, FollowUpCase.urgent, FollowUpCase.escalation_level,
    FollowUpCase.opened_at, FollowUpCase.deadline,
    FollowUpCase.status, FollowUpCase.outcome, FollowUpCase.outcome_note, FollowUpCase.closed_at,
    FollowUpCase.closed_by,
)


def case_read(r: dict, now: datetime) -> CaseRead:
    return CaseRead(
        id=r["id"], encounter_id=r["encounter"], zone_id=r["zone"], zone_name=r.get("zone_name", ""),
        reasons=r["reasons"] or [], urgent=r["urgent"], opened_at=r["opened_at"], deadline=r["deadline"],
        overdue=r["status"] == "open" and r["deadline"] < now, escalation_level=r["escalation_level"],
        status=r["status"], outcome=r["outcome"],
        outcome_note=pii.opened("follow_up_case", {"outcome_note": r["outcome_note"]})["outcome_note"],
        closed_at=r["closed_at"],
    )


def _case_subject(case_id: int, zone_id: int, urgent: bool) -> Subject:
    """A case names itself by number only: notifications and webhooks carry no personal details."""
    return Subject("follow_up_case", case_id, zone_id, f"街面巡查跟进个案 #{case_id}", key=case_id,
                   data={"urgent": urgent})


async def open_cases(principal: Principal, zone_id: int, cases: list[FollowUpCase], now: datetime) -> None:
    """Insert the follow-up cases that encounters just recorded call for, audit and announce each."""
    if not cases:
        return
    opened = {str(r["encounter"]): r["id"] for r in await FollowUpCase.insert(*cases).returning(
        FollowUpCase.id, FollowUpCase.encounter)}
    for case in cases:
        await audit.record(principal, "case.open", "follow_up_case", opened[str(case.encounter)], site_id=zone_id,
                           at=now,
                           after={"encounter_id": str(case.encounter), "reasons": case.reasons,
                                  "deadline": case.deadline.isoformat()})
    await announce("case.opened", [_case_subject(opened[str(c.encounter)], zone_id, c.urgent) for c in cases],
                   actor_id=principal.id, now=now)


async def _visible_case(principal: Principal, case_id: int) -> dict:
    ensure_staff(principal)
    row = await FollowUpCase.select(*CASE_COLUMNS).where(
        and_all([FollowUpCase.id == case_id, principal.scope.where(FollowUpCase.zone)])
    ).output(load_json=True).first()
    if row is None or not rules.sees_people(principal.role, principal.id, row["recorded_by"], principal.reads_people):
        raise NotFound("Case not found")
    return row


async def get_case(principal: Principal, case_id: int, now: datetime | None = None) -> CaseRead:
    row = await _visible_case(principal, case_id)
    await audit.record(principal, "case.read", "follow_up_case", case_id, site_id=row["zone"])
    return case_read(row, now or utcnow())


async def list_cases(principal: Principal, *, status: str | None = None, zone: int | None = None,
                     region: int | None = None, overdue: bool | None = None, limit: int = 50, offset: int = 0,
                     now: datetime | None = None) -> CaseList:
    ensure_staff(principal)
    now = now or utcnow()
    region_path = None
    if region is not None:
        region_path = (await get_region(region))["path"]
    if status is not None and status not in ("open", "closed"):
        raise Invalid("status is open or closed", details={"parameter": "status"})
    where = and_all([
        principal.scope.where(FollowUpCase.zone),
        FollowUpCase.recorded_by == principal.id if principal.role == "inspector" else None,
        FollowUpCase.status == status if status else None,
        FollowUpCase.zone == zone if zone is not None else None,
        FollowUpCase.zone._.region_path.like(region_path + "%") if region_path else None,
        ((FollowUpCase.status == "open") & (FollowUpCase.deadline < now)) if overdue else None,
    ])
    query = FollowUpCase.select(*CASE_COLUMNS).order_by(FollowUpCase.deadline).order_by(FollowUpCase.id).limit(
        limit).offset(offset).output(load_json=True)
    count = FollowUpCase.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query
    if rows:
        await audit.record(principal, "case.list", "follow_up_case", "list",
                           after={"ids": [r["id"] for r in rows]})
    items = [case_read(r, now) for r in rows]
    if not principal.reads_people and principal.role != "inspector":
        # An admin without the personal-data grant keeps the list for the board's figures (numbers, zones, reasons,
        # deadlines), not the free text about the person; the case itself and its encounter are 404 for them.
        items = [msgspec.structs.replace(c, outcome_note="") for c in items]
    return CaseList(items=items, total=await count, limit=limit, offset=offset)


async def close_case(principal: Principal, case_id: int, data: CaseClose, now: datetime | None = None) -> CaseRead:
    now = now or utcnow()
    async with db.write_transaction():
        row = await _visible_case(principal, case_id)
        if row["status"] == "closed" and row["outcome"] == data.outcome and row["closed_by"] == principal.id:
            return case_read(row, now)  # an offline retry of the same close: nothing to do, not a conflict
        try:
            rules.check_close(row["status"], data.outcome)
        except rules.RuleError as exc:
            raise Conflict(str(exc), details={"status": row["status"], "allowed_actions": []}) from None
        await FollowUpCase.update({
            FollowUpCase.status: "closed", FollowUpCase.outcome: data.outcome,
            FollowUpCase.outcome_note: pii.seal("follow_up_case", "outcome_note", data.note.strip()),
            FollowUpCase.closed_at: now,
            FollowUpCase.closed_by: principal.id,
        }).where(FollowUpCase.id == case_id)
        await audit.record(principal, "case.close", "follow_up_case", case_id, site_id=row["zone"], at=now,
                           before={"status": "open"}, after={"status": "closed", "outcome": data.outcome})
        await announce("case.closed", [_case_subject(case_id, row["zone"], row["urgent"])], actor_id=principal.id,
                       now=now)
    row = await FollowUpCase.select(*CASE_COLUMNS).where(FollowUpCase.id == case_id).output(load_json=True).first()
    return case_read(row, now)
