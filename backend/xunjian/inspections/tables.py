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


class InspectionInspector(Table, tablename="inspection_team"):
    """Who carried out an inspection: the lead (who submits it) and the co-inspectors, each with the certificate
    number (执法证号) their account held when the inspection was written, so an old record keeps its numbers.
    Written in the inspection's own transaction; `position` keeps the order (the lead is 0)."""

    inspection = ForeignKey(Inspection, index=True)
    user = ForeignKey(User, index=True)
    certificate_no = Varchar(length=40, null=True, default=None)
    lead = Boolean(default=False)
    position = Integer(default=0)


class InspectionSignature(Table):
    """A signature of a submitted inspection, keyed by the client's UUID: evidence, never edited.

    signer "inspector" (one of the recorded inspectors, `user`) or "site" (its person in charge, `name`); the
    handwriting is a photo (`photo_id`, through the photo pipeline), or, for the site only, a refusal (拒签) with a
    witness and optionally a photo of the scene. `slot` ("<inspection>:inspector:<user>", "<inspection>:site") is
    unique: one signature per signer. `image_sha256` is the signing image's SHA-256 (the photo's original), set once
    the photo has arrived.
    """

    id = UUID(primary_key=True)
    inspection = ForeignKey(Inspection, index=True)
    slot = Varchar(length=80, unique=True)
    signer = Varchar(length=16)
    user = ForeignKey(User, null=True, default=None)
    name = Varchar(length=100, default="")
    photo_id = UUID(null=True, default=None)
    refused = Boolean(default=False)
    witness_name = Varchar(length=40, null=True, default=None)
    refusal_photo_id = UUID(null=True, default=None)
    image_sha256 = Varchar(length=64, null=True, default=None)
    content_hash = Varchar(length=64)
    captured_by = ForeignKey(User)
    signed_at = Timestamptz(default=TimestamptzNow())
