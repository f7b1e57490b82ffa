"""Rows the job tests need, written straight to the tables (the findings API has its own tests)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from xunjian.accounts import service as accounts
from xunjian.accounts.schemas import UserCreate
from xunjian.findings.tables import Finding
from xunjian.inspections.tables import Inspection

from tests.conftest import DEMO_PASSWORD


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


async def finding(site_id: int, created_by: int, *, grade: str = "general", deadline: datetime, status: str = "open",
                  title: str = "安全出口堵塞", escalation_level: int = 0, self_reported: bool = False,
                  risk_weight: float = 1.0, created_at: datetime | None = None, listing: str | None = None,
                  listing_authority: int | None = None) -> int:
    rows = await Finding.insert(Finding(
        site=site_id, title=title, grade=grade, status=status, deadline=deadline, created_by=created_by,
        escalation_level=escalation_level, self_reported=self_reported, risk_weight=risk_weight,
        listing=listing, listing_authority=listing_authority,
        created_at=created_at or min(deadline - timedelta(days=15), utcnow()),
        closed_at=deadline if status == "closed" else None,
    )).returning(Finding.id)
    return rows[0]["id"]


async def inspection(site_id: int, inspector: int, *, submitted_at: datetime, answered: int = 20,
                     noncompliant: int = 0, self_inspection: bool = False) -> uuid.UUID:
    key = uuid.uuid4()
    await Inspection.insert(Inspection(
        id=key, site=site_id, inspector=inspector, template_key="eldercare_safety", template_version=1,
        status="submitted", self_inspection=self_inspection, answers={}, content_hash=key.hex,
        submitted_at=submitted_at, checks_answered=answered, checks_noncompliant=noncompliant,
    ))
    return key


async def supervisor(username: str, region_id: int) -> int:
    user = await accounts.create_user(None, UserCreate(
        username=username, password=DEMO_PASSWORD, role="supervisor", display_name=username,
        region_ids=[region_id], site_ids=[],
    ))
    return user.id


async def close_existing_findings() -> None:
    """Take the demo's own findings off the ladder, so a test counts only what it created."""
    await Finding.update({Finding.status: "closed"}).where(Finding.status != "closed")


async def clear_findings_and_inspections() -> None:
    """Remove the demo's inspections and findings, so a test of the due list decides every site's last visit."""
    from xunjian.findings.tables import FindingExtension, FindingListing, FindingResponse, FindingVerification

    for table in (FindingExtension, FindingListing, FindingResponse, FindingVerification, Finding, Inspection):
        await table.delete(force=True)
