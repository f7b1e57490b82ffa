"""The escalation job: set-based SQL over every registered subject source, each step exactly once.

One write transaction per run: take the due rungs (INSERT … SELECT; the unique index turns a repeat into nothing),
then, for this run's batch only: mark superseded rungs, the subjects' escalation level, their history (audit
events), the inbox of the right people, the webhook outbox, and a re-rating of the sites concerned. Webhooks are
only queued here; the delivery job sends them, so a slow receiver never holds this job up.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Mapping

from .. import db
from ..jobs.registry import JobContext
from ..jobs.sqlkit import Dialect, dialect, execute_counting
from ..notifications import service as notifications
from . import rules
from .sources import SubjectSource, load_sources

log = logging.getLogger("xunjian.escalation")

# Each audience as a join from `e` (escalation_step) and `s` (site) to `u` (app_user), and its condition.
# Supervisors: those linked to the county (or prefecture) the site lies in, found by walking up from the site's own
# region (a township, county or prefecture) so the join stays on keys, not a LIKE over every supervisor.
_SUPERVISORS = (
    "JOIN region r0 ON r0.id = s.region LEFT JOIN region r1 ON r1.id = r0.parent "
    "LEFT JOIN region r2 ON r2.id = r1.parent "
    "JOIN user_region ur ON ur.region = (CASE WHEN r0.level = {} THEN r0.id WHEN r1.level = {} THEN r1.id "
    "WHEN r2.level = {} THEN r2.id END) JOIN app_user u ON u.id = ur.\"user\"",
    "u.role = 'supervisor'",
)
_AUDIENCES = {
    "manager": ("JOIN site_manager sm ON sm.site = e.site_id JOIN app_user u ON u.id = sm.\"user\"", "TRUE"),
    "inspector": ("JOIN app_user u ON u.id = e.owner_user_id", "TRUE"),
    "county": _SUPERVISORS,
    "prefecture": _SUPERVISORS,
    # The welfare-lottery centre of the region (福彩中心) hears of a lottery outlet's steps as the supervisors do.
    "lottery_centre": ("JOIN region cr ON s.region_path LIKE cr.path || '%' JOIN user_region cur ON cur.region = cr.id "
                       "JOIN app_user u ON u.id = cur.\"user\"",
                       "u.role = 'lottery_centre' AND s.kind = 'lottery_outlet'"),
}
# Audiences no rung names, told of the rungs that tell any of these.
_TOLD_WITH = {"lottery_centre": ("county", "prefecture")}


def _rungs_sql(d: Dialect, ladders: Mapping[str, rules.Ladder], now: datetime,
               audience: str | None = None) -> tuple[str, list] | None:
    """The ladders (or the rungs that tell `audience`) as a derived table r(subject_type, grade, step, level,
    offset_days, threshold, title, proposal): a subject of that type and grade reaches the rung once its deadline <=
    threshold (= now - offset, computed here rather than in SQL). None when no rung qualifies."""
    rows, args = [], []
    for subject_type, ladder in ladders.items():
        for grade, rungs in ladder.grades.items():
            for rung in rungs:
                if audience is not None and not set(_TOLD_WITH.get(audience, (audience,))) & set(rung.notify):
                    continue
                rows.append(f"SELECT {d.param('text')} AS subject_type, {d.param('text')} AS grade, "
                            f"{d.param('text')} AS step, {d.param('integer')} AS level, "
                            f"{d.param('double precision')} AS offset_days, {d.ts_param()} AS threshold, "
                            f"{d.param('text')} AS title, {d.param('boolean')} AS proposal")
                args += [subject_type, grade, rung.step, rung.level, rung.offset_days,
                         now - (rung.due_at(now) - now), rung.title, rung.proposal]
    return ("(" + " UNION ALL ".join(rows) + ")", args) if rows else None


def _ladder_grade(ladder: rules.Ladder) -> tuple[str, list]:
    """The ladder grade a subject climbs: its own when the ladder has one, else the general one."""
    others = [g for g in ladder.grades if g != "general"]
    if not others:
        return "{}", ["general"]
    return "(CASE WHEN src.grade IN (" + ", ".join("{}" for _ in others) + ") THEN src.grade ELSE {} END)", [
        *others, "general"]


async def _take_rungs(d: Dialect, source: SubjectSource, ladder: rules.Ladder, now: datetime, batch: str) -> None:
    """Every rung each open subject has reached and not yet taken, in one statement. Of the rungs a subject takes in
    one run only the highest is announced (`notified`): a subject first seen long overdue gets no reminder for a
    deadline already past."""
    rungs, rung_args = _rungs_sql(d, {source.subject_type: ladder}, now)
    grade, grade_args = _ladder_grade(ladder)
    sql = (
        "INSERT INTO escalation_step (subject_type, subject_id, step, level, grade, site_id, owner_user_id, "
        "title, deadline, due_at, taken_at, batch, notified, proposal) "
        f"SELECT {d.param('text')}, t.subject_id, t.step, t.level, t.grade, t.site_id, t.owner_user_id, t.title, "
        f"t.deadline, t.due_at, {d.ts_param()}, {d.param('text')}, "
        f"CASE WHEN t.level = t.top_level THEN {d.true} ELSE {d.false} END, t.proposal FROM ("
        "SELECT src.subject_id, r.step, r.level, r.grade, r.proposal, src.site_id, src.owner_user_id, "
        f"COALESCE(src.title, '') AS title, src.deadline, "
        f"{d.add_days_expr('src.deadline', 'r.offset_days')} AS due_at, "
        "MAX(r.level) OVER (PARTITION BY src.subject_id) AS top_level "
        f"FROM ({source.sql}) src JOIN {rungs} r ON r.grade = {grade} AND src.deadline <= r.threshold "
        "WHERE NOT EXISTS (SELECT 1 FROM escalation_step x WHERE x.subject_type = {} "
        "AND x.subject_id = src.subject_id AND x.step = r.step)) t WHERE 1 = 1 "
        # Rungs in ladder order, so ids (and the history written from them) follow the ladder.
        "ORDER BY t.level ON CONFLICT (subject_type, subject_id, step) DO NOTHING"
    )
    taken = await execute_counting(sql, source.subject_type, now, batch, *rung_args, *grade_args,
                                   source.subject_type)
    if taken > 1000 and not d.sqlite:
        # Statistics still say the table is as small as before this run; the statements that follow read it.
        await db.fetch("ANALYZE escalation_step")


async def _set_levels(source: SubjectSource, batch: str) -> None:
    if not source.level_table:
        return
    t = source.level_table
    # Steps are only ever added, each at a higher level than the subject has: the level is the run's highest.
    await db.fetch(
        f"UPDATE {t} SET escalation_level = m.level FROM (SELECT subject_id, MAX(level) AS level "
        "FROM escalation_step WHERE batch = {} AND subject_type = {} AND proposal = {} GROUP BY subject_id) m "
        f"WHERE {t}.id = m.subject_id AND {t}.escalation_level < m.level",
        batch, source.subject_type, False,
    )


# The listing authority of a site: the prefecture holding it (the province for a site directly under it).
AUTHORITY_SQL = (
    "(SELECT CASE WHEN r0.level = 'prefecture' THEN r0.id WHEN r1.level = 'prefecture' THEN r1.id "
    "WHEN r2.level = 'prefecture' THEN r2.id WHEN r0.level = 'province' THEN r0.id END FROM site s "
    "JOIN region r0 ON r0.id = s.region LEFT JOIN region r1 ON r1.id = r0.parent "
    "LEFT JOIN region r2 ON r2.id = r1.parent WHERE s.id = {site})"
)


async def _propose_listings(source: SubjectSource, batch: str) -> None:
    """This run's proposals put their subjects up for a listing decision by the site's listing authority."""
    if source.subject_type not in rules.LISTABLE or not source.level_table:
        return
    t = source.level_table
    await db.fetch(
        f"UPDATE {t} SET listing = {{}}, listing_authority = p.authority FROM (SELECT e.subject_id, "
        f"{AUTHORITY_SQL.format(site='e.site_id')} AS authority FROM escalation_step e "
        "WHERE e.batch = {} AND e.subject_type = {} AND e.proposal = {}) p "
        f"WHERE {t}.id = p.subject_id AND {t}.listing IS NULL",
        "proposed", batch, source.subject_type, True,
    )


async def _record_history(d: Dialect, source: SubjectSource, batch: str, now: datetime) -> None:
    after = d.json_object("'step'", "e.step", "'level'", "e.level", "'grade'", "e.grade",
                          "'deadline'", "e.deadline", "'announced'", "e.notified", "'proposal'", "e.proposal")
    await db.fetch(
        "INSERT INTO audit_event (at, actor, actor_name, action, entity_type, entity_id, site_id, before, after, "
        f"client_addr) SELECT {d.ts_param()}, NULL, 'system', 'escalation.' || e.step, {d.param('text')}, "
        "CAST(e.subject_id AS TEXT), "
        f"e.site_id, NULL, {after}, '' FROM escalation_step e WHERE e.batch = {{}} AND e.subject_type = {{}} "
        "ORDER BY e.id",
        now, source.entity_type, batch, source.subject_type,
    )


async def _notify(d: Dialect, ladders: rules.Ladders, batch: str, now: datetime) -> int:
    """One statement per audience over every rung that tells it (a step's inbox entry is keyed by the step, so one
    user is told once however many ways they are reached)."""
    sent = 0
    for audience, (join, cond) in _AUDIENCES.items():
        told = _rungs_sql(d, ladders.by_subject, now, audience)
        if told is None:
            continue
        rungs, rung_args = told
        join_args = [audience] * 3 if audience in ("county", "prefecture") else []
        sent += await execute_counting(
            "INSERT INTO notification (\"user\", kind, event_key, title, subject_title, body, subject_type, "
            "subject_id, site_id, level, created_at) "
            "SELECT u.id, 'escalation', 'escalation:' || CAST(e.id AS TEXT), "
            f"r.title || '：' || e.title, e.title, s.name, e.subject_type, CAST(e.subject_id AS TEXT), "
            f"e.site_id, e.level, {d.ts_param()} FROM escalation_step e JOIN {rungs} r "
            "ON r.subject_type = e.subject_type AND r.grade = e.grade AND r.step = e.step "
            "JOIN site s ON s.id = e.site_id "
            f"{join} "
            f"WHERE e.batch = {{}} AND e.notified = {{}} AND u.is_active = {{}} AND {cond} "
            "ON CONFLICT (\"user\", event_key) DO NOTHING",
            now, *rung_args, *join_args, batch, True, True,
        )
    return sent


async def _queue_webhooks(ladders: rules.Ladders, batch: str, now: datetime) -> int:
    if not await notifications.has_subscriptions():
        return 0
    rows = await db.fetch(
        "SELECT e.id, e.subject_type, e.subject_id, e.step, e.level, e.grade, e.title, e.deadline, e.site_id, "
        "e.proposal, "
        "s.code AS site_code, s.name AS site_name, s.region_path FROM escalation_step e "
        "JOIN site s ON s.id = e.site_id WHERE e.batch = {} AND e.notified = {} ORDER BY e.id", batch, True)
    events = []
    for r in rows:
        ladder = ladders.for_subject(r["subject_type"])
        rung = next((x for x in ladder.rungs(r["grade"]) if x.step == r["step"]), None)
        deadline = r["deadline"]
        events.append(notifications.WebhookEvent(
            event_type="escalation.step", event_key=f"escalation:{r['id']}", region_path=r["region_path"],
            data={
                "subject_type": r["subject_type"], "subject_id": r["subject_id"], "step": r["step"],
                "level": r["level"], "level_name": ladder.level_name(r["level"]), "proposal": bool(r["proposal"]),
                "grade": r["grade"], "title": r["title"],
                "step_title": rung.title if rung else r["step"],
                "deadline": deadline.isoformat() if hasattr(deadline, "isoformat") else str(deadline),
                "site": {"id": r["site_id"], "code": r["site_code"], "name": r["site_name"]},
            },
        ))
    return await notifications.queue_webhooks(events, now)


async def escalate(now: datetime, ladders: rules.Ladders = rules.DEFAULT_LADDERS) -> dict[str, int]:
    """Take every due rung of every open subject at `now`. Safe to run any number of times, concurrently."""
    from ..risk import service as risk

    d = dialect()
    batch = uuid.uuid4().hex
    counts: dict[str, int] = {}
    async with db.write_transaction():
        if not d.sqlite:
            # A rung's INSERT … SELECT checks the step table it is writing to. Planned as a nested loop (the
            # statistics of a small table), each outer row would rescan the index entries this very statement has
            # just added: hours at national scale. Hash joins read the table once; JIT only costs time here.
            await db.fetch("SET LOCAL enable_nestloop = off")
            await db.fetch("SET LOCAL jit = off")
        for source in load_sources().values():
            await _take_rungs(d, source, ladders.for_subject(source.subject_type), now, batch)
        if not d.sqlite:
            # The rest works on this batch's steps along indexes: an hourly batch is a few hundred, and hash joins
            # would read every finding (and every inspection, to re-rate the sites) for them.
            await db.fetch("SET LOCAL enable_nestloop = on")
        for source in load_sources().values():
            await _set_levels(source, batch)
            await _propose_listings(source, batch)
            await _record_history(d, source, batch, now)
        counts["notifications"] = await _notify(d, ladders, batch, now)
        counts["webhooks_queued"] = await _queue_webhooks(ladders, batch, now)
        for row in await db.fetch(
            "SELECT step, COUNT(*) AS n FROM escalation_step WHERE batch = {} GROUP BY step", batch
        ):
            counts[f"step_{row['step']}"] = row["n"]
        counts["steps"] = sum(v for k, v in counts.items() if k.startswith("step_"))
        if counts["steps"]:
            counts["sites_rerated"] = await risk.rate_sites(
                now, trigger="escalation",
                site_filter=f"SELECT DISTINCT site_id FROM escalation_step WHERE batch = '{batch}'",
            )
    return counts


async def run_job(ctx: JobContext) -> dict[str, int]:
    return await escalate(ctx.now, rules.load_ladders(ctx.settings.extra))
