"""GET /api/patrols/counts: the people met, counted by zone, week, sex, age band and action, for supervisors and
admins in scope. Aggregate only, so the personal-data grant is not required; the figures include what the person
retention deleted (encounter_count), so a purge does not change them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .. import db
from ..accounts.principal import Principal
from ..errors import Forbidden, Invalid
from ..regions.service import get_region
from . import rules, sql
from .common import utcnow
from .schemas import CountRow, CountsRead

MAX_DAYS = 366  # a year of weeks at most per request
DEFAULT_WEEKS = 12


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def period(since: date | None, until: date | None, today: date) -> tuple[date, date]:
    """The days counted. Neither given: the last DEFAULT_WEEKS weeks up to today. Only until: the DEFAULT_WEEKS weeks
    before it. Only since: from since for at most MAX_DAYS days, and not beyond today (a since more than a year
    back reads that year, where defaulting until to today would refuse the request). `today` is the Beijing date."""
    if until is None:
        until = today if since is None else min(since + timedelta(days=MAX_DAYS), today)
    since = since or until - timedelta(weeks=DEFAULT_WEEKS)
    if since > until:
        raise Invalid("since is after until", details=[{"field": "since"}])
    if (until - since).days > MAX_DAYS:
        raise Invalid(f"the period is at most {MAX_DAYS} days", details=[{"field": "until"}])
    return since, until


async def counts(principal: Principal, *, since: date | None, until: date | None, region: int | None,
                 now: datetime | None = None) -> CountsRead:
    if principal.role not in rules.REGISTRAR_ROLES:
        raise Forbidden("Only supervisors and admins read the patrol counts")
    since, until = period(since, until, rules.local_date(now or utcnow()))
    scope_sql, scope_args = principal.scope.sql("s")
    where, args = f"s.kind = 'patrol_zone' AND {scope_sql}", list(scope_args)
    if region is not None:
        where += " AND s.region_path LIKE {}"
        args.append((await get_region(region))["path"] + "%")
    text = sql.COUNTS.format(week=sql.WEEK_START["sqlite" if db.is_sqlite() else "postgres"], where=where)
    rows = await db.fetch(text, *args, *args, _monday(since).isoformat(), until.isoformat())
    items = [CountRow(zone_id=r["zone"], week_start=date.fromisoformat(str(r["week_start"])), sex=r["sex"],
                      age_band=r["age_band"], action=r["action"], encounters=int(r["encounters"])) for r in rows]
    return CountsRead(since=_monday(since), until=until, total=sum(i.encounters for i in items), items=items)
