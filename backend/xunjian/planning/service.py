"""Inspection planning: which sites in the caller's scope are due or overdue, worst tier and latest first.

A site is due its tier's frequency after its last inspection (self-inspections do not count), at least yearly for
eldercare; a site never inspected is due from its registration. Computed live, so a submitted inspection takes the
site off the list at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .. import db
from ..accounts.principal import Principal
from ..errors import Invalid, NotFound
from ..inspections.rules import counted_sql
from ..jobs.sqlkit import dialect
from ..regions.service import get_region
from ..risk import rules as R
from ..risk import service as risk
from ..risk import sql as S
from .schemas import DueList, DueSite


def _freq_sql(rules: dict, tier: str, kind: str) -> str:
    """The frequency of a site's tier and kind (rules.frequency_days) in SQL."""
    def days(t: str) -> str:
        return S.by_kind(rules, lambda k: k["frequency_days"][t], kind, lambda v: str(int(v)))

    return (f"(CASE {tier} WHEN 'red' THEN {days('red')} WHEN 'orange' THEN {days('orange')} "
            f"WHEN 'blue' THEN {days('blue')} ELSE {days('yellow')} END)")


async def due_sites(principal: Principal, *, within_days: int = 14, kind: str | None = None,
                    region: int | None = None, limit: int = 50, offset: int = 0,
                    now: datetime | None = None) -> DueList:
    now = now or datetime.now(timezone.utc)
    rules = risk.current_rules()
    d = dialect()
    horizon = now + timedelta(days=within_days)
    kinds = [k for k in rules["rated_kinds"] if k.isidentifier()]
    if kind is not None:
        if kind not in kinds:
            raise Invalid(f"Sites of kind {kind!r} are not inspected on a schedule",
                          details={"parameter": "kind", "allowed": kinds})
        kinds = [kind]
    conds = [f"s.is_active = {d.true}", "s.kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"]
    args: list = []
    if region is not None:
        row = await get_region(region)
        if not (principal.scope.holds_region(row["path"]) or principal.scope.site_ids):
            raise NotFound("Region not found")
        conds.append("s.region_path LIKE {}")
        args.append(row["path"] + "%")
    scope_sql, scope_args = principal.scope.sql("s")
    conds.append(scope_sql)
    args.extend(scope_args)
    tier = "COALESCE(x.tier, 'yellow')"
    due = (f"(CASE WHEN x.last_at IS NULL THEN x.created_at "
           f"ELSE {d.add_days_expr('x.last_at', _freq_sql(rules, tier, 'x.kind'))} END)")
    # The caller's sites first, each with its last inspection looked up along the inspection(site) index: a
    # prefecture's few hundred sites, not an aggregate over every inspection in the country (0.7 s at national scale).
    # Materialised, so each lookup runs once; the window count saves a second pass for the total.
    last_at = f"(SELECT MAX(i.submitted_at) FROM inspection i WHERE i.site = s.id AND {counted_sql(d, 'i')})"
    rank = "(CASE y.tier WHEN 'red' THEN 3 WHEN 'orange' THEN 2 WHEN 'blue' THEN 0 ELSE 1 END)"
    sql = (
        "WITH x AS MATERIALIZED (SELECT s.id, s.code, s.name, s.kind, s.region, s.lat, s.lng, s.created_at, sr.tier, "
        f"sr.base_score, sr.inspection_due_at, {last_at} AS last_at "
        "FROM site s LEFT JOIN site_risk sr ON sr.site = s.id "
        f"WHERE {' AND '.join(conds)}), "
        f"y AS (SELECT x.*, {due} AS due_at FROM x) "
        "SELECT y.id, y.code, y.name, y.kind, y.region, r.name AS region_name, y.lat, y.lng, y.created_at, y.tier, "
        "y.base_score, y.inspection_due_at, y.last_at, COUNT(*) OVER () AS total FROM y "
        "JOIN region r ON r.id = y.region "
        f"WHERE y.due_at <= {d.ts_param()} ORDER BY {rank} DESC, y.due_at ASC, y.id LIMIT {{}} OFFSET {{}}"
    )
    rows = await db.fetch(sql, *args, horizon, limit, offset)
    if rows:
        total = rows[0]["total"]
    elif offset == 0:
        total = 0
    else:  # past the last page: count without it
        total = (await db.fetch(f"SELECT COUNT(*) AS n FROM ({sql.replace(' LIMIT {} OFFSET {}', '')}) z",
                                *args, horizon))[0]["n"]
    items = []
    for row in rows:
        last = risk._aware(row["last_at"]) if row["last_at"] else None
        due_at = R.next_due(rules, row["tier"], row["kind"], last, risk._aware(row["created_at"]))
        late = (now - due_at).total_seconds() / 86400.0
        items.append(DueSite(
            site_id=row["id"], code=row["code"], name=row["name"], kind=row["kind"], region_id=row["region"],
            region_name=row["region_name"], tier=row["tier"],
            score=risk.live_score(row, now, rules) if row["tier"] is not None else None,
            frequency_days=R.frequency_days(rules, row["tier"] or "yellow", row["kind"]), last_inspected_at=last,
            due_at=due_at, status="overdue" if late > 0 else "due", days_overdue=round(late, 1),
            lat=row["lat"], lng=row["lng"],
        ))
    return DueList(items=items, total=total, limit=limit, offset=offset, as_of=now, within_days=within_days)
