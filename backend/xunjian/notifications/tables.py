from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..accounts.tables import User
from ..regions.tables import Region


class Notification(Table):
    """A message in one user's inbox. `event_key` names the event (e.g. "escalation:123"), so one event reaches a
    user once however often the job that raised it runs."""

    user = ForeignKey(User, index=True)
    kind = Varchar(length=32)
    event_key = Varchar(length=128)
    title = Varchar(length=200)
    # The subject's own title (a finding's, a case's), as `title` quotes it: a screen in another language words the
    # message itself from the kind, `body` (the site's name) and this. "" where the message has no such subject.
    subject_title = Varchar(length=200, default="")
    body = Text(default="")
    subject_type = Varchar(length=32, default="")
    subject_id = Varchar(length=64, default="")
    site_id = Integer(null=True, default=None)
    level = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    read_at = Timestamptz(null=True, default=None)


class NotificationMute(Table):
    """A kind of notification one user chose not to get in the inbox (webhooks still carry it); kinds that are
    legally required cannot be muted. `user_kind` ("<user id>:<kind>") makes the pair unique with a one-column
    index, which Piccolo's own migrations create on both engines (a two-column one needs hand-written DDL)."""

    user = ForeignKey(User, index=True)
    kind = Varchar(length=32)
    user_kind = Varchar(length=48, unique=True)


class WebhookSubscription(Table):
    """An outbound webhook: global (no region) or for the sites of one region's subtree."""

    name = Varchar(length=100)
    url = Varchar(length=500)
    secret = Varchar(length=128)
    region = ForeignKey(Region, null=True, default=None)
    region_path = Varchar(length=255, default="")  # "" = every region
    event_types = JSON(default=[])  # [] = every event type
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table):
    """One event for one subscription: sent until the receiver answers 2xx or the attempts run out.

    Also indexed by created_at (a migration written by hand), which the housekeeping job purges by."""

    subscription = ForeignKey(WebhookSubscription, index=True)
    event_type = Varchar(length=64)
    event_key = Varchar(length=128)
    payload = JSON()
    status = Varchar(length=16, default="pending")  # pending, delivered, failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")


class WebhookAttempt(Table):
    """The delivery log: every attempt with its answer or error."""

    delivery = ForeignKey(WebhookDelivery, index=True)
    at = Timestamptz()
    status_code = Integer(null=True, default=None)
    error = Text(default="")
    duration_ms = Integer(default=0)
