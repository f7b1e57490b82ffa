"""Inspections: idempotent create-or-replay of a whole inspection, pinned to a template version.

The device sends the whole inspection under its own UUID, as often as it likes (offline outboxes replay, sometimes
concurrently). Inside one write transaction the row is inserted with ON CONFLICT DO NOTHING and then read back
locked, so exactly one request creates it; the others see it and answer as replays. Findings are written in the
transaction that submits, once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import msgspec

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..checklists import rules as engine
from ..checklists import service as checklists
from ..config import Settings
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..findings import service as findings
from ..findings.tables import Finding
from ..photos.links import link_photos
from ..plans import service as plans
from ..sites.tables import Site
from . import people, rules, signatures
from .schemas import ExtraFinding, FindingBrief, InspectionPut, InspectionRead, Location
from .tables import Inspection

INSPECTING_ROLES = {"inspector", "supervisor", "manager"}
NOT_INSPECTED_HERE = {"patrol_zone": "Street patrols are recorded through /api/patrols"}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


async def put_inspection(principal: Principal, settings: Settings, inspection_id: uuid.UUID, data: InspectionPut,
                         *, now: datetime | None = None) -> tuple[InspectionRead, bool]:
    """Create, update (a draft), or recognise a replay. Returns the inspection and whether it was created."""
    if principal.role not in INSPECTING_ROLES:
        raise Forbidden("Your role may not record inspections")
    now = now or utcnow()
    site = await principal.scope.get_site(data.site_id, Site.id, Site.kind, Site.lat, Site.lng)
    if site["kind"] in NOT_INSPECTED_HERE:
        raise Invalid(NOT_INSPECTED_HERE[site["kind"]], details=[{"field": "site_id", "message": "patrol zone"}])
    template = await checklists.pinned_template(data.template_key, data.template_version)
    if template.site_kind != site["kind"]:
        raise Invalid("This checklist is not for this kind of site",
                      details=[{"field": "template_key", "message": f"for {template.site_kind}, not {site['kind']}"}])
    final = data.status == "submitted"
    evaluation = engine.evaluate(template, data.answers, final=final)
    extras = [msgspec.structs.asdict(e) for e in data.extra_findings]
    errors = evaluation.errors + rules.extra_finding_errors(extras)
    if len(data.remarks) > rules.DESCRIPTION_LENGTH:
        errors.append({"item": "remarks", "message": f"at most {rules.DESCRIPTION_LENGTH} characters"})
    if data.checkin is not None and (error := engine.location_error(msgspec.structs.asdict(data.checkin))):
        errors.append({"item": "checkin", "message": error})
    if errors:
        raise Invalid("The inspection does not match its checklist", details=errors)

    self_inspection = principal.role == "manager"
    co_ids = list(data.co_inspector_ids)
    if not co_ids and data.task_id is not None and not self_inspection:
        partner = await plans.task_partner(principal, data.task_id)  # the pair drawn for the task
        co_ids = [partner] if partner is not None else []
    members = await people.team(principal, site["id"], co_ids, self_inspection=self_inspection)
    if final and len(members) < 2 and rules.needs_two_inspectors(
            site["kind"], data.task_id is not None, self_inspection, settings.two_inspectors_kinds):
        raise Invalid("This inspection needs a second inspector: name them in co_inspector_ids",
                      code="second_inspector_required", details={"field": "co_inspector_ids"})

    payload = msgspec.to_builtins(data)
    if payload.get("task_id") is None:
        del payload["task_id"]  # so an inspection without a task hashes as it did before tasks existed
    del payload["co_inspector_ids"]
    if co_ids:  # the co-inspectors as recorded (a task's default included), so a replay naming them is the same
        payload["co_inspector_ids"] = co_ids
    content_hash = rules.payload_hash(payload)
    checkin = msgspec.structs.asdict(data.checkin) if data.checkin else None
    distance, far = rules.checkin(site["lat"], site["lng"], checkin, settings.checkin_far_meters)
    values = dict(
        status=data.status, answers=data.answers, extra_findings=extras, remarks=data.remarks,
        content_hash=content_hash, checkin_lat=checkin and checkin["lat"], checkin_lng=checkin and checkin["lng"],
        checkin_accuracy_m=checkin and checkin["accuracy_m"], checkin_distance_m=distance, checkin_far=far,
        device_started_at=_aware(data.device_started_at), device_submitted_at=_aware(data.device_submitted_at),
        checks_answered=evaluation.checks_answered, checks_noncompliant=evaluation.checks_noncompliant,
        updated_at=now, submitted_at=now if final else None,
    )
    async with db.write_transaction():
        inserted = await Inspection.insert(Inspection(
            id=inspection_id, site=site["id"], inspector=principal.id, template_key=template.key,
            template_version=template.version, self_inspection=self_inspection, created_at=now, **values,
        )).on_conflict(action="DO NOTHING").returning(Inspection.id)
        created = bool(inserted)
        if created:
            decision = "create"
        else:
            existing = await findings.lock_for_update(
                Inspection.select(Inspection.inspector, Inspection.site, Inspection.template_key,
                                  Inspection.template_version, Inspection.status, Inspection.content_hash)
                .where(Inspection.id == inspection_id), Inspection,
            ).first()
            decision = rules.decide(existing, principal.id, site["id"], (template.key, template.version),
                                    content_hash)
        if decision == "conflict":
            if not await principal.scope.restrict(Site.select(Site.id).where(Site.id == existing["site"])).first():
                # Another scope's inspection: say only that the id is taken, nothing about that inspection.
                raise Conflict("This inspection id is taken", code="inspection_conflict")
            raise Conflict(
                "This inspection was already submitted with different content, or the id belongs to another "
                "inspection", code="inspection_conflict", details={"status": existing["status"]},
            )
        if decision in ("create", "update"):
            if decision == "update":
                await Inspection.update({getattr(Inspection, k): v for k, v in values.items()}).where(
                    Inspection.id == inspection_id)
            await people.write_team(inspection_id, members)
            await link_photos(principal.id, evaluation.photo_ids, "inspection", inspection_id, site["id"],
                              field="answers")
            if data.task_id is not None:
                await plans.link_inspection(principal, data.task_id, site["id"], inspection_id, final)
            before = None if created else {"status": existing["status"], "content_hash": existing["content_hash"]}
            await audit.record(
                principal, "inspection.submit" if final else f"inspection.{decision}", "inspection", inspection_id,
                site_id=site["id"], before=before, at=now,
                after={"status": data.status, "content_hash": content_hash,
                       "template": f"{template.key}@{template.version}",
                       "checks_noncompliant": evaluation.checks_noncompliant, "checkin_distance_m": distance,
                       "checkin_far": far, "inspectors": [[uid, number] for uid, number in members]},
            )
            if final:
                found = rules.findings_of(evaluation, extras, now)
                await findings.create_findings(principal, site["id"], inspection_id, found,
                                               self_reported=self_inspection, now=now)
                # A submission changes the site's open findings and its recent results: re-rate it at once.
                await findings.rerate_site(site["id"], now, trigger="inspection")
    return await get_inspection(principal, inspection_id), created


_COLUMNS = (
    Inspection.all_columns(), Inspection.site._.name.as_alias("site_name"),
    Inspection.inspector._.display_name.as_alias("inspector_name"),
)


async def load_row(principal: Principal, inspection_id: uuid.UUID) -> dict:
    query = Inspection.select(*_COLUMNS).where(Inspection.id == inspection_id).output(load_json=True)
    row = await principal.scope.restrict(query, Inspection.site).first()
    if row is None:
        raise NotFound("Inspection not found")
    return row


inspectors_of = people.inspectors_of  # the one reader of who inspected (documents import it from here)


async def get_inspection(principal: Principal, inspection_id: uuid.UUID) -> InspectionRead:
    row = await load_row(principal, inspection_id)
    found = await Finding.select(
        Finding.id, Finding.item_key, Finding.title, Finding.grade, Finding.status, Finding.deadline,
    ).where(Finding.inspection == inspection_id).order_by(Finding.id)
    inspectors = await people.inspectors_of(inspection_id)
    signed = await signatures.of(inspection_id)
    return to_read(row, [FindingBrief(**f) for f in found], inspectors, signed)


def to_read(row: dict, found: list[FindingBrief], inspectors: list[people.Inspector],
            signed: list[dict]) -> InspectionRead:
    checkin = None
    if row["checkin_lat"] is not None:
        checkin = Location(lat=row["checkin_lat"], lng=row["checkin_lng"], accuracy_m=row["checkin_accuracy_m"])
    return InspectionRead(
        id=row["id"], site_id=row["site"], site_name=row["site_name"], inspector_id=row["inspector"],
        inspector_name=row["inspector_name"], template_key=row["template_key"],
        template_version=row["template_version"], status=row["status"], self_inspection=row["self_inspection"],
        answers=row["answers"] or {}, extra_findings=[ExtraFinding(**e) for e in row["extra_findings"] or []],
        remarks=row["remarks"], checkin=checkin, checkin_distance_m=row["checkin_distance_m"],
        checkin_far=row["checkin_far"], device_started_at=row["device_started_at"],
        device_submitted_at=row["device_submitted_at"], created_at=row["created_at"], updated_at=row["updated_at"],
        submitted_at=row["submitted_at"], checks_answered=row["checks_answered"],
        checks_noncompliant=row["checks_noncompliant"], findings=found, inspectors=people.reads(inspectors),
        signatures=signatures.reads(signed),
        signatures_complete=rules.signatures_complete([i.user_id for i in inspectors], signed),
    )

