"""A patrol's route for the map: its GPS track and, for those who may see the people met, where each was met and
the action taken (no other detail). Read like the patrol itself: scoped, and audited the same way."""

from __future__ import annotations

import uuid

import msgspec

from ..accounts.principal import Principal
from ..audit import service as audit
from . import rules
from .schemas import PatrolRoute, RouteEncounter, TrackPoint
from .service import visible_patrol
from .tables import Encounter


async def patrol_route(principal: Principal, patrol_id: uuid.UUID) -> PatrolRoute:
    row = await visible_patrol(principal, patrol_id)  # 404 outside the caller's scope
    encounters, met = None, []
    if rules.sees_people(principal.role, principal.id, row["recorded_by"], principal.reads_people):
        met = await Encounter.select(Encounter.id, Encounter.lat, Encounter.lng, Encounter.action).where(
            Encounter.patrol == patrol_id).order_by(Encounter.seq)
        encounters = [RouteEncounter(lat=e["lat"], lng=e["lng"], action=e["action"]) for e in met
                      if e["lat"] is not None and e["lng"] is not None]
    if met:
        await audit.record(principal, "patrol.read_people", "patrol", patrol_id, site_id=row["zone"],
                           after={"encounters": [str(e["id"]) for e in met]})
    else:
        await audit.record(principal, "patrol.read", "patrol", patrol_id, site_id=row["zone"])
    return PatrolRoute(
        patrol_id=row["id"], zone_id=row["zone"], zone_name=row["zone_name"], started_at=row["started_at"],
        ended_at=row["ended_at"], track=[msgspec.convert(p, TrackPoint) for p in row["track"] or []],
        encounters=encounters,
    )
