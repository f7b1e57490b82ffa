"""Street patrols: idempotent submission, encounters and their follow-up cases, the person register, linking,
candidate matches, retention and zone coverage.

Who sees what (one rule, `rules.sees_people`): a patrol is visible to admins, and to supervisors and inspectors whose
scope holds its zone; the people met on it (encounters, cases, photos) only to supervisors in scope, admins holding
the personal-data grant and the inspector who recorded them. Person records: supervisors in scope of the record's
site, admins holding the grant, and an inspector who recorded an encounter linked to the record. An admin without the
grant and institution managers never (404). Every read of a person record or of encounter details is audited.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable

import msgspec

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..notifications.recipients import Subject, announce
from ..photos.links import link_photos
from ..regions.service import get_region
from ..regions.tables import Region
from ..sites.tables import Site
from . import pii, rules, template
from .schemas import (
    CampaignCreate, CampaignRead, CandidateRead, CaseAges, CaseClose, CaseList, CaseRead, CoverageRead,
    LATER_DEFAULTS, EncounterIn, EncounterRead, LinkIn, PatrolList, PatrolPut, PatrolRead, PatrolSummary, PersonCreate,
    PersonEncounter, PersonList, PersonRead, PersonUpdate, TrackPoint, ZoneCoverage,
)
from .tables import Campaign, Encounter, FollowUpCase, Patrol, PersonRecord



def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------- helpers


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def _hash(struct: msgspec.Struct) -> str:
    """The same content sent with another UTC offset or key order is the same submission."""
    builtins = msgspec.to_builtins(struct, builtin_types=(datetime, uuid.UUID))
    for enc in builtins.get("encounters", [builtins] if isinstance(struct, EncounterIn) else []):
        for k, default in LATER_DEFAULTS.items():
            if enc.get(k) == default:
                del enc[k]
    encoded = json.dumps(_canonical(builtins), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return rules.content_hash(encoded.encode())


def _and(conds: Iterable) -> Any:
    where = None
    for c in conds:
        if c is None:
            continue
        where = c if where is None else where & c
    return where


def _ensure_staff(principal: Principal) -> None:
    if principal.role not in rules.STAFF_ROLES:
        raise NotFound("Not found")


async def _zone_for(principal: Principal, zone_id: int) -> dict:
    query = Site.select(Site.id, Site.name, Site.region_path, Site.kind).where(Site.id == zone_id)
    row = await principal.scope.restrict(query).first()
    if row is None or row["kind"] != "patrol_zone":
        raise Invalid("zone_id is not a patrol zone in your scope", details=[{"field": "zone_id"}])
    return row


async def _check_referrals(data: PatrolPut) -> dict[int, str]:
    """Referral targets are rescue stations (any region: people are escorted across borders); id → name."""
    ids = {e.referral_target_id for e in data.encounters if e.referral_target_id is not None}
    if not ids:
        return {}
    rows = await Site.select(Site.id, Site.name).where(Site.id.is_in(sorted(ids)) & (Site.kind == "rescue_station"))
    known = {r["id"]: r["name"] for r in rows}
    errors = [
        {"field": f"encounters[{i}].referral_target_id", "message": "is not a rescue station"}
        for i, e in enumerate(data.encounters)
        if e.referral_target_id is not None and e.referral_target_id not in known
    ]
    if errors:
        raise Invalid("Unknown referral target", details=errors)
    return known


def _encounter_dict(e: EncounterIn) -> dict:
    return {f: getattr(e, f) for f in e.__struct_fields__} | {"id": str(e.id)}


# Template items the API takes as fields of their own: sent again inside `answers` they would be silently replaced.
FIELD_ITEMS = ("team", "place_types", "weather", "warning_level", "encounters")
_ENCOUNTER_FIELD_ITEMS = ("sex", "age_band", "vulnerable", "place_type", "location", "action", "referral_target",
                          "followup_needed", "earlier_record", "photos", "note")


async def _validate(data: PatrolPut, now: datetime, referral_names: dict[int, str], pinned: int | None) -> int:
    """The patrol's own rules, then the street-patrol template; returns the template version it is pinned to."""
    doubled = [{"field": f"answers.{k}", "message": "is a field of the patrol; send it there"}
               for k in FIELD_ITEMS if k in data.answers]
    doubled += [{"field": f"encounters[{i}].answers.{k}", "message": "is a field of the encounter; send it there"}
                for i, e in enumerate(data.encounters) for k in _ENCOUNTER_FIELD_ITEMS if k in e.answers]
    if doubled:
        raise Invalid("Answers repeat fields sent on their own", details=doubled)
    try:
        rules.validate_patrol(
            started_at=data.started_at, ended_at=data.ended_at, now=now,
            track=[rules.TrackPoint(p.t, p.lat, p.lng, p.accuracy_m) for p in data.track],
            encounters=[_encounter_dict(e) for e in data.encounters], team=data.team,
        )
    except rules.RuleError as exc:
        raise Invalid(str(exc), details=exc.details) from None
    return await template.validate(data, referral_names, pinned)


# ---------------------------------------------------------------- submission


async def put_patrol(principal: Principal, patrol_id: uuid.UUID, data: PatrolPut,
                     now: datetime | None = None) -> tuple[bool, PatrolRead]:
    """Create (True) or replay/update (False) a patrol. Identical replays change nothing; once ended, different
    content is a conflict; while under way, new encounters may be added but sent ones never change."""
    now = now or utcnow()
    zone = await _zone_for(principal, data.zone_id)
    # A replay is checked against the version its patrol was pinned to, even after a newer one is installed.
    pinned = await Patrol.select(Patrol.template_version).where(Patrol.id == patrol_id).first()
    version = await _validate(data, now, await _check_referrals(data), pinned and pinned["template_version"])
    patrol_hash = _hash(data)
    enc_hashes = {e.id: _hash(e) for e in data.encounters}
    created = False
    async with db.write_transaction():
        existing = await _locked_patrol(patrol_id)
        if existing is None:
            inserted = await Patrol.insert(Patrol(
                id=patrol_id, zone=zone["id"], recorded_by=principal.id, content_hash=patrol_hash,
                received_at=now, updated_at=now, **_patrol_values(data, version),
            )).on_conflict(action="DO NOTHING").returning(Patrol.id)
            if inserted:
                created = True
                await _add_encounters(principal, patrol_id, zone, data.encounters, enc_hashes, 0, now)
                await audit.record(principal, "patrol.create", "patrol", patrol_id, site_id=zone["id"], at=now,
                                   after={"encounters": len(data.encounters), "ended": data.ended_at is not None})
            else:  # a concurrent request created it first (PostgreSQL); it is an ordinary replay now
                existing = await _locked_patrol(patrol_id)
        if existing is not None:
            await _replay(principal, existing, zone, data, version, patrol_hash, enc_hashes, now)
    return created, await get_patrol(principal, patrol_id, audit_read=False)


async def _locked_patrol(patrol_id: uuid.UUID) -> dict | None:
    """The patrol row, locked until the transaction ends (PostgreSQL) so concurrent replays of a patrol still under
    way apply one after the other; SQLite's IMMEDIATE transaction serialises writers already."""
    query = Patrol.select().where(Patrol.id == patrol_id)
    if not db.is_sqlite():
        query = query.lock_rows()
    return await query.first()


def _patrol_values(data: PatrolPut, template_version: int) -> dict:
    return dict(
        team=[t.strip() for t in data.team], started_at=data.started_at, ended_at=data.ended_at,
        campaign_tag=data.campaign_tag.strip(), weather=data.weather.strip(), warning_level=data.warning_level,
        place_types=data.place_types, track=_canonical(msgspec.to_builtins(data.track, builtin_types=(datetime,))),
        answers=data.answers, template_key=rules.TEMPLATE_KEY, template_version=template_version,
        encounter_count=len(data.encounters),
    )


async def _replay(principal: Principal, existing: dict, zone: dict, data: PatrolPut, template_version: int,
                  patrol_hash: str, enc_hashes: dict[uuid.UUID, str], now: datetime) -> None:
    zone_cond = principal.scope.where()
    if not principal.scope.everything and not await Site.exists().where(
        _and([Site.id == existing["zone"], zone_cond])
    ):
        raise NotFound("Patrol not found")
    if existing["recorded_by"] != principal.id:
        raise Conflict("This patrol was recorded by another user", details={"recorded_by": existing["recorded_by"]})
    decision = rules.replay_decision(existing["content_hash"], existing["ended_at"] is not None, patrol_hash)
    if decision == "same":
        return
    if decision == "conflict":
        raise Conflict("The patrol has ended; its content differs from what was recorded",
                       details={"field": "content", "ended_at": existing["ended_at"].isoformat()})
    if existing["zone"] != zone["id"]:
        raise Conflict("A patrol's zone cannot change", details={"field": "zone_id"})
    stored = {
        r["id"]: r for r in await Encounter.select(Encounter.id, Encounter.content_hash, Encounter.seq).where(
            Encounter.patrol == existing["id"])
    }
    sent = {e.id for e in data.encounters}
    missing = [str(i) for i in stored if i not in sent]
    changed = [str(i) for i, r in stored.items() if i in sent and r["content_hash"] != enc_hashes[i]]
    if missing or changed:
        raise Conflict("Encounters already sent cannot be removed or changed",
                       details={"removed": sorted(missing), "changed": sorted(changed)})
    new = [e for e in data.encounters if e.id not in stored]
    await Patrol.update({
        **{getattr(Patrol, k): v for k, v in _patrol_values(data, template_version).items()},
        Patrol.content_hash: patrol_hash, Patrol.updated_at: now,
    }).where(Patrol.id == existing["id"])
    await _add_encounters(principal, existing["id"], zone, new, enc_hashes, len(stored), now)
    await audit.record(principal, "patrol.update", "patrol", existing["id"], site_id=zone["id"], at=now,
                       before={"encounters": len(stored), "ended": existing["ended_at"] is not None},
                       after={"encounters": len(stored) + len(new), "ended": data.ended_at is not None})


async def _add_encounters(principal: Principal, patrol_id: uuid.UUID, zone: dict, encounters: list[EncounterIn],
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
        reasons = rules.case_reasons(_encounter_dict(e))
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
    if not cases:
        return
    opened = {str(r["encounter"]): r["id"] for r in await FollowUpCase.insert(*cases).returning(
        FollowUpCase.id, FollowUpCase.encounter)}
    for case in cases:
        await audit.record(principal, "case.open", "follow_up_case", opened[str(case.encounter)], site_id=zone["id"],
                           at=now,
                           after={"encounter_id": str(case.encounter), "reasons": case.reasons,
                                  "deadline": case.deadline.isoformat()})
    await announce("case.opened", [_case_subject(opened[str(c.encounter)], zone["id"], c.urgent) for c in cases],
                   actor_id=principal.id, now=now)


def _case_subject(case_id: int, zone_id: int, urgent: bool) -> Subject:
    """A case names itself by number only: notifications and webhooks carry no personal details."""
    return Subject("follow_up_case", case_id, zone_id, f"街面巡查跟进个案 #{case_id}", key=case_id,
                   data={"urgent": urgent})


# ---------------------------------------------------------------- reading patrols and encounters


def _case_read(r: dict, now: datetime) -> CaseRead:
    return CaseRead(
        id=r["id"], encounter_id=r["encounter"], zone_id=r["zone"], zone_name=r.get("zone_name", ""),
        reasons=r["reasons"] or [], urgent=r["urgent"], opened_at=r["opened_at"], deadline=r["deadline"],
        overdue=r["status"] == "open" and r["deadline"] < now, escalation_level=r["escalation_level"],
        status=r["status"], outcome=r["outcome"],
        outcome_note=pii.opened("follow_up_case", {"outcome_note": r["outcome_note"]})["outcome_note"],
        closed_at=r["closed_at"],
    )


_CASE_COLUMNS = (
    FollowUpCase.id, FollowUpCase.encounter, FollowUpCase.zone, FollowUpCase.zone.name.as_alias("zone_name"),
    FollowUpCase.recorded_by, FollowUpCase.reasons, FollowUpCase.urgent, FollowUpCase.escalation_level,
    FollowUpCase.opened_at, FollowUpCase.deadline,
    FollowUpCase.status, FollowUpCase.outcome, FollowUpCase.outcome_note, FollowUpCase.closed_at,
    FollowUpCase.closed_by,
)


def _encounter_read(r: dict, case: CaseRead | None) -> EncounterRead:
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


async def visible_patrol(principal: Principal, patrol_id: uuid.UUID) -> dict:
    _ensure_staff(principal)
    query = Patrol.select(*Patrol.all_columns(), Patrol.zone.name.as_alias("zone_name")).where(
        _and([Patrol.id == patrol_id, principal.scope.where(Patrol.zone)])
    ).output(load_json=True)
    row = await query.first()
    if row is None:
        raise NotFound("Patrol not found")
    return row


async def get_patrol(principal: Principal, patrol_id: uuid.UUID, *, audit_read: bool = True,
                     now: datetime | None = None) -> PatrolRead:
    now = now or utcnow()
    row = await visible_patrol(principal, patrol_id)
    encounters = None
    if rules.sees_people(principal.role, principal.id, row["recorded_by"], principal.reads_people):
        enc_rows = [pii.opened("encounter", r) for r in await Encounter.select().where(
            Encounter.patrol == patrol_id).order_by(Encounter.seq).output(load_json=True)]
        case_rows = await FollowUpCase.select(*_CASE_COLUMNS).where(
            FollowUpCase.encounter.is_in([r["id"] for r in enc_rows] or [uuid.UUID(int=0)])
        ).output(load_json=True)
        cases = {c["encounter"]: _case_read(c, now) for c in case_rows}
        encounters = [_encounter_read(r, cases.get(r["id"])) for r in enc_rows]
        if audit_read and encounters:
            await audit.record(principal, "patrol.read_people", "patrol", patrol_id, site_id=row["zone"],
                               after={"encounters": [str(e.id) for e in encounters]})
    elif audit_read:
        await audit.record(principal, "patrol.read", "patrol", patrol_id, site_id=row["zone"])
    return PatrolRead(
        id=row["id"], zone_id=row["zone"], zone_name=row["zone_name"], recorded_by=row["recorded_by"],
        team=row["team"] or [], started_at=row["started_at"], ended_at=row["ended_at"],
        campaign_tag=row["campaign_tag"], weather=row["weather"], warning_level=row["warning_level"],
        place_types=row["place_types"] or [],
        track=[msgspec.convert(p, TrackPoint) for p in row["track"] or []],
        template_version=row["template_version"], answers=row["answers"] or {},
        encounter_count=row["encounter_count"], received_at=row["received_at"], encounters=encounters,
    )


async def list_patrols(principal: Principal, *, zone: int | None = None, since: datetime | None = None,
                       until: datetime | None = None, mine: bool = False, limit: int = 50,
                       offset: int = 0) -> PatrolList:
    _ensure_staff(principal)
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Invalid(f"{name} needs a UTC offset", details={"parameter": name})
    where = _and([
        principal.scope.where(Patrol.zone),
        Patrol.zone == zone if zone is not None else None,
        Patrol.started_at >= since if since else None,
        Patrol.started_at < until if until else None,
        Patrol.recorded_by == principal.id if mine else None,
    ])
    query = Patrol.select(
        Patrol.id, Patrol.zone, Patrol.zone.name.as_alias("zone_name"), Patrol.recorded_by, Patrol.started_at,
        Patrol.ended_at, Patrol.campaign_tag, Patrol.encounter_count,
    ).order_by(Patrol.started_at, ascending=False).limit(limit).offset(offset)
    count = Patrol.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query
    return PatrolList(items=[PatrolSummary(
        id=r["id"], zone_id=r["zone"], zone_name=r["zone_name"], recorded_by=r["recorded_by"],
        started_at=r["started_at"], ended_at=r["ended_at"], campaign_tag=r["campaign_tag"],
        encounter_count=r["encounter_count"]) for r in rows], total=await count, limit=limit, offset=offset)


async def _visible_encounter(principal: Principal, encounter_id: uuid.UUID) -> dict:
    """An encounter the caller may see the person details of; 404 otherwise (existence does not leak)."""
    _ensure_staff(principal)
    row = await Encounter.select().where(
        _and([Encounter.id == encounter_id, principal.scope.where(Encounter.zone)])
    ).output(load_json=True).first()
    if row is None or not rules.sees_people(principal.role, principal.id, row["recorded_by"], principal.reads_people):
        raise NotFound("Encounter not found")
    return pii.opened("encounter", row)


async def get_encounter(principal: Principal, encounter_id: uuid.UUID, now: datetime | None = None,
                        audit_read: bool = True) -> EncounterRead:
    """`audit_read=False` only for the answer to a write, which is audited itself."""
    now = now or utcnow()
    row = await _visible_encounter(principal, encounter_id)
    case = await FollowUpCase.select(*_CASE_COLUMNS).where(FollowUpCase.encounter == encounter_id).output(
        load_json=True).first()
    if audit_read:
        await audit.record(principal, "encounter.read", "encounter", encounter_id, site_id=row["zone"])
    return _encounter_read(row, _case_read(case, now) if case else None)


# ---------------------------------------------------------------- follow-up cases


async def _visible_case(principal: Principal, case_id: int) -> dict:
    _ensure_staff(principal)
    row = await FollowUpCase.select(*_CASE_COLUMNS).where(
        _and([FollowUpCase.id == case_id, principal.scope.where(FollowUpCase.zone)])
    ).output(load_json=True).first()
    if row is None or not rules.sees_people(principal.role, principal.id, row["recorded_by"], principal.reads_people):
        raise NotFound("Case not found")
    return row


async def get_case(principal: Principal, case_id: int, now: datetime | None = None) -> CaseRead:
    row = await _visible_case(principal, case_id)
    await audit.record(principal, "case.read", "follow_up_case", case_id, site_id=row["zone"])
    return _case_read(row, now or utcnow())


async def list_cases(principal: Principal, *, status: str | None = None, zone: int | None = None,
                     region: int | None = None, overdue: bool | None = None, limit: int = 50, offset: int = 0,
                     now: datetime | None = None) -> CaseList:
    _ensure_staff(principal)
    now = now or utcnow()
    region_path = None
    if region is not None:
        region_path = (await get_region(region))["path"]
    if status is not None and status not in ("open", "closed"):
        raise Invalid("status is open or closed", details={"parameter": "status"})
    where = _and([
        principal.scope.where(FollowUpCase.zone),
        FollowUpCase.recorded_by == principal.id if principal.role == "inspector" else None,
        FollowUpCase.status == status if status else None,
        FollowUpCase.zone == zone if zone is not None else None,
        FollowUpCase.zone._.region_path.like(region_path + "%") if region_path else None,
        ((FollowUpCase.status == "open") & (FollowUpCase.deadline < now)) if overdue else None,
    ])
    query = FollowUpCase.select(*_CASE_COLUMNS).order_by(FollowUpCase.deadline).order_by(FollowUpCase.id).limit(
        limit).offset(offset).output(load_json=True)
    count = FollowUpCase.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query
    if rows:
        await audit.record(principal, "case.list", "follow_up_case", "list",
                           after={"ids": [r["id"] for r in rows]})
    items = [_case_read(r, now) for r in rows]
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
            return _case_read(row, now)  # an offline retry of the same close: nothing to do, not a conflict
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
    row = await FollowUpCase.select(*_CASE_COLUMNS).where(FollowUpCase.id == case_id).output(load_json=True).first()
    return _case_read(row, now)


# ---------------------------------------------------------------- person register (易流浪走失人员信息库)

_PERSON_COLUMNS = (*PersonRecord.all_columns(), PersonRecord.site.name.as_alias("site_name"),
                   PersonRecord.site.region_path.as_alias("region_path"))


def _person_read(r: dict, encounters: list[PersonEncounter] | None = None) -> PersonRead:
    return PersonRead(
        id=r["id"], code=r["code"], site_id=r["site"], site_name=r["site_name"], name=r["name"], sex=r["sex"],
        age_band=r["age_band"], features=r["features"] or [], hometown=r["hometown"], notes=r["notes"],
        tracing_status=r["tracing_status"], notice_published_at=r["notice_published_at"],
        notice_overdue=rules.notice_overdue(r["name"], r["tracing_status"], r["created_at"], utcnow()),
        created_at=r["created_at"], updated_at=r["updated_at"], encounters=encounters or [],
    )


def _require_registrar(principal: Principal) -> None:
    """Opening, changing and linking person records is a staff decision: supervisors (rescue-station staff have
    supervisor accounts of their region) and admins."""
    _ensure_staff(principal)
    if principal.role not in rules.REGISTRAR_ROLES:
        raise Forbidden("Only supervisors and admins manage person records")
    if not principal.reads_people:
        raise NotFound("Not found")  # an admin without the personal-data grant: the register does not exist for them


async def _visible_person(principal: Principal, person_id: int) -> dict:
    _ensure_staff(principal)
    row = await PersonRecord.select(*_PERSON_COLUMNS).where(PersonRecord.id == person_id).output(
        load_json=True).first()
    if row is None:
        raise NotFound("Person record not found")
    row = pii.opened("person_record", row)
    if principal.role in rules.REGISTRAR_ROLES:
        if principal.reads_people and principal.scope.holds(row["site"], row["region_path"]):
            return row
    elif principal.role == "inspector" and await Encounter.exists().where(
        (Encounter.person == person_id) & (Encounter.recorded_by == principal.id)
    ):
        return row
    raise NotFound("Person record not found")


async def _person_encounters(principal: Principal, person_id: int) -> list[PersonEncounter]:
    where = _and([
        Encounter.person == person_id,
        principal.scope.where(Encounter.zone),
        Encounter.recorded_by == principal.id if principal.role == "inspector" else None,
    ])
    rows = await Encounter.select(
        Encounter.id, Encounter.patrol, Encounter.zone, Encounter.zone.name.as_alias("zone_name"),
        Encounter.met_at, Encounter.action,
    ).where(where).order_by(Encounter.met_at)
    return [PersonEncounter(id=r["id"], patrol_id=r["patrol"], zone_id=r["zone"], zone_name=r["zone_name"],
                            met_at=r["met_at"], action=r["action"]) for r in rows]


async def get_person(principal: Principal, person_id: int, audit_read: bool = True) -> PersonRead:
    """`audit_read=False` only for the answer to a write, which is audited itself."""
    row = await _visible_person(principal, person_id)
    encounters = await _person_encounters(principal, person_id)
    if audit_read:
        await audit.record(principal, "person.read", "person", person_id, site_id=row["site"])
    return _person_read(row, encounters)


async def list_persons(principal: Principal, *, q: str | None = None, tracing_status: str | None = None,
                       limit: int = 50, offset: int = 0) -> PersonList:
    _require_registrar(principal)
    conds = [principal.scope.where(PersonRecord.site)]
    if tracing_status:
        if tracing_status not in rules.TRACING_STATUSES:
            raise Invalid("Unknown tracing status", details={"parameter": "tracing_status"})
        conds.append(PersonRecord.tracing_status == tracing_status)
    if q:
        needle = q.replace("%", "").replace("_", "").strip()[:50]
        if needle:
            # The register number by any part of it (SQLite's LIKE ignores ASCII case already, and warns about
            # ILIKE); name and hometown are sealed, so only exactly, by their blind index (normalised: case, width
            # and spaces do not matter). No substring: an index of every part would give the plaintext's shape away.
            match = (PersonRecord.code.like if db.is_sqlite() else PersonRecord.code.ilike)(f"%{needle}%")
            indexes = pii.search_indexes(q)
            if indexes:
                match = match | PersonRecord.name_bidx.is_in(indexes) | PersonRecord.hometown_bidx.is_in(indexes)
            conds.append(match)
    where = _and(conds)
    query = PersonRecord.select(*_PERSON_COLUMNS).order_by(PersonRecord.id, ascending=False).limit(limit).offset(
        offset).output(load_json=True)
    count = PersonRecord.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = [pii.opened("person_record", r) for r in await query]
    if rows:
        await audit.record(principal, "person.list", "person", "list", after={"ids": [r["id"] for r in rows]})
    return PersonList(items=[_person_read(r) for r in rows], total=await count, limit=limit, offset=offset)


async def create_person(principal: Principal, data: PersonCreate, now: datetime | None = None) -> PersonRead:
    _require_registrar(principal)
    now = now or utcnow()
    site = await Site.select(Site.id, Site.kind, Site.region_path).where(
        _and([Site.id == data.site_id, principal.scope.where()])).first()
    if site is None or site["kind"] not in ("patrol_zone", "rescue_station"):
        raise Invalid("site_id is not a patrol zone or rescue station in your scope", details={"field": "site_id"})
    async with db.write_transaction():
        enc = None
        if data.encounter_id is not None:
            enc = await _visible_encounter(principal, data.encounter_id)
            if enc["person"] is not None:
                raise Conflict("The encounter is linked to a person record already",
                               details={"person_id": enc["person"]})
        rows = await PersonRecord.insert(PersonRecord(
            site=site["id"], code=f"tmp-{uuid.uuid4().hex[:28]}", sex=data.sex, age_band=data.age_band,
            tracing_status=data.tracing_status, created_by=principal.id, created_at=now, updated_at=now,
            **pii.sealed_values("person_record", {
                "name": data.name.strip(), "features": [f.strip() for f in data.features],
                "hometown": data.hometown.strip(), "notes": data.notes}),
        )).returning(PersonRecord.id)
        person_id = rows[0]["id"]
        # A readable, stable register number: LS (流浪) + year + id.
        await PersonRecord.update({PersonRecord.code: f"LS{now.year}{person_id:06d}"}).where(
            PersonRecord.id == person_id)
        await audit.record(principal, "person.create", "person", person_id, site_id=site["id"],
                           after={"tracing_status": data.tracing_status})
        if enc is not None:
            await _link(principal, enc, person_id, now)
    return await get_person(principal, person_id, audit_read=False)


async def update_person(principal: Principal, person_id: int, data: PersonUpdate,
                        now: datetime | None = None) -> PersonRead:
    _require_registrar(principal)
    now = now or utcnow()
    async with db.write_transaction():
        row = await _visible_person(principal, person_id)
        changes = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not None}
        values = {getattr(PersonRecord, f): v for f, v in pii.sealed_values("person_record", changes).items()}
        if data.tracing_status == "notice_published" and data.notice_published_at is None \
                and row["notice_published_at"] is None:
            values[PersonRecord.notice_published_at] = now
        values[PersonRecord.updated_at] = now
        await PersonRecord.update(values).where(PersonRecord.id == person_id)
        # Field names only: the trail says what changed without copying sensitive values into it.
        await audit.record(principal, "person.update", "person", person_id, site_id=row["site"],
                           before={"tracing_status": row["tracing_status"]},
                           after={"fields": sorted(changes), "tracing_status": changes.get(
                               "tracing_status", row["tracing_status"])})
    return await get_person(principal, person_id, audit_read=False)


async def _link(principal: Principal, enc: dict, person_id: int, now: datetime) -> None:
    await Encounter.update({Encounter.person: person_id, Encounter.linked_by: principal.id,
                            Encounter.linked_at: now}).where(Encounter.id == enc["id"])
    await audit.record(principal, "encounter.link", "encounter", enc["id"], site_id=enc["zone"],
                       before={"person_id": enc["person"]}, after={"person_id": person_id})


async def link_encounter(principal: Principal, encounter_id: uuid.UUID, data: LinkIn,
                         now: datetime | None = None) -> EncounterRead:
    _require_registrar(principal)
    now = now or utcnow()
    async with db.write_transaction():
        enc = await _visible_encounter(principal, encounter_id)
        await _visible_person(principal, data.person_id)
        if enc["person"] == data.person_id:
            pass  # linking again is a no-op
        elif enc["person"] is not None:
            raise Conflict("The encounter is linked to another person record; unlink it first",
                           details={"person_id": enc["person"]})
        else:
            await _link(principal, enc, data.person_id, now)
    return await get_encounter(principal, encounter_id, now, audit_read=False)


async def unlink_encounter(principal: Principal, encounter_id: uuid.UUID, now: datetime | None = None
                           ) -> EncounterRead:
    _require_registrar(principal)
    now = now or utcnow()
    async with db.write_transaction():
        enc = await _visible_encounter(principal, encounter_id)
        if enc["person"] is not None:
            await Encounter.update({Encounter.person: None, Encounter.linked_by: principal.id,
                                    Encounter.linked_at: now}).where(Encounter.id == encounter_id)
            await audit.record(principal, "encounter.unlink", "encounter", encounter_id, site_id=enc["zone"],
                               before={"person_id": enc["person"]}, after={"person_id": None})
    return await get_encounter(principal, encounter_id, now, audit_read=False)


async def candidates(principal: Principal, encounter_id: uuid.UUID, limit: int = 10) -> list[CandidateRead]:
    """Person records that may be the person met, best first. Reads person records, so it is audited."""
    _require_registrar(principal)
    enc = await _visible_encounter(principal, encounter_id)
    zone = await Site.select(Site.region_path).where(Site.id == enc["zone"]).first()
    persons = [pii.opened("person_record", p) for p in await PersonRecord.select(*_PERSON_COLUMNS).where(
        _and([principal.scope.where(PersonRecord.site),
              PersonRecord.tracing_status.not_in(["reunited", "closed"])])
    ).output(load_json=True)]
    ranked = rules.rank_candidates({**enc, "region_path": zone["region_path"]}, persons, limit)
    by_id = {p["id"]: p for p in persons}
    result = [CandidateRead(
        person_id=c.person_id, code=by_id[c.person_id]["code"], name=by_id[c.person_id]["name"],
        sex=by_id[c.person_id]["sex"], age_band=by_id[c.person_id]["age_band"],
        tracing_status=by_id[c.person_id]["tracing_status"], score=c.score, reasons=list(c.reasons),
    ) for c in ranked]
    await audit.record(principal, "encounter.candidates", "encounter", encounter_id, site_id=enc["zone"],
                       after={"person_ids": [c.person_id for c in result]})
    return result


# ---------------------------------------------------------------- campaigns and coverage


async def _campaign_reads(where, now: datetime) -> list[CampaignRead]:
    query = Campaign.select(*Campaign.all_columns(), Campaign.region.name.as_alias("region_name")).order_by(
        Campaign.starts_at, ascending=False)
    if where is not None:
        query = query.where(where)
    return [CampaignRead(id=r["id"], region_id=r["region"], region_name=r["region_name"], tag=r["tag"],
                         starts_at=r["starts_at"], ends_at=r["ends_at"],
                         active=r["starts_at"] <= now < r["ends_at"]) for r in await query]


async def declare_campaign(principal: Principal, data: CampaignCreate, now: datetime | None = None) -> CampaignRead:
    now = now or utcnow()
    if data.ends_at <= data.starts_at:
        raise Invalid("ends_at must be after starts_at", details={"field": "ends_at"})
    region = await Region.select(Region.id, Region.path).where(Region.id == data.region_id).first()
    if region is None:
        raise Invalid("Unknown region", details={"field": "region_id"})
    async with db.write_transaction():
        rows = await Campaign.insert(Campaign(
            region=region["id"], region_path=region["path"], tag=data.tag.strip(), starts_at=data.starts_at,
            ends_at=data.ends_at, created_by=principal.id, created_at=now,
        )).returning(Campaign.id)
        await audit.record(principal, "campaign.create", "campaign", rows[0]["id"],
                           after={"region_id": region["id"], "tag": data.tag, "starts_at": data.starts_at.isoformat(),
                                  "ends_at": data.ends_at.isoformat()})
    return (await _campaign_reads(Campaign.id == rows[0]["id"], now))[0]


async def list_campaigns(principal: Principal, active_only: bool = False, now: datetime | None = None
                         ) -> list[CampaignRead]:
    _ensure_staff(principal)
    now = now or utcnow()
    where = ((Campaign.starts_at <= now) & (Campaign.ends_at > now)) if active_only else None
    return await _campaign_reads(where, now)


async def coverage(principal: Principal, *, region: int | None = None, now: datetime | None = None) -> CoverageRead:
    """Each zone in scope against its required frequency, and the open follow-up cases by age."""
    _ensure_staff(principal)
    now = now or utcnow()
    conds = [Site.kind == "patrol_zone", Site.is_active == True, principal.scope.where()]  # noqa: E712
    if region is not None:
        conds.append(Site.region_path.like((await get_region(region))["path"] + "%"))
    zones = await Site.select(
        Site.id, Site.code, Site.name, Site.region, Site.region.name.as_alias("region_name"), Site.region_path,
        Site.attributes,
    ).where(_and(conds)).order_by(Site.code).output(load_json=True)
    zone_ids = [z["id"] for z in zones] or [-1]
    last: dict[int, datetime] = {}
    # The latest start per zone in scope; one grouped query.
    scope_sql, scope_args = principal.scope.sql("s")
    for r in await db.fetch(
        "SELECT p.zone AS zone, MAX(p.started_at) AS last FROM patrol p JOIN site s ON s.id = p.zone "
        f"WHERE s.kind = 'patrol_zone' AND p.started_at <= {{}} AND {scope_sql} GROUP BY p.zone", now, *scope_args,
    ):
        last[r["zone"]] = _as_datetime(r["last"])
    campaigns = [rules.CampaignWindow(c["region_path"], c["tag"], c["starts_at"], c["ends_at"])
                 for c in await Campaign.select().where((Campaign.starts_at <= now) & (Campaign.ends_at > now))]
    open_cases = await FollowUpCase.select(FollowUpCase.zone, FollowUpCase.opened_at, FollowUpCase.deadline).where(
        (FollowUpCase.status == "open") & FollowUpCase.zone.is_in(zone_ids))
    per_zone: dict[int, int] = {}
    by_age = {name: 0 for name, _ in rules.CASE_AGE_BUCKETS}
    overdue = 0
    for c in open_cases:
        per_zone[c["zone"]] = per_zone.get(c["zone"], 0) + 1
        by_age[rules.case_age_bucket(c["opened_at"], now)] += 1
        overdue += c["deadline"] < now
    items, counts = [], {"in_time": 0, "late": 0, "never": 0}
    for z in zones:
        cold = rules.active_cold_wave(z["region_path"], campaigns, now)
        freq = rules.required_frequency_days(z["attributes"], cold)
        status, due = rules.coverage_status(last.get(z["id"]), freq, now)
        counts[status] += 1
        items.append(ZoneCoverage(
            zone_id=z["id"], code=z["code"], name=z["name"], region_id=z["region"], region_name=z["region_name"],
            frequency_days=freq, cold_wave=cold, last_patrol_at=last.get(z["id"]), due_by=due, status=status,
            open_cases=per_zone.get(z["id"], 0),
        ))
    return CoverageRead(at=now, counts=counts, zones=items,
                        open_cases=CaseAges(total=len(open_cases), overdue=overdue, by_age=by_age))


def _as_datetime(value: Any) -> datetime:
    """MAX() over a Timestamptz comes back as text on SQLite."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
