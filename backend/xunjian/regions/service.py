from __future__ import annotations

import time
from collections.abc import MutableMapping

from .. import db
from ..audit import service as audit
from ..errors import Conflict, Invalid, NotFound
from .schemas import RegionCreate, RegionRead
from .tables import Region

LEVELS = ["province", "prefecture", "county", "township"]


def _read(r: dict) -> RegionRead:
    return RegionRead(id=r["id"], code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"],
                      path=r["path"])


async def list_regions(parent_id: int | None = None, level: str | None = None) -> list[RegionRead]:
    # Read on every app start and drill-down: one plain statement, no query builder.
    where, args = [], []
    if parent_id is not None:
        where.append("parent = {}")
        args.append(parent_id)
    if level is not None:
        where.append("level = {}")
        args.append(level)
    sql = "SELECT id, code, name, level, parent, path FROM region"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [_read(r) for r in await db.fetch(sql + " ORDER BY code", *args)]


# Regions are reference data every client reads at start and on each drill-down, and change only when an admin adds
# one: the list is kept in the app's state for a minute. Adding a region clears it in that process; other instances
# see the new region within CACHE_SECONDS.
CACHE_KEY = "regions_cache"
CACHE_SECONDS = 60.0


async def cached_regions(state: MutableMapping, parent_id: int | None = None,
                         level: str | None = None) -> list[RegionRead]:
    cached = state.get(CACHE_KEY)
    if cached is None or time.monotonic() - cached[0] > CACHE_SECONDS:
        cached = (time.monotonic(), await list_regions())
        state[CACHE_KEY] = cached
    return [r for r in cached[1]
            if (parent_id is None or r.parent_id == parent_id) and (level is None or r.level == level)]


async def get_region(region_id: int) -> dict:
    row = await Region.select().where(Region.id == region_id).first()
    if row is None:
        raise NotFound("Region not found")
    return row


async def create_region(actor, data: RegionCreate, cache: MutableMapping | None = None) -> RegionRead:
    """Add a region; `cache` (the app's state) forgets the cached list, so this process shows it at once."""
    code, name = data.code.strip(), data.name.strip()
    if not code.isascii() or not code.isdigit() or not (6 <= len(code) <= 12):
        raise Invalid("code must be a 6 to 12 digit division code", details={"field": "code"})
    if not name or not name.isprintable():
        raise Invalid("name must be 1 to 64 printable characters", details={"field": "name"})
    if data.parent_id is None:
        if data.level != "province":
            raise Invalid("Only a province has no parent", details={"field": "parent_id"})
        path = f"/{code}/"
    else:
        parent = await Region.select().where(Region.id == data.parent_id).first()
        if parent is None:
            raise Invalid("Unknown parent region", details={"field": "parent_id"})
        if LEVELS.index(data.level) != LEVELS.index(parent["level"]) + 1:
            raise Invalid(f"A {data.level} cannot sit under a {parent['level']}", details={"field": "level"})
        path = f"{parent['path']}{code}/"
    async with db.write_transaction():
        if await Region.exists().where(Region.code == code):
            raise Conflict("A region with that code exists", details={"field": "code"})
        rows = await Region.insert(
            Region(code=code, name=name, level=data.level, parent=data.parent_id, path=path)
        ).returning(Region.id)
        await audit.record(actor, "region.create", "region", rows[0]["id"], after={"code": code, "name": name, "level": data.level,
                                                                      "parent_id": data.parent_id})
    if cache is not None:
        cache.pop(CACHE_KEY, None)
    return _read(await get_region(rows[0]["id"]))
