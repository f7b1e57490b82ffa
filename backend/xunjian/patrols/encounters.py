"""The people met on a patrol (encounters): recording them with a patrol, and reading one. Photos of people are
linked restricted; a minor's face only when needed and marked so (`rules.face_photo_problem`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, NotFound
from ..photos.links import link_photos
from . import pii, rules
from .cases import CASE_COLUMNS, case_read, open_cases
from .common import and_all, ensure_staff, utcnow
from .schemas import CaseRead, EncounterIn, EncounterRead
from .tables import Encounter, FollowUpCase


def encounter_dict(e: EncounterIn) -> dict:
    return {f: getattr(e, f) for f in e.__struct_fields__} | {"id": str(e.id)}


async def add_encounters(principal: Principal, patrol_id: uuid.UUID, zone: dict, encounters: list[EncounterIn],
                          hashes: dict[uuid.UUID, str], first_seq: int, now: datetime) -> None:
    if not encounters:
        return
    ids = [e.id for e in encounters]
    elsewhere = await Encounter.select(Encounter.id).where(Encounter.id.is_in(ids) & (Encounter.patrol != patrol_id))
    if elsewhere:
        raise Conflict("Encounter ids belong to another patrol",
                       details={"encounters": sorted(str(r["id"]) for r in elsewhere)})
    rows, cases = [], []
    for n, e in enumerate(encounters):
        sealed = pii.sealed_values("encounter", {
            "features": [f.strip() for f in e.features], "details": e.details, "answers": e.answers,
            "face_reason": e.face_reason.strip()})
        rows.append(Encounter(
            id=e.id, patrol=patrol_id, zone=zone["id"], recorded_by=principal.id, seq=first_seq + n,
            met_at=e.met_at, lat=e.lat, lng=e.lng, place_type=e.place_type, sex=e.sex, age_band=e.age_band,
            is_minor=e.is_minor, is_elderly=e.is_elderly, is_disabled=e.is_disabled,
            suspected_mental_illness=e.suspected_mental_illness, critically_ill=e.critically_ill, action=e.action,
            referral_target=e.referral_target_id, follow_up_needed=e.follow_up_needed,
            earlier_record=e.earlier_record.strip(),
            photo_ids=[str(p) for p in e.photo_ids], content_hash=hashes[e.id], created_at=now,
            notice_given=e.notice_given, face_needed=e.face_needed, **sealed,
        ))
        reasons = rules.case_reasons(encounter_dict(e))
        if reasons:
            cases.append(FollowUpCase(
                encounter=e.id, zone=zone["id"], recorded_by=principal.id, reasons=reasons,
                urgent=rules.case_urgent(reasons), opened_at=now,
                deadline=rules.case_deadline(e.met_at, reasons), status="open",
            ))
    await Encounter.insert(*rows)
    for e in encounters:
        # Photos of people: shown only to supervisors/admins in scope and the uploader, every view audited.
        await link_photos(principal.id, e.photo_ids, "encounter", e.id, zone["id"], restricted=True,
                          field="encounters.photo_ids")
    await open_cases(principal, zone["id"], cases, now)


def encounter_read(r: dict, case: CaseRead | None) -> EncounterRead:
    """From a row opened by `pii.opened`."""
    return EncounterRead(
        id=r["id"], patrol_id=r["patrol"], zone_id=r["zone"], seq=r["seq"], met_at=r["met_at"], lat=r["lat"],
        lng=r["lng"], place_type=r["place_type"], sex=r["sex"], age_band=r["age_band"], is_minor=r["is_minor"],
        is_elderly=r["is_elderly"], is_disabled=r["is_disabled"],
        suspected_mental_illness=r["suspected_mental_illness"], critically_ill=r["critically_ill"],
        action=r["action"], referral_target_id=r["referral_target"], follow_up_needed=r["follow_up_needed"],
        earlier_record=r["earlier_record"], features=r["features"] or [], details=r["details"], photo_ids=[uuid.UUID(p) for p in r["photo_ids"] or []],
        answers=r["answers"] or {}, person_id=r["person"], purged=r["purged_at"] is not None, case=case,
        notice_given=bool(r["notice_given"]), face_needed=bool(r["face_needed"]), face_reason=r["face_reason"],
    )


async def visible_encounter(principal: Principal, encounter_id: uuid.UUID) -> dict:
    """An encounter the caller may see the person details of; 404 otherwise (existence does not leak)."""
    ensure_staff(principal)
    row = await Encounter.select().where(
        and_all([Encounter.id == encounter_id, principal.scope.where(Encounter.zone)])
    ).output(load_json=True).first()
    if row is None or not rules.sees_people(principal.role, principal.id, row["recorded_by"], principal.reads_people):
        raise NotFound("Encounter not found")
    return pii.opened("encounter", row)


async def get_encounter(principal: Principal, encounter_id: uuid.UUID, now: datetime | None = None,
                        audit_read: bool = True) -> EncounterRead:
    """`audit_read=False` only for the answer to a write, which is audited itself."""
    now = now or utcnow()
    row = await visible_encounter(principal, encounter_id)
    case = await FollowUpCase.select(*CASE_COLUMNS).where(FollowUpCase.encounter == encounter_id).output(
        load_json=True).first()
    if audit_read:
        await audit.record(principal, "encounter.read", "encounter", encounter_id, site_id=row["zone"])
    return encounter_read(row, case_read(case, now) if case else None)
