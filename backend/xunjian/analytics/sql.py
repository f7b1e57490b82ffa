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


def _moments(d: Dialect, moments: tuple[datetime, ...]) -> tuple[str, list]:
    """The moments as rows (k, t): k is the moment's index in `moments`."""
    rows = ", ".join(f"({k}, {d.ts_param()})" for k in range(len(moments)))
    return f"mo(k, t) AS (VALUES {rows})", list(moments)


async def overdue_findings(d: Dialect, where: str, args: list, moments: tuple[datetime, ...]) -> list[dict]:
    """Per moment k of `moments` and escalation level at that moment: the findings open then (raised, not closed
    yet) and those of them overdue (past the deadline in force then: the latest extension approved by then, else the
    first deadline). A confirmed listing (挂牌督办) is level 3 from its confirmation.

    One statement for every moment. The scoped findings open at some moment are chosen first; only their ladder steps,
    extensions and listings are read (the steps of the whole country were grouped for a county's analytics)."""
    cte, moment_args = _moments(d, moments)
    t = d.ts_param()
    return await db.fetch(
        f"WITH {cte}, f0 AS MATERIALIZED (SELECT f.id, f.created_at, f.closed_at, "
        "COALESCE(f.first_deadline, f.deadline) AS d0 FROM finding f JOIN site s ON s.id = f.site "
        f"WHERE f.created_at <= {t} AND (f.closed_at IS NULL OR f.closed_at > {t}) AND {where}), "
        "fo AS MATERIALIZED (SELECT mo.k, mo.t, f0.id, f0.d0 FROM mo JOIN f0 ON f0.created_at <= mo.t "
        "AND (f0.closed_at IS NULL OR f0.closed_at > mo.t)), "
        "ext AS (SELECT x.k, x.finding, x.deadline FROM (SELECT fo.k, e.finding, e.deadline, ROW_NUMBER() OVER "
        "(PARTITION BY fo.k, e.finding ORDER BY e.at DESC, e.id DESC) AS rn FROM fo JOIN finding_extension e "
        "ON e.finding = fo.id AND e.action = 'approve' AND e.at <= fo.t) x WHERE x.rn = 1), "
        "lv AS (SELECT fo.k, st.subject_id, MAX(st.level) AS level FROM fo JOIN escalation_step st "
        f"ON st.subject_type = 'finding' AND st.subject_id = fo.id AND st.proposal = {d.false} "
        "AND st.taken_at <= fo.t GROUP BY fo.k, st.subject_id), "
        "ls AS (SELECT DISTINCT fo.k, l.finding FROM fo JOIN finding_listing l ON l.finding = fo.id "
        "AND l.decision = 'confirm' AND l.at <= fo.t), "
        "o AS (SELECT fo.k, CASE WHEN COALESCE(ext.deadline, fo.d0) < fo.t THEN 1 ELSE 0 END AS late, "
        f"CASE WHEN ls.finding IS NOT NULL THEN {d.greatest('3', 'COALESCE(lv.level, 0)')} "
        "ELSE COALESCE(lv.level, 0) END AS level "
        "FROM fo LEFT JOIN ext ON ext.k = fo.k AND ext.finding = fo.id "
        "LEFT JOIN lv ON lv.k = fo.k AND lv.subject_id = fo.id LEFT JOIN ls ON ls.k = fo.k AND ls.finding = fo.id) "
        "SELECT k, level, COUNT(*) AS open, SUM(late) AS overdue FROM o GROUP BY k, level",
        *moment_args, max(moments), min(moments), *args,
    )


async def overdue_cases(d: Dialect, where: str, args: list, moments: tuple[datetime, ...]) -> list[dict]:
    """The same for street-patrol follow-up cases (scoped by their patrol zone), which have no extensions."""
    cte, moment_args = _moments(d, moments)
    t = d.ts_param()
    return await db.fetch(
        f"WITH {cte}, c0 AS MATERIALIZED (SELECT c.id, c.opened_at, c.closed_at, c.deadline FROM follow_up_case c "
        f"JOIN site s ON s.id = c.zone WHERE c.opened_at <= {t} AND (c.closed_at IS NULL OR c.closed_at > {t}) "
        f"AND {where}), "
        "co AS MATERIALIZED (SELECT mo.k, mo.t, c0.id, c0.deadline FROM mo JOIN c0 ON c0.opened_at <= mo.t "
        "AND (c0.closed_at IS NULL OR c0.closed_at > mo.t)), "
        "lv AS (SELECT co.k, st.subject_id, MAX(st.level) AS level FROM co JOIN escalation_step st "
        f"ON st.subject_type = 'follow_up_case' AND st.subject_id = co.id AND st.proposal = {d.false} "
        "AND st.taken_at <= co.t GROUP BY co.k, st.subject_id), "
        "o AS (SELECT co.k, CASE WHEN co.deadline < co.t THEN 1 ELSE 0 END AS late, COALESCE(lv.level, 0) AS level "
        "FROM co LEFT JOIN lv ON lv.k = co.k AND lv.subject_id = co.id) "
        "SELECT k, level, COUNT(*) AS open, SUM(late) AS overdue FROM o GROUP BY k, level",
        *moment_args, max(moments), min(moments), *args,
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
