"""The analytics' arithmetic, pure: the period's months (Beijing calendar), shares and the definitions they follow.

Definitions (README "Analytics", and the OpenAPI description of /api/analytics):
- 整改率: the findings whose deadline in force (after approved extensions; a closed finding's deadline no longer
  moves, so it is the deadline in force at closing) falls in a month. Closed on time: closed (销号) at or before that
  deadline, to the second; late: closed after it; still open: not closed now (open, or responded and awaiting
  verification). Self-reported findings (自查) count like the others.
- 重大隐患清零: major hazards open at the start of a month (raised before it, not closed before it), raised in it,
  closed in it, open at its end.
- Overdue: not closed and past the deadline in force at that moment, as the risk board counts it; by the escalation
  level reached by then (0: overdue, not escalated yet), for findings and for street-patrol follow-up cases, each
  with its ladder's level names. Share: of the subjects of that kind open at that moment.
- Coverage: the plans' coverage (sites inspected at least once in the months / active sites of the kinds inspected
  on a schedule; submitted inspections, self-inspections not counted).
- Month over month: the period's last month against the month before it (which may lie before the period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MIN_YEAR, MAX_YEAR = 2000, 2100
TOP_ITEMS = 10
NOT_ESCALATED = "逾期未督办"  # level 0 of the overdue table: past the deadline, no ladder level reached yet
SUBJECT_NAMES = {"finding": "隐患", "follow_up_case": "街面巡查跟进个案"}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Month:
    label: str  # "2026-03"
    start: datetime  # UTC, the first instant of the month in Beijing
    end: datetime  # UTC, the first instant of the next month


def month(year: int, number: int) -> Month:
    start = datetime(year, number, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return Month(f"{year:04d}-{number:02d}", start.astimezone(timezone.utc), end.astimezone(timezone.utc))


@dataclass(frozen=True)
class Period:
    year: int
    month_from: int
    month_to: int

    @property
    def months(self) -> list[Month]:
        return [month(self.year, m) for m in range(self.month_from, self.month_to + 1)]

    @property
    def previous(self) -> Month:
        """The month before the period's last one, for month over month."""
        m = self.month_to - 1
        return month(self.year, m) if m else month(self.year - 1, 12)

    @property
    def last(self) -> Month:
        return month(self.year, self.month_to)

    @property
    def series(self) -> list[Month]:
        """The months a monthly table computes: the period's, and the previous month when it lies before them."""
        return self.months if self.month_to > self.month_from else [self.previous, *self.months]

    @property
    def start(self) -> datetime:
        return self.months[0].start

    @property
    def end(self) -> datetime:
        return self.months[-1].end


def period(now: datetime, year: int | None, month_from: int | None, month_to: int | None) -> Period:
    """The period asked for; by default this year (Beijing) from January to this month."""
    local = now.astimezone(LOCAL_TZ)
    year = local.year if year is None else year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"year must be {MIN_YEAR}..{MAX_YEAR}")
    month_from = 1 if month_from is None else month_from
    if month_to is None:
        month_to = local.month if year == local.year else 12
        month_to = max(month_to, month_from)
    if not (1 <= month_from <= 12 and 1 <= month_to <= 12):
        raise PeriodError("months are 1..12")
    if month_from > month_to:
        raise PeriodError("month_from must not be after month_to")
    return Period(year, month_from, month_to)


def share(part: int, whole: int) -> float | None:
    """A percentage with one decimal; None when there is nothing to share out."""
    return round(100.0 * part / whole, 1) if whole else None


def as_of(moment: datetime, now: datetime) -> datetime:
    """A month's end, or now when the month has not ended yet: a count "at the end" is never of the future."""
    return min(moment, now)
