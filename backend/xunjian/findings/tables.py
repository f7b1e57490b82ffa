from piccolo.columns import (
    JSON, UUID, Boolean, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..accounts.tables import User
from ..inspections.tables import Inspection
from ..regions.tables import Region
from ..sites.tables import Site


class Finding(Table):
    """A hazard (隐患) to be rectified. Item findings are unique per (inspection, item_key) (a unique index made
    by a hand-written migration), so a replayed submission never duplicates one; findings the inspector added have
    no item_key.

    status: open | responded | closed; extension_status: null | requested | proposed | approved | refused.
    escalation_level is written by the escalation job (level 3 by a confirmed listing); so is `listing` = proposed,
    with the listing authority (the prefecture holding the site), then confirmed or declined by its supervisors.
    first_deadline is the deadline before any extension (null while there was none).
    """

    site = ForeignKey(Site, index=True)
    inspection = ForeignKey(Inspection, null=True, default=None, index=True)
    item_key = Varchar(length=64, null=True, default=None)
    title = Varchar(length=300)
    description = Text(default="")
    basis = Varchar(length=300, default="")
    grade = Varchar(length=16)  # general | major
    status = Varchar(length=16, default="open", index=True)
    extension_status = Varchar(length=16, null=True, default=None)
    requested_deadline = Timestamptz(null=True, default=None)
    deadline = Timestamptz(index=True)
    risk_weight = DoublePrecision(default=1.0)
    self_reported = Boolean(default=False)
    photos = JSON(default=[])
    rechecked_at = Timestamptz(null=True, default=None)
    rechecked_by = ForeignKey(User, null=True, default=None)
    last_reason = Text(default="")  # the latest rejection or refusal reason, shown to the manager
    created_by = ForeignKey(User)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    responded_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(User, null=True, default=None)
    escalation_level = Integer(default=0)
    listing = Varchar(length=16, null=True, default=None)  # null | proposed | confirmed | declined
    listing_authority = ForeignKey(Region, null=True, default=None)
    first_deadline = Timestamptz(null=True, default=None)


class FindingResponse(Table):
    """The manager's answer to a finding: what was done, with evidence photos."""

    finding = ForeignKey(Finding, index=True)
    note = Text()
    photos = JSON(default=[])
    by = ForeignKey(User)
    at = Timestamptz(default=TimestamptzNow())
    client_id = UUID(null=True, default=None, index=True)  # the device's id for the action: replays are recognised


class FindingVerification(Table):
    """An inspector's or supervisor's decision on a response: recheck (on site), accept (close) or reject."""

    finding = ForeignKey(Finding, index=True)
    decision = Varchar(length=16)  # recheck | accept | reject
    note = Text(default="")
    photos = JSON(default=[])
    lat = DoublePrecision(null=True, default=None)
    lng = DoublePrecision(null=True, default=None)
    distance_m = DoublePrecision(null=True, default=None)
    by = ForeignKey(User)
    at = Timestamptz(default=TimestamptzNow())
    client_id = UUID(null=True, default=None, index=True)  # the device's id for the action: replays are recognised


class FindingExtension(Table):
    """Requests for more time and their decisions."""

    finding = ForeignKey(Finding, index=True)
    action = Varchar(length=16)  # request | approve | refuse
    reason = Text(default="")
    requested_deadline = Timestamptz(null=True, default=None)
    deadline = Timestamptz(null=True, default=None)
    by = ForeignKey(User)
    at = Timestamptz(default=TimestamptzNow())
    client_id = UUID(null=True, default=None, index=True)  # the device's id for the action: replays are recognised


class FindingListing(Table):
    """A supervisor's decision on a proposal to list a finding for supervision (挂牌督办): confirm, with the
    supervision notice (督办通知书) it issued, or decline, with the reason."""

    finding = ForeignKey(Finding, index=True)
    decision = Varchar(length=16)  # confirm | decline
    reason = Text(default="")
    authority = ForeignKey(Region)
    document_id = Integer(null=True, default=None)  # the issued notice (documents app)
    number = Varchar(length=64, default="")  # its number, e.g. 兰民督〔2026〕第0001号
    by = ForeignKey(User)
    at = Timestamptz(default=TimestamptzNow())
    client_id = UUID(null=True, default=None, index=True)  # the device's id for the action: replays are recognised


class FindingPlan(Table):
    """A major hazard's 五到位 rectification plan, submitted by the site's manager (each revision a new row; the
    latest is the plan): measures, money, deadline, responsible person and contingency plan."""

    finding = ForeignKey(Finding, index=True)
    measures = Text()
    funds = Text()  # the money set aside and where it comes from
    complete_by = Timestamptz()
    responsible = Varchar(length=100)
    contingency = Text()
    by = ForeignKey(User)
    at = Timestamptz(default=TimestamptzNow())
    client_id = UUID(null=True, default=None, index=True)  # the device's id for the action: replays are recognised
