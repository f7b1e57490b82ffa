"""Risk rules versions: the shipped files (schemas/risk-rules/vN.json) stored at start-up and admins' uploads, in the
database, one of them active; and the in-process copy of the active one that `current_rules()` answers from.

Every instance keeps its copy fresh: at start-up, then by asking the database for the active version every
REFRESH_SECONDS (one indexed row; the document is read only when the version changed), and at the start of every job
run. An activation on this instance takes effect at once; on the others within REFRESH_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from .. import db, versioning
from ..audit import service as audit
from ..config import REPO_DIR, Settings
from ..errors import Conflict, NotFound
from ..jobs.sqlkit import dialect
from . import rules as R
from . import sql as S
from .schemas import ActivationRead, DryRun, RegionChange, RulesVersionList, RulesVersionRead, SiteChange
from .tables import RiskRules

log = logging.getLogger("xunjian.risk")

REFRESH_SECONDS = 15

# (engine, rules): the active rules as last read from that engine's database. Tied to the engine so that a process
# that binds another database (a test, a CLI) never answers with rules it read from the first.
_active: tuple[object, dict] | None = None


@lru_cache(maxsize=4)
def _shipped_highest(schemas_dir: str) -> dict:
    return R.load_rules(Path(schemas_dir))


def current_rules(settings: Settings | None = None) -> dict:
    """The active rules, from memory: no disk or database read. Before this process has read the database (a bare
    script, a test without the app), the highest shipped file."""
    cached = _active
    if cached is not None and cached[0] is _bound_engine():
        return cached[1]
    return _shipped_highest(str(settings.schemas_dir if settings else REPO_DIR / "schemas"))


def _bound_engine():
    from .. import piccolo_conf

    return piccolo_conf.DB


def _remember(rules: dict) -> None:
    global _active
    _active = (_bound_engine(), rules)


async def refresh() -> dict:
    """Read the active version from the database; load its document when it is not the one in memory."""
    rows = await RiskRules.select(RiskRules.version).where(RiskRules.active == True).limit(1)  # noqa: E712
    if not rows:
        return current_rules()
    cached = _active
    if cached is not None and cached[0] is _bound_engine() and cached[1]["version"] == rows[0]["version"]:
        return cached[1]
    row = await RiskRules.select(RiskRules.content).where(RiskRules.version == rows[0]["version"]) \
        .output(load_json=True).first()
    if row is None:  # activated and replaced between the two reads: the next refresh settles it
        return current_rules()
    _remember(row["content"])
    log.info("Risk rules version %s in force", row["content"]["version"])
    return row["content"]


async def store_shipped(settings: Settings, now: datetime) -> None:
    """Start-up: store the shipped files not yet stored (a stored shipped version whose content differs
    is refused; one an upload took first is kept), then
    apply versioning.activation_at_start. Several instances may start at once: the writes are idempotent."""
    from ..checklists.rules import canonical_hash
    from ..errors import ConfigError

    shipped = []
    for path in R.rules_files(settings.schemas_dir):
        try:
            shipped.append(R.load_rules(settings.schemas_dir, int(path.stem[1:])))
        except (R.RulesError, ValueError) as exc:
            raise ConfigError(f"Risk rules {path}: {exc}") from exc
    async with db.write_transaction():
        stored = {r["version"]: r for r in await RiskRules.select(
            RiskRules.version, RiskRules.content_hash, RiskRules.source, RiskRules.active, RiskRules.activated_by)}
        ours = []  # the shipped versions stored as shipped (not one an upload took first)
        for doc in shipped:
            digest = canonical_hash(doc)
            known = stored.get(doc["version"])
            if known is not None:
                if known["content_hash"] != digest and known["source"] == "uploaded":
                    # An admin's upload took the version first; start-up never overwrites it.
                    log.warning("Shipped risk rules version %s differ from the uploaded one, which is kept",
                                doc["version"])
                elif known["content_hash"] != digest:
                    raise ConfigError(f"Risk rules version {doc['version']} differs from the stored one; ratings name "
                                      "their rules version, so give the changed rules a new version")
                else:
                    ours.append(doc["version"])
                continue
            await RiskRules.insert(RiskRules(
                version=doc["version"], description=doc.get("description", ""), content=doc, content_hash=digest,
                source="shipped", created_at=now)).on_conflict(action="DO NOTHING")
            stored[doc["version"]] = {"version": doc["version"], "active": False, "activated_by": None}
            ours.append(doc["version"])
        choice = versioning.activation_at_start(list(stored.values()), ours)
        if choice is not None:
            await set_active(choice, None, now)
    await refresh()


async def set_active(version: int, by: str | None, now: datetime) -> None:
    """Make `version` the only active one (in the caller's write transaction)."""
    await RiskRules.update({RiskRules.active: False}).where((RiskRules.active == True)  # noqa: E712
                                                            & (RiskRules.version != version))
    await RiskRules.update({RiskRules.active: True, RiskRules.activated_at: now, RiskRules.activated_by: by}) \
        .where(RiskRules.version == version)


def register(app) -> None:
    """Start-up stores the shipped rules and reads the active ones; a task keeps them fresh until shutdown."""

    async def start(app) -> None:
        await store_shipped(app.state.settings, datetime.now(timezone.utc))
        app.state.risk_rules_refresher = asyncio.create_task(_refresh_forever())

    async def stop(app) -> None:
        task = getattr(app.state, "risk_rules_refresher", None)
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)


async def _refresh_forever() -> None:
    while True:
        await asyncio.sleep(REFRESH_SECONDS)
        try:
            await refresh()
        except Exception:  # the database is away for a moment: keep the rules in memory, try again
            log.warning("Could not check the active risk rules version", exc_info=True)


# ---------------------------------------------------------------- administration

_COLUMNS = (RiskRules.version, RiskRules.active, RiskRules.source, RiskRules.created_at, RiskRules.description,
            RiskRules.uploaded_by, RiskRules.activated_at)
MAX_VERSION = 2**31 - 1  # an integer column on PostgreSQL
EXAMPLES = 10


def _read(row: dict) -> RulesVersionRead:
    return RulesVersionRead(version=row["version"], active=bool(row["active"]), source=row["source"],
                            created_at=row["created_at"], description=row["description"] or "",
                            uploaded_by=row["uploaded_by"], activated_at=row["activated_at"])


async def list_versions() -> RulesVersionList:
    return RulesVersionList(items=[_read(r) for r in await RiskRules.select(*_COLUMNS).order_by(RiskRules.version)])


async def get_document(version: int) -> dict:
    row = await RiskRules.select(RiskRules.content).where(RiskRules.version == version).output(load_json=True).first()
    if row is None:
        raise NotFound(f"No risk rules version {version}")
    return row["content"]


def check_upload(body: bytes, schemas_dir: Path) -> dict:
    """The uploaded rules, or 422 `rules_invalid` with every problem and its JSON path (the schema's, then the
    rules' own checks)."""
    doc, problems = versioning.decode(body)
    if not problems:
        problems = R.rules_problems(doc, schemas_dir)
    if not problems and doc["version"] > MAX_VERSION:
        problems = [("$.version", f"must be at most {MAX_VERSION}")]
    if problems:
        raise versioning.invalid(problems, "rules_invalid")
    return doc


async def upload(principal, body: bytes, schemas_dir: Path) -> tuple[RulesVersionRead, bool]:
    """Store a new version (not active until activated); as for templates: the same again 200, other content under a
    stored version or a version not above every stored one 409."""
    from ..checklists.rules import canonical_hash

    doc = check_upload(body, schemas_dir)
    version, digest = doc["version"], canonical_hash(doc)
    async with db.write_transaction():
        same = await RiskRules.select(RiskRules.content_hash).where(RiskRules.version == version).first()
        inserted = []
        if same is None:
            highest = await RiskRules.select(RiskRules.version).order_by(RiskRules.version, ascending=False).first()
            if highest and highest["version"] > version:
                raise Conflict(f"Version {version} is not above the stored version {highest['version']}",
                               code="version_not_higher", details={"highest": highest["version"]})
            inserted = await RiskRules.insert(RiskRules(
                version=version, description=doc.get("description", ""), content=doc, content_hash=digest,
                source="uploaded", uploaded_by=principal.username, created_at=datetime.now(timezone.utc),
            )).on_conflict(action="DO NOTHING").returning(RiskRules.id)
            if inserted:
                await audit.record(principal, "risk_rules.upload", "risk_rules", version,
                                   after={"version": version, "content_hash": digest})
        if not inserted:
            same = same or await RiskRules.select(RiskRules.content_hash).where(RiskRules.version == version).first()
            if same["content_hash"] != digest:
                raise Conflict(f"Risk rules version {version} is stored with other content; upload a new version",
                               code="version_exists")
        row = await RiskRules.select(*_COLUMNS).where(RiskRules.version == version).first()
    return _read(row), bool(inserted)


async def _changes(rules: dict, now: datetime) -> DryRun:
    """What rating every site with `rules` at `now` changes in the stored tiers, from the risk job's own statement
    (sql.changed_statement into its temporary table), in the caller's transaction; the table is dropped after.
    A site the rules no longer rate goes to "unrated"; one rated for the first time comes from "unrated"."""
    d = dialect()
    temp = "temp." if d.sqlite else ""
    await db.fetch(f"DROP TABLE IF EXISTS {temp}risk_changed")
    stmt = S.changed_statement(d, rules, now, None)
    await db.fetch(stmt.text, *stmt.args)
    moves = (
        "SELECT x.site_id AS site_id, COALESCE(x.old_tier, 'unrated') AS from_tier, x.tier AS to_tier, "
        "x.region_path AS region_path FROM risk_changed x WHERE x.old_tier IS NULL OR x.old_tier <> x.tier "
        "UNION ALL SELECT sr.site, sr.tier, 'unrated', sr.region_path FROM site_risk sr WHERE NOT EXISTS "
        f"(SELECT 1 FROM site s WHERE s.id = sr.site AND {S.rated_sites_sql(d, rules, 's')})")
    transitions = {f"{r['from_tier']}->{r['to_tier']}": int(r["n"]) for r in await db.fetch(
        f"SELECT m.from_tier, m.to_tier, COUNT(*) AS n FROM ({moves}) m GROUP BY m.from_tier, m.to_tier")}
    # Per prefecture: the moves counted per region path first (a few thousand), then cut to the prefectures'.
    by_region = await db.fetch(
        f"SELECT r.id AS region_id, r.name AS region_name, SUM(g.n) AS changing FROM (SELECT m.region_path, "
        f"COUNT(*) AS n FROM ({moves}) m GROUP BY m.region_path) g JOIN region r ON r.level = 'prefecture' "
        "AND substr(g.region_path, 1, length(r.path)) = r.path GROUP BY r.id, r.name ORDER BY changing DESC, r.id")
    examples = await db.fetch(
        f"SELECT m.site_id, s.name AS site_name, m.from_tier, m.to_tier FROM ({moves}) m JOIN site s "
        f"ON s.id = m.site_id ORDER BY m.site_id LIMIT {EXAMPLES}")
    rated = (await db.fetch(f"SELECT COUNT(*) AS n FROM site s WHERE {S.rated_sites_sql(d, rules, 's')}"))[0]["n"]
    await db.fetch(f"DROP TABLE IF EXISTS {temp}risk_changed")
    return DryRun(
        version=rules["version"], sites_rated=int(rated), sites_changing=sum(transitions.values()),
        transitions=transitions,
        by_region=[RegionChange(region_id=r["region_id"], region_name=r["region_name"], changing=int(r["changing"]))
                   for r in by_region],
        examples=[SiteChange(site_id=e["site_id"], site_name=e["site_name"], from_tier=e["from_tier"],
                             to_tier=e["to_tier"]) for e in examples])


class _RolledBack(Exception):
    def __init__(self, result):
        self.result = result


async def dry_run(version: int, now: datetime | None = None) -> DryRun:
    """What activating `version` would change, written nowhere: computed in a transaction that is rolled back."""
    rules = await get_document(version)
    now = now or datetime.now(timezone.utc)
    try:
        async with db.write_transaction():
            if not db.is_sqlite():
                await db.fetch("SET LOCAL jit = off")  # as the risk job: compiling costs seconds and saves nothing
                await db.fetch("SET LOCAL work_mem = '256MB'")
            raise _RolledBack(await _changes(rules, now))
    except _RolledBack as done:
        return done.result


async def activate(principal, version: int) -> ActivationRead:
    """Make `version` active and re-rate every site with it in the same transaction (the risk job's set-based
    rating); `sites_changed` counts the tiers that changed, as the dry run does, read off that one rating."""
    from .service import rate_sites

    rules = await get_document(version)
    now = datetime.now(timezone.utc)
    moves: dict[str, int] = {}
    async with db.write_transaction():
        if not db.is_sqlite():
            await db.fetch("SET LOCAL jit = off")
            await db.fetch("SET LOCAL work_mem = '256MB'")
        before = await RiskRules.select(RiskRules.version).where(RiskRules.active == True).first()  # noqa: E712
        await set_active(version, principal.username, now)
        await rate_sites(now, trigger="rules", rules=rules, moves=moves)
        changed = sum(moves.values())
        await audit.record(principal, "risk_rules.activate", "risk_rules", version,
                           before={"active_version": before["version"] if before else None},
                           after={"active_version": version, "sites_changed": changed, "transitions": moves})
    _remember(rules)
    return ActivationRead(version=version, sites_changed=changed, transitions=moves)
