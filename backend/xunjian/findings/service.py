"""Findings: creation from inspections, the scoped list and CSV export, and the rectification workflow.

Every change runs in one write transaction with its audit event; the finding row is locked first (FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transaction already serialises writers), so concurrent actions cannot both apply.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import AsyncIterator, Iterable
from zoneinfo import ZoneInfo

import msgspec

from .. import csvout, db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..documents import service as documents
from ..escalation.rules import LISTED_LEVEL
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..notifications.recipients import Subject, announce
from ..paging import check_page
from ..photos.links import link_photos, parse_photo_ids
from ..sites.rules import haversine_m
from ..sites.tables import Site
from . import rules
from . import sql as S
from .schemas import (
    ExtensionCreate, ExtensionRead, FindingDetail, FindingList, FindingRead, HistoryEvent, ListingDecision,
    ListingRead, PlanCreate, PlanRead, ResponseCreate, ResponseRead, VerificationCreate, VerificationRead,
)
from .tables import Finding, FindingExtension, FindingListing, FindingPlan, FindingResponse, FindingVerification

NOTE_LENGTH = 2000
MAX_PHOTOS = 10
EXPORT_BATCH = 1000
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_COLUMNS = (
    Finding.id, Finding.site, Finding.site._.code.as_alias("site_code"), Finding.site._.name.as_alias("site_name"),
    Finding.inspection, Finding.item_key, Finding.title, Finding.description, Finding.basis, Finding.grade,
    Finding.status, Finding.extension_status, Finding.requested_deadline, Finding.deadline, Finding.risk_weight,
    Finding.self_reported, Finding.photos, Finding.rechecked_at, Finding.last_reason, Finding.escalation_level,
    Finding.created_by, Finding.created_at, Finding.updated_at, Finding.responded_at, Finding.closed_at,
    Finding.listing, Finding.listing_authority, Finding.first_deadline,
)


async def rerate_site(site_id: int, now: datetime, trigger: str) -> None:
    from ..risk.service import rerate_site as _rerate  # risk reads findings; import late to keep the layers acyclic

    await _rerate(site_id, now, trigger=trigger)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def lock_for_update(query, *tables):
    """Row lock for read-then-write work on PostgreSQL; on SQLite the IMMEDIATE transaction serialises writers."""
    return query if db.is_sqlite() else query.lock_rows(of=tables)


def _state(row: dict) -> rules.FindingState:
    return rules.FindingState(status=row["status"], grade=row["grade"], extension_status=row["extension_status"],
                              rechecked=row["rechecked_at"] is not None, listing=row["listing"])


def _authority(row: dict, role: str, region_ids) -> bool:
    """Whether the caller is a supervisor of the finding's listing authority (the prefecture holding the site)."""
    return role == "supervisor" and row["listing_authority"] is not None and row["listing_authority"] in region_ids


def to_read(row: dict, role: str, now: datetime, region_ids=()) -> FindingRead:
    return FindingRead(
        id=row["id"], site_id=row["site"], site_code=row["site_code"], site_name=row["site_name"],
        inspection_id=row["inspection"], item_key=row["item_key"], title=row["title"],
        description=row["description"], basis=row["basis"], grade=row["grade"], status=row["status"],
        extension_status=row["extension_status"], requested_deadline=row["requested_deadline"],
        deadline=row["deadline"], overdue=rules.is_overdue(row["status"], row["deadline"], now),
        risk_weight=row["risk_weight"], self_reported=row["self_reported"], photos=row["photos"] or [],
        rechecked_at=row["rechecked_at"], last_reason=row["last_reason"], escalation_level=row["escalation_level"],
        created_by=row["created_by"], created_at=row["created_at"], updated_at=row["updated_at"],
        responded_at=row["responded_at"], closed_at=row["closed_at"], listing=row["listing"],
        listing_authority_id=row["listing_authority"], first_deadline=row["first_deadline"],
        allowed_actions=rules.allowed_actions(_state(row), role, _authority(row, role, region_ids)),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------------------------------------------- creation

async def create_findings(actor, site_id: int, inspection_id: uuid.UUID, found: Iterable, *,
                          self_reported: bool, now: datetime) -> list[int]:
    """Insert the findings of a submission (inside its transaction). An item's finding exists at most once per
    inspection (unique index): a replay inserts nothing."""
    rows = [
        Finding(site=site_id, inspection=inspection_id, item_key=f.item_key, title=f.title, description=f.description,
                basis=f.basis, grade=f.grade, status="open", deadline=f.deadline, risk_weight=f.risk_weight,
                self_reported=self_reported, photos=list(f.photos), created_by=actor.id, created_at=now,
                updated_at=now)
        for f in found
    ]
    if not rows:
        return []
    inserted = await Finding.insert(*rows).on_conflict(action="DO NOTHING").returning(Finding.id)
    ids = [r["id"] for r in inserted]
    by_id = await Finding.select(Finding.id, Finding.item_key, Finding.title, Finding.grade, Finding.deadline,
                                 Finding.photos).where(Finding.id.is_in(ids)).output(load_json=True) if ids else []
    for r in by_id:
        await link_photos(actor.id, r["photos"] or [], "finding", r["id"], site_id)
        await audit.record(actor, "finding.create", "finding", r["id"], site_id=site_id, at=now, after={
            "inspection": str(inspection_id), "item_key": r["item_key"], "title": r["title"], "grade": r["grade"],
            "status": "open", "deadline": _iso(r["deadline"]), "self_reported": self_reported,
        })
    await announce("finding.self_reported" if self_reported else "finding.raised", [
        Subject("finding", r["id"], site_id, r["title"], key=r["id"], major=r["grade"] == "major",
                data={"grade": r["grade"], "deadline": _iso(r["deadline"])})
        for r in by_id
    ], actor_id=actor.id, now=now)
    return ids


# ---------------------------------------------------------------------------------------------------- reading

def _filters(principal: Principal, *, site: int | None, status: str | None, grade: str | None,
             overdue: bool | None, self_reported: bool | None, inspection: uuid.UUID | None,
             now: datetime) -> tuple[str, list]:
    """The list's scope and filters as a SQL predicate over `finding f JOIN site s` and its arguments."""
    scope_sql, args = principal.scope.sql("s")
    conditions = [scope_sql]
    if site is not None:
        conditions.append("f.site = {}")
        args.append(site)
    if status is not None:
        if status not in rules.STATUSES:
            raise Invalid(f"Unknown status {status!r}",
                          details={"parameter": "status", "allowed": list(rules.STATUSES)})
        conditions.append("f.status = {}")
        args.append(status)
    if grade is not None:
        if grade not in rules.GRADES:
            raise Invalid(f"Unknown grade {grade!r}", details={"parameter": "grade", "allowed": list(rules.GRADES)})
        conditions.append("f.grade = {}")
        args.append(grade)
    if overdue is not None:
        conditions.append(("(f.status = 'open' AND f.deadline < {})" if overdue
                           else "(f.status <> 'open' OR f.deadline >= {})"))
        args.append(now)
    if self_reported is not None:
        conditions.append("f.self_reported = {}")
        args.append(self_reported)
    if inspection is not None:
        conditions.append("f.inspection = {}")
        args.append(str(inspection) if db.is_sqlite() else inspection)
    return " AND ".join(conditions), args


def _from_sql(row: dict) -> dict:
    """A row of the named SQL as Piccolo's select gives it: JSON decoded, booleans as bool, times aware."""
    photos = row["photos"]
    return {**row, "photos": msgspec.json.decode(photos) if isinstance(photos, (str, bytes)) else photos,
            "self_reported": bool(row["self_reported"])}


async def list_findings(principal: Principal, *, limit: int = 50, offset: int = 0, now: datetime | None = None,
                        **filters) -> FindingList:
    """One page, soonest deadline first, and the total: one statement (two past the last page)."""
    check_page(limit, offset)
    now = now or utcnow()
    where, args = _filters(principal, now=now, **filters)
    rows = await db.fetch(S.LIST.format(where=where), *args, limit, offset)
    if rows:
        total = rows[0]["total_count"]
    else:
        total = (await db.fetch(S.COUNT.format(where=where), *args))[0]["n"] if offset else 0
    return FindingList(items=[to_read(_from_sql(r), principal.role, now, principal.region_ids) for r in rows],
                       total=total, limit=limit, offset=offset)


async def _fetch(principal: Principal, finding_id: int, *, lock: bool = False) -> dict:
    query = principal.scope.restrict(
        Finding.select(*_COLUMNS).where(Finding.id == finding_id).output(load_json=True), Finding.site)
    if lock:
        query = lock_for_update(query, Finding)
    row = await query.first()
    if row is None:
        raise NotFound("Finding not found")
    return row


async def get_finding(principal: Principal, finding_id: int) -> FindingRead:
    return to_read(await _fetch(principal, finding_id), principal.role, utcnow(), principal.region_ids)


async def get_finding_detail(principal: Principal, finding_id: int) -> FindingDetail:
    finding = await get_finding(principal, finding_id)
    responses = await FindingResponse.select(
        FindingResponse.id, FindingResponse.note, FindingResponse.photos, FindingResponse.by,
        FindingResponse.by._.display_name.as_alias("by_name"), FindingResponse.at,
    ).where(FindingResponse.finding == finding_id).order_by(FindingResponse.id).output(load_json=True)
    verifications = await FindingVerification.select(
        FindingVerification.id, FindingVerification.decision, FindingVerification.note, FindingVerification.photos,
        FindingVerification.lat, FindingVerification.lng, FindingVerification.distance_m, FindingVerification.by,
        FindingVerification.by._.display_name.as_alias("by_name"), FindingVerification.at,
    ).where(FindingVerification.finding == finding_id).order_by(FindingVerification.id).output(load_json=True)
    extensions = await FindingExtension.select(
        FindingExtension.id, FindingExtension.action, FindingExtension.reason, FindingExtension.requested_deadline,
        FindingExtension.deadline, FindingExtension.by, FindingExtension.by._.display_name.as_alias("by_name"),
        FindingExtension.at,
    ).where(FindingExtension.finding == finding_id).order_by(FindingExtension.id)
    listings = await FindingListing.select(
        FindingListing.id, FindingListing.decision, FindingListing.reason,
        FindingListing.authority.as_alias("authority_id"), FindingListing.authority._.name.as_alias("authority_name"),
        FindingListing.document_id, FindingListing.number, FindingListing.by,
        FindingListing.by._.display_name.as_alias("by_name"), FindingListing.at,
    ).where(FindingListing.finding == finding_id).order_by(FindingListing.id)
    plans = await FindingPlan.select(
        FindingPlan.id, FindingPlan.measures, FindingPlan.funds, FindingPlan.complete_by, FindingPlan.responsible,
        FindingPlan.contingency, FindingPlan.by, FindingPlan.by._.display_name.as_alias("by_name"), FindingPlan.at,
    ).where(FindingPlan.finding == finding_id).order_by(FindingPlan.id)
    return FindingDetail(
        finding=finding,
        responses=[ResponseRead(**{**r, "photos": r["photos"] or []}) for r in responses],
        verifications=[VerificationRead(**{**r, "photos": r["photos"] or []}) for r in verifications],
        extensions=[ExtensionRead(**r) for r in extensions],
        listings=[ListingRead(**r) for r in listings],
        plans=[PlanRead(**r) for r in plans], plan_due=rules.plan_due(finding.grade, finding.created_at),
    )


async def history(principal: Principal, finding_id: int) -> list[HistoryEvent]:
    await _fetch(principal, finding_id)
    return [
        HistoryEvent(id=e["id"], at=e["at"], actor_id=e["actor"], actor_name=e["actor_name"],
                     actor_display_name=e["display_name"], action=e["action"],
                     before=e["before"], after=e["after"], client_addr=e["client_addr"])
        for e in await audit.events_for("finding", finding_id)
    ]


# ---------------------------------------------------------------------------------------------------- export

EXPORT_HEADER = ["编号", "场所编码", "场所名称", "隐患", "等级", "状态", "整改期限", "是否逾期", "延期", "依据", "自查",
                 "督办级别", "发现时间", "销号时间"]
_GRADE_ZH = {"general": "一般隐患", "major": "重大隐患"}
_STATUS_ZH = {"open": "待整改", "responded": "已反馈", "closed": "已销号"}
_EXTENSION_ZH = {None: "", "requested": "申请中", "proposed": "待监管人员审批", "approved": "已批准", "refused": "未批准"}


def _local(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


async def export_csv(principal: Principal, **filters) -> AsyncIterator[bytes]:
    """The list's rows as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese), in batches by id."""
    now = utcnow()
    where, args = _filters(principal, now=now, **filters)  # invalid filters fail before the response starts
    query = S.EXPORT_BATCH.format(where=where)

    async def rows() -> AsyncIterator[bytes]:
        yield csvout.rows([], header=EXPORT_HEADER)
        last_id = 0
        while True:
            batch = await db.fetch(query, *args, last_id, EXPORT_BATCH)
            if not batch:
                return
            yield csvout.rows(
                (
                    r["id"], r["site_code"], r["site_name"], r["title"], _GRADE_ZH.get(r["grade"], r["grade"]),
                    _STATUS_ZH.get(r["status"], r["status"]), _local(r["deadline"]),
                    "是" if rules.is_overdue(r["status"], r["deadline"], now) else "否",
                    _EXTENSION_ZH.get(r["extension_status"], ""), r["basis"], "是" if r["self_reported"] else "否",
                    r["escalation_level"], _local(r["created_at"]), _local(r["closed_at"]),
                ) for r in batch
            )
            last_id = batch[-1]["id"]

    return rows()


# ---------------------------------------------------------------------------------------------------- workflow

def _text(value: str, field: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise Invalid(f"{field} is required", details={"field": field})
    if len(value) > NOTE_LENGTH:
        raise Invalid(f"{field} is too long", details={"field": field, "max": NOTE_LENGTH})
    return value


def _photos(values: list[str]) -> list[str]:
    if len(values) > MAX_PHOTOS:
        raise Invalid(f"At most {MAX_PHOTOS} photos", details={"field": "photos"})
    return [str(p) for p in dict.fromkeys(parse_photo_ids(values))]


def _snapshot(row: dict) -> dict:
    return {"status": row["status"], "extension_status": row["extension_status"], "deadline": _iso(row["deadline"]),
            "rechecked": row["rechecked_at"] is not None, "listing": row["listing"],
            "escalation_level": row["escalation_level"]}


# Each workflow action and the event it announces (notifications/recipients.py says who is told).
_EVENTS = {
    "respond": "finding.responded", "recheck": "finding.rechecked", "reject": "finding.rejected",
    "accept": "finding.closed", "request_extension": "finding.extension_requested",
    "propose_extension": "finding.extension_proposed", "approve_extension": "finding.extension_approved",
    "refuse_extension": "finding.extension_refused", "confirm_listing": "finding.listed",
    "decline_listing": "finding.listing_declined", "submit_plan": "finding.plan_submitted",
}


def _event(action: str, grade: str) -> str:
    # A major hazard's passed re-check asks the supervisors to close it.
    return "finding.awaiting_closure" if action == "recheck" and grade == "major" else _EVENTS[action]


async def _act(principal: Principal, finding_id: int, action: str, apply, record,
               client_id: uuid.UUID | None, now: datetime | None = None) -> tuple[FindingRead, bool]:
    """Load (404 outside the scope), recognise a replay of the same action (the device's `client_id`), check role
    (403) and state (409), then let `apply` write; audit it. Returns the finding and whether anything changed.
    `now` is the moment of the action (a request's is the present; the demo lives its history at past moments)."""
    now = now or utcnow()
    async with db.write_transaction():
        row = await _fetch(principal, finding_id, lock=True)
        if client_id is not None and await record.exists().where(
                (record.client_id == client_id) & (record.finding == finding_id) & (record.by == principal.id)):
            return await get_finding(principal, finding_id), False
        try:
            rules.transition(_state(row), action, principal.role,
                             _authority(row, principal.role, principal.region_ids))
        except rules.NotPermitted as exc:
            raise Forbidden(str(exc)) from None
        except rules.IllegalTransition as exc:
            raise Conflict(str(exc), code="illegal_transition", details={
                "status": exc.state.status, "extension_status": exc.state.extension_status,
                "rechecked": exc.state.rechecked, "listing": exc.state.listing, "allowed_actions": exc.allowed,
            }) from None
        values, detail = await apply(row, now)
        values[Finding.updated_at] = now
        await Finding.update(values).where(Finding.id == finding_id)
        changed = {**row, **{col._meta.name: v for col, v in values.items()}}
        await audit.record(principal, f"finding.{action}", "finding", finding_id, site_id=row["site"], at=now,
                           before=_snapshot(row), after={**_snapshot(changed), **detail})
        # The row `apply` just wrote (the finding is locked) names the event, so it is announced once.
        written = await record.select(record.id).where(record.finding == finding_id) \
            .order_by(record.id, ascending=False).first()
        await announce(_event(action, row["grade"]), [Subject(
            "finding", finding_id, row["site"], row["title"], key=written["id"], major=row["grade"] == "major",
            recorder=row["created_by"], data={"grade": row["grade"], "status": changed["status"],
                                              "extension_status": changed["extension_status"],
                                              "listing": changed["listing"],
                                              # a confirmed listing's 督办通知书
                                              **({"number": detail["number"]} if "number" in detail else {})},
        )], actor_id=principal.id, now=now)
        # The board is never a night behind: the site's tier follows the change in the same transaction.
        await rerate_site(row["site"], now, trigger="finding")
    return await get_finding(principal, finding_id), True


async def respond(principal: Principal, finding_id: int, data: ResponseCreate, *,
                  now: datetime | None = None) -> tuple[FindingRead, bool]:
    async def apply(row, now):
        note = _text(data.note, "note", required=True)
        photos = _photos(data.photos)
        inserted = await FindingResponse.insert(
            FindingResponse(finding=finding_id, note=note, photos=photos, by=principal.id, at=now,
                            client_id=data.client_id)
        ).returning(FindingResponse.id)
        await link_photos(principal.id, photos, "finding_response", inserted[0]["id"], row["site"])
        return ({Finding.status: "responded", Finding.responded_at: now, Finding.rechecked_at: None,
                 Finding.rechecked_by: None}, {"note": note, "photos": photos})

    return await _act(principal, finding_id, "respond", apply, FindingResponse, data.client_id, now)


async def verify(principal: Principal, finding_id: int, data: VerificationCreate,
                 site_far_meters: int, *, now: datetime | None = None) -> tuple[FindingRead, bool]:
    action = {"recheck": "recheck", "accept": "accept", "reject": "reject"}[data.decision]

    async def apply(row, now):
        note = _text(data.note, "note", required=action == "reject")
        photos = _photos(data.photos)
        lat = lng = distance = None
        if action == "recheck":
            if data.location is None:
                raise Invalid("An on-site re-check records where it was made", details={"field": "location"})
            lat, lng = data.location.lat, data.location.lng
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise Invalid("Coordinates out of range", details={"field": "location"})
            site = await Site.select(Site.lat, Site.lng).where(Site.id == row["site"]).first()
            if site["lat"] is not None:
                distance = round(haversine_m(site["lat"], site["lng"], lat, lng), 1)
        inserted = await FindingVerification.insert(FindingVerification(
            finding=finding_id, decision=action, note=note, photos=photos, lat=lat, lng=lng, distance_m=distance,
            by=principal.id, at=now, client_id=data.client_id,
        )).returning(FindingVerification.id)
        await link_photos(principal.id, photos, "finding_verification", inserted[0]["id"], row["site"])
        detail = {"note": note, "photos": photos}
        if action == "recheck":
            detail.update(location={"lat": lat, "lng": lng}, distance_m=distance,
                          far=distance is not None and distance > site_far_meters)
            return {Finding.rechecked_at: now, Finding.rechecked_by: principal.id}, detail
        if action == "reject":
            return ({Finding.status: "open", Finding.last_reason: note, Finding.rechecked_at: None,
                     Finding.rechecked_by: None}, detail)
        return {Finding.status: "closed", Finding.closed_at: now, Finding.closed_by: principal.id}, detail

    return await _act(principal, finding_id, action, apply, FindingVerification, data.client_id, now)


async def extension(principal: Principal, finding_id: int, data: ExtensionCreate,
                    major_extension_days: int, *, now: datetime | None = None) -> tuple[FindingRead, bool]:
    """`major_extension_days`: how far beyond a major hazard's first deadline an inspector may propose
    (Settings.major_extension_days)."""
    action = data.action + "_extension"

    async def apply(row, now):
        reason = _text(data.reason, "reason", required=data.action in ("request", "refuse"))
        requested = data.deadline
        if data.action == "refuse":
            await FindingExtension.insert(FindingExtension(finding=finding_id, action="refuse", reason=reason,
                                                           by=principal.id, at=now, client_id=data.client_id))
            return {Finding.extension_status: "refused", Finding.last_reason: reason}, {"reason": reason}
        if data.action in ("propose", "approve"):
            requested = requested or row["requested_deadline"]
        if requested is None:
            raise Invalid("Give the new deadline", details={"field": "deadline"})
        problem = rules.check_extension_deadline(row["deadline"], requested, now)
        if data.action == "propose" and problem is None:
            problem = rules.check_major_extension_bound(row["first_deadline"] or row["deadline"], requested,
                                                        major_extension_days)
        if problem:
            raise Invalid(problem, details={"field": "deadline"})
        requested = requested.astimezone(timezone.utc)
        if data.action in ("request", "propose"):
            await FindingExtension.insert(FindingExtension(finding=finding_id, action=data.action, reason=reason,
                                                           requested_deadline=requested, by=principal.id, at=now,
                                                           client_id=data.client_id))
            status = "requested" if data.action == "request" else "proposed"
            return ({Finding.extension_status: status, Finding.requested_deadline: requested},
                    {"reason": reason, "requested_deadline": _iso(requested)})
        await FindingExtension.insert(FindingExtension(finding=finding_id, action="approve", reason=reason,
                                                       requested_deadline=row["requested_deadline"],
                                                       deadline=requested, by=principal.id, at=now,
                                                       client_id=data.client_id))
        return ({Finding.extension_status: "approved", Finding.deadline: requested,
                 Finding.first_deadline: row["first_deadline"] or row["deadline"]}, {"reason": reason})

    return await _act(principal, finding_id, action, apply, FindingExtension, data.client_id, now)


async def decide_listing(principal: Principal, finding_id: int, data: ListingDecision, *,
                         now: datetime | None = None) -> tuple[FindingRead, bool]:
    """A supervisor of the listing authority confirms the job's proposal to list the finding for supervision
    (挂牌督办: level 3, a numbered 督办通知书 issued in the same transaction) or declines it with the reason."""
    action = data.decision + "_listing"

    async def apply(row, now):
        reason = _text(data.reason, "reason", required=data.decision == "decline")
        document = None
        if data.decision == "confirm":
            document = await documents.issue_document(
                principal, authority_region_id=row["listing_authority"], kind="supervision_notice",
                subject_type="finding", subject_id=finding_id, now=now, site_id=row["site"])
        await FindingListing.insert(FindingListing(
            finding=finding_id, decision=data.decision, reason=reason, authority=row["listing_authority"],
            document_id=document.id if document else None, number=document.number if document else "",
            by=principal.id, at=now, client_id=data.client_id))
        if document is None:
            return {Finding.listing: "declined"}, {"reason": reason}
        return ({Finding.listing: "confirmed", Finding.escalation_level: max(row["escalation_level"], LISTED_LEVEL)},
                {"reason": reason, "document_id": document.id, "number": document.number})

    return await _act(principal, finding_id, action, apply, FindingListing, data.client_id, now)


async def submit_plan(principal: Principal, finding_id: int, data: PlanCreate) -> tuple[FindingRead, bool]:
    """The site's manager submits (or revises) a major hazard's 五到位 rectification plan."""

    async def apply(row, now):
        fields = {name: _text(getattr(data, name), name, required=True)
                  for name in ("measures", "funds", "responsible", "contingency")}
        if data.complete_by.tzinfo is None:
            raise Invalid("give the time with its timezone", details={"field": "complete_by"})
        complete_by = data.complete_by.astimezone(timezone.utc)
        await FindingPlan.insert(FindingPlan(finding=finding_id, complete_by=complete_by, by=principal.id, at=now,
                                             client_id=data.client_id, **fields))
        due = rules.plan_due(row["grade"], row["created_at"])
        return {}, {**fields, "complete_by": _iso(complete_by), "late": due is not None and now > due}

    return await _act(principal, finding_id, "submit_plan", apply, FindingPlan, data.client_id)
