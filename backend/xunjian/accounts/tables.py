from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..regions.tables import Region


class User(Table, tablename="app_user"):
    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=100)
    role = Varchar(length=16, index=True)
    password_hash = Varchar(length=255)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    password_changed_at = Timestamptz(default=TimestamptzNow())
    # 执法证号 of inspectors and supervisors. Unique when set: a unique index made by the migration (SQLite cannot
    # add a UNIQUE column), which lets any number of accounts have none.
    certificate_no = Varchar(length=40, null=True, default=None)
    # The personal-data grant (PIPL): opens person records, the people met on patrols and their photos to an admin,
    # and the review of who read them. Running the system (the admin role) does not include it.
    personal_data = Boolean(default=False)


class UserRegion(Table):
    """Inspectors and supervisors work in regions (a supervisor sees the whole subtree)."""

    user = ForeignKey(User, index=True)
    region = ForeignKey(Region)


class UserSession(Table):
    """Opaque session tokens, stored as SHA-256 so a database leak yields no usable token."""

    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(User, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    client_addr = Varchar(length=64, default="")
    user_agent = Varchar(length=255, default="")


class LoginThrottle(Table):
    """Failed-login counters per account ("user:NAME") and per client ("ip:ADDR"), shared by all app instances."""

    key = Varchar(length=200, unique=True)
    failures = Integer(default=0)
    window_start = Timestamptz(default=TimestamptzNow())
