"""The figures a bureau reports upward (issue 16), for supervisors and admins, scoped like every read: the region
asked for must be in the caller's scope (else 404), and only the sites of the scope are counted."""

from __future__ import annotations

from datetime import datetime, timezone

from .. import db
from ..accounts.principal import Principal
from ..errors import Forbidden, Invalid, NotFound
from ..escalation.rules import Ladders
from ..jobs.sqlkit import dialect
from ..plans.sql import county_coverage
from . import rules, sql
from .schemas import (Analytics, AnalyticsRegion, CountyCoverage, MajorHazardRow, OpenMajorHazard, OverdueRow,
                      PeriodRead, RectificationRow, TopItem)

READER_ROLES = ("admin", "supervisor")
OPEN_MAJORS_SHOWN = 200
OPEN_MAJORS_EXPORTED = 50_000


async def _region(principal: Principal, region_id: int | None) -> tuple[AnalyticsRegion, str | None]:
    if region_id is None:
        return AnalyticsRegion(id=None, name="全部" if principal.scope.everything else "我的辖区"), None
    rows = await db.fetch("SELECT id, name, path FROM region WHERE id = {}", region_id)
    if not rows or not principal.scope.holds_region(rows[0]["path"]):
        raise NotFound("Region not found")
    return AnalyticsRegion(id=rows[0]["id"], name=rows[0]["name"]), rows[0]["path"]


def _rect(label: str, row: dict | None) -> RectificationRow:
    due = int(row["due"]) if row else 0
    on_time = int(row["on_time"] or 0) if row else 0
    late = int(row["late"] or 0) if row else 0
    return RectificationRow(month=label, due=due, closed_on_time=on_time, closed_late=late,
                            still_open=due - on_time - late, on_time_pct=rules.share(on_time, due))


def _major(label: str, row: dict | None) -> MajorHazardRow:
    get = (lambda k: int(row[k] or 0)) if row else (lambda k: 0)
    return MajorHazardRow(month=label, open_at_start=get("open_start"), raised=get("raised"), closed=get("closed"),
                          open_at_end=get("open_end"))


def _by_level(rows: list[dict], top: int) -> dict[int, int]:
    """Overdue counts per level; a level above the ladder's highest (a ladder file changed since) counts as that."""
    out: dict[int, int] = {}
    for r in rows:
        level = min(int(r["level"]), top)
        out[level] = out.get(level, 0) + int(r["overdue"] or 0)
    return out


def _overdue(ladders: Ladders, subject_type: str, now_rows: list[dict], before_rows: list[dict]) -> list[OverdueRow]:
    ladder = ladders.for_subject(subject_type)
    top = max(ladder.levels, default=0)
    now = _by_level(now_rows, top)
    before = _by_level(before_rows, top)
    opened = sum(int(r["open"]) for r in now_rows)
    opened_before = sum(int(r["open"]) for r in before_rows)
    out = []
    for level in [0, *sorted(ladder.levels)]:
        n, b = now.get(level, 0), before.get(level, 0)
        out.append(OverdueRow(
            subject_type=subject_type, subject_name=rules.SUBJECT_NAMES.get(subject_type, subject_type), level=level,
            level_name=ladder.level_name(level) or rules.NOT_ESCALATED, overdue=n, open=opened,
            share_pct=rules.share(n, opened), previous_overdue=b, previous_open=opened_before,
            previous_share_pct=rules.share(b, opened_before)))
    return out


async def _coverage(principal: Principal, path: str | None, period: rules.Period) -> tuple[list[CountyCoverage],
                                                                                        CountyCoverage]:
    d = dialect()
    counties: dict[int | None, dict] = {}
    # One statement for the three spans: the period, its last month and the month before.
    for r in await county_coverage(d, principal.scope, path, period.start, period.end,
                                   (period.last.start, period.last.end), (period.previous.start, period.previous.end)):
        c = counties.setdefault(r["region_id"], {"name": r["name"], "sites": 0, "period": 0, "this": 0,
                                                 "previous": 0})
        c["sites"] += int(r["sites"])
        for key, column in (("period", "inspected"), ("this", "inspected_1"), ("previous", "inspected_2")):
            c[key] += int(r[column] or 0)

    def row(region_id, c) -> CountyCoverage:
        return CountyCoverage(
            region_id=region_id, region_name=c["name"], sites=c["sites"], inspected=c["period"],
            coverage_pct=rules.share(c["period"], c["sites"]), inspected_this_month=c["this"],
            coverage_this_month_pct=rules.share(c["this"], c["sites"]), inspected_previous_month=c["previous"],
            coverage_previous_month_pct=rules.share(c["previous"], c["sites"]))

    total = {k: sum(c[k] for c in counties.values()) for k in ("sites", "period", "this", "previous")}
    rows = [row(region_id, c) for region_id, c in counties.items()]
    return rows, row(None, {"name": "合计", **total})


async def analytics(principal: Principal, ladders: Ladders, *, year: int | None = None,
                    month_from: int | None = None, month_to: int | None = None, region: int | None = None,
                    now: datetime | None = None, open_majors: int = OPEN_MAJORS_SHOWN) -> Analytics:
    if principal.role not in READER_ROLES:
        raise Forbidden("Analytics are for supervisors")
    now = now or datetime.now(timezone.utc)
    try:
        period = rules.period(now, year, month_from, month_to)
    except rules.PeriodError as exc:
        raise Invalid(str(exc), details={"parameter": "period"}) from None
    root, path = await _region(principal, region)
    d = dialect()
    where, args = principal.scope.sql("s")
    if path is not None:
        where, args = f"{where} AND s.region_path LIKE {{}}", [*args, path + "%"]
    series = period.series

    rect = {r["month"]: r for r in await sql.rectification(d, where, args, series[0].start, series[-1].end)}
    months = [_rect(m.label, rect.get(m.label)) for m in period.months]
    total = {"due": sum(m.due for m in months), "on_time": sum(m.closed_on_time for m in months),
             "late": sum(m.closed_late for m in months)}

    major = {r["month"]: r for r in await sql.major_hazards(d, where, args, series)}
    majors = await sql.open_majors(d, where, args, open_majors)

    at = rules.as_of(period.last.end, now)
    before = rules.as_of(period.previous.end, now)
    overdue = []
    for subject_type, fn in (("finding", sql.overdue_findings), ("follow_up_case", sql.overdue_cases)):
        rows = await fn(d, where, args, (at, before))
        overdue += _overdue(ladders, subject_type, [r for r in rows if int(r["k"]) == 0],
                            [r for r in rows if int(r["k"]) == 1])

    items = await sql.top_items(d, where, args, (period.start, period.end), period.last, period.previous,
                                rules.TOP_ITEMS)
    coverage, coverage_total = await _coverage(principal, path, period)
    return Analytics(
        region=root,
        period=PeriodRead(year=period.year, month_from=period.month_from, month_to=period.month_to,
                          months=[m.label for m in period.months], this_month=period.last.label,
                          previous_month=period.previous.label),
        generated_at=now,
        rectification=months, rectification_total=_rect("total", total),
        rectification_previous=_rect(period.previous.label, rect.get(period.previous.label)),
        major_hazards=[_major(m.label, major.get(m.label)) for m in period.months],
        major_hazards_previous=_major(period.previous.label, major.get(period.previous.label)),
        open_major_hazards=[OpenMajorHazard(
            finding_id=r["id"], site_id=r["site"], site_code=r["site_code"], site_name=r["site_name"],
            county=r["county"] or "", title=r["title"], status=r["status"], created_at=_aware(r["created_at"]),
            deadline=_aware(r["deadline"]), escalation_level=int(r["escalation_level"] or 0), listing=r["listing"])
            for r in majors],
        open_major_hazards_total=int(majors[0]["total"]) if majors else 0,
        overdue_at=at, overdue_previous_at=before, overdue=overdue,
        top_items=[TopItem(template_key=r["template_key"], item_key=r["item_key"], title=r["title"],
                           count=int(r["n"]), this_month=int(r["this_month"] or 0),
                           previous_month=int(r["previous_month"] or 0)) for r in items],
        coverage=coverage, coverage_total=coverage_total,
    )


def _aware(value) -> datetime:
    if isinstance(value, str):  # raw SQL on SQLite gives Piccolo's text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
