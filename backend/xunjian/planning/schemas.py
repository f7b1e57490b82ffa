from datetime import datetime

import msgspec


class DueSite(msgspec.Struct):
    site_id: int
    code: str
    name: str
    kind: str
    region_id: int
    region_name: str
    tier: str | None  # None: not rated yet (planned as yellow)
    score: float | None
    frequency_days: int
    last_inspected_at: datetime | None
    due_at: datetime
    status: str  # overdue | due
    days_overdue: float  # negative: days until due
    lat: float | None
    lng: float | None


class DueList(msgspec.Struct):
    items: list[DueSite]
    total: int
    limit: int
    offset: int
    as_of: datetime
    within_days: int
