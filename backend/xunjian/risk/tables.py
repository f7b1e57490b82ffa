from piccolo.columns import JSON, Boolean, Date, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..regions.tables import Region
from ..sites.tables import Site


class SiteRisk(Table):
    """Each site's current rating (one row per site), what the board and the due list read.

    `region_path` copies the site's, so the board aggregates a subtree with one index range and no join.
    The overdue_* columns count the site's overdue open findings by escalation level (3 = level 3 or above).
    `rated_at` is when the rating last changed; its factors are in the history row written then (risk_rating, same
    site and rated_at), not here: this table stays narrow, so a run compares and rewrites it cheaply.
    """

    site = ForeignKey(Site, unique=True)
    region_path = Varchar(length=255)
    # The site's kind, copied like region_path: a scope of some kinds only (the lottery centre's outlets) is counted
    # from these rows and the roll-up without a join.
    kind = Varchar(length=32, default="")
    tier = Varchar(length=8)
    # The score without the lateness points: the score at any moment adds those, counted from inspection_due_at
    # (rules.live_score). So the passage of time changes no stored rating, and a night writes only real changes.
    base_score = DoublePrecision(default=0.0)
    rules_version = Integer()
    rated_at = Timestamptz()
    open_findings = Integer(default=0)
    open_major = Integer(default=0)
    overdue_l0 = Integer(default=0)
    overdue_l1 = Integer(default=0)
    overdue_l2 = Integer(default=0)
    overdue_l3 = Integer(default=0)
    # The factors' values (beside the counts above), so a run finds the ratings that changed without building
    # every site's factors: only changed ones are built and written.
    level_sum = Integer(default=0)
    noncompliance_pct = DoublePrecision(default=0.0)
    # Not the days overdue (they grow every day even once their points are capped): the date they count from.
    inspection_due_at = Timestamptz(null=True, default=None)
    beds = Integer(default=0)
    full_care_pct = DoublePrecision(default=0.0)
    override = Varchar(length=32, null=True, default=None)


class RiskRollup(Table):
    """The board's counts: sites per (region_path, kind, tier), with their overdue open findings by escalation level.

    Every rating run, full or partial (a finding changed, the escalation job), adds the difference between each
    changed site's old and new rating, so concurrent updates commute; a full run that drops sites from the ratings
    counts it afresh from site_risk. The board sums a few thousand of these rows instead of every site's rating.
    """

    region_path = Varchar(length=255)
    kind = Varchar(length=32, default="")
    tier = Varchar(length=8)
    sites = Integer(default=0)
    overdue_l0 = Integer(default=0)
    overdue_l1 = Integer(default=0)
    overdue_l2 = Integer(default=0)
    overdue_l3 = Integer(default=0)
    rated_at = Timestamptz(null=True, default=None)


class RiskRating(Table):
    """Rating history: a row whenever a site's rating changes in anything it shows, with the factors that produced
    it; the latest row is the current rating's factors (site_risk holds the rest).

    Indexed by (site, rated_at) (a migration written by hand): a site's latest ratings are read along it. With an
    index on site alone PostgreSQL walked rated_at backwards through every site's history (120 ms at 440,000 rows).
    """

    site = ForeignKey(Site)
    rated_at = Timestamptz(index=True)
    tier = Varchar(length=8)
    score = DoublePrecision()
    factors = JSON(default=[])
    rules_version = Integer()
    trigger = Varchar(length=16)  # job, finding, escalation


class RiskSnapshot(Table):
    """Sites per kind and tier per region per day (every ancestor region included), for the board's weekly trend.
    Rows from before kinds were kept have kind "": they count for scopes of every kind only."""

    day = Date()
    region = ForeignKey(Region, index=True)
    kind = Varchar(length=32, default="")
    tier = Varchar(length=8)
    sites = Integer()


class RiskRules(Table):
    """One version of the risk rules: a file of schemas/risk-rules/ stored at start-up, or an admin's upload.

    Exactly one row is active: what current_rules() answers and every rating uses. A version's content never changes
    once stored (ratings name the version they were computed with). `activated_by` is the admin who made the row
    active, None when start-up did (a newly shipped file): once an admin has chosen, start-up no longer switches.
    """

    version = Integer(unique=True)
    description = Text(default="")
    content = JSON()
    content_hash = Varchar(length=64)
    source = Varchar(length=16)  # shipped | uploaded
    created_at = Timestamptz(default=TimestamptzNow())
    uploaded_by = Varchar(length=64, null=True, default=None)
    active = Boolean(default=False)
    activated_at = Timestamptz(null=True, default=None)
    activated_by = Varchar(length=64, null=True, default=None)
