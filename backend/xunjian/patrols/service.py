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
from datetime import datetime

import msgspec

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, Invalid, NotFound
from ..sites.tables import Site
from . import pii, rules, template
from .cases import CASE_COLUMNS, case_read
from .common import and_all, canonical, ensure_staff, utcnow
from .encounters import add_encounters, encounter_dict, encounter_read
from .schemas import LATER_DEFAULTS, EncounterIn, PatrolList, PatrolPut, PatrolRead, PatrolSummary, TrackPoint
from .tables import Encounter, FollowUpCase, Patrol


def _hash(struct: msgspec.Struct) -> str:
    """The same content sent with another UTC offset or key order is the same submission."""
    builtins = msgspec.to_builtins(struct, builtin_types=(datetime, uuid.UUID))
    for enc in builtins.get("encounters", [builtins] if isinstance(struct, EncounterIn) else []):
        for k, default in LATER_DEFAULTS.items():
            if enc.get(k) == default:
                del enc[k]
    encoded = json.dumps(canonical(builtins), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return rules.content_hash(encoded.encode())


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
            encounters=[encounter_dict(e) for e in data.encounters], team=data.team,
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
                await add_encounters(principal, patrol_id, zone, data.encounters, enc_hashes, 0, now)
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
        place_types=data.place_types, track=canonical(msgspec.to_builtins(data.track, builtin_types=(datetime,))),
        answers=data.answers, template_key=rules.TEMPLATE_KEY, template_version=template_version,
        encounter_count=len(data.encounters),
    )


async def _replay(principal: Principal, existing: dict, zone: dict, data: PatrolPut, template_version: int,
                  patrol_hash: str, enc_hashes: dict[uuid.UUID, str], now: datetime) -> None:
    zone_cond = principal.scope.where()
    if not principal.scope.everything and not await Site.exists().where(
        and_all([Site.id == existing["zone"], zone_cond])
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
    await add_encounters(principal, existing["id"], zone, new, enc_hashes, len(stored), now)
    await audit.record(principal, "patrol.update", "patrol", existing["id"], site_id=zone["id"], at=now,
                       before={"encounters": len(stored), "ended": existing["ended_at"] is not None},
                       after={"encounters": len(stored) + len(new), "ended": data.ended_at is not None})


# ---------------------------------------------------------------- reading patrols


async def visible_patrol(principal: Principal, patrol_id: uuid.UUID) -> dict:
    ensure_staff(principal)
    query = Patrol.select(*Patrol.all_columns(), Patrol.zone.name.as_alias("zone_name")).where(
        and_all([Patrol.id == patrol_id, principal.scope.where(Patrol.zone)])
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
        case_rows = await FollowUpCase.select(*CASE_COLUMNS).where(
            FollowUpCase.encounter.is_in([r["id"] for r in enc_rows] or [uuid.UUID(int=0)])
        ).output(load_json=True)
        cases = {c["encounter"]: case_read(c, now) for c in case_rows}
        encounters = [encounter_read(r, cases.get(r["id"])) for r in enc_rows]
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
    ensure_staff(principal)
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Invalid(f"{name} needs a UTC offset", details={"parameter": name})
    where = and_all([
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
