"""Checklist templates: validated against the JSON Schema at start-up, stored once per (key, version), read back
pinned by inspections."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from .. import db
from ..config import Settings
from ..errors import ConfigError, Invalid, NotFound
from . import rules
from .schemas import ChecklistRead, ChecklistSummary
from .tables import ChecklistTemplate

SCHEMA_NAME = "checklist-template.schema.json"


def _validator(schemas_dir: Path) -> jsonschema.Draft202012Validator:
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
    validator = _validator(schemas_dir)
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
    """Insert templates not yet stored. A stored version whose content changed is refused: inspections pin it."""
    stored = {
        (r["key"], r["version"]): r["content_hash"]
        for r in await ChecklistTemplate.select(ChecklistTemplate.key, ChecklistTemplate.version,
                                                ChecklistTemplate.content_hash)
    }
    added = 0
    for doc in docs:
        digest = rules.canonical_hash(doc)
        known = stored.get((doc["key"], doc["version"]))
        if known == digest:
            continue
        if known is not None:
            raise ConfigError(
                f"Checklist template {doc['key']} version {doc['version']} differs from the stored one; "
                "inspections pin versions, so give the changed template a new version"
            )
        await ChecklistTemplate.insert(
            ChecklistTemplate(key=doc["key"], version=doc["version"], title=doc["title"], site_kind=doc["site_kind"],
                              content=doc, content_hash=digest)
        ).on_conflict(action="DO NOTHING")  # several app instances start at once
        added += 1
    return added


async def load_templates(settings: Settings) -> int:
    return await store_templates(read_templates(settings.schemas_dir))


def register(app) -> None:
    """Start-up: validate and store the shipped templates; the app refuses to start when one is broken."""

    async def load(app) -> None:
        await load_templates(app.state.settings)

    app.state.startup_hooks.append(load)


# ---------------------------------------------------------------------------------------------------- reading

async def get_template(key: str, version: int | None = None) -> rules.Template:
    """The pinned version (or the current one when `version` is None)."""
    query = ChecklistTemplate.select(ChecklistTemplate.content).where(ChecklistTemplate.key == key)
    if version is not None:
        query = query.where(ChecklistTemplate.version == version)
    row = await query.order_by(ChecklistTemplate.version, ascending=False).output(load_json=True).first()
    if row is None:
        raise NotFound("No such checklist template" + (f" version {version}" if version is not None else ""))
    return rules.parse_template(row["content"])


# Parsed pinned versions, for the bound engine only (a test or CLI that binds another database starts afresh). A
# stored version never changes (store_templates refuses that), so nothing else invalidates an entry; reading and
# parsing the template was a fifth of a submission's time.
_pinned: tuple[object, dict[tuple[str, int], rules.Template]] = (None, {})


async def pinned_template(key: str, version: int) -> rules.Template:
    """For answers: an unknown template is the client's error (422), not a missing page."""
    global _pinned
    engine = db.current_engine()
    if _pinned[0] is not engine:
        _pinned = (engine, {})
    cached = _pinned[1].get((key, version))
    if cached is not None:
        return cached
    try:
        template = await get_template(key, version)
    except NotFound:
        raise Invalid(f"Unknown checklist template {key} version {version}",
                      details=[{"field": "template_version", "message": "no such template version"}]) from None
    _pinned[1][(key, version)] = template
    return template


async def list_templates() -> list[ChecklistSummary]:
    rows = await ChecklistTemplate.select(
        ChecklistTemplate.key, ChecklistTemplate.version, ChecklistTemplate.content,
    ).order_by(ChecklistTemplate.key).order_by(ChecklistTemplate.version).output(load_json=True)
    by_key: dict[str, list[dict]] = {}
    for r in rows:
        by_key.setdefault(r["key"], []).append(r)
    result = []
    for key, versions in by_key.items():
        current = rules.parse_template(versions[-1]["content"])
        result.append(ChecklistSummary(
            key=key, version=current.version, title=current.title, site_kind=current.site_kind,
            check_items=len(current.check_items), versions=[v["version"] for v in versions],
        ))
    return result


async def read_template(key: str, version: int | None = None) -> ChecklistRead:
    template = await get_template(key, version)
    return ChecklistRead(key=template.key, version=template.version, title=template.title,
                         site_kind=template.site_kind, template=template.doc)
