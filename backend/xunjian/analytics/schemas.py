from __future__ import annotations

from datetime import datetime

import msgspec


class AnalyticsRegion(msgspec.Struct):
    id: int | None  # null: the caller's whole scope
    name: str


class PeriodRead(msgspec.Struct):
    year: int
    month_from: int
    month_to: int
    months: list[str]  # "YYYY-MM", Beijing months
    this_month: str  # the period's last month, compared with
    previous_month: str  # the one before it


class RectificationRow(msgspec.Struct):
    month: str
    due: int  # findings whose deadline in force fell in the month
    closed_on_time: int
    closed_late: int
    still_open: int
    on_time_pct: float | None  # closed on time / due, percent; null when nothing was due


class MajorHazardRow(msgspec.Struct):
    month: str
    open_at_start: int
    raised: int
    closed: int
    open_at_end: int


class OpenMajorHazard(msgspec.Struct):
    finding_id: int
    site_id: int
    site_code: str
    site_name: str
    county: str
    title: str
    status: str  # open | responded
    created_at: datetime
    deadline: datetime
    escalation_level: int
    listing: str | None  # proposed | confirmed | declined


class OverdueRow(msgspec.Struct):
    subject_type: str  # finding | follow_up_case
    subject_name: str  # 隐患 | 街面巡查跟进个案
    level: int  # 0: overdue, not escalated yet
    level_name: str  # as the subject type's ladder names it; 逾期未督办 for 0
    overdue: int
    open: int  # subjects of this type open at that moment (every level)
    share_pct: float | None  # overdue at this level / open, percent
    previous_overdue: int  # the same at the end of the previous month
    previous_open: int
    previous_share_pct: float | None


class TopItem(msgspec.Struct):
    template_key: str
    item_key: str
    title: str
    count: int  # in the period
    this_month: int
    previous_month: int


class CountyCoverage(msgspec.Struct):
    region_id: int | None  # null: sites under no county
    region_name: str
    sites: int  # active sites of the kinds inspected on a schedule
    inspected: int  # inspected at least once in the period
    coverage_pct: float | None
    inspected_this_month: int
    coverage_this_month_pct: float | None
    inspected_previous_month: int
    coverage_previous_month_pct: float | None


class Analytics(msgspec.Struct):
    region: AnalyticsRegion
    period: PeriodRead
    generated_at: datetime
    rectification: list[RectificationRow]  # one per month of the period
    rectification_total: RectificationRow  # the period (month "total")
    rectification_previous: RectificationRow  # the month before the period's last one
    major_hazards: list[MajorHazardRow]
    major_hazards_previous: MajorHazardRow
    open_major_hazards: list[OpenMajorHazard]  # the first ones by deadline (XLSX: all of them)
    open_major_hazards_total: int
    overdue_at: datetime  # the end of the period's last month, or now if it has not ended
    overdue_previous_at: datetime
    overdue: list[OverdueRow]
    top_items: list[TopItem]
    coverage: list[CountyCoverage]
    coverage_total: CountyCoverage
