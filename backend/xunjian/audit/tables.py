from piccolo.columns import JSON, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..accounts.tables import User


class AuditEvent(Table):
    """Append-only trail: who did what to which record, when, from where. No endpoint edits or deletes events."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = ForeignKey(User, null=True, default=None)
    actor_name = Varchar(length=64, default="")
    action = Varchar(length=64, index=True)
    entity_type = Varchar(length=32)
    entity_id = Varchar(length=64)
    site_id = Integer(null=True, default=None, index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    client_addr = Varchar(length=64, default="")
