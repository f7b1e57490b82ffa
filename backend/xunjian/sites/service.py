"""Sites: listing through the scope, nearest-first ordering, administration."""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, Invalid, NotFound
from ..paging import check_page
from ..regions.service import get_region
from ..regions.tables import Region
from . import attributes as site_attributes
from . import rules
from .schemas import SiteCreate, SiteList, SiteRead, SiteUpdate
from .tables import Site


# Hot read paths use one hand-written statement: Piccolo's query builder cost ten times the query itself here.
_SELECT = """
SELECT site.id, site.kind, site.code, site.name, site.region AS region_id, region.name AS region_name, site.address,
       site.lat, site.lng, site.operator, site.ownership, site.approved_beds, site.radius_m, site.polygon,
       site.place_types, site.attributes, site.is_active{extra}
FROM site JOIN region ON region.id = site.region
"""


def _json(value):
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


def to_read(row: dict, near: tuple[float, float] | None = None) -> SiteRead:
    distance = None
    if near and row["lat"] is not None:
        distance = round(rules.haversine_m(near[0], near[1], row["lat"], row["lng"]), 1)
    return SiteRead(
        id=row["id"], kind=row["kind"], code=row["code"], name=row["name"], region_id=row["region_id"],
        region_name=row["region_name"], address=row["address"], lat=row["lat"], lng=row["lng"],
        operator=row["operator"], ownership=row["ownership"], approved_beds=row["approved_beds"],
        radius_m=row["radius_m"], polygon=_json(row["polygon"]), place_types=_json(row["place_types"]) or [],
        attributes=_json(row["attributes"]) or {}, is_active=bool(row["is_active"]), distance_m=distance,
    )


def _escape_like(q: str) -> str:
    return q.replace("%", "").replace("_", "").strip()


async def list_sites(principal: Principal, *, kind: str | None = None, region: int | None = None,
                     q: str | None = None, near: str | None = None, limit: int = 50, offset: int = 0) -> SiteList:
    check_page(limit, offset)
    scope_sql, args = principal.scope.sql("site")
    where = ["site.is_active = {}", scope_sql]
    args = [True, *args]
    if kind:
        if kind not in rules.KINDS:
            raise Invalid(f"Unknown kind {kind!r}", details={"parameter": "kind", "allowed": sorted(rules.KINDS)})
        where.append("site.kind = {}")
        args.append(kind)
    if region is not None:
        where.append("site.region_path LIKE {}")
        args.append((await get_region(region))["path"] + "%")
    if q:
        needle = _escape_like(q)[:100].lower()
        if needle:
            where.append("(LOWER(site.name) LIKE {} OR LOWER(site.code) LIKE {} OR LOWER(site.address) LIKE {})")
            args += [f"%{needle}%"] * 3
    point = rules.parse_near(near) if near else None
    if point:
        k = rules.lng_scale(point[0])
        order = ("CASE WHEN site.lat IS NULL THEN 1 ELSE 0 END, "
                 "(site.lat - {}) * (site.lat - {}) + (site.lng - {}) * (site.lng - {}) * {}, site.id")
        order_args = [point[0], point[0], point[1], point[1], k * k]
    else:
        order, order_args = "site.name, site.id", []
    sql = (_SELECT.format(extra=", COUNT(*) OVER () AS total_count") + " WHERE " + " AND ".join(where)
           + f" ORDER BY {order} LIMIT {{}} OFFSET {{}}")
    rows = await db.fetch(sql, *args, *order_args, limit, offset)
    if rows:
        total = rows[0]["total_count"]
    else:
        count = await db.fetch("SELECT COUNT(*) AS n FROM site WHERE " + " AND ".join(where), *args)
        total = count[0]["n"]
    return SiteList(items=[to_read(r, point) for r in rows], total=total, limit=limit, offset=offset)


async def get_site(principal: Principal, site_id: int) -> SiteRead:
    scope_sql, args = principal.scope.sql("site")
    rows = await db.fetch(_SELECT.format(extra="") + f" WHERE site.id = {{}} AND {scope_sql}", site_id, *args)
    if not rows:
        raise NotFound("Site not found")
    return to_read(rows[0])


async def _region_path(region_id: int) -> str:
    row = await Region.select(Region.path).where(Region.id == region_id).first()
    if row is None:
        raise Invalid("Unknown region", details={"field": "region_id"})
    return row["path"]


async def create_site(actor: Principal, data: SiteCreate) -> SiteRead:
    fields = {f: getattr(data, f) for f in data.__struct_fields__}
    rules.validate_kind_fields(data.kind, fields)
    site_attributes.validate(data.kind, data.attributes)
    path = await _region_path(data.region_id)
    async with db.write_transaction():
        if await Site.exists().where(Site.code == data.code):
            raise Conflict("A site with that code exists", details={"field": "code"})
        rows = await Site.insert(
            Site(kind=data.kind, code=data.code.strip(), name=data.name.strip(), region=data.region_id,
                 region_path=path, address=data.address, lat=data.lat, lng=data.lng, operator=data.operator,
                 ownership=data.ownership, approved_beds=data.approved_beds, radius_m=data.radius_m,
                 polygon=data.polygon, place_types=data.place_types, attributes=data.attributes)
        ).returning(Site.id)
        site_id = rows[0]["id"]
        await audit.record(actor, "site.create", "site", site_id, site_id=site_id,
                           after={"code": data.code, "name": data.name, "kind": data.kind})
    return await get_site(actor, site_id)


async def update_site(actor: Principal, site_id: int, data: SiteUpdate) -> SiteRead:
    current = await Site.select().where(Site.id == site_id).output(load_json=True).first()
    if current is None:
        raise NotFound("Site not found")
    changes = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not None}
    merged = {**current, **changes}
    rules.validate_kind_fields(current["kind"], merged)
    if data.attributes is not None:
        site_attributes.validate(current["kind"], data.attributes)
    values: dict = {getattr(Site, f): v for f, v in changes.items() if f != "region_id"}
    if "region_id" in changes:
        values[Site.region] = changes["region_id"]
        values[Site.region_path] = await _region_path(changes["region_id"])
    values[Site.updated_at] = datetime.now(timezone.utc)
    async with db.write_transaction():
        await Site.update(values).where(Site.id == site_id)
        await audit.record(actor, "site.update", "site", site_id, site_id=site_id,
                           before={k: current.get(k if k != "region_id" else "region") for k in changes},
                           after=changes)
    return await get_site(actor, site_id)


async def take_out_of_service(site_id: int, now: datetime) -> None:
    """In the caller's transaction: the site is inactive (off due lists and site lists), e.g. an outlet whose agency
    contract ended. Its records stay."""
    await Site.update({Site.is_active: False, Site.updated_at: now}).where(Site.id == site_id)


# ---------------------------------------------------------------- administration: every site, inactive ones too

def _admin_filters(kind: str | None, region_path: str | None, q: str | None,
                   active: bool | None) -> tuple[list[str], list]:
    where, args = ["1 = 1"], []
    if kind:
        where.append("site.kind = {}")
        args.append(kind)
    if region_path is not None:
        where.append("site.region_path LIKE {}")
        args.append(region_path + "%")
    if q:
        needle = _escape_like(q)[:100].lower()
        if needle:
            where.append("(LOWER(site.name) LIKE {} OR LOWER(site.code) LIKE {} OR LOWER(site.address) LIKE {})")
            args += [f"%{needle}%"] * 3
    if active is not None:
        where.append("site.is_active = {}")
        args.append(active)
    return where, args


async def list_admin_sites(*, kind: str | None = None, region: int | None = None, q: str | None = None,
                           active: bool | None = None, limit: int = 50, offset: int = 0) -> SiteList:
    """The admin's list: like list_sites, with inactive sites unless `active` says otherwise, ordered by code."""
    check_page(limit, offset)
    path = (await get_region(region))["path"] if region is not None else None
    where, args = _admin_filters(kind, path, q, active)
    sql = (_SELECT.format(extra=", COUNT(*) OVER () AS total_count") + " WHERE " + " AND ".join(where)
           + " ORDER BY site.code LIMIT {} OFFSET {}")
    rows = await db.fetch(sql, *args, limit, offset)
    if rows:
        total = rows[0]["total_count"]
    else:
        total = (await db.fetch("SELECT COUNT(*) AS n FROM site WHERE " + " AND ".join(where), *args))[0]["n"]
    return SiteList(items=[to_read(r) for r in rows], total=total, limit=limit, offset=offset)


async def admin_site_rows(*, kind: str | None = None, region: int | None = None, q: str | None = None,
                          active: bool | None = None) -> list[dict]:
    """Every site the admin list's filters give, as stored (for the export), ordered by code."""
    path = (await get_region(region))["path"] if region is not None else None
    where, args = _admin_filters(kind, path, q, active)
    rows = await db.fetch("SELECT site.id, site.kind, site.code, site.name, site.region, site.region_path, "
                          "site.address, site.lat, site.lng, site.operator, site.ownership, site.approved_beds, "
                          "site.radius_m, site.polygon, site.attributes FROM site WHERE " + " AND ".join(where)
                          + " ORDER BY site.code", *args)
    return [{**row, "polygon": _json(row["polygon"]), "attributes": _json(row["attributes"]) or {}} for row in rows]
