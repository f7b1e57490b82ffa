from piccolo.columns import JSON, UUID, Date, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..accounts.tables import User
from ..regions.tables import Region
from ..sites.tables import Site


class Plan(Table):
    """An inspection plan (检查计划): what is drawn where, when, by whom. `region_path` copies the region's, so
    scoping a list needs no join. status: draft → drawn (a draft draw, may be replaced) → published (final)."""

    name = Varchar(length=200)
    kind = Varchar(length=16)
    partner = Varchar(length=200, default="")  # the other department of a joint (联合) inspection
    region = ForeignKey(Region, index=True)
    region_path = Varchar(length=255, index=True)
    site_kinds = JSON(default=[])
    period_start = Date()
    period_end = Date()
    template_key = Varchar(length=64, null=True, default=None)
    draw_count = Integer(null=True, default=None)
    draw_share = DoublePrecision(null=True, default=None)
    tier_weights = JSON(default={})
    pool = JSON(default=[])  # inspector user ids
    status = Varchar(length=16, default="draft")
    created_by = ForeignKey(User)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)


class PlanDraw(Table):
    """A plan's draw with everything needed to recompute it: seed, algorithm version, inputs and result."""

    plan = ForeignKey(Plan, unique=True)
    seed = Varchar(length=128)
    algorithm_version = Integer()
    inputs = JSON()
    result = JSON()
    drawn_by = ForeignKey(User)
    drawn_at = Timestamptz(default=TimestamptzNow())


class PlanTask(Table):
    """A drawn (site, pair of inspectors) of a published plan. status: open → in_progress → done."""

    plan = ForeignKey(Plan, index=True)
    site = ForeignKey(Site, index=True)
    inspector_a = ForeignKey(User, index=True)
    inspector_b = ForeignKey(User, index=True)
    status = Varchar(length=16, default="open")
    inspection = UUID(null=True, default=None, index=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class PlanConflict(Table):
    """A conflict of interest (回避): an inspector connected to a site, or to every site of an operator."""

    inspector = ForeignKey(User, index=True)
    site = ForeignKey(Site, null=True, default=None)
    operator = Varchar(length=200, default="")
    note = Text(default="")
    created_by = ForeignKey(User)
    created_at = Timestamptz(default=TimestamptzNow())
