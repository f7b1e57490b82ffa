"""The person register (易流浪走失人员信息库): person records, linking encounters to them, and candidate matches.
Supervisors in scope of the record's site, admins holding the personal-data grant, and an inspector who recorded a
linked encounter; everyone else 404. Every read audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..sites.tables import Site
from . import pii, rules
from .common import and_all, ensure_staff, utcnow
from .encounters import get_encounter, visible_encounter
from .schemas import (
    CandidateRead, EncounterRead, LinkIn, PersonCreate, PersonEncounter, PersonList, PersonRead, PersonUpdate,
)
from .tables import Encounter, PersonRecord


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
    ensure_staff(principal)
    if principal.role not in rules.REGISTRAR_ROLES:
        raise Forbidden("Only supervisors and admins manage person records")
    if not principal.reads_people:
        raise NotFound("Not found")  # an admin without the personal-data grant: the register does not exist for them


async def _visible_person(principal: Principal, person_id: int) -> dict:
    ensure_staff(principal)
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
    where = and_all([
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
    where = and_all(conds)
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
        and_all([Site.id == data.site_id, principal.scope.where()])).first()
    if site is None or site["kind"] not in ("patrol_zone", "rescue_station"):
        raise Invalid("site_id is not a patrol zone or rescue station in your scope", details={"field": "site_id"})
    async with db.write_transaction():
        enc = None
        if data.encounter_id is not None:
            enc = await visible_encounter(principal, data.encounter_id)
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
        enc = await visible_encounter(principal, encounter_id)
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
        enc = await visible_encounter(principal, encounter_id)
        if enc["person"] is not None:
            await Encounter.update({Encounter.person: None, Encounter.linked_by: principal.id,
                                    Encounter.linked_at: now}).where(Encounter.id == encounter_id)
            await audit.record(principal, "encounter.unlink", "encounter", encounter_id, site_id=enc["zone"],
                               before={"person_id": enc["person"]}, after={"person_id": None})
    return await get_encounter(principal, encounter_id, now, audit_read=False)


async def candidates(principal: Principal, encounter_id: uuid.UUID, limit: int = 10) -> list[CandidateRead]:
    """Person records that may be the person met, best first. Reads person records, so it is audited."""
    _require_registrar(principal)
    enc = await visible_encounter(principal, encounter_id)
    zone = await Site.select(Site.region_path).where(Site.id == enc["zone"]).first()
    persons = [pii.opened("person_record", p) for p in await PersonRecord.select(*_PERSON_COLUMNS).where(
        and_all([principal.scope.where(PersonRecord.site),
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
