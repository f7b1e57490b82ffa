"""The set-based rating: one statement computes every site's factors, tier and score (the same formula as
rules.score, held equal by tests) and keeps, in a temporary table, the ratings that changed; two more write their
history rows (with the factors) and the current ratings (without)."""

from __future__ import annotations

from datetime import datetime

from ..inspections.rules import counted_sql
from ..jobs.sqlkit import Dialect


def _num(x) -> str:
    # A double, not PostgreSQL's default numeric for a decimal literal (numeric arithmetic is several times slower).
    return f"CAST({float(x)!r} AS DOUBLE PRECISION)"


class Sql:
    """Collects SQL text with `{}` placeholders and its arguments in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list = []

    def add(self, text: str, *args) -> "Sql":
        self.parts.append(text)
        self.args.extend(args)
        return self

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _tier_for(expr: str, rules: dict) -> str:
    t = rules["thresholds"]
    return (f"(CASE WHEN {expr} >= {_num(t['red'])} THEN 3 WHEN {expr} >= {_num(t['orange'])} THEN 2 "
            f"WHEN {expr} >= {_num(t['yellow'])} THEN 1 ELSE 0 END)")


def _late_points(d: Dialect, rules: dict, days_late: str) -> str:
    """rules.late_points in SQL: `days_late` (an expression, 0 or more) times the points per day, up to the cap."""
    lat = rules["lateness"]
    return d.least(f"{days_late} * {_num(lat['points_per_day'])}", _num(lat["max_points"]))


def rated_sites_sql(d: Dialect, rules: dict, alias: str) -> str:
    """SQL condition: the sites the rules rate (active, of a rated kind); `alias` a site table alias."""
    kinds = ", ".join(f"'{k}'" for k in rules["rated_kinds"] if k.isidentifier())
    return f"{alias}.is_active = {d.true} AND {alias}.kind IN ({kinds})"


def _round2(d: Dialect, expr: str) -> str:
    # On PostgreSQL in double precision (rint: halves to even, like Python's round); through numeric it cost a
    # second per 250,000 sites.
    return f"ROUND({expr}, 2)" if d.sqlite else f"(ROUND(({expr}) * 100.0) / 100.0)"


def calc_ctes(d: Dialect, rules: dict, now: datetime, site_filter: str | None) -> Sql:
    """The CTEs (`f`, `i`, `ea`, `es`, `e0`, `e`, `m`, `calc`) that compute every rated site's factors, tier and score
    at `now`, or those of the sites `site_filter` yields (trusted SQL yielding site ids). `calc` has a row per site.

    Values are inlined as literals (PostgreSQL takes no parameters in CREATE TABLE AS), all of them from the validated
    rules file or from the job's own clock. One stage is materialised: the sums per site with the score before
    lateness (`e`); inlined, the expressions referring to it would recompute the whole chain for each reference.
    (Materialising the frequency its tier sets as well was slower: copying 250,000 rows costs more than the few
    comparisons it saves.)"""
    from .rules import TIER_RANK

    fr = rules["findings"]
    w = fr["weights"]
    ec = rules["attributes"]["eldercare"]
    o = rules["overrides"]
    freq = rules["frequency_days"]
    q = Sql()

    now_sql = d.ts_literal(now)

    def filt(column: str) -> None:
        if site_filter:
            q.add(f" AND {column} IN ({site_filter})")

    # Open findings per site (FILTER: cheaper than a CASE per aggregate, on both engines).
    late = "x.late = 1"
    q.add(
        "f AS (SELECT x.site AS site_id, "
        "COUNT(*) FILTER (WHERE x.grade <> 'major') AS n_general, "
        "COUNT(*) FILTER (WHERE x.grade = 'major') AS n_major, "
        "SUM(x.pts) FILTER (WHERE x.grade <> 'major') AS c_general, "
        "SUM(x.pts) FILTER (WHERE x.grade = 'major') AS c_major, "
        f"COUNT(*) FILTER (WHERE {late}) AS n_overdue, "
        f"SUM(x.pts) FILTER (WHERE {late}) AS overdue_pts, "
        "SUM(x.escalation_level) AS level_sum, "
        "MAX(x.escalation_level) FILTER (WHERE x.grade = 'major') AS major_max_level, "
        f"COUNT(*) FILTER (WHERE {late} AND x.escalation_level <= 0) AS overdue_l0, "
        f"COUNT(*) FILTER (WHERE {late} AND x.escalation_level = 1) AS overdue_l1, "
        f"COUNT(*) FILTER (WHERE {late} AND x.escalation_level = 2) AS overdue_l2, "
        f"COUNT(*) FILTER (WHERE {late} AND x.escalation_level >= 3) AS overdue_l3 "
        "FROM (SELECT site, grade, escalation_level, "
        f"CASE WHEN deadline < {now_sql} THEN 1 ELSE 0 END AS late, "
        f"(CASE WHEN grade = 'major' THEN {_num(w['major'])} ELSE {_num(w['general'])} END) * risk_weight "
        f"* (CASE WHEN self_reported THEN {_num(fr['self_reported_factor'])} ELSE 1.0 END) AS pts "
        f"FROM finding WHERE status <> 'closed' AND created_at <= {now_sql}",
    )
    filt("site")
    q.add(") x GROUP BY x.site), ")
    # The last N inspections per site (self-inspections excluded). Materialised: for a few hundred sites (the
    # escalation job's) the planner would otherwise nest it and aggregate it again for each site.
    q.add(
        "i AS MATERIALIZED (SELECT site_id, SUM(checks_answered) AS answered, "
        "SUM(checks_noncompliant) AS noncompliant, MAX(submitted_at) AS last_at FROM (SELECT site AS site_id, checks_answered, checks_noncompliant, "
        "submitted_at, ROW_NUMBER() OVER (PARTITION BY site ORDER BY submitted_at DESC) AS rn FROM inspection "
        f"WHERE {counted_sql(d)} AND submitted_at <= {now_sql}",
    )
    filt("site")
    q.add(f") y WHERE rn <= {int(rules['inspections']['recent'])} GROUP BY site_id), ")
    # The share of residents needing full care, from an eldercare institution's attributes: each one's JSON parsed
    # once (on PostgreSQL, parsing the json text for each of the four reads cost 0.3 s at national scale).
    residents = d.json_number("ea.a", "residents")
    full = d.json_number("ea.a", "full_care_residents")
    q.add(f"ea AS MATERIALIZED (SELECT id, {d.json_parsed('attributes')} AS a FROM site "
          f"WHERE kind = 'eldercare' AND is_active = {d.true}")
    filt("id")
    q.add(f"), es AS (SELECT ea.id, CASE WHEN {residents} > 0 AND {full} IS NOT NULL "
          f"THEN {d.least(f'{full} / {residents}', '1.0')} ELSE 0.0 END AS share FROM ea), ")
    bed_points = _num(ec["beds_points_per_bed"])
    c_beds = d.least(f"COALESCE(s.approved_beds, 0) * {bed_points}", _num(ec["beds_max_points"]))
    share = "COALESCE(es.share, 0.0)"
    ratio = f"CASE WHEN i.answered > 0 THEN i.noncompliant * {_num(1)} / i.answered ELSE {_num(0)} END"
    c_overdue = f"COALESCE(f.overdue_pts, 0) * {_num(fr['overdue_multiplier'] - 1)}"
    c_escalation = f"COALESCE(f.level_sum, 0) * {_num(fr['escalation_level_points'])}"
    n_major = "COALESCE(f.n_major, 0)"
    major_level = "COALESCE(f.major_max_level, 0)"
    floor = (f"(CASE WHEN {n_major} > 0 AND {major_level} >= {int(o['red_when_major_at_level'])} THEN 3 "
             f"WHEN {n_major} >= {int(o['red_when_open_major_at_least'])} THEN 3 "
             f"WHEN {n_major} > 0 THEN {TIER_RANK[o['open_major_min_tier']]} ELSE 0 END)")
    override = (f"(CASE WHEN {n_major} > 0 AND {major_level} >= {int(o['red_when_major_at_level'])} "
                f"THEN 'major_at_level' WHEN {n_major} >= {int(o['red_when_open_major_at_least'])} "
                f"THEN 'open_major_count' WHEN {n_major} > 0 THEN 'open_major' ELSE NULL END)")
    # The per-site sums, each contribution once; the score before lateness from them.
    q.add(
        "e0 AS (SELECT s.id AS site_id, s.region_path, s.kind, "
        f"COALESCE(f.n_general, 0) AS n_general, {n_major} AS n_major, COALESCE(f.n_overdue, 0) AS n_overdue, "
        "COALESCE(f.level_sum, 0) AS level_sum, COALESCE(f.overdue_l0, 0) AS overdue_l0, "
        "COALESCE(f.overdue_l1, 0) AS overdue_l1, COALESCE(f.overdue_l2, 0) AS overdue_l2, "
        "COALESCE(f.overdue_l3, 0) AS overdue_l3, COALESCE(f.c_general, 0) AS c_general, "
        f"COALESCE(f.c_major, 0) AS c_major, {c_overdue} AS c_overdue, {c_escalation} AS c_escalation, "
        f"({ratio}) * {_num(rules['inspections']['noncompliance_points'])} AS c_nc, ({ratio}) AS ratio, "
        f"CASE WHEN s.kind = 'eldercare' THEN {c_beds} ELSE 0.0 END AS c_beds, "
        "CASE WHEN s.kind = 'eldercare' THEN COALESCE(s.approved_beds, 0) ELSE 0 END AS beds, "
        f"({share}) AS share, "
        f"{d.days_between(now_sql, 'COALESCE(i.last_at, s.created_at)')} AS days_since, "
        f"COALESCE(i.last_at, s.created_at) AS due_from, {floor} AS floor_rank, {override} AS override "
        "FROM site s LEFT JOIN f ON f.site_id = s.id LEFT JOIN i ON i.site_id = s.id LEFT JOIN es ON es.id = s.id "
        f"WHERE {rated_sites_sql(d, rules, 's')}",
    )
    filt("s.id")
    q.add(
        "), e AS MATERIALIZED (SELECT e0.*, share * " + _num(ec["full_care_share_points"]) + " AS c_full, "
        "c_general + c_major + c_overdue + c_escalation + c_nc + c_beds + share * "
        + _num(ec["full_care_share_points"]) + " AS base_score FROM e0), "
    )
    base_tier = d.greatest(_tier_for("base_score", rules), "floor_rank")
    freq_case = (f"(CASE {base_tier} WHEN 3 THEN {int(freq['red'])} WHEN 2 THEN {int(freq['orange'])} "
                 f"WHEN 1 THEN {int(freq['yellow'])} ELSE {int(freq['blue'])} END)")
    freq_kind = (f"(CASE WHEN kind = 'eldercare' THEN {d.least(freq_case, str(int(rules['eldercare_max_days'])))} "
                 f"ELSE {freq_case} END)")
    q.add(f"m AS (SELECT e.*, {freq_kind} AS freq FROM e), ")
    # The due date in whole seconds, as SQLite's date arithmetic gives it and rules.score keeps it, so a rating
    # stored by either engine or by a single site's re-rating compares equal when nothing changed.
    due_at = d.add_days_expr("due_from", "freq")
    due_at = due_at if d.sqlite else f"date_trunc('second', {due_at})"
    days_late = d.greatest("days_since - freq", "0.0")
    c_late = _late_points(d, rules, days_late)
    # The factors' values are columns, rounded as shown, so they can be compared with the stored ones; the factors
    # themselves are built only for the ratings that changed (changed_statement).
    q.add(
        f"calc AS (SELECT m.*, {c_late} AS c_late, {_round2(d, days_late)} AS days_late_shown, "
        f"{_round2(d, f'base_score + {c_late}')} AS score, {_round2(d, 'base_score')} AS base_score_shown, "
        f"{d.greatest(_tier_for(f'(base_score + {c_late})', rules), 'floor_rank')} AS tier_rank, "
        f"{_round2(d, 'ratio * 100')} AS noncompliance_pct, {_round2(d, 'share * 100')} AS full_care_pct, "
        f"{due_at} AS inspection_due_at FROM m)"
    )
    return q


def factors_json(d: Dialect, t: str) -> str:
    """The factors of a calc row `t`, in the order and shape of rules.score."""
    def factor(name: str, value: str, contribution: str) -> str:
        return d.json_object("'factor'", f"'{name}'", "'value'", value, "'contribution'", _round2(d, contribution))

    return d.json_array(
        factor("open_general", f"{t}.n_general", f"{t}.c_general"),
        factor("open_major", f"{t}.n_major", f"{t}.c_major"),
        factor("overdue", f"{t}.n_overdue", f"{t}.c_overdue"),
        factor("escalation", f"{t}.level_sum", f"{t}.c_escalation"),
        factor("noncompliance", f"{t}.noncompliance_pct", f"{t}.c_nc"),
        factor("inspection_overdue", f"{t}.days_late_shown", f"{t}.c_late"),
        factor("beds", f"{t}.beds", f"{t}.c_beds"),
        factor("full_care_share", f"{t}.full_care_pct", f"{t}.c_full"),
        d.json_object("'factor'", "'override'", "'value'", f"{t}.override", "'contribution'", "0.0"),
    )


TIER_NAME = "(CASE c.tier_rank WHEN 3 THEN 'red' WHEN 2 THEN 'orange' WHEN 1 THEN 'yellow' ELSE 'blue' END)"
# The values site_risk keeps beside the tier (see tables.SiteRisk), and calc's column for each. No score: it moves
# with the passage of time (the lateness points), which changes no stored rating; base_score is the rest of it.
VALUE_COLUMNS = {"region_path": "c.region_path", "base_score": "c.base_score_shown",
                 "open_findings": "c.n_general + c.n_major", "open_major": "c.n_major", "overdue_l0": "c.overdue_l0",
                 "overdue_l1": "c.overdue_l1", "overdue_l2": "c.overdue_l2", "overdue_l3": "c.overdue_l3",
                 "level_sum": "c.level_sum", "noncompliance_pct": "c.noncompliance_pct", "beds": "c.beds",
                 "full_care_pct": "c.full_care_pct"}
NULLABLE_COLUMNS = ("override", "inspection_due_at")


def changed_statement(d: Dialect, rules: dict, now: datetime, site_filter: str | None) -> Sql:
    """CREATE TEMP TABLE risk_changed: the sites (all rated ones, or those of `site_filter`) whose stored rating is
    missing or differs in anything it keeps, rated at `now`, with their factors and the stored values they replace
    (old_*, NULL for a site not rated before).

    Only these are written, so a night on which little changed writes little, unchanged ratings keep their rated_at
    (when that rating was set), and the factors are built for these rows only. One statement: the calculation is
    joined to the stored ratings as it comes, never written out whole. (Values inlined: PostgreSQL takes no
    parameters in CREATE TABLE AS; the version is an integer from the validated rules file.)"""
    version = int(rules["version"])
    differs = " OR ".join(f"sr.{col} <> {expr}" for col, expr in VALUE_COLUMNS.items())
    distinct = "IS NOT" if d.sqlite else "IS DISTINCT FROM"
    # The nullable ones: NULL <> x is not true.
    override = " OR ".join(f"sr.{col} {distinct} c.{col}" for col in NULLABLE_COLUMNS)
    q = Sql().add("CREATE TEMP TABLE risk_changed " + ("" if d.sqlite else "ON COMMIT DROP ") + "AS WITH ")
    ctes = calc_ctes(d, rules, now, site_filter)
    q.add(ctes.text, *ctes.args)
    return q.add(
        f" SELECT c.site_id, {TIER_NAME} AS tier, c.score, {factors_json(d, 'c')} AS factors, "
        + ", ".join(f"{expr} AS {col}" for col, expr in VALUE_COLUMNS.items()) + ", "
        + ", ".join(f"c.{col}" for col in NULLABLE_COLUMNS) + ", "
        "sr.tier AS old_tier, sr.region_path AS old_path, "
        "sr.overdue_l0 AS old_l0, sr.overdue_l1 AS old_l1, sr.overdue_l2 AS old_l2, sr.overdue_l3 AS old_l3 "
        "FROM calc c LEFT JOIN site_risk sr ON sr.site = c.site_id "
        f"WHERE sr.site IS NULL OR sr.tier <> {TIER_NAME} OR sr.rules_version <> {version} "
        f"OR {differs} OR {override}"
    )


def history_statement(d: Dialect, version: int, now: datetime, trigger: str) -> Sql:
    """A history row for each rating that changed: it holds the factors of the current rating (site_risk's row has
    the same site and rated_at)."""
    return Sql().add(
        "INSERT INTO risk_rating (site, rated_at, tier, score, factors, rules_version, \"trigger\") "
        f"SELECT x.site_id, {d.ts_param()}, x.tier, x.score, x.factors, {d.param('integer')}, {d.param('text')} "
        "FROM risk_changed x",
        now, version, trigger,
    )


def upsert_statement(d: Dialect, version: int, now: datetime) -> Sql:
    cols = ("tier", *NULLABLE_COLUMNS, *VALUE_COLUMNS)
    return Sql().add(
        f"INSERT INTO site_risk (site, rules_version, rated_at, {', '.join(cols)}) "
        f"SELECT x.site_id, {d.param('integer')}, {d.ts_param()}, " + ", ".join(f"x.{c}" for c in cols)
        + " FROM risk_changed x WHERE 1 = 1 ON CONFLICT (site) DO UPDATE SET rules_version = excluded.rules_version, "
        "rated_at = excluded.rated_at, " + ", ".join(f"{c} = excluded.{c}" for c in cols),
        version, now,
    )


ROLLUP_COLUMNS = "region_path, tier, sites, overdue_l0, overdue_l1, overdue_l2, overdue_l3, rated_at"


def rollup_add(d: Dialect) -> str:
    """The ON CONFLICT clause that adds a difference to a roll-up row (differences commute: concurrent partial
    ratings never lose each other's counts)."""
    later = d.greatest("COALESCE(risk_rollup.rated_at, excluded.rated_at)", "excluded.rated_at")
    return ("ON CONFLICT (region_path, tier) DO UPDATE SET sites = risk_rollup.sites + excluded.sites, "
            + ", ".join(f"overdue_l{i} = risk_rollup.overdue_l{i} + excluded.overdue_l{i}" for i in range(4))
            + f", rated_at = {later}")


def rollup_delta_statement(d: Dialect, now: datetime) -> Sql:
    """Before the upsert: take each changed site's old rating out of the roll-up and put its new one in."""
    new = ("SELECT x.region_path AS region_path, x.tier AS tier, 1 AS n, x.overdue_l0 AS l0, x.overdue_l1 AS l1, "
           "x.overdue_l2 AS l2, x.overdue_l3 AS l3 FROM risk_changed x")
    old = ("SELECT x.old_path, x.old_tier, -1, -x.old_l0, -x.old_l1, -x.old_l2, -x.old_l3 FROM risk_changed x "
           "WHERE x.old_tier IS NOT NULL")
    return Sql().add(
        f"INSERT INTO risk_rollup ({ROLLUP_COLUMNS}) SELECT y.region_path, y.tier, SUM(y.n), SUM(y.l0), "
        f"SUM(y.l1), SUM(y.l2), SUM(y.l3), {d.ts_param()} FROM ({new} UNION ALL {old}) y WHERE 1 = 1 "
        "GROUP BY y.region_path, y.tier " + rollup_add(d),
        now,
    )


def rollup_rebuild_statement(d: Dialect, now: datetime) -> Sql:
    """The roll-up recounted from every site's rating (after a full run dropped sites from the ratings)."""
    return Sql().add(
        f"INSERT INTO risk_rollup ({ROLLUP_COLUMNS}) SELECT region_path, tier, COUNT(*), SUM(overdue_l0), "
        f"SUM(overdue_l1), SUM(overdue_l2), SUM(overdue_l3), {d.ts_param()} FROM site_risk GROUP BY region_path, tier",
        now,
    )


def live_score_sql(d: Dialect, rules: dict, now: datetime | None, alias: str = "sr") -> str:
    """A stored rating's score at `now` (rules.live_score in SQL): its base score plus the lateness points counted
    from its due date. The clock is inlined as a literal (it is the caller's own), or with `now=None` is one `{}`
    parameter for the caller to bind: a request's statement then has the same text every time, and PostgreSQL
    plans it once per connection instead of on every request (the board's planning took longer than running it)."""
    clock = d.ts_param() if now is None else d.ts_literal(now)
    days = d.greatest(d.days_between(clock, f"{alias}.inspection_due_at"), "0.0")
    return f"({alias}.base_score + COALESCE({_late_points(d, rules, days)}, 0.0))"
