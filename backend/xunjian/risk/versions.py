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
from ..config import REPO_DIR, Settings
from . import rules as R
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
