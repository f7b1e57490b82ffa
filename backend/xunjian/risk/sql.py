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


def _kinds(rules: dict) -> list[str]:
    return [k for k in rules["rated_kinds"] if k.isidentifier()]


def by_kind(rules: dict, value, kind: str = "kind", literal=_num) -> str:
    """A setting per site kind (`value(kind_rules)`) as SQL: one literal when every rated kind has the same,
    else a CASE on the `kind` column."""
    from .rules import kind_rules

    values = {k: value(kind_rules(rules, k)) for k in _kinds(rules)}
    distinct = set(values.values())
    if len(distinct) == 1:
        return literal(distinct.pop())
    whens = " ".join(f"WHEN '{k}' THEN {literal(v)}" for k, v in values.items())
    return f"(CASE {kind} {whens} END)"


def _int(x) -> str:
    return str(int(x))


def _tier_for(expr: str, rules: dict, kind: str = "kind") -> str:
    def cut(tier: str) -> str:
        return by_kind(rules, lambda k: k["thresholds"][tier], kind)

    return (f"(CASE WHEN {expr} >= {cut('red')} THEN 3 WHEN {expr} >= {cut('orange')} THEN 2 "
            f"WHEN {expr} >= {cut('yellow')} THEN 1 ELSE 0 END)")


def _late_points(d: Dialect, rules: dict, days_late: str) -> str:
    """rules.late_points in SQL: `days_late` (an expression, 0 or more) times the points per day, up to the cap."""
    from .rules import lateness_rules

    lat = lateness_rules(rules)
    return d.least(f"{days_late} * {_num(lat['points_per_day'])}", _num(lat["max_points"]))


def rated_sites_sql(d: Dialect, rules: dict, alias: str) -> str:
    """SQL condition: the sites the rules rate (active, of a rated kind); `alias` a site table alias."""
    kinds = ", ".join(f"'{k}'" for k in _kinds(rules))
    return f"{alias}.is_active = {d.true} AND {alias}.kind IN ({kinds})"


def _round2(d: Dialect, expr: str) -> str:
    # On PostgreSQL in double precision (rint: halves to even, like Python's round); through numeric it cost a
    # second per 250,000 sites.
    return f"ROUND({expr}, 2)" if d.sqlite else f"(ROUND(({expr}) * 100.0) / 100.0)"


def inherent_columns(rules: dict) -> list[tuple[str, str, dict, str]]:
    """Every rated kind's inherent factors as (kind, factor, spec, column stem): calc has `<stem>_v` (the value shown)
    and `<stem>_p` (its points) for each, NULL and 0 on sites of other kinds."""
    from .rules import kind_rules

    out = []
    for kind in _kinds(rules):
        for name, spec in kind_rules(rules, kind)["inherent"].items():
            out.append((kind, name, spec, f"ih{len(out)}"))
    return out


def _inherent_sql(d: Dialect, spec: dict, parsed: str) -> tuple[str, str]:
    """rules.inherent_factor in SQL over a json_parsed attributes value: (value shown, points)."""
    from .rules import steps

    key = spec["attribute"]
    if not key.isidentifier():
        raise ValueError(f"attribute name {key!r}")
    missing = _num(spec.get("missing", 0))
    if "points" in spec:
        value = d.json_choice(parsed, key)
        whens = " ".join(f"WHEN {_text(k)} THEN {_num(p)}" for k, p in spec["points"].items())
        return value, f"(CASE WHEN {value} IS NULL THEN {missing} ELSE (CASE {value} {whens} ELSE 0.0 END) END)"
    value = d.json_number(parsed, key)
    if "steps" in spec:
        whens = " ".join(f"WHEN {value} >= {_num(at)} THEN {_num(p)}" for at, p in steps(spec))
        points = f"(CASE {whens} ELSE 0.0 END)"
    else:
        points = d.least(f"{d.greatest(value, '0.0')} * {_num(spec['per_unit'])}", _num(spec["max"]))
    return _round2(d, value), f"(CASE WHEN {value} IS NULL THEN {missing} ELSE {points} END)"


def _text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def calc_ctes(d: Dialect, rules: dict, now: datetime, site_filter: str | None) -> Sql:
    """The CTEs (`f`, `i`, `ea`, `es`, `e0`, `e`, `m`, `calc`) that compute every rated site's factors, tier and score
    at `now`, or those of the sites `site_filter` yields (trusted SQL yielding site ids). `calc` has a row per site.

    Values are inlined as literals (PostgreSQL takes no parameters in CREATE TABLE AS), all of them from the validated
    rules file or from the job's own clock; a setting that differs by site kind is a CASE on the kind (by_kind). One
    stage is materialised: the sums per site with the score before lateness (`e`); inlined, the expressions referring
    to it would recompute the whole chain for each reference. (Materialising the frequency its tier sets as well was
    slower: copying 250,000 rows costs more than the few comparisons it saves.)"""
    from .rules import TIER_RANK, kind_rules, recent_inspections

    first = kind_rules(rules, _kinds(rules)[0])
    self_factor = first["findings"]["self_reported_factor"]
    q = Sql()

    now_sql = d.ts_literal(now)

    def filt(column: str) -> None:
        if site_filter:
            q.add(f" AND {column} IN ({site_filter})")

    # Open findings per site (FILTER: cheaper than a CASE per aggregate, on both engines). The points before the
    # weight of their grade, which is the site kind's (applied per site in e0, not per finding).
    late = "x.late = 1"
    q.add(
        "f AS (SELECT x.site AS site_id, "
        "COUNT(*) FILTER (WHERE x.grade <> 'major') AS n_general, "
        "COUNT(*) FILTER (WHERE x.grade = 'major') AS n_major, "
        "SUM(x.pts) FILTER (WHERE x.grade <> 'major') AS raw_general, "
        "SUM(x.pts) FILTER (WHERE x.grade = 'major') AS raw_major, "
        f"COUNT(*) FILTER (WHERE {late}) AS n_overdue, "
        f"SUM(x.pts) FILTER (WHERE {late} AND x.grade <> 'major') AS raw_overdue_general, "
        f"SUM(x.pts) FILTER (WHERE {late} AND x.grade = 'major') AS raw_overdue_major, "
        "SUM(x.escalation_level) AS level_sum, "
        "MAX(x.escalation_level) FILTER (WHERE x.grade = 'major') AS major_max_level, "
        f"COUNT(*) FILTER (WHERE {late} AND x.escalation_level <= 0) AS overdue_l0, "
        f"COUNT(*) FILTER (WHERE {late} AND x.escalation_level = 1) AS overdue_l1, "
        f"COUNT(*) FILTER (WHERE {late} AND x.escalation_level = 2) AS overdue_l2, "
        f"COUNT(*) FILTER (WHERE {late} AND x.escalation_level >= 3) AS overdue_l3 "
        "FROM (SELECT site, grade, escalation_level, "
        f"CASE WHEN deadline < {now_sql} THEN 1 ELSE 0 END AS late, "
        f"risk_weight * (CASE WHEN self_reported THEN {_num(self_factor)} ELSE 1.0 END) AS pts "
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
    q.add(f") y WHERE rn <= {recent_inspections(rules)} GROUP BY site_id), ")
    # The attributes of the kinds that read them (eldercare's full-care share, every kind's inherent factors): each
    # site's JSON parsed once (on PostgreSQL, parsing the json text for each read cost 0.3 s at national scale).
    inherent = inherent_columns(rules)
    parsed_kinds = sorted({"eldercare"} | {k for k, *_ in inherent})
    residents = d.json_number("ea.a", "residents")
    full = d.json_number("ea.a", "full_care_residents")
    q.add(f"ea AS MATERIALIZED (SELECT id, kind, {d.json_parsed('attributes')} AS a FROM site "
          f"WHERE kind IN ({', '.join(_text(k) for k in parsed_kinds)}) AND is_active = {d.true}")
    filt("id")
    ih_cols = ""
    for kind, _name, spec, stem in inherent:
        value, points = _inherent_sql(d, spec, "ea.a")
        ih_cols += (f", CASE WHEN ea.kind = {_text(kind)} THEN {value} END AS {stem}_v, "
                    f"CASE WHEN ea.kind = {_text(kind)} THEN {points} ELSE 0.0 END AS {stem}_p")
    q.add(f"), es AS (SELECT ea.id, CASE WHEN ea.kind = 'eldercare' AND {residents} > 0 AND {full} IS NOT NULL "
          f"THEN {d.least(f'{full} / {residents}', '1.0')} ELSE 0.0 END AS share{ih_cols} FROM ea), ")
    ec = kind_rules(rules, "eldercare")["capacity"]
    bed_points = _num(ec["beds_points_per_bed"])
    c_beds = d.least(f"COALESCE(s.approved_beds, 0) * {bed_points}", _num(ec["beds_max_points"]))
    share = "COALESCE(es.share, 0.0)"
    ratio = f"CASE WHEN i.answered > 0 THEN i.noncompliant * {_num(1)} / i.answered ELSE {_num(0)} END"

    def w(grade: str) -> str:
        return by_kind(rules, lambda k: k["findings"]["weights"][grade], "s.kind")

    c_overdue = (f"(COALESCE(f.raw_overdue_general, 0) * {w('general')} + COALESCE(f.raw_overdue_major, 0) * "
                 f"{w('major')}) * {by_kind(rules, lambda k: k['findings']['overdue_multiplier'] - 1, 's.kind')}")
    c_escalation = (f"COALESCE(f.level_sum, 0) * "
                    f"{by_kind(rules, lambda k: k['findings']['escalation_level_points'], 's.kind')}")
    n_major = "COALESCE(f.n_major, 0)"
    major_level = "COALESCE(f.major_max_level, 0)"
    at_level = by_kind(rules, lambda k: k["overrides"]["red_when_major_at_level"], "s.kind", _int)
    at_least = by_kind(rules, lambda k: k["overrides"]["red_when_open_major_at_least"], "s.kind", _int)
    min_rank = by_kind(rules, lambda k: TIER_RANK[k["overrides"]["open_major_min_tier"]], "s.kind", _int)
    floor = (f"(CASE WHEN {n_major} > 0 AND {major_level} >= {at_level} THEN 3 "
             f"WHEN {n_major} >= {at_least} THEN 3 "
             f"WHEN {n_major} > 0 THEN {min_rank} ELSE 0 END)")
    override = (f"(CASE WHEN {n_major} > 0 AND {major_level} >= {at_level} "
                f"THEN 'major_at_level' WHEN {n_major} >= {at_least} "
                f"THEN 'open_major_count' WHEN {n_major} > 0 THEN 'open_major' ELSE NULL END)")
    nc_points = by_kind(rules, lambda k: k["inspections"]["noncompliance_points"], "s.kind")
    ih_select = "".join(f", es.{stem}_v AS {stem}_v, COALESCE(es.{stem}_p, 0.0) AS {stem}_p"
                        for *_, stem in inherent)
    # The per-site sums, each contribution once; the score before lateness from them.
    q.add(
        "e0 AS (SELECT s.id AS site_id, s.region_path, s.kind, "
        f"COALESCE(f.n_general, 0) AS n_general, {n_major} AS n_major, COALESCE(f.n_overdue, 0) AS n_overdue, "
        "COALESCE(f.level_sum, 0) AS level_sum, COALESCE(f.overdue_l0, 0) AS overdue_l0, "
        "COALESCE(f.overdue_l1, 0) AS overdue_l1, COALESCE(f.overdue_l2, 0) AS overdue_l2, "
        f"COALESCE(f.overdue_l3, 0) AS overdue_l3, COALESCE(f.raw_general, 0) * {w('general')} AS c_general, "
        f"COALESCE(f.raw_major, 0) * {w('major')} AS c_major, {c_overdue} AS c_overdue, "
        f"{c_escalation} AS c_escalation, ({ratio}) * {nc_points} AS c_nc, ({ratio}) AS ratio, "
        f"CASE WHEN s.kind = 'eldercare' THEN {c_beds} ELSE 0.0 END AS c_beds, "
        "CASE WHEN s.kind = 'eldercare' THEN COALESCE(s.approved_beds, 0) ELSE 0 END AS beds, "
        f"({share}) AS share{ih_select}, "
        f"{d.days_between(now_sql, 'COALESCE(i.last_at, s.created_at)')} AS days_since, "
        f"COALESCE(i.last_at, s.created_at) AS due_from, {floor} AS floor_rank, {override} AS override "
        "FROM site s LEFT JOIN f ON f.site_id = s.id LEFT JOIN i ON i.site_id = s.id LEFT JOIN es ON es.id = s.id "
        f"WHERE {rated_sites_sql(d, rules, 's')}",
    )
    filt("s.id")
    c_full = f"share * {_num(ec['full_care_share_points'])}"
    c_inherent = "".join(f" + {stem}_p" for *_, stem in inherent)
    q.add(
        f"), e AS MATERIALIZED (SELECT e0.*, {c_full} AS c_full, "
        f"c_general + c_major + c_overdue + c_escalation + c_nc + c_beds + {c_full}{c_inherent} AS base_score "
        "FROM e0), "
    )
    base_tier = d.greatest(_tier_for("base_score", rules), "floor_rank")

    def days(tier: str) -> str:
        return by_kind(rules, lambda k: k["frequency_days"][tier], "kind", _int)

    freq_case = (f"(CASE {base_tier} WHEN 3 THEN {days('red')} WHEN 2 THEN {days('orange')} "
                 f"WHEN 1 THEN {days('yellow')} ELSE {days('blue')} END)")
    q.add(f"m AS (SELECT e.*, {freq_case} AS freq FROM e), ")
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


def factors_json(d: Dialect, t: str, rules: dict) -> str:
    """The factors of a calc row `t`, in the order and shape of rules.score: every kind's, then its inherent ones."""
    def factor(name: str, value: str, contribution: str) -> str:
        return d.json_object("'factor'", f"'{name}'", "'value'", value, "'contribution'", _round2(d, contribution))

    common = [
        factor("open_general", f"{t}.n_general", f"{t}.c_general"),
        factor("open_major", f"{t}.n_major", f"{t}.c_major"),
        factor("overdue", f"{t}.n_overdue", f"{t}.c_overdue"),
        factor("escalation", f"{t}.level_sum", f"{t}.c_escalation"),
        factor("noncompliance", f"{t}.noncompliance_pct", f"{t}.c_nc"),
        factor("inspection_overdue", f"{t}.days_late_shown", f"{t}.c_late"),
        factor("beds", f"{t}.beds", f"{t}.c_beds"),
        factor("full_care_share", f"{t}.full_care_pct", f"{t}.c_full"),
        d.json_object("'factor'", "'override'", "'value'", f"{t}.override", "'contribution'", "0.0"),
    ]
    inherent = inherent_columns(rules)
    if not inherent:
        return d.json_array(*common)
    whens = []
    for kind in _kinds(rules):
        own = [factor(name, f"{t}.{stem}_v", f"{t}.{stem}_p") for k, name, _spec, stem in inherent if k == kind]
        if own:
            whens.append(f"WHEN {_text(kind)} THEN {d.json_array(*common, *own)}")
    return f"(CASE {t}.kind {' '.join(whens)} ELSE {d.json_array(*common)} END)"


TIER_NAME = "(CASE c.tier_rank WHEN 3 THEN 'red' WHEN 2 THEN 'orange' WHEN 1 THEN 'yellow' ELSE 'blue' END)"
# The values site_risk keeps beside the tier (see tables.SiteRisk), and calc's column for each. No score: it moves
# with the passage of time (the lateness points), which changes no stored rating; base_score is the rest of it.
VALUE_COLUMNS = {"region_path": "c.region_path", "kind": "c.kind", "base_score": "c.base_score_shown",
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
        f" SELECT c.site_id, {TIER_NAME} AS tier, c.score, {factors_json(d, 'c', rules)} AS factors, "
        + ", ".join(f"{expr} AS {col}" for col, expr in VALUE_COLUMNS.items()) + ", "
        + ", ".join(f"c.{col}" for col in NULLABLE_COLUMNS) + ", "
        "sr.tier AS old_tier, sr.region_path AS old_path, sr.kind AS old_kind, "
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


ROLLUP_COLUMNS = "region_path, kind, tier, sites, overdue_l0, overdue_l1, overdue_l2, overdue_l3, rated_at"


def rollup_add(d: Dialect) -> str:
    """The ON CONFLICT clause that adds a difference to a roll-up row (differences commute: concurrent partial
    ratings never lose each other's counts)."""
    later = d.greatest("COALESCE(risk_rollup.rated_at, excluded.rated_at)", "excluded.rated_at")
    return ("ON CONFLICT (region_path, kind, tier) DO UPDATE SET sites = risk_rollup.sites + excluded.sites, "
            + ", ".join(f"overdue_l{i} = risk_rollup.overdue_l{i} + excluded.overdue_l{i}" for i in range(4))
            + f", rated_at = {later}")


def rollup_delta_statement(d: Dialect, now: datetime) -> Sql:
    """Before the upsert: take each changed site's old rating out of the roll-up and put its new one in."""
    new = ("SELECT x.region_path AS region_path, x.kind AS kind, x.tier AS tier, 1 AS n, x.overdue_l0 AS l0, x.overdue_l1 AS l1, "
           "x.overdue_l2 AS l2, x.overdue_l3 AS l3 FROM risk_changed x")
    old = ("SELECT x.old_path, x.old_kind, x.old_tier, -1, -x.old_l0, -x.old_l1, -x.old_l2, -x.old_l3 FROM risk_changed x "
           "WHERE x.old_tier IS NOT NULL")
    return Sql().add(
        f"INSERT INTO risk_rollup ({ROLLUP_COLUMNS}) SELECT y.region_path, y.kind, y.tier, SUM(y.n), SUM(y.l0), "
        f"SUM(y.l1), SUM(y.l2), SUM(y.l3), {d.ts_param()} FROM ({new} UNION ALL {old}) y WHERE 1 = 1 "
        "GROUP BY y.region_path, y.kind, y.tier " + rollup_add(d),
        now,
    )


def rollup_rebuild_statement(d: Dialect, now: datetime) -> Sql:
    """The roll-up recounted from every site's rating (after a full run dropped sites from the ratings)."""
    return Sql().add(
        f"INSERT INTO risk_rollup ({ROLLUP_COLUMNS}) SELECT region_path, kind, tier, COUNT(*), SUM(overdue_l0), "
        f"SUM(overdue_l1), SUM(overdue_l2), SUM(overdue_l3), {d.ts_param()} FROM site_risk "
        "GROUP BY region_path, kind, tier",
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
