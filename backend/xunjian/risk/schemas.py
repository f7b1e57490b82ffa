from datetime import date, datetime

import msgspec


class FactorRead(msgspec.Struct):
    factor: str
    value: float | str | None  # counts, days, percentages; the override's rule name
    contribution: float


class RatingRead(msgspec.Struct):
    tier: str
    score: float
    rated_at: datetime
    rules_version: int
    trigger: str
    factors: list[FactorRead]


class SiteRiskRead(msgspec.Struct):
    site_id: int
    site_code: str
    site_name: str
    kind: str
    region_id: int
    region_name: str
    tier: str | None  # None: not rated yet (or a kind that is not rated)
    # The score now: the lateness points (inspection_overdue) are counted to the moment of the request, like the days
    # overdue; the tier is the one the last rating set (every night, and at once when the site's data changes).
    score: float | None
    rated_at: datetime | None  # when this rating was set: runs that find it unchanged leave it as it is
    rules_version: int | None
    factors: list[FactorRead]
    reasons: list[FactorRead]
    open_findings: int
    overdue_by_level: dict[str, int]
    last_inspected_at: datetime | None
    next_due_at: datetime | None
    frequency_days: int | None
    history: list[RatingRead]
    # The site's own risk: its score and tier without the inspector's lateness (检查逾期), which is `lateness` (days
    # overdue for inspection and their points) when the site is overdue, shown as its own reason, never among
    # `reasons`. The tier shown may be above own_tier by the lateness points alone.
    own_score: float | None = None
    own_tier: str | None = None
    lateness: FactorRead | None = None


class RegionTierCount(msgspec.Struct):
    region_id: int
    code: str
    name: str
    level: str
    counts: dict[str, int]  # tier → sites
    total: int
    # True: the board region's own row (本级), its sites attached to the region itself and to no child region, so
    # that the rows add up to the board's totals.
    direct: bool = False


class BoardSite(msgspec.Struct):
    site_id: int
    code: str
    name: str
    kind: str
    region_name: str
    tier: str
    score: float  # now, as SiteRiskRead.score; the list is ordered by it within each tier
    reasons: list[FactorRead]
    open_findings: int
    overdue: int
    # The site's own risk: its score and tier without the inspector's lateness (检查逾期), which is `lateness` (days
    # overdue for inspection and their points) when the site is overdue, shown as its own reason, never among
    # `reasons`. The tier shown may be above own_tier by the lateness points alone.
    own_score: float | None = None
    own_tier: str | None = None
    lateness: FactorRead | None = None


class TrendPoint(msgspec.Struct):
    week_start: date
    day: date | None  # the snapshot the week shows (its last); None when no rating ran that week
    counts: dict[str, int]


class BoardRegion(msgspec.Struct):
    id: int | None  # None: the whole country (admins) or several regions
    code: str | None
    name: str
    level: str | None
    parent_id: int | None


class Board(msgspec.Struct):
    region: BoardRegion
    counts: dict[str, int]
    total: int
    children: list[RegionTierCount]
    red_orange: list[BoardSite]
    red_orange_total: int
    overdue_by_level: dict[str, int]
    trend: list[TrendPoint]
    rated_at: datetime | None  # the latest rating run over the board's region


class RulesVersionRead(msgspec.Struct):
    version: int
    active: bool
    source: str  # shipped | uploaded
    created_at: datetime
    description: str
    uploaded_by: str | None
    activated_at: datetime | None


class RulesVersionList(msgspec.Struct):
    items: list[RulesVersionRead]


class RegionChange(msgspec.Struct):
    region_id: int  # a prefecture
    region_name: str
    changing: int


class SiteChange(msgspec.Struct, rename={"from_tier": "from", "to_tier": "to"}):
    site_id: int
    site_name: str
    from_tier: str  # a tier, or "unrated"
    to_tier: str


class DryRun(msgspec.Struct):
    version: int
    sites_rated: int
    sites_changing: int  # sites whose tier would change
    transitions: dict[str, int]  # "yellow->orange": 3; "unrated" for a site that enters or leaves the ratings
    by_region: list[RegionChange]
    examples: list[SiteChange]


class ActivationRead(msgspec.Struct):
    version: int
    sites_changed: int  # sites whose tier changed
    transitions: dict[str, int]


class MapPoint(msgspec.Struct):
    site_id: int
    name: str
    tier: str
    lat: float
    lng: float


class MapBounds(msgspec.Struct):
    south: float
    west: float
    north: float
    east: float


class RiskMap(msgspec.Struct):
    """The schematic four-colour map of a region: a tile per child region and the rated sites as points."""
    region: BoardRegion
    counts: dict[str, int]
    children: list[RegionTierCount]
    points: list[MapPoint]  # worst first, at most points_cap of them
    points_total: int  # rated sites of the region with coordinates
    points_cap: int
    bounds: MapBounds | None  # of every such site, not only the points returned; None when there is none
    # 天地图's browser key when the deployment configured one (the optional base layer); None: fetch nothing outside.
    tianditu_key: str | None
