"""The analytics' set-based reads (both engines). Each takes `where`, the caller's scope and region as a predicate over
the site `s` with `{}` placeholders, and its arguments; months are Beijing months given as UTC instants.

Every statement groups in SQL and returns a row per month, level, item or county: nothing is counted in Python."""

from __future__ import annotations

from datetime import datetime

from .. import db
from ..jobs.sqlkit import Dialect
from .rules import Month


def month_of(d: Dialect, expr: str) -> str:
    """'YYYY-MM' of a timestamp in Beijing (UTC+8 all year: China keeps no summer time)."""
    if d.sqlite:
        return f"strftime('%Y-%m', {expr}, '+8 hours')"
    return f"to_char({expr} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"


def _months(d: Dialect, months: list[Month]) -> tuple[str, list]:
    rows = ", ".join(f"({{}}, {d.ts_param()}, {d.ts_param()})" for _ in months)
    return f"months(m, ms, me) AS (VALUES {rows})", [v for m in months for v in (m.label, m.start, m.end)]


async def rectification(d: Dialect, where: str, args: list, start: datetime, end: datetime) -> list[dict]:
    """Per month of the deadline in force: findings due, closed on time (at or before it), closed late."""
    bucket = month_of(d, "f.deadline")
    return await db.fetch(
        f"SELECT {bucket} AS month, COUNT(*) AS due, "
        "SUM(CASE WHEN f.status = 'closed' AND f.closed_at <= f.deadline THEN 1 ELSE 0 END) AS on_time, "
        "SUM(CASE WHEN f.status = 'closed' AND f.closed_at > f.deadline THEN 1 ELSE 0 END) AS late "
        "FROM finding f JOIN site s ON s.id = f.site "
        f"WHERE f.deadline >= {d.ts_param()} AND f.deadline < {d.ts_param()} AND {where} GROUP BY {bucket}",
        start, end, *args,
    )


async def major_hazards(d: Dialect, where: str, args: list, months: list[Month]) -> list[dict]:
    """Per month: major hazards open at its start, raised in it, closed in it, open at its end. Only the major
    hazards open at some moment of the months are read."""
    cte, month_args = _months(d, months)
    return await db.fetch(
        f"WITH {cte}, mf AS (SELECT f.created_at, f.closed_at FROM finding f JOIN site s ON s.id = f.site "
        f"WHERE f.grade = 'major' AND f.created_at < {d.ts_param()} "
        f"AND (f.closed_at IS NULL OR f.closed_at >= {d.ts_param()}) AND {where}) "
        "SELECT months.m AS month, "
        "SUM(CASE WHEN mf.created_at < months.ms AND (mf.closed_at IS NULL OR mf.closed_at >= months.ms) "
        "THEN 1 ELSE 0 END) AS open_start, "
        "SUM(CASE WHEN mf.created_at >= months.ms AND mf.created_at < months.me THEN 1 ELSE 0 END) AS raised, "
        "SUM(CASE WHEN mf.closed_at >= months.ms AND mf.closed_at < months.me THEN 1 ELSE 0 END) AS closed, "
        "SUM(CASE WHEN mf.created_at < months.me AND (mf.closed_at IS NULL OR mf.closed_at >= months.me) "
        "THEN 1 ELSE 0 END) AS open_end "
        "FROM months JOIN mf ON 1 = 1 GROUP BY months.m",
        *month_args, months[-1].end, months[0].start, *args,
    )


async def open_majors(d: Dialect, where: str, args: list, limit: int) -> list[dict]:
    """The major hazards not closed now, the earliest deadline first, with their total. The page is chosen first
    and only its rows are joined to their county (the site's region, or the township's parent): joined for every open
    major hazard of a country, a prefix match against every county took 51 s."""
    return await db.fetch(
        "WITH scoped AS MATERIALIZED (SELECT f.id, f.deadline FROM finding f JOIN site s ON s.id = f.site "
        f"WHERE f.grade = 'major' AND f.status <> 'closed' AND {where}), "
        "page AS (SELECT id FROM scoped ORDER BY deadline, id LIMIT {}) "
        "SELECT f.id, f.site, s.code AS site_code, s.name AS site_name, "
        "CASE WHEN r.level <> 'county' AND rp.level = 'county' THEN rp.name ELSE r.name END AS county, f.title, "
        "f.status, f.created_at, f.deadline, f.escalation_level, f.listing, (SELECT COUNT(*) FROM scoped) AS total "
        "FROM page JOIN finding f ON f.id = page.id JOIN site s ON s.id = f.site JOIN region r ON r.id = s.region "
        "LEFT JOIN region rp ON rp.id = r.parent ORDER BY f.deadline, f.id",
        *args, limit,
    )


def _levels_at(d: Dialect, subject_type: str) -> str:
    """Each subject's highest ladder level taken by the moment `{}` (proposals raise nothing by themselves)."""
    return ("SELECT subject_id, MAX(level) AS level FROM escalation_step "
            f"WHERE subject_type = '{subject_type}' AND proposal = {d.false} AND taken_at <= {d.ts_param()} "
            "GROUP BY subject_id")


async def overdue_findings(d: Dialect, where: str, args: list, at: datetime) -> list[dict]:
    """Per escalation level at the moment `at`: the findings open then (raised, not closed yet) and those of them
    overdue (past the deadline in force then: the latest extension approved by then, else the first deadline).
    A confirmed listing (挂牌督办) is level 3 from its confirmation."""
    t = d.ts_param()
    return await db.fetch(
        "WITH ext AS (SELECT x.finding, x.deadline FROM (SELECT e.finding, e.deadline, ROW_NUMBER() OVER "
        "(PARTITION BY e.finding ORDER BY e.at DESC, e.id DESC) AS rn FROM finding_extension e "
        f"WHERE e.action = 'approve' AND e.at <= {t}) x WHERE x.rn = 1), "
        f"lv AS ({_levels_at(d, 'finding')}), "
        f"ls AS (SELECT DISTINCT finding FROM finding_listing WHERE decision = 'confirm' AND at <= {t}), "
        f"o AS (SELECT CASE WHEN COALESCE(ext.deadline, f.first_deadline, f.deadline) < {t} THEN 1 ELSE 0 END "
        f"AS late, CASE WHEN ls.finding IS NOT NULL THEN {d.greatest('3', 'COALESCE(lv.level, 0)')} "
        "ELSE COALESCE(lv.level, 0) END AS level "
        "FROM finding f JOIN site s ON s.id = f.site LEFT JOIN ext ON ext.finding = f.id "
        "LEFT JOIN lv ON lv.subject_id = f.id LEFT JOIN ls ON ls.finding = f.id "
        f"WHERE f.created_at <= {t} AND (f.closed_at IS NULL OR f.closed_at > {t}) AND {where}) "
        "SELECT level, COUNT(*) AS open, SUM(late) AS overdue FROM o GROUP BY level",
        at, at, at, at, at, at, *args,
    )


async def overdue_cases(d: Dialect, where: str, args: list, at: datetime) -> list[dict]:
    """The same for street-patrol follow-up cases (scoped by their patrol zone), which have no extensions."""
    t = d.ts_param()
    return await db.fetch(
        f"WITH lv AS ({_levels_at(d, 'follow_up_case')}), "
        f"o AS (SELECT CASE WHEN c.deadline < {t} THEN 1 ELSE 0 END AS late, COALESCE(lv.level, 0) AS level "
        "FROM follow_up_case c JOIN site s ON s.id = c.zone LEFT JOIN lv ON lv.subject_id = c.id "
        f"WHERE c.opened_at <= {t} AND (c.closed_at IS NULL OR c.closed_at > {t}) AND {where}) "
        "SELECT level, COUNT(*) AS open, SUM(late) AS overdue FROM o GROUP BY level",
        at, at, at, at, *args,
    )


async def top_items(d: Dialect, where: str, args: list, period: tuple[datetime, datetime],
                    this: Month, previous: Month, limit: int) -> list[dict]:
    """The checklist items most often found non-compliant in the period (findings raised from an item, by template
    key and item key), with their counts in the last month and the one before."""
    t = d.ts_param()
    low = min(period[0], previous.start)
    return await db.fetch(
        "SELECT x.* FROM (SELECT i.template_key, f.item_key, MAX(f.title) AS title, "
        f"SUM(CASE WHEN f.created_at >= {t} AND f.created_at < {t} THEN 1 ELSE 0 END) AS n, "
        f"SUM(CASE WHEN f.created_at >= {t} AND f.created_at < {t} THEN 1 ELSE 0 END) AS this_month, "
        f"SUM(CASE WHEN f.created_at >= {t} AND f.created_at < {t} THEN 1 ELSE 0 END) AS previous_month "
        "FROM finding f JOIN inspection i ON i.id = f.inspection JOIN site s ON s.id = f.site "
        f"WHERE f.item_key IS NOT NULL AND f.created_at >= {t} AND f.created_at < {t} AND {where} "
        "GROUP BY i.template_key, f.item_key) x WHERE x.n > 0 "
        "ORDER BY x.n DESC, x.template_key, x.item_key LIMIT {}",
        period[0], period[1], this.start, this.end, previous.start, previous.end, low, period[1], *args, limit,
    )
