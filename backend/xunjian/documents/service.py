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
    await audit.record(actor, "document.issue", "document", doc.id, site_id=site_id, after={
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
