"""The schematic four-colour risk map (风险四色图): per child region tier counts (the board's) and the region's rated
sites as points. No boundary data is shipped (DOMAIN.md §8): the PWA lays the regions out as tiles."""

from __future__ import annotations

from .. import db
from ..accounts.principal import Principal
from .schemas import MapBounds, MapPoint, RiskMap
from .service import board_root, child_rows, prefix_sql, region_counts

# A country holds 250,000 rated sites: the map shows the worst ones, says how many there are and where they lie.
MAP_POINTS = 2000
_RANK = "CASE sr.tier WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END"


async def risk_map(principal: Principal, region_id: int | None, tianditu_key: str = "") -> RiskMap:
    root, prefixes, children = await board_root(principal, region_id)  # 404 outside the caller's scope
    counts, _, child_counts, direct, _ = await region_counts(principal, prefixes, children)
    where, args = prefix_sql(prefixes, "sr")
    scope_sql, scope_args = principal.scope.sql("s")
    located = (f"FROM site_risk sr JOIN site s ON s.id = sr.site WHERE {where} AND {scope_sql} "
               "AND s.lat IS NOT NULL AND s.lng IS NOT NULL")
    extent = (await db.fetch(f"SELECT COUNT(*) AS n, MIN(s.lat) AS south, MAX(s.lat) AS north, MIN(s.lng) AS west, "
                             f"MAX(s.lng) AS east {located}", *args, *scope_args))[0]
    rows = await db.fetch(f"SELECT s.id, s.name, sr.tier, s.lat, s.lng {located} ORDER BY {_RANK}, s.id LIMIT {{}}",
                          *args, *scope_args, MAP_POINTS) if extent["n"] else []
    return RiskMap(
        region=root, counts=counts, children=child_rows(root, children, child_counts, direct),
        points=[MapPoint(site_id=r["id"], name=r["name"], tier=r["tier"], lat=r["lat"], lng=r["lng"]) for r in rows],
        points_total=int(extent["n"]), points_cap=MAP_POINTS,
        bounds=MapBounds(south=extent["south"], west=extent["west"], north=extent["north"], east=extent["east"])
        if extent["n"] else None,
        tianditu_key=tianditu_key or None,
    )
