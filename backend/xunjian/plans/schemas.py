import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from ..paging import Id

PlanKind = Literal["routine", "special", "complaint", "joint"]
DrawnKind = Literal["eldercare", "lottery_outlet", "rescue_station"]  # patrol zones are never drawn
Tier = Literal["red", "orange", "yellow", "blue"]
TaskStatus = Literal["open", "in_progress", "done", "overdue"]
# Beyond the national figure of sites (about 250,000) a count means nothing.
DrawCount = Annotated[int, Meta(ge=1, le=1_000_000)]
Share = Annotated[float, Meta(gt=0, le=1, description="a share of the eligible sites, rounded up")]
Weight = Annotated[float, Meta(ge=0, le=1000)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Seed = Annotated[str, Meta(min_length=1, max_length=128)]


class TierWeights(msgspec.Struct, forbid_unknown_fields=True):
    """Relative chance of a site of each tier to be drawn next (a weight of 0 leaves the tier out)."""

    red: Weight = 4
    orange: Weight = 3
    yellow: Weight = 2
    blue: Weight = 1


class PlanCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`count` or `share` says how many sites to draw (exactly one of them)."""

    name: Name
    kind: PlanKind
    region_id: Id
    site_kinds: Annotated[list[DrawnKind], Meta(min_length=1, max_length=3)]
    period_start: date
    period_end: date
    pool: Annotated[list[Id], Meta(min_length=2, max_length=2000)]
    count: DrawCount | None = None
    share: Share | None = None
    partner: Annotated[str, Meta(max_length=200)] = ""
    template_key: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    tier_weights: TierWeights | None = None  # None: the defaults of plans/rules.py


class PlanUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Any of the fields of PlanCreate; only while nothing is drawn."""

    name: Name | None = None
    kind: PlanKind | None = None
    region_id: Id | None = None
    site_kinds: Annotated[list[DrawnKind], Meta(min_length=1, max_length=3)] | None = None
    period_start: date | None = None
    period_end: date | None = None
    pool: Annotated[list[Id], Meta(min_length=2, max_length=2000)] | None = None
    count: DrawCount | None = None
    share: Share | None = None
    partner: Annotated[str, Meta(max_length=200)] | None = None
    template_key: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    tier_weights: TierWeights | None = None


class Progress(msgspec.Struct):
    open: int = 0
    in_progress: int = 0
    done: int = 0
    overdue: int = 0


class PlanRead(msgspec.Struct):
    id: int
    name: str
    kind: str
    partner: str
    region_id: int
    region_name: str
    site_kinds: list[str]
    period_start: date
    period_end: date
    template_key: str | None
    count: int | None
    share: float | None
    tier_weights: dict[str, float]
    pool: list[int]
    status: str  # draft | drawn | published
    created_by: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    progress: Progress
    public_url: str | None


class PlanList(msgspec.Struct):
    items: list[PlanRead]
    total: int
    limit: int
    offset: int


class DrawRequest(msgspec.Struct, forbid_unknown_fields=True):
    seed: Seed | None = None  # None: a random one from `secrets`


class DrawnTask(msgspec.Struct):
    site_id: int
    site_name: str
    site_kind: str
    tier: str
    inspectors: list[int]
    inspector_names: list[str]


class DrawRead(msgspec.Struct):
    plan_id: int
    seed: str
    algorithm_version: int
    drawn_at: datetime
    drawn_by: int
    published: bool
    eligible: int
    requested: int
    inputs: dict
    tasks: list[DrawnTask]


class DrawCheck(msgspec.Struct):
    matches: bool
    algorithm_version: int
    seed: str
    stored: dict
    recomputed: dict


class TaskRead(msgspec.Struct):
    id: int
    plan_id: int
    plan_name: str
    plan_kind: str
    period_start: date
    period_end: date
    template_key: str | None
    site_id: int
    site_name: str
    site_kind: str
    inspectors: list[int]
    inspector_names: list[str]
    status: TaskStatus
    inspection_id: uuid.UUID | None


class TaskList(msgspec.Struct):
    items: list[TaskRead]
    total: int
    limit: int
    offset: int


class PoolMember(msgspec.Struct):
    id: int
    display_name: str


class ConflictCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of `site_id` (that site) or `operator` (every site of that operator)."""

    inspector_id: Id
    site_id: Id | None = None
    operator: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    note: Annotated[str, Meta(max_length=1000)] = ""


class ConflictRead(msgspec.Struct):
    id: int
    inspector_id: int
    inspector_name: str
    site_id: int | None
    site_name: str | None
    operator: str
    note: str
    created_by: int
    created_at: datetime


class CoverageRow(msgspec.Struct):
    region_id: int | None  # the county; None for sites registered above county level
    region_name: str
    site_kind: str
    sites: int
    inspected: int


class PlanCoverage(msgspec.Struct):
    plan_id: int
    plan_name: str
    drawn: int
    done: int
    hazards_found: int
    rectified: int


class Coverage(msgspec.Struct):
    year: int
    region_id: int | None
    counties: list[CoverageRow]
    plans: list[PlanCoverage]


class PublicSite(msgspec.Struct):
    name: str
    kind: str
    county: str
    status: Literal["pending", "done", "overdue"]
    inspected_on: date | None
    result: Literal["compliant", "hazards_found"] | None
    hazards_found: int
    rectified: int


class PublicPlan(msgspec.Struct):
    id: int
    name: str
    kind: str
    partner: str
    authority: str
    period_start: date
    period_end: date
    published_on: date
    drawn_on: date
    seed: str
    algorithm_version: int
    sites: list[PublicSite]
