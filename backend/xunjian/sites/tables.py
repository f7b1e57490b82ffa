from piccolo.columns import JSON, Boolean, DoublePrecision, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..accounts.tables import User
from ..regions.tables import Region


class Site(Table):
    """A place that is inspected: eldercare institution, lottery outlet, patrol zone or rescue station.

    `region_path` copies the region's path so that scoping a query to a subtree needs no join.
    Kind-specific fields are nullable columns; which ones a kind requires is decided in sites/rules.py.
    """

    kind = Varchar(length=24, index=True)
    code = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    region = ForeignKey(Region, index=True)
    region_path = Varchar(length=255, index=True)
    address = Varchar(length=300, default="")
    lat = DoublePrecision(null=True, default=None)
    lng = DoublePrecision(null=True, default=None)
    operator = Varchar(length=200, default="")
    ownership = Varchar(length=16, null=True, default=None)
    approved_beds = Integer(null=True, default=None)
    radius_m = Integer(null=True, default=None)
    polygon = JSON(null=True, default=None)
    place_types = JSON(default=[])
    attributes = JSON(default={})
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class SiteManager(Table):
    """Institution managers see only the sites they are linked to."""

    user = ForeignKey(User, index=True)
    site = ForeignKey(Site, index=True)
