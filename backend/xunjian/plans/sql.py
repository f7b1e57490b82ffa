"""The plans' set-based reads: eligible sites of a draw, coverage, and the public results of a plan."""

from __future__ import annotations

from datetime import date, datetime

from .. import db
from ..inspections.rules import counted_sql
from ..jobs.sqlkit import Dialect
from ..scope import Scope
from .rules import DRAWABLE_KINDS, UNRATED_TIER


def _kinds(kinds) -> str:
    return ", ".join(f"'{k}'" for k in kinds if k in DRAWABLE_KINDS) or "''"


def date_param(d: Dialect, value: date):
    """SQLite holds Piccolo's Date columns as ISO text; PostgreSQL as date."""
    return value.isoformat() if d.sqlite else value


async def eligible_sites(d: Dialect, scope: Scope, region_path: str, kinds: list[str]) -> list[dict]:
    """Active sites of the kinds in the region's subtree, with their current tier, by id."""
    scope_sql, scope_args = scope.sql("site")
    return await db.fetch(
        f"SELECT site.id, site.region_path, COALESCE(sr.tier, '{UNRATED_TIER}') AS tier FROM site "
        "LEFT JOIN site_risk sr ON sr.site = site.id "
        f"WHERE site.is_active = {d.true} AND site.kind IN ({_kinds(kinds)}) AND site.region_path LIKE {{}} "
        f"AND {scope_sql} ORDER BY site.id",
        region_path + "%", *scope_args,
    )


async def conflicting_pairs(d: Dialect, pool: list[int], region_path: str, kinds: list[str]) -> list[dict]:
    """(inspector, site) pairs of recorded conflicts among the pool and the eligible sites: a conflict names a site,
    or an operator and so every site it runs."""
    ids = ", ".join(str(int(i)) for i in pool) or "-1"
    return await db.fetch(
        "SELECT DISTINCT c.inspector, site.id AS site FROM plan_conflict c JOIN site ON "
        "(site.id = c.site OR (c.operator <> '' AND site.operator = c.operator)) "
        f"WHERE c.inspector IN ({ids}) AND site.is_active = {d.true} AND site.kind IN ({_kinds(kinds)}) "
        "AND site.region_path LIKE {}",
        region_path + "%",
    )


async def county_coverage(d: Dialect, scope: Scope, region_path: str | None, start: datetime,
                          end: datetime, *more: tuple[datetime, datetime]) -> list[dict]:
    """Per county and site kind: active sites, and those inspected at least once in [start, end) (`inspected`), and
    in each further span of `more` (`inspected_1`, `inspected_2`…), in one statement. The scoped sites' counted
    inspections of all the spans are read once and flagged per span per site (three statements, one per span, took
    3.9 s for the analytics of a country); sites are then counted per region (a few thousand groups in a country),
    and each group is placed under its county by id: the region itself, or a township's parent (matching every
    group's path against every county's took 4.5 s of 6.7 s at national scale)."""
    spans = [(start, end), *more]
    scope_sql, scope_args = scope.sql("site")
    where = [f"site.is_active = {d.true}", f"site.kind IN ({_kinds(DRAWABLE_KINDS)})", scope_sql]
    args = list(scope_args)
    if region_path is not None:
        where.append("site.region_path LIKE {}")
        args.append(region_path + "%")
    t = d.ts_param()
    flags = ", ".join(f"MAX(CASE WHEN i.submitted_at >= {t} AND i.submitted_at < {t} THEN 1 ELSE 0 END) AS k{n}"
                      for n in range(len(spans)))
    sums = ", ".join(f"SUM(COALESCE(i.k{n}, 0)) AS {_inspected(n)}" for n in range(len(spans)))
    totals = ", ".join(f"SUM(gc.{_inspected(n)}) AS {_inspected(n)}" for n in range(len(spans)))
    names = ", ".join(f"g.{_inspected(n)}" for n in range(len(spans)))
    return await db.fetch(
        f"WITH i AS (SELECT i.site, {flags} FROM inspection i JOIN site ON site.id = i.site "
        f"WHERE {counted_sql(d, 'i')} AND i.submitted_at >= {t} AND i.submitted_at < {t} AND {' AND '.join(where)} "
        "GROUP BY i.site), "
        f"g AS (SELECT site.region, site.kind, COUNT(*) AS sites, {sums} FROM site LEFT JOIN i ON i.site = site.id "
        f"WHERE {' AND '.join(where)} GROUP BY site.region, site.kind), "
        "gc AS (SELECT CASE WHEN r.level = 'county' THEN r.id WHEN rp.level = 'county' THEN rp.id END AS county, "
        f"g.kind, g.sites, {names} FROM g JOIN region r ON r.id = g.region "
        "LEFT JOIN region rp ON rp.id = r.parent) "
        "SELECT c.id AS region_id, COALESCE(c.code, '') AS code, COALESCE(c.name, '') AS name, gc.kind, "
        f"SUM(gc.sites) AS sites, {totals} "
        "FROM gc LEFT JOIN region c ON c.id = gc.county "
        "GROUP BY c.id, c.code, c.name, gc.kind ORDER BY COALESCE(c.code, ''), gc.kind",
        *[v for span in spans for v in span], min(a for a, _ in spans), max(b for _, b in spans), *args, *args,
    )


def _inspected(n: int) -> str:
    return "inspected" if n == 0 else f"inspected_{n}"


async def plan_coverage(d: Dialect, scope: Scope, region_path: str | None, first: date, last: date) -> list[dict]:
    """Per published plan whose period meets [first, last]: drawn, done, hazards found and rectified."""
    scope_sql, args = scope.sql("p")
    where = ["p.status = 'published'", "p.period_start <= {}", "p.period_end >= {}", scope_sql]
    args = [date_param(d, last), date_param(d, first), *args]
    if region_path is not None:
        where.append("p.region_path LIKE {}")
        args.append(region_path + "%")
    return await db.fetch(
        "SELECT p.id, p.name, COUNT(DISTINCT t.id) AS drawn, "
        "COUNT(DISTINCT CASE WHEN t.status = 'done' THEN t.id END) AS done, "
        "COUNT(f.id) AS hazards, SUM(CASE WHEN f.status = 'closed' THEN 1 ELSE 0 END) AS rectified "
        "FROM plan p LEFT JOIN plan_task t ON t.plan = p.id "
        "LEFT JOIN finding f ON f.inspection = t.inspection AND t.status = 'done' "
        f"WHERE {' AND '.join(where)} GROUP BY p.id, p.name ORDER BY p.id",
        *args,
    )


async def public_results(plan_id: int) -> list[dict]:
    """Each drawn site of a plan with its inspection's outcome: no person, no inspector."""
    return await db.fetch(
        "SELECT t.id, s.name, s.kind, COALESCE(c.name, r.name) AS county, t.status, i.submitted_at, "
        "(SELECT COUNT(*) FROM finding f WHERE f.inspection = t.inspection) AS hazards, "
        "(SELECT COUNT(*) FROM finding f WHERE f.inspection = t.inspection AND f.status = 'closed') AS rectified "
        "FROM plan_task t JOIN site s ON s.id = t.site JOIN region r ON r.id = s.region "
        "LEFT JOIN inspection i ON i.id = t.inspection AND t.status = 'done' "
        "LEFT JOIN region c ON c.level = 'county' AND s.region_path LIKE c.path || '%' "
        "WHERE t.plan = {} ORDER BY t.id",
        plan_id,
    )
