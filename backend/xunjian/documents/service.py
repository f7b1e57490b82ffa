"""Numbered documents: each authority's gap-free sequence per kind and year, and the register of issued documents.

The counter is advanced with one upsert (`… ON CONFLICT DO UPDATE SET last_number = last_number + 1 RETURNING`) in
the caller's write transaction: on PostgreSQL the row lock it takes makes concurrent issuers of the same sequence
wait for each other's commit, on SQLite the write transaction already serialises them; a transaction that fails
after taking a number rolls the counter back with it, so numbers are never skipped nor reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from .. import db
from ..audit import service as audit
from ..errors import Invalid, NotFound
from . import rules
from .tables import DocumentAuthority, IssuedDocument

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class DocumentNumber:
    serial: int
    number: str


class IssuedRead(msgspec.Struct):
    id: int
    number: str
    kind: str
    year: int
    serial: int
    authority_id: int
    subject_type: str
    subject_id: str
    issued_by: int | None
    issued_at: datetime
    sha256: str | None


class AuthorityStyle(msgspec.Struct):
    region_id: int
    region_name: str
    abbr: str
    number_format: str
    custom: bool  # False: the defaults (first character of the name, rules.DEFAULT_FORMAT)
    example: str


def document_year(now: datetime) -> int:
    """Documents are dated, and their sequences restart, by the Beijing calendar."""
    return now.astimezone(LOCAL_TZ).year


async def _style(region_id: int) -> AuthorityStyle:
    rows = await db.fetch(
        "SELECT r.id, r.name, a.abbr, a.number_format FROM region r "
        "LEFT JOIN document_authority a ON a.region = r.id WHERE r.id = {}", region_id)
    if not rows:
        raise NotFound("Region not found")
    r = rows[0]
    abbr = r["abbr"] or rules.default_abbr(r["name"])
    fmt = r["number_format"] or rules.DEFAULT_FORMAT
    return AuthorityStyle(region_id=r["id"], region_name=r["name"], abbr=abbr, number_format=fmt,
                          custom=r["abbr"] is not None,
                          example=rules.format_number(fmt, abbr=abbr, kind="supervision_notice", year=2026, n=12))


async def issue_number(authority_region_id: int, kind: str, year: int) -> DocumentNumber:
    """The next number of the authority's sequence for `kind` and `year`, formatted as the authority numbers its
    documents. Only inside the caller's write transaction, which must also record what the number was given to."""
    if kind not in rules.KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    if not db.current_engine().transaction_exists():
        raise RuntimeError("a document number is issued inside the write transaction that uses it")
    style = await _style(authority_region_id)
    rows = await db.fetch(
        "INSERT INTO document_sequence (authority, kind, year, last_number) VALUES ({}, {}, {}, 1) "
        "ON CONFLICT (authority, kind, year) DO UPDATE SET last_number = document_sequence.last_number + 1 "
        "RETURNING last_number",
        authority_region_id, kind, year)
    serial = rows[0]["last_number"]
    return DocumentNumber(serial, rules.format_number(style.number_format, abbr=style.abbr, kind=kind, year=year,
                                                      n=serial))


def _read(r: dict) -> IssuedRead:
    return IssuedRead(id=r["id"], number=r["number"], kind=r["kind"], year=r["year"], serial=r["serial"],
                      authority_id=r["authority"], subject_type=r["subject_type"], subject_id=r["subject_id"],
                      issued_by=r["issued_by"], issued_at=r["issued_at"], sha256=r["sha256"])


async def issue_document(actor, *, authority_region_id: int, kind: str, subject_type: str, subject_id,
                         now: datetime, site_id: int | None = None) -> IssuedRead:
    """Number a document and register it (audited), in the caller's write transaction."""
    year = document_year(now)
    number = await issue_number(authority_region_id, kind, year)
    inserted = await IssuedDocument.insert(IssuedDocument(
        authority=authority_region_id, kind=kind, year=year, serial=number.serial, number=number.number,
        subject_type=subject_type, subject_id=str(subject_id), issued_by=getattr(actor, "id", None), issued_at=now,
    )).returning(*IssuedDocument.all_columns())
    doc = _read(inserted[0])
    await audit.record(actor, "document.issue", "document", doc.id, site_id=site_id, at=now, after={
        "number": doc.number, "kind": kind, "authority": authority_region_id, "subject_type": subject_type,
        "subject_id": str(subject_id)})
    return doc


async def get_document(document_id: int) -> IssuedRead:
    row = await IssuedDocument.select().where(IssuedDocument.id == document_id).first()
    if row is None:
        raise NotFound("Document not found")
    return _read(row)


async def authority_style(region_id: int) -> AuthorityStyle:
    return await _style(region_id)


async def set_authority_style(actor, region_id: int, abbr: str, number_format: str | None) -> AuthorityStyle:
    """An authority's abbreviation and (None: the default) number format, for numbers issued from now on."""
    abbr = abbr.strip()
    if not abbr or len(abbr) > rules.ABBR_LENGTH:
        raise Invalid(f"abbr must be 1 to {rules.ABBR_LENGTH} characters", details={"field": "abbr"})
    if number_format is not None and (problem := rules.check_format(number_format)):
        raise Invalid(problem, details={"field": "number_format"})
    async with db.write_transaction():
        before = await _style(region_id)  # 404 for an unknown region
        await DocumentAuthority.insert(DocumentAuthority(region=region_id, abbr=abbr, number_format=number_format)) \
            .on_conflict(target=DocumentAuthority.region, action="DO UPDATE",
                         values=[DocumentAuthority.abbr, DocumentAuthority.number_format])
        await audit.record(actor, "document_authority.set", "region", region_id,
                           before={"abbr": before.abbr, "number_format": before.number_format},
                           after={"abbr": abbr, "number_format": number_format})
    return await _style(region_id)


async def region_chain(region_id: int) -> list[dict]:
    """The region and its ancestors, nearest first (id, level, name): at most province → prefecture → county →
    township, so four steps up."""
    rows = await db.fetch(
        "SELECT r0.id AS i0, r0.level AS l0, r0.name AS n0, r1.id AS i1, r1.level AS l1, r1.name AS n1, "
        "r2.id AS i2, r2.level AS l2, r2.name AS n2, r3.id AS i3, r3.level AS l3, r3.name AS n3 FROM region r0 "
        "LEFT JOIN region r1 ON r1.id = r0.parent LEFT JOIN region r2 ON r2.id = r1.parent "
        "LEFT JOIN region r3 ON r3.id = r2.parent WHERE r0.id = {}", region_id)
    if not rows:
        raise NotFound("Region not found")
    r = rows[0]
    return [{"id": r[f"i{n}"], "level": r[f"l{n}"], "name": r[f"n{n}"]} for n in range(4) if r[f"i{n}"] is not None]


@dataclass(frozen=True)
class Authority:
    region_id: int
    title: str  # 兰州市城关区民政局


async def authority_of(region_id: int) -> Authority:
    """The bureau of a region that issues documents itself (a listing authority)."""
    return Authority(region_id, rules.authority_title(await region_chain(region_id)))


async def issuing_authority(site_region_id: int) -> Authority:
    """The bureau that issues the documents of an inspection at a site of this region (documents/rules.py)."""
    chain = await region_chain(site_region_id)
    region = rules.issuing_region(chain)
    return Authority(region["id"], rules.authority_title(chain[chain.index(region):]))


async def issued_for(subject_type: str, subject_id, kind: str) -> IssuedRead | None:
    """The latest document of this kind issued for the subject, if any."""
    row = await IssuedDocument.select().where(
        (IssuedDocument.subject_type == subject_type) & (IssuedDocument.subject_id == str(subject_id))
        & (IssuedDocument.kind == kind)).order_by(IssuedDocument.id, ascending=False).first()
    return _read(row) if row else None


async def issue_once(actor, *, authority_region_id: int, kind: str, subject_type: str, subject_id, now: datetime,
                     site_id: int | None = None) -> IssuedRead:
    """The subject's document of this kind: the one already issued, or a newly numbered one. Concurrent callers get
    one number: they queue on a transaction lock per subject on PostgreSQL (SQLite's write transaction queues them
    anyway) and the later ones find the first one's row."""
    async with db.write_transaction():
        if not db.is_sqlite():
            await db.fetch("SELECT pg_advisory_xact_lock(hashtext({}))", f"document:{kind}:{subject_type}:{subject_id}")
        found = await issued_for(subject_type, subject_id, kind)
        if found is not None:
            return found
        return await issue_document(actor, authority_region_id=authority_region_id, kind=kind,
                                    subject_type=subject_type, subject_id=subject_id, now=now, site_id=site_id)


async def record_file(actor, document: IssuedRead, sha256: str, site_id: int | None) -> IssuedRead:
    """Record the stored PDF's hash, once: the first file recorded is the document; returns the document as
    recorded (another process's file, if it was first)."""
    async with db.write_transaction():
        won = await db.fetch("UPDATE issued_document SET sha256 = {} WHERE id = {} AND sha256 IS NULL RETURNING id",
                             sha256, document.id)
        if won:
            await audit.record(actor, "document.store", "document", document.id, site_id=site_id,
                               after={"number": document.number, "kind": document.kind, "sha256": sha256})
    return await get_document(document.id)
