"""Checklist template versions as an admin manages them: the list, uploads, the difference between two versions,
activation. Start-up's part (the shipped files) is service.store_templates."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from .. import db, versioning
from ..audit import service as audit
from ..errors import Conflict, NotFound
from . import rules
from .schemas import DiffChange, DiffItem, DiffSection, TemplateDiff, TemplateVersionList, TemplateVersionRead
from .service import template_validator, set_active
from .tables import ChecklistTemplate

MAX_VERSION = 2**31 - 1  # an integer column on PostgreSQL

_COLUMNS = (ChecklistTemplate.key, ChecklistTemplate.version, ChecklistTemplate.title, ChecklistTemplate.site_kind,
            ChecklistTemplate.active, ChecklistTemplate.source, ChecklistTemplate.loaded_at,
            ChecklistTemplate.uploaded_by, ChecklistTemplate.activated_at)


def _read(row: dict) -> TemplateVersionRead:
    return TemplateVersionRead(key=row["key"], version=row["version"], title=row["title"], site_kind=row["site_kind"],
                               active=bool(row["active"]), source=row["source"], created_at=row["loaded_at"],
                               uploaded_by=row["uploaded_by"], activated_at=row["activated_at"])


async def list_versions() -> TemplateVersionList:
    rows = await ChecklistTemplate.select(*_COLUMNS).order_by(ChecklistTemplate.key) \
        .order_by(ChecklistTemplate.version)
    return TemplateVersionList(items=[_read(r) for r in rows])


def check_upload(body: bytes, schemas_dir: Path) -> dict:
    """The uploaded template, or 422 with every problem: the JSON Schema's, then (on a document the schema accepts)
    the engine's own checks."""
    doc, problems = versioning.decode(body)
    if problems:
        raise versioning.invalid(problems, "template_invalid")
    problems = [(p.path, p.message) for p in rules.schema_problems(doc, template_validator(schemas_dir))]
    if not problems:
        problems = [(p.path, p.message) for p in rules.semantic_problems(doc)]
        if doc["version"] > MAX_VERSION:
            problems.append(("$.version", f"must be at most {MAX_VERSION}"))
    if problems:
        raise versioning.invalid(problems, "template_invalid")
    return doc


async def upload(principal, body: bytes, schemas_dir: Path) -> tuple[TemplateVersionRead, bool]:
    """Store a new version (not active until activated); (the version, whether it was created). The same
    (key, version) with the same content again is no change; with other content, or a version not above every
    stored one of the key, 409."""
    doc = check_upload(body, schemas_dir)
    key, version, digest = doc["key"], doc["version"], rules.canonical_hash(doc)
    where = (ChecklistTemplate.key == key) & (ChecklistTemplate.version == version)
    async with db.write_transaction():
        same = await ChecklistTemplate.select(ChecklistTemplate.content_hash).where(where).first()
        if same is None:
            others = await ChecklistTemplate.select(ChecklistTemplate.version, ChecklistTemplate.site_kind) \
                .where(ChecklistTemplate.key == key).order_by(ChecklistTemplate.version, ascending=False)
            if others and others[0]["version"] > version:
                raise Conflict(f"Version {version} of {key} is not above the stored version {others[0]['version']}",
                               code="version_not_higher", details={"highest": others[0]["version"]})
            if others and others[0]["site_kind"] != doc["site_kind"]:
                raise versioning.invalid([("$.site_kind", f"{key} is a template for {others[0]['site_kind']}")],
                                         "template_invalid")
            inserted = await ChecklistTemplate.insert(ChecklistTemplate(
                key=key, version=version, title=doc["title"], site_kind=doc["site_kind"], content=doc,
                content_hash=digest, source="uploaded", uploaded_by=principal.username,
                loaded_at=datetime.now(timezone.utc),
            )).on_conflict(action="DO NOTHING").returning(ChecklistTemplate.id)
            if inserted:
                await audit.record(principal, "checklist.upload", "checklist_template", f"{key}/{version}",
                                   after={"key": key, "version": version, "content_hash": digest})
        created = same is None and bool(inserted)
        if not created:
            same = same or await ChecklistTemplate.select(ChecklistTemplate.content_hash).where(where).first()
            if same["content_hash"] != digest:
                raise Conflict(f"{key} version {version} is stored with other content; upload it as a new version",
                               code="version_exists")
        row = await ChecklistTemplate.select(*_COLUMNS).where(where).first()
    return _read(row), created


async def _content(key: str, version: int) -> dict:
    row = await ChecklistTemplate.select(ChecklistTemplate.content).where(
        (ChecklistTemplate.key == key) & (ChecklistTemplate.version == version)).output(load_json=True).first()
    if row is None:
        raise NotFound(f"No checklist template {key} version {version}")
    return row["content"]


async def diff(key: str, version: int, against: int | None = None) -> TemplateDiff:
    """The difference from `against`, by default the version before `version`."""
    new = await _content(key, version)
    if against is None:
        before = await ChecklistTemplate.select(ChecklistTemplate.version).where(
            (ChecklistTemplate.key == key) & (ChecklistTemplate.version < version)) \
            .order_by(ChecklistTemplate.version, ascending=False).first()
        if before is None:
            raise NotFound(f"{key} has no version before {version}; name one with ?against=")
        against = before["version"]
    d = rules.template_diff(await _content(key, against), new)
    return TemplateDiff(
        key=key, from_version=against, to_version=version,
        added=[DiffItem(**i) for i in d["added"]], removed=[DiffItem(**i) for i in d["removed"]],
        changed=[DiffChange(**c) for c in d["changed"]],
        sections_added=[DiffSection(**s) for s in d["sections_added"]],
        sections_removed=[DiffSection(**s) for s in d["sections_removed"]],
    )


async def activate(principal, key: str, version: int) -> TemplateVersionRead:
    """Make a version the one new inspections pin; inspections already started keep theirs."""
    where = (ChecklistTemplate.key == key) & (ChecklistTemplate.version == version)
    async with db.write_transaction():
        before = await ChecklistTemplate.select(ChecklistTemplate.version).where(
            (ChecklistTemplate.key == key) & (ChecklistTemplate.active == True)).first()  # noqa: E712
        if not await ChecklistTemplate.exists().where(where):
            raise NotFound(f"No checklist template {key} version {version}")
        await set_active(key, version, principal.username, datetime.now(timezone.utc))
        await audit.record(principal, "checklist.activate", "checklist_template", f"{key}/{version}",
                           before={"active_version": before["version"] if before else None},
                           after={"active_version": version})
        row = await ChecklistTemplate.select(*_COLUMNS).where(where).first()
    return _read(row)
