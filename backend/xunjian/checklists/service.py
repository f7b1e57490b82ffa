"""Checklist templates: validated against the JSON Schema at start-up, stored once per (key, version), read back
pinned by inspections."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import jsonschema

from .. import db, versioning
from ..config import Settings
from ..errors import ConfigError, Invalid, NotFound
from . import rules
from .schemas import ChecklistRead, ChecklistSummary
from .tables import ChecklistTemplate

log = logging.getLogger("xunjian.checklists")

SCHEMA_NAME = "checklist-template.schema.json"


def template_validator(schemas_dir: Path) -> jsonschema.Draft202012Validator:
    path = schemas_dir / SCHEMA_NAME
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        raise ConfigError(f"{path}: not a usable JSON Schema: {exc}") from exc
    return jsonschema.Draft202012Validator(schema)


def check_template_file(path: Path, validator: jsonschema.Draft202012Validator) -> dict:
    """The template in `path`, or ConfigError naming the file and the JSON path of the first problem."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Checklist template {path}: cannot be read as JSON: {exc}") from exc
    problems = rules.schema_problems(doc, validator) or rules.semantic_problems(doc)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(f"Checklist template {path}: {problems[0]}{more}")
    return doc


def read_templates(schemas_dir: Path) -> list[dict]:
    """Every shipped template, validated; refuses duplicates of (key, version)."""
    validator = template_validator(schemas_dir)
    docs: dict[tuple[str, int], Path] = {}
    result = []
    for path in sorted((schemas_dir / "checklists").glob("*.json")):
        doc = check_template_file(path, validator)
        ident = (doc["key"], doc["version"])
        if ident in docs:
            raise ConfigError(f"Checklist template {path}: {ident[0]} version {ident[1]} is also in {docs[ident]}")
        docs[ident] = path
        result.append(doc)
    return result


async def store_templates(docs: list[dict]) -> int:
    """Insert templates not yet stored, then apply versioning.activation_at_start to each key. A stored shipped
    version whose content changed is refused (inspections pin it); one an admin's upload took first is kept."""
    now = datetime.now(timezone.utc)
    added = 0
    async with db.write_transaction():
        stored = {(r["key"], r["version"]): r for r in await ChecklistTemplate.select(
            ChecklistTemplate.key, ChecklistTemplate.version, ChecklistTemplate.content_hash,
            ChecklistTemplate.source, ChecklistTemplate.active, ChecklistTemplate.activated_by)}
        ours: dict[str, list[int]] = {}  # per key, the shipped versions stored as shipped
        highest: dict[str, int] = {}
        for doc in docs:
            highest[doc["key"]] = max(highest.get(doc["key"], 0), doc["version"])
        for doc in docs:
            ident = (doc["key"], doc["version"])
            digest = rules.canonical_hash(doc)
            known = stored.get(ident)
            if known is not None and known["content_hash"] != digest:
                if known["source"] == "uploaded":
                    log.warning("Shipped checklist template %s version %s differs from the uploaded one, which is "
                                "kept", *ident)
                    continue
                raise ConfigError(
                    f"Checklist template {doc['key']} version {doc['version']} differs from the stored one; "
                    "inspections pin versions, so give the changed template a new version"
                )
            ours.setdefault(doc["key"], []).append(doc["version"])
            if known is not None:
                continue
            # A shipped version below the release's current one was current in an earlier release: inspections
            # pinned to it may still arrive, so it counts as having been active.
            earlier = doc["version"] < highest[doc["key"]]
            await ChecklistTemplate.insert(
                ChecklistTemplate(key=doc["key"], version=doc["version"], title=doc["title"],
                                  site_kind=doc["site_kind"], content=doc, content_hash=digest, source="shipped",
                                  activated_at=now if earlier else None)
            ).on_conflict(action="DO NOTHING")  # several app instances start at once
            stored[ident] = {"key": doc["key"], "version": doc["version"], "active": False, "activated_by": None}
            added += 1
        for key in {k for k, _ in stored}:
            choice = versioning.activation_at_start([r for (k, _), r in stored.items() if k == key], ours.get(key, []))
            if choice is not None:
                await set_active(key, choice, None, now)
    return added


async def set_active(key: str, version: int, by: str | None, now: datetime) -> None:
    """Make `version` the only active one of `key` (in the caller's write transaction)."""
    await ChecklistTemplate.update({ChecklistTemplate.active: False}).where(
        (ChecklistTemplate.key == key) & (ChecklistTemplate.active == True)  # noqa: E712
        & (ChecklistTemplate.version != version))
    await ChecklistTemplate.update({ChecklistTemplate.active: True, ChecklistTemplate.activated_at: now,
                                    ChecklistTemplate.activated_by: by}).where(
        (ChecklistTemplate.key == key) & (ChecklistTemplate.version == version))


async def load_templates(settings: Settings) -> int:
    return await store_templates(read_templates(settings.schemas_dir))


def register(app) -> None:
    """Start-up: validate and store the shipped templates; the app refuses to start when one is broken."""

    async def load(app) -> None:
        await load_templates(app.state.settings)

    app.state.startup_hooks.append(load)


# ---------------------------------------------------------------------------------------------------- reading

async def get_template(key: str, version: int | None = None, *, pinnable: bool = False) -> rules.Template:
    """A version (the active one when `version` is None); with `pinnable`, only one that has been active."""
    query = ChecklistTemplate.select(ChecklistTemplate.content).where(ChecklistTemplate.key == key)
    if version is None:
        query = query.where(ChecklistTemplate.active == True)  # noqa: E712
    else:
        query = query.where(ChecklistTemplate.version == version)
    if pinnable:
        query = query.where(ChecklistTemplate.activated_at.is_not_null())
    row = await query.output(load_json=True).first()
    if row is None:
        raise NotFound("No such checklist template" + (f" version {version}" if version is not None else ""))
    return rules.parse_template(row["content"])


# Parsed pinned versions, for the bound engine only (a test or CLI that binds another database starts afresh). A
# stored version never changes (store_templates refuses that), so nothing else invalidates an entry; reading and
# parsing the template was a fifth of a submission's time.
_pinned: tuple[object, dict[tuple[str, int], rules.Template]] = (None, {})


async def pinned_template(key: str, version: int) -> rules.Template:
    """For answers: an unknown template is the client's error (422), not a missing page. An uploaded version no
    admin has activated cannot be pinned; every version that has been active can (inspections started before an
    activation keep theirs). A version once pinnable stays so (activated_at is never cleared), so the cache holds."""
    global _pinned
    engine = db.current_engine()
    if _pinned[0] is not engine:
        _pinned = (engine, {})
    cached = _pinned[1].get((key, version))
    if cached is not None:
        return cached
    try:
        template = await get_template(key, version, pinnable=True)
    except NotFound:
        raise Invalid(f"Unknown checklist template {key} version {version}",
                      details=[{"field": "template_version", "message": "no such template version"}]) from None
    _pinned[1][(key, version)] = template
    return template


async def list_templates() -> list[ChecklistSummary]:
    """Each template at its active version, with the versions an inspection may pin."""
    pinnable = await ChecklistTemplate.select(ChecklistTemplate.key, ChecklistTemplate.version).where(
        ChecklistTemplate.activated_at.is_not_null()).order_by(ChecklistTemplate.version)
    versions: dict[str, list[int]] = {}
    for r in pinnable:
        versions.setdefault(r["key"], []).append(r["version"])
    active = await ChecklistTemplate.select(ChecklistTemplate.key, ChecklistTemplate.content).where(
        ChecklistTemplate.active == True).order_by(ChecklistTemplate.key).output(load_json=True)  # noqa: E712
    result = []
    for row in active:
        current = rules.parse_template(row["content"])
        result.append(ChecklistSummary(
            key=row["key"], version=current.version, title=current.title, site_kind=current.site_kind,
            check_items=len(current.check_items), versions=versions.get(row["key"], []),
        ))
    return result


async def read_template(key: str, version: int | None = None) -> ChecklistRead:
    template = await get_template(key, version)
    return ChecklistRead(key=template.key, version=template.version, title=template.title,
                         site_kind=template.site_kind, template=template.doc)
