import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from ..sites.schemas import Lat, Lng

Status = Literal["open", "responded", "closed"]
Grade = Literal["general", "major"]
# What the service accepts (findings/service.py NOTE_LENGTH, MAX_PHOTOS).
Note = Annotated[str, Meta(max_length=2000)]
RequiredNote = Annotated[str, Meta(max_length=2000, pattern=r"\S")]
Photos = Annotated[list[str], Meta(max_length=10, description="photo ids")]


class Location(msgspec.Struct, forbid_unknown_fields=True):
    lat: Lat
    lng: Lng
    accuracy_m: float | None = None


class FindingRead(msgspec.Struct):
    id: int
    site_id: int
    site_code: str
    site_name: str
    inspection_id: uuid.UUID | None
    item_key: str | None
    title: str
    description: str
    basis: str
    grade: str
    status: str
    extension_status: str | None
    requested_deadline: datetime | None
    deadline: datetime
    overdue: bool
    risk_weight: float
    self_reported: bool
    photos: list[str]
    rechecked_at: datetime | None
    last_reason: str
    escalation_level: int
    created_by: int
    created_at: datetime
    updated_at: datetime
    responded_at: datetime | None
    closed_at: datetime | None
    listing: str | None  # 挂牌督办: null, proposed (awaiting the listing authority), confirmed, declined
    listing_authority_id: int | None  # the region whose supervisors decide the listing and close a listed finding
    first_deadline: datetime | None  # the deadline before any extension
    allowed_actions: list[str]  # what the caller may do now


class FindingList(msgspec.Struct):
    items: list[FindingRead]
    total: int
    limit: int
    offset: int


class ResponseRead(msgspec.Struct):
    id: int
    note: str
    photos: list[str]
    by: int
    by_name: str
    at: datetime


class VerificationRead(msgspec.Struct):
    id: int
    decision: str
    note: str
    photos: list[str]
    lat: float | None
    lng: float | None
    distance_m: float | None
    by: int
    by_name: str
    at: datetime


class ExtensionRead(msgspec.Struct):
    id: int
    action: str
    reason: str
    requested_deadline: datetime | None
    deadline: datetime | None
    by: int
    by_name: str
    at: datetime


class ListingRead(msgspec.Struct):
    id: int
    decision: str  # confirm | decline
    reason: str
    authority_id: int
    authority_name: str
    document_id: int | None
    number: str  # the 督办通知书's number, when confirmed
    by: int
    by_name: str
    at: datetime


class PlanRead(msgspec.Struct):
    id: int
    measures: str
    funds: str
    complete_by: datetime
    responsible: str
    contingency: str
    by: int
    by_name: str
    at: datetime


class FindingDetail(msgspec.Struct):
    finding: FindingRead
    responses: list[ResponseRead]
    verifications: list[VerificationRead]
    extensions: list[ExtensionRead]
    listings: list[ListingRead]
    plans: list[PlanRead]  # a major hazard's 五到位 plan, each revision; the last is in force
    plan_due: datetime | None  # when a major hazard's plan is due (7 days after it was found)


class HistoryEvent(msgspec.Struct):
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str  # the username at the time; "system" for a job
    actor_display_name: str | None  # the person's name to show; None for a job (shown as 系统 / System)
    action: str
    before: Any
    after: Any
    client_addr: str


class ResponseCreate(msgspec.Struct, forbid_unknown_fields=True):
    """The manager's answer: what was done, with evidence photos."""

    note: RequiredNote
    photos: Photos = []
    client_id: uuid.UUID | None = None  # the device's id for this action: sending it again changes nothing (200)


class VerificationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """recheck: an inspector's on-site re-check (location required); accept: close; reject: reopen (reason required)."""

    decision: Literal["recheck", "accept", "reject"]
    note: Note = ""
    photos: Photos = []
    location: Location | None = None
    client_id: uuid.UUID | None = None  # the device's id for this action: sending it again changes nothing (200)


class ExtensionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """request (manager; deadline = the one asked for), propose (inspector, major hazards: passes the request to a
    supervisor, within the bound of its first deadline), approve (deadline optional: default the requested or
    proposed one) or refuse (reason required)."""

    action: Literal["request", "propose", "approve", "refuse"]
    deadline: datetime | None = None
    reason: Note = ""
    client_id: uuid.UUID | None = None  # the device's id for this action: sending it again changes nothing (200)


class ListingDecision(msgspec.Struct, forbid_unknown_fields=True):
    """confirm the proposal to list the finding for supervision (挂牌督办; issues a numbered 督办通知书) or decline it
    (reason required)."""

    decision: Literal["confirm", "decline"]
    reason: Note = ""
    client_id: uuid.UUID | None = None  # the device's id for this action: sending it again changes nothing (200)


class PlanCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A major hazard's 五到位 rectification plan (the site's manager): measures, money, deadline, responsible
    person, contingency plan; all required."""

    measures: RequiredNote
    funds: Annotated[str, Meta(max_length=500, pattern=r"\S")]
    complete_by: datetime
    responsible: Annotated[str, Meta(max_length=100, pattern=r"\S")]
    contingency: RequiredNote
    client_id: uuid.UUID | None = None  # the device's id for this action: sending it again changes nothing (200)
