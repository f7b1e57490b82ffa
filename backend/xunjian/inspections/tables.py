from piccolo.columns import JSON, UUID, Boolean, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..accounts.tables import User
from ..sites.tables import Site


class Inspection(Table):
    """One run of a checklist at a site, keyed by the client's UUID (offline submissions replay safely).

    `answers` follows the pinned template (template_key, template_version); `content_hash` is the hash of the
    submitted payload, so an identical replay is recognised and a different one refused once submitted.
    """

    id = UUID(primary_key=True)
    site = ForeignKey(Site, index=True)
    inspector = ForeignKey(User, index=True)
    template_key = Varchar(length=64)
    template_version = Integer()
    status = Varchar(length=16, default="draft", index=True)  # draft | submitted
    self_inspection = Boolean(default=False)
    answers = JSON(default={})
    extra_findings = JSON(default=[])  # findings the inspector added that no item covers, as submitted
    remarks = Text(default="")
    content_hash = Varchar(length=64)
    checkin_lat = DoublePrecision(null=True, default=None)
    checkin_lng = DoublePrecision(null=True, default=None)
    checkin_accuracy_m = DoublePrecision(null=True, default=None)
    checkin_distance_m = DoublePrecision(null=True, default=None)
    checkin_far = Boolean(default=False)
    device_started_at = Timestamptz(null=True, default=None)
    device_submitted_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None, index=True)  # server time
    checks_answered = Integer(default=0)
    checks_noncompliant = Integer(default=0)
