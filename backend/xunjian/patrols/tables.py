from piccolo.columns import (
    JSON, UUID, Boolean, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..accounts.tables import User
from ..regions.tables import Region
from ..sites.tables import Site


class Campaign(Table):
    """A campaign declared for a region over a period, e.g. 寒冬送温暖 after a cold-wave warning (patrols daily)."""

    region = ForeignKey(Region, index=True)
    region_path = Varchar(length=255, index=True)
    tag = Varchar(length=50)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    created_by = ForeignKey(User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class PersonRecord(Table):
    """易流浪走失人员信息库: one person met repeatedly, kept only as far as tracing and help need.

    Owned by a site (the patrol zone or rescue station where the record was opened) so the one scope decides who sees
    it. Name and hometown are optional: many people met are unidentified.

    Name, hometown, features and notes are sealed (crypto.py, AES-GCM under a key from outside the database); exact
    search by name or hometown goes through their blind indexes (HMAC-SHA256 of the normalised value).
    """

    site = ForeignKey(Site, index=True)
    code = Varchar(length=32, unique=True)
    name = Text(default="")
    name_bidx = Varchar(length=64, default="", index=True)
    sex = Varchar(length=8)
    age_band = Varchar(length=16)
    features = JSON(default=[])
    hometown = Text(default="")
    hometown_bidx = Varchar(length=64, default="", index=True)
    notes = Text(default="")
    tracing_status = Varchar(length=24, default="pending")
    notice_published_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Patrol(Table):
    """A street patrol (街面巡查) in a patrol zone, keyed by the client's UUID so offline replays are idempotent."""

    id = UUID(primary_key=True)
    zone = ForeignKey(Site, index=True)
    recorded_by = ForeignKey(User, index=True)
    team = JSON(default=[])
    started_at = Timestamptz(index=True)
    ended_at = Timestamptz(null=True, default=None)
    campaign_tag = Varchar(length=50, default="")
    weather = Varchar(length=50, default="")
    warning_level = Varchar(length=8, default="none")
    place_types = JSON(default=[])
    track = JSON(default=[])
    answers = JSON(default={})
    template_key = Varchar(length=64, default="")
    template_version = Integer(null=True, default=None)
    encounter_count = Integer(default=0)
    content_hash = Varchar(length=64)
    received_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Encounter(Table):
    """One person met on a patrol. Only what help and follow-up need: no name, no ID number.

    `details`, `features`, `answers` and `face_reason` are sealed (crypto.py). `details`, `features`, the location and
    the photos are purged after the retention period unless a person record
    or an open case needs them; the flags and the action stay as anonymous statistics.
    """

    id = UUID(primary_key=True)
    patrol = ForeignKey(Patrol, index=True)
    zone = ForeignKey(Site, index=True)
    recorded_by = ForeignKey(User, index=True)
    seq = Integer()
    met_at = Timestamptz(index=True)
    lat = DoublePrecision(null=True, default=None)
    lng = DoublePrecision(null=True, default=None)
    place_type = Varchar(length=32, default="")
    sex = Varchar(length=8)
    age_band = Varchar(length=16)
    is_minor = Boolean(default=False)
    is_elderly = Boolean(default=False)
    is_disabled = Boolean(default=False)
    suspected_mental_illness = Boolean(default=False)
    critically_ill = Boolean(default=False)
    action = Varchar(length=32)
    referral_target = ForeignKey(Site, null=True, default=None)
    follow_up_needed = Boolean(default=False)
    earlier_record = Varchar(length=64, default="")
    features = JSON(default=[])
    details = Text(default="")
    answers = JSON(default={})
    photo_ids = JSON(default=[])
    # 告知 (PIPL 第十七条、第三十五条): the team showed or read the notice to the person met.
    notice_given = Boolean(default=False)
    # A minor's face is photographed only when needed, and then marked so with the reason (rules.face_photo_problem).
    face_needed = Boolean(default=False)
    face_reason = Text(default="")
    content_hash = Varchar(length=64)
    person = ForeignKey(PersonRecord, null=True, default=None, index=True)
    linked_by = ForeignKey(User, null=True, default=None)
    linked_at = Timestamptz(null=True, default=None)
    purged_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class FollowUpCase(Table):
    """Opened by an encounter with a minor, an elderly, disabled, mentally or critically ill person, or a refusal.

    One per encounter (unique), so a replay never opens a second one. Escalates like a finding until closed.
    """

    encounter = ForeignKey(Encounter, unique=True)
    zone = ForeignKey(Site, index=True)
    recorded_by = ForeignKey(User, index=True)
    reasons = JSON(default=[])
    urgent = Boolean(default=False)  # a minor or a critically ill person: the faster ladder
    escalation_level = Integer(default=0)  # kept by the escalation job
    opened_at = Timestamptz()
    deadline = Timestamptz(index=True)
    status = Varchar(length=8, default="open", index=True)
    outcome = Varchar(length=32, null=True, default=None)
    outcome_note = Text(default="")  # sealed (crypto.py)
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(User, null=True, default=None)


class EncounterCount(Table):
    """What retention deleted, kept as counts instead of de-identified rows: people met per patrol zone, week (the
    Monday of the ISO week, Asia/Shanghai), sex, age band, vulnerability flags and action. One row per combination
    (a unique index made by the migration); a purge adds its counts to it."""

    zone = ForeignKey(Site, index=True)
    region_path = Varchar(length=255, index=True)
    week_start = Varchar(length=10)
    sex = Varchar(length=8)
    age_band = Varchar(length=16)
    is_minor = Boolean(default=False)
    is_elderly = Boolean(default=False)
    is_disabled = Boolean(default=False)
    suspected_mental_illness = Boolean(default=False)
    critically_ill = Boolean(default=False)
    action = Varchar(length=32)
    encounters = Integer(default=0)


class PiiKey(Table):
    """The ids (never the keys) of the keys personal data was sealed with. Start-up refuses a key ring that does not
    hold every one of them, so a wrong key fails at once instead of on the first read; `xunjian pii
    encrypt-existing` removes an id once nothing is sealed under it any more."""

    kid = Varchar(length=16, unique=True)
    first_used_at = Timestamptz(default=TimestamptzNow())
