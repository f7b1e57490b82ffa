"""Risk ratings: the set-based job, the immediate re-rating of one site, the board and a site's rating."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta, timezone
from typing import AsyncIterator
from zoneinfo import ZoneInfo

import msgspec

from .. import csvout, db
from ..accounts.principal import Principal
from ..errors import NotFound
from ..inspections.rules import counted_sql
from ..jobs.registry import JobContext
from ..jobs.sqlkit import dialect
from ..regions.tables import Region
from . import rules as R
from . import sql as S
from .schemas import (
    Board, BoardRegion, BoardSite, FactorRead, RatingRead, RegionTierCount, SiteRiskRead, TrendPoint,
)
from .tables import RiskRating, SiteRisk
from .versions import current_rules

log = logging.getLogger("xunjian.risk")

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
TREND_WEEKS = 12
BOARD_SITES = 50


# ---------------------------------------------------------------- rating: set-based

# Full runs and partial ones (a site re-rated at once, the escalation job's sites) serialise on this PostgreSQL
# transaction lock: a full run takes it alone; partial runs share it, and all of them add differences to the roll-up.
# Without it a full run could write back a rating computed before a concurrent finding change.
# (SQLite has one writer at a time anyway.)
RISK_LOCK = 0x58_4A_52_4B  # "XJRK"


async def _lock(exclusive: bool) -> None:
    if not db.is_sqlite():
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        await db.fetch(f"SELECT {fn}({{}})", RISK_LOCK)


async def rate_sites(now: datetime, *, trigger: str = "job", site_filter: str | None = None,
                     rules: dict | None = None, stats: dict | None = None, moves: dict | None = None) -> int:
    """Rate every rated site (or those `site_filter` yields) at `now` in set-based SQL; returns how many.

    Only ratings that changed are written (site_risk, history, roll-up); `stats`, when given, gets how many.
    `moves`, when given, gets the tier transitions ("orange->red": n, counted as the rules' dry run counts them,
    a site no longer rated going to "unrated"), read off the rating's own table instead of rating twice.
    Runs in the caller's transaction when there is one (the escalation job re-rates the sites it escalated)."""
    rules = rules or current_rules()
    d = dialect()
    version = rules["version"]
    full = site_filter is None
    async with db.write_transaction():
        await _lock(exclusive=full)
        if not d.sqlite:
            # Compiling these statements costs PostgreSQL's JIT seconds and saves nothing; the calculation holds a
            # row per site in memory.
            await db.fetch("SET LOCAL jit = off")
            await db.fetch("SET LOCAL work_mem = '256MB'")
        await db.fetch(f"DROP TABLE IF EXISTS {'temp.' if d.sqlite else ''}risk_changed")
        statements = [S.changed_statement(d, rules, now, site_filter), S.history_statement(d, version, now, trigger),
                      S.rollup_delta_statement(d, now), S.upsert_statement(d, version, now)]
        for stmt in statements:
            await db.fetch(stmt.text, *stmt.args)
        changed = (await db.fetch("SELECT COUNT(*) AS n FROM risk_changed"))[0]["n"]
        if moves is not None:
            moves.update(await _moves(d, rules, full))
        rated_sql = f"SELECT COUNT(*) AS n FROM site s WHERE {S.rated_sites_sql(d, rules, 's')}"
        rated = (await db.fetch(rated_sql + (f" AND s.id IN ({site_filter})" if site_filter else "")))[0]["n"]
        if full and (await db.fetch("SELECT COUNT(*) AS n FROM site_risk"))[0]["n"] > rated:
            # Sites deactivated, or of a kind no longer rated, leave the board, and the roll-up is counted afresh.
            # (Every rated site has its row now, so there is nothing to delete unless site_risk holds more rows
            # than were rated.) NOT EXISTS, not NOT IN: PostgreSQL plans NOT IN over a large subquery as a loop
            # when its hash does not fit in work_mem.
            await db.fetch("DELETE FROM site_risk WHERE NOT EXISTS (SELECT 1 FROM site s WHERE s.id = site_risk.site "
                           f"AND {S.rated_sites_sql(d, rules, 's')})")
            await db.fetch("DELETE FROM risk_rollup")
            rebuild = S.rollup_rebuild_statement(d, now)
            await db.fetch(rebuild.text, *rebuild.args)
        if full:
            # The roll-up took each changed rating's difference, as in a partial run; the board's "rated at" is the
            # last full run.
            await db.fetch(f"UPDATE risk_rollup SET rated_at = {d.ts_param()} WHERE 1 = 1", now)
            await _snapshot(now)
        await db.fetch(f"DROP TABLE {'temp.' if d.sqlite else ''}risk_changed")
    if stats is not None:
        stats["ratings_changed"] = stats.get("ratings_changed", 0) + changed
    return rated


async def _moves(d, rules: dict, full: bool) -> dict[str, int]:
    """The tier transitions of the rating in progress: risk_changed's rows whose tier moved, and (in a full run) the
    sites in site_risk that the rules no longer rate, before they are deleted."""
    rows = await db.fetch(
        "SELECT COALESCE(x.old_tier, 'unrated') AS from_tier, x.tier AS to_tier, COUNT(*) AS n FROM risk_changed x "
        "WHERE x.old_tier IS NULL OR x.old_tier <> x.tier GROUP BY COALESCE(x.old_tier, 'unrated'), x.tier")
    if full:
        rows += await db.fetch(
            "SELECT sr.tier AS from_tier, 'unrated' AS to_tier, COUNT(*) AS n FROM site_risk sr WHERE NOT EXISTS "
            f"(SELECT 1 FROM site s WHERE s.id = sr.site AND {S.rated_sites_sql(d, rules, 's')}) GROUP BY sr.tier")
    return {f"{r['from_tier']}->{r['to_tier']}": int(r["n"]) for r in rows}


def local_day(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


async def _snapshot(now: datetime) -> None:
    """Today's sites per tier for every region (ancestors included), for the weekly trend: one statement over the
    roll-up. A region's sites are those whose path starts with its path, so each roll-up row is cut to every region
    path length there is and joined to the regions on the cut (prefixes that are no region's path drop out)."""
    day = local_day(now)
    d = dialect()
    forget_trends()
    lengths = sorted(r["n"] for r in await db.fetch("SELECT DISTINCT length(path) AS n FROM region"))
    await db.fetch("DELETE FROM risk_snapshot WHERE day = {}", day)
    if not lengths:
        return
    cuts = " UNION ALL ".join(
        f"SELECT substr(region_path, 1, {int(n)}) AS path, kind, tier, sites FROM risk_rollup "
        f"WHERE sites > 0 AND length(region_path) >= {int(n)}" for n in lengths)
    await db.fetch(
        f"INSERT INTO risk_snapshot (day, region, kind, tier, sites) SELECT {d.param('date')}, r.id, x.kind, x.tier, "
        f"SUM(x.sites) FROM ({cuts}) x JOIN region r ON r.path = x.path GROUP BY r.id, x.kind, x.tier", day)


async def run_job(ctx: JobContext) -> dict[str, int]:
    stats: dict[str, int] = {}
    rated = await rate_sites(ctx.now, trigger="job", rules=current_rules(ctx.settings), stats=stats)
    return {"sites_rated": rated, **stats}


# ---------------------------------------------------------------- rating: one site at once

async def site_facts(site_id: int, now: datetime, rules: dict) -> R.SiteFacts | None:
    site = await db.fetch(
        "SELECT id, kind, created_at, approved_beds, attributes, is_active FROM site WHERE id = {}", site_id)
    if not site:
        return None
    s = site[0]
    # Counted in SQL: a row per kind of open finding (grade, lateness, level, weight), not per finding.
    findings = await db.fetch(
        "SELECT grade, CASE WHEN deadline < {} THEN 1 ELSE 0 END AS late, escalation_level, risk_weight, "
        "self_reported, COUNT(*) AS n FROM finding WHERE site = {} AND status <> 'closed' AND created_at <= {} "
        "GROUP BY grade, late, escalation_level, risk_weight, self_reported", now, site_id, now)
    inspections = await db.fetch(
        "SELECT submitted_at, checks_answered, checks_noncompliant FROM inspection WHERE site = {} "
        f"AND {counted_sql(dialect())} AND submitted_at <= {{}} ORDER BY submitted_at DESC LIMIT {{}}",
        site_id, now, R.recent_inspections(rules))
    attributes = s["attributes"]
    if isinstance(attributes, str):
        import json

        attributes = json.loads(attributes or "{}")
    return R.SiteFacts(
        kind=s["kind"], created_at=_aware(s["created_at"]), approved_beds=s["approved_beds"],
        attributes=attributes or {},
        findings=tuple(R.FindingFact(
            grade=f["grade"], overdue=bool(f["late"]), escalation_level=f["escalation_level"] or 0,
            risk_weight=f["risk_weight"] if f["risk_weight"] is not None else 1.0,
            self_reported=bool(f["self_reported"]), count=f["n"]) for f in findings),
        inspections=tuple(R.InspectionFact(submitted_at=_aware(i["submitted_at"]), answered=i["checks_answered"],
                                           noncompliant=i["checks_noncompliant"]) for i in inspections),
    ) if s["is_active"] and s["kind"] in rules["rated_kinds"] else None


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


async def rerate_site(site_id: int, now: datetime, *, trigger: str = "finding", rules: dict | None = None) -> str | None:
    """Re-rate one site at once (a finding of it changed), inside the caller's transaction when there is one.

    Like a run, it writes only a rating that changed: a history row with the factors, and the current rating with
    the same rated_at. Returns the new tier (None when the site is not rated: inactive, or a kind the rules do not
    rate)."""
    rules = rules or current_rules()
    async with db.write_transaction():
        await _lock(exclusive=False)
        current = await SiteRisk.select(*_COMPARED).where(SiteRisk.site == site_id).first()
        facts = await site_facts(site_id, now, rules)
        if facts is None:
            await SiteRisk.delete().where(SiteRisk.site == site_id)
            await _rollup_delta(current, None, now)
            return None
        rating = R.score(facts, rules, now)
        overdue = [0, 0, 0, 0]
        for f in facts.findings:
            if f.overdue:
                overdue[min(max(f.escalation_level, 0), 3)] += f.count
        path = (await db.fetch("SELECT region_path FROM site WHERE id = {}", site_id))[0]["region_path"]
        shown = {f.factor: f.value for f in rating.factors}
        values = dict(region_path=path, kind=facts.kind, tier=rating.tier, base_score=rating.base_score, rules_version=rules["version"],
                      open_findings=sum(f.count for f in facts.findings),
                      open_major=sum(f.count for f in facts.findings if f.grade == "major"),
                      overdue_l0=overdue[0], overdue_l1=overdue[1], overdue_l2=overdue[2], overdue_l3=overdue[3],
                      inspection_due_at=rating.inspection_due_at,
                      **{column: shown[factor] for factor, column in FACTOR_COLUMNS.items()})
        if current is not None and all(current[k] == v for k, v in values.items()):
            return rating.tier
        await RiskRating.insert(RiskRating(site=site_id, rated_at=now, tier=rating.tier, score=rating.score,
                                           factors=[f.as_dict() for f in rating.factors],
                                           rules_version=rules["version"], trigger=trigger))
        if current is None:
            await SiteRisk.insert(SiteRisk(site=site_id, rated_at=now, **values)).on_conflict(action="DO NOTHING")
        await SiteRisk.update({SiteRisk.rated_at: now, **{getattr(SiteRisk, k): v for k, v in values.items()}}) \
            .where(SiteRisk.site == site_id)
        await _rollup_delta(current, values, now)
    return rating.tier


# The factors whose values site_risk keeps as columns (beside the counts), by column.
FACTOR_COLUMNS = {"escalation": "level_sum", "noncompliance": "noncompliance_pct", "beds": "beds",
                  "full_care_share": "full_care_pct", "override": "override"}
# What a re-rating compares with the stored rating (as a run does in SQL: sql.VALUE_COLUMNS and NULLABLE_COLUMNS).
_COMPARED = tuple(getattr(SiteRisk, c) for c in (
    "tier", "rules_version", *S.VALUE_COLUMNS, *S.NULLABLE_COLUMNS))


async def _rollup_delta(old: dict | None, new: dict | None, now: datetime) -> None:
    """Move one site from its old (region, kind, tier, overdue counts) to its new ones in the board's roll-up."""
    deltas: dict[tuple[str, str, str], list[int]] = {}
    for row, sign in ((old, -1), (new, 1)):
        if row is not None:
            d = deltas.setdefault((row["region_path"], row["kind"], row["tier"]), [0] * 5)
            d[0] += sign
            for i in range(4):
                d[i + 1] += sign * row[f"overdue_l{i}"]
    changes = [(path, kind, tier, *d) for (path, kind, tier), d in deltas.items() if any(d)]
    if not changes:
        return
    d = dialect()
    values = ", ".join(f"({{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {d.ts_param()})" for _ in changes)
    await db.fetch(f"INSERT INTO risk_rollup ({S.ROLLUP_COLUMNS}) VALUES {values} {S.rollup_add(d)}",
                   *[v for change in changes for v in (*change, now)])


# ---------------------------------------------------------------- reading

def _load(raw) -> list[dict]:
    """Stored factors (JSON text, or already decoded) as a list."""
    if isinstance(raw, (str, bytes)):
        raw = msgspec.json.decode(raw)
    return raw or []


def _live(factors: list[dict], due_at, now: datetime | None, rules: dict | None = None) -> list[dict]:
    """A current rating's factors with the lateness counted to `now` from the stored due date: days overdue and their
    points. A rating is rewritten only when the site's data changes, not as days pass (see rules.live_score)."""
    if due_at is None or now is None:
        return factors
    rules = rules or current_rules()
    days = R.days_overdue(_aware(due_at), now)
    live = {"value": R.r2(days), "contribution": R.r2(R.late_points(rules, days))}
    return [{**f, **live} if f["factor"] == "inspection_overdue" else f for f in factors]


def _factors(raw, due_at=None, now: datetime | None = None, rules: dict | None = None) -> list[FactorRead]:
    return [FactorRead(factor=f["factor"], value=f["value"], contribution=float(f["contribution"] or 0))
            for f in _live(_load(raw), due_at, now, rules)]


def _reasons(raw, due_at=None, now: datetime | None = None, rules: dict | None = None) -> list[FactorRead]:
    return _factors(R.main_reasons(_live(_load(raw), due_at, now, rules)))


def own_risk(raw, kind: str, base_score: float, due_at, now: datetime, rules: dict) -> dict:
    """A stored rating's own risk (score and tier without lateness) and its lateness as its own reason (检查逾期)."""
    factors = _live(_load(raw), due_at, now, rules)
    override = next((f["value"] for f in factors if f["factor"] == "override"), None)
    late = R.lateness_reason(factors)
    return {"own_score": R.r2(base_score), "own_tier": R.own_tier(rules, kind, base_score, override),
            "lateness": FactorRead(factor=late["factor"], value=late["value"], contribution=float(late["contribution"]))
            if late else None}


def live_score(row: dict, now: datetime, rules: dict | None = None) -> float:
    """The score of a stored rating (a site_risk row with base_score and inspection_due_at) at `now`."""
    due = row["inspection_due_at"]
    return R.live_score(rules or current_rules(), row["base_score"], _aware(due) if due else None, now)


async def current_factors(site_id: int) -> list[dict]:
    """The factors of a site's current rating, from the history row written with it ([] when it is not rated)."""
    rows = await db.fetch(f"SELECT {_FACTORS} FROM {_SR} sr WHERE sr.id = {{}}", site_id)
    return _load(rows[0]["factors"]) if rows else []


async def get_site_risk(principal: Principal, site_id: int, now: datetime | None = None) -> SiteRiskRead:
    site = await principal.scope.get_site(site_id)  # 404 outside the caller's scope
    now = now or datetime.now(timezone.utc)
    region = await Region.select(Region.name).where(Region.id == site["region"]).first()
    current = await SiteRisk.select().where(SiteRisk.site == site_id).first()
    history = await RiskRating.select().where(RiskRating.site == site_id) \
        .order_by(RiskRating.rated_at, ascending=False).order_by(RiskRating.id, ascending=False) \
        .limit(20).output(load_json=True)
    if current:
        current["factors"] = await current_factors(site_id)
    rules = current_rules()
    last = await db.fetch(
        f"SELECT MAX(submitted_at) AS last_at FROM inspection WHERE site = {{}} AND {counted_sql(dialect())}", site_id)
    last_at = _aware(last[0]["last_at"]) if last and last[0]["last_at"] else None
    rated = site["kind"] in rules["rated_kinds"]
    tier = current["tier"] if current else None
    return SiteRiskRead(
        site_id=site_id, site_code=site["code"], site_name=site["name"], kind=site["kind"],
        region_id=site["region"], region_name=region["name"] if region else "",
        tier=tier, score=live_score(current, now, rules) if current else None,
        rated_at=current["rated_at"] if current else None,
        rules_version=current["rules_version"] if current else None,
        factors=_factors(current["factors"], current["inspection_due_at"], now, rules) if current else [],
        reasons=_reasons(current["factors"], current["inspection_due_at"], now, rules) if current else [],
        open_findings=current["open_findings"] if current else 0,
        overdue_by_level={str(i): current[f"overdue_l{i}"] for i in range(4)} if current else
        {str(i): 0 for i in range(4)},
        last_inspected_at=last_at,
        next_due_at=R.next_due(rules, tier, site["kind"], last_at, _aware(site["created_at"])) if rated else None,
        frequency_days=R.frequency_days(rules, tier or "yellow", site["kind"]) if rated else None,
        history=[RatingRead(tier=h["tier"], score=h["score"], rated_at=h["rated_at"],
                            rules_version=h["rules_version"], trigger=h["trigger"], factors=_factors(h["factors"]))
                 for h in history],
        **(own_risk(current["factors"], site["kind"], current["base_score"], current["inspection_due_at"], now, rules)
           if current else {}),
    )


_REGION_COLUMNS = "id, code, name, level, parent, path"


async def board_root(principal: Principal, region_id: int | None) -> tuple[BoardRegion, list[str], list[dict]]:
    """The board's region, the path prefixes it covers, and its child regions: one statement."""
    if region_id is None and not principal.scope.everything and len(principal.region_ids) == 1:
        region_id = principal.region_ids[0]
    if region_id is not None:
        rows = await db.fetch(f"SELECT {_REGION_COLUMNS} FROM region WHERE id = {{}} OR parent = {{}} ORDER BY code",
                              region_id, region_id)
        region = next((r for r in rows if r["id"] == region_id), None)
        if region is None or not principal.scope.holds_region(region["path"]):
            raise NotFound("Region not found")
        children = [r for r in rows if r["id"] != region_id]
        root = BoardRegion(id=region["id"], code=region["code"], name=region["name"], level=region["level"],
                           parent_id=region["parent"])
        return root, [region["path"]], children
    if principal.scope.everything:
        children = await db.fetch(f"SELECT {_REGION_COLUMNS} FROM region WHERE parent IS NULL ORDER BY code")
        return BoardRegion(id=None, code=None, name="全部", level=None, parent_id=None), [""], children
    ids = ", ".join(str(int(i)) for i in principal.region_ids) or "-1"
    children = await db.fetch(f"SELECT {_REGION_COLUMNS} FROM region WHERE id IN ({ids}) ORDER BY code")
    return (BoardRegion(id=None, code=None, name="我的辖区", level=None, parent_id=None),
            [c["path"] for c in children], children)


def prefix_sql(prefixes: list[str], alias: str) -> tuple[str, list]:
    if prefixes == [""]:
        return "TRUE", []
    if not prefixes:
        return "FALSE", []
    if db.is_sqlite():
        # SQLite's LIKE ignores case and so never uses an index; a range over the binary-ordered path does.
        # (Not on PostgreSQL: a linguistic collation may order '/' unexpectedly; it has a pattern-ops index.)
        parts = " OR ".join(f"({alias}.region_path >= {{}} AND {alias}.region_path < {{}})" for _ in prefixes)
        return "(" + parts + ")", [v for p in prefixes for v in (p, p[:-1] + chr(ord(p[-1]) + 1))]
    return "(" + " OR ".join(f"{alias}.region_path LIKE {{}}" for _ in prefixes) + ")", [p + "%" for p in prefixes]


_SR = ("(SELECT site AS id, region_path, kind, tier, base_score, rated_at, open_findings, overdue_l0, overdue_l1, "
       "overdue_l2, overdue_l3, inspection_due_at, 1 AS sites FROM site_risk)")
# A current rating's factors: from its history row, the one written when it last changed (same site and rated_at;
# `<=` and the latest, so a rating stored before history held every change still finds the one it came from).
_FACTORS = ("(SELECT rr.factors FROM risk_rating rr WHERE rr.site = sr.id AND rr.rated_at <= sr.rated_at "
            "ORDER BY rr.rated_at DESC, rr.id DESC LIMIT 1) AS factors")
_ROLLUP = "(SELECT region_path, kind, tier, sites, overdue_l0, overdue_l1, overdue_l2, overdue_l3, rated_at FROM risk_rollup)"


async def region_counts(principal: Principal, prefixes: list[str], children: list[dict]):
    """Sites per tier of the board's region (counts, overdue by level, the latest rating) and of each child region,
    and those of the region's own sites (attached to no child): one grouped statement over the roll-up."""
    where, args = prefix_sql(prefixes, "sr")
    scope_sql, scope_args = principal.scope.sql("sr")
    # Children of one region share a level, so their paths have one length: group by that prefix in SQL (a few
    # dozen rows back instead of one per county). Sites hanging directly on the region match no child.
    lengths = {len(c["path"]) for c in children}
    group = f"substr(sr.region_path, 1, {lengths.pop()})" if len(lengths) == 1 else "sr.region_path"
    # Counts come from the roll-up (a row per region path and tier), unless the caller's scope names single sites.
    source = _SR if principal.scope.site_ids else _ROLLUP
    rows = await db.fetch(
        f"SELECT {group} AS region_path, sr.tier, SUM(sr.sites) AS n, SUM(sr.overdue_l0) AS l0, "
        "SUM(sr.overdue_l1) AS l1, SUM(sr.overdue_l2) AS l2, SUM(sr.overdue_l3) AS l3, MAX(sr.rated_at) AS rated_at "
        f"FROM {source} sr WHERE {where} AND {scope_sql} GROUP BY {group}, sr.tier", *args, *scope_args)
    counts = {t: 0 for t in R.TIERS}
    overdue = {str(i): 0 for i in range(4)}
    child_counts = {c["id"]: {t: 0 for t in R.TIERS} for c in children}
    by_path = {c["path"]: c["id"] for c in children}
    direct = {t: 0 for t in R.TIERS}
    rated_at = None
    for row in rows:
        if not row["n"]:
            continue
        counts[row["tier"]] += row["n"]
        for i in range(4):
            overdue[str(i)] += int(row[f"l{i}"] or 0)
        if row["rated_at"] is not None:
            at = _aware(row["rated_at"])
            rated_at = at if rated_at is None or at > rated_at else rated_at
        child = by_path.get(row["region_path"]) or next(
            (c for p, c in by_path.items() if row["region_path"].startswith(p)), None)
        if child is not None:
            child_counts[child][row["tier"]] += row["n"]
        else:
            direct[row["tier"]] += row["n"]
    return counts, overdue, child_counts, direct, rated_at


def child_rows(root: BoardRegion, children: list[dict], child_counts: dict, direct: dict) -> list[RegionTierCount]:
    """A row per child region; sites attached to the region itself (a county's own, not a township's) get a row of
    their own (本级)."""
    own = [RegionTierCount(region_id=root.id, code=root.code, name=root.name, level=root.level, counts=direct,
                           total=sum(direct.values()), direct=True)] if children and root.id and any(direct.values()) else []
    return [RegionTierCount(region_id=c["id"], code=c["code"], name=c["name"], level=c["level"],
                            counts=child_counts[c["id"]], total=sum(child_counts[c["id"]].values()))
            for c in children] + own


async def board(principal: Principal, region_id: int | None, now: datetime | None = None) -> Board:
    now = now or datetime.now(timezone.utc)
    root, prefixes, children = await board_root(principal, region_id)
    counts, overdue, child_counts, direct, rated_at = await region_counts(principal, prefixes, children)
    where, args = prefix_sql(prefixes, "sr")
    scope_sql, scope_args = principal.scope.sql("sr")
    # Red first, then orange, each by its score now, the top ones only; then their names and factors.
    rules = current_rules()
    live = S.live_score_sql(dialect(), rules, None)
    cap = float(R.lateness_rules(rules)["max_points"])
    in_region = f"sr.tier = {{}} AND {where} AND {scope_sql}"
    # A score now is its base score plus 0 to `cap` lateness points. The n best base scores of a tier (along (tier,
    # base_score)) are each worth at least the n-th best of them now, so every site of the top n now has a base score
    # no lower than that minus the cap: only those are scored (a few hundred of 45,000 red sites of a country), not
    # the whole tier. Red first, then orange for the places red leaves: both in one statement.
    top = (f"SELECT * FROM (SELECT sr.*, {live} AS score FROM {_SR} sr WHERE {in_region} AND sr.base_score >= "
           f"(SELECT MIN(t.base_score) FROM (SELECT sr.base_score FROM {_SR} sr WHERE {in_region} "
           f"ORDER BY sr.base_score DESC LIMIT {{}}) t) - {cap!r} ORDER BY score DESC, sr.id LIMIT {{}}) x")
    tiers, wanted = [], BOARD_SITES
    for tier in ("red", "orange"):
        if wanted > 0 and counts[tier]:
            tiers.append((tier, wanted))
            wanted -= counts[tier]
    sites: list[dict] = []
    if tiers:
        parts = " UNION ALL ".join(top for _ in tiers)
        sites = (await db.fetch(
            f"SELECT sr.id, s.code, s.name, s.kind, r.name AS region_name, sr.tier, sr.base_score, {_FACTORS}, "
            "sr.inspection_due_at, sr.open_findings, "
            "sr.overdue_l0 + sr.overdue_l1 + sr.overdue_l2 + sr.overdue_l3 AS overdue "
            f"FROM ({parts}) sr JOIN site s ON s.id = sr.id JOIN region r ON r.id = s.region "
            "ORDER BY CASE sr.tier WHEN 'red' THEN 0 ELSE 1 END, sr.score DESC, sr.id",
            *[a for t, n in tiers for a in (now, t, *args, *scope_args, t, *args, *scope_args, n, n)]))
    red_orange_total = counts["red"] + counts["orange"]
    return Board(
        region=root, counts=counts, total=sum(counts.values()),
        children=child_rows(root, children, child_counts, direct),
        red_orange=[BoardSite(site_id=s["id"], code=s["code"], name=s["name"], kind=s["kind"],
                              region_name=s["region_name"], tier=s["tier"], score=live_score(s, now, rules),
                              reasons=_reasons(factors, s["inspection_due_at"], now, rules),
                              open_findings=s["open_findings"], overdue=int(s["overdue"] or 0),
                              **own_risk(factors, s["kind"], s["base_score"], s["inspection_due_at"], now, rules))
                    for s in sites for factors in (_load(s["factors"]),)],  # decoded once for both
        red_orange_total=red_orange_total, overdue_by_level=overdue,
        trend=await _trend(root, children, now, principal.scope.site_kinds,
                           rated_at if not principal.scope.site_ids else None),
        rated_at=rated_at,
    )


# The trend's days per tier, by (engine, regions, kinds, Beijing day, the roll-up's last rating): snapshots are written
# only by a full rating, which stamps the roll-up with its time in the same transaction, so a later rating is a new
# key. This process forgets them when it writes or purges snapshots; another process's writes are new keys, and
# TREND_TTL bounds what a rating at an earlier `now` (a rerun in the past) could leave. Reading and walking a row per
# day and tier was half of a board request.
TREND_TTL = 300.0
_TREND_CACHE_SIZE = 1024
_trend_cache: dict[tuple, tuple[float, dict[date, dict[str, int]], dict[date, date]]] = {}


def forget_trends() -> None:
    _trend_cache.clear()


async def _trend(root: BoardRegion, children: list[dict], now: datetime,
                 kinds: tuple[str, ...] = (), rated_at: datetime | None = None) -> list[TrendPoint]:
    """Sites per tier at the end of each of the last 12 weeks (Monday to Sunday, Beijing time); of those `kinds`
    only when given (a scope's own constants, never input). `rated_at`: the roll-up's latest rating of these
    regions, when the caller read it (remembered under it; not remembered without it)."""
    today = local_day(now)
    this_week = today - timedelta(days=today.weekday())
    weeks = [this_week - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
    region_ids = [root.id] if root.id is not None else [c["id"] for c in children]
    key = (db.current_engine(), tuple(region_ids), kinds, today, rated_at) if rated_at is not None else None
    cached = _trend_cache.get(key) if key else None
    if cached is not None and time.monotonic() - cached[0] < TREND_TTL:
        by_day, last = cached[1], cached[2]
    else:
        by_day, last = await _trend_days(region_ids, kinds, weeks[0], today)
        if key:
            if len(_trend_cache) >= _TREND_CACHE_SIZE:
                _trend_cache.clear()
            _trend_cache[key] = (time.monotonic(), by_day, last)
    return [TrendPoint(week_start=start, day=last.get(start),
                       counts=dict(by_day[last[start]]) if start in last else {t: 0 for t in R.TIERS})
            for start in weeks]


async def _trend_days(region_ids: list[int], kinds: tuple[str, ...], first: date,
                      today: date) -> tuple[dict[date, dict[str, int]], dict[date, date]]:
    """Each snapshot day's sites per tier from `first` to `today`, and each week's (by its Monday) last such day."""
    # Each tier's sites per day summed in SQL (one row per day and tier, not per region and kind), then each week's
    # last day picked in one pass: the rows of every kind and a scan of all the days per week cost a fifth of a board.
    by_day: dict[date, dict[str, int]] = {}
    last: dict[date, date] = {}  # week start (Monday) -> its last day with a snapshot
    if region_ids:
        ids = ", ".join(str(int(i)) for i in region_ids)
        of_kinds = " AND kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")" if kinds else ""
        rows = await db.fetch(f"SELECT day, tier, SUM(sites) AS sites FROM risk_snapshot WHERE region IN ({ids})"
                              f"{of_kinds} AND day >= {{}} AND day <= {{}} GROUP BY day, tier", first, today)
        for row in rows:
            day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
            counts = by_day.get(day)
            if counts is None:
                counts = by_day[day] = {t: 0 for t in R.TIERS}
                start = day - timedelta(days=day.weekday())
                if start not in last or day > last[start]:
                    last[start] = day
            counts[row["tier"]] += int(row["sites"])
    return by_day, last


CSV_PAGE = 2000
CSV_COLUMNS = ["site_code", "site_name", "kind", "region", "tier", "score", "open_findings", "overdue_level0",
               "overdue_level1", "overdue_level2", "overdue_level3", "reasons", "rated_at"]


async def board_csv(principal: Principal, region_id: int | None) -> AsyncIterator[bytes]:
    """Every rated site of the board's region, worst first, as CSV (streamed in pages; UTF-8 with BOM for Excel)."""
    root, prefixes, _ = await board_root(principal, region_id)
    where, args = prefix_sql(prefixes, "sr")
    scope_sql, scope_args = principal.scope.sql("sr")
    now = datetime.now(timezone.utc)

    async def rows() -> AsyncIterator[bytes]:
        yield csvout.rows([], header=CSV_COLUMNS)
        rules = current_rules()
        live = S.live_score_sql(dialect(), rules, now)
        # Worst first: tier by tier, each tier's sites ordered by their score now in one narrow query (ids only),
        # then their rows fetched page by page in that order.
        for tier in reversed(R.TIERS):
            order = [r["id"] for r in await db.fetch(
                f"SELECT sr.id, {live} AS score FROM {_SR} sr WHERE sr.tier = {{}} AND {where} AND {scope_sql} "
                "ORDER BY score DESC, sr.id", tier, *args, *scope_args)]
            for start in range(0, len(order), CSV_PAGE):
                ids = order[start:start + CSV_PAGE]
                marks = ", ".join("{}" for _ in ids)
                found = {p["id"]: p for p in await db.fetch(
                    "SELECT sr.id, s.code, s.name, s.kind, r.name AS region_name, sr.tier, sr.base_score, "
                    f"sr.open_findings, sr.overdue_l0, sr.overdue_l1, sr.overdue_l2, sr.overdue_l3, {_FACTORS}, "
                    f"sr.inspection_due_at, sr.rated_at FROM {_SR} sr JOIN site s ON s.id = sr.id "
                    f"JOIN region r ON r.id = s.region WHERE sr.id IN ({marks})", *ids)}
                lines = []
                for p in (found[i] for i in ids if i in found):  # a rating removed meanwhile drops out
                    reasons = "; ".join(f"{f.factor}={f.value} (+{f.contribution:g})" if f.factor != "override"
                                        else f"override={f.value}"
                                        for f in _reasons(p["factors"], p["inspection_due_at"], now, rules))
                    lines.append([p["code"], p["name"], p["kind"], p["region_name"], p["tier"],
                                     live_score(p, now, rules), p["open_findings"], p["overdue_l0"],
                                     p["overdue_l1"], p["overdue_l2"], p["overdue_l3"], reasons,
                                  _aware(p["rated_at"]).isoformat()])
                yield csvout.rows(lines)

    return rows()
