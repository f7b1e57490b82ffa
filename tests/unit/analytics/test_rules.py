from datetime import datetime, timezone

import pytest

from xunjian.analytics import rules


def test_months_are_beijing_months_in_utc():
    m = rules.month(2026, 12)
    assert m.label == "2026-12"
    assert m.start == datetime(2026, 11, 30, 16, tzinfo=timezone.utc)
    assert m.end == datetime(2026, 12, 31, 16, tzinfo=timezone.utc)


def test_default_period_is_this_year_to_this_month_in_beijing():
    # 20:00 UTC on 31 March is 1 April in Beijing.
    p = rules.period(datetime(2026, 3, 31, 20, tzinfo=timezone.utc), None, None, None)
    assert (p.year, p.month_from, p.month_to) == (2026, 1, 4)
    assert rules.period(datetime(2026, 3, 1, tzinfo=timezone.utc), 2025, None, None).month_to == 12


def test_previous_month_may_lie_before_the_period():
    p = rules.period(datetime(2026, 6, 1, tzinfo=timezone.utc), 2026, 1, 1)
    assert p.previous.label == "2025-12"
    assert [m.label for m in p.series] == ["2025-12", "2026-01"]
    assert [m.label for m in rules.Period(2026, 2, 4).series] == ["2026-02", "2026-03", "2026-04"]


@pytest.mark.parametrize("args", [(1999, None, None), (2026, 0, None), (2026, 1, 13), (2026, 5, 4)])
def test_bad_periods(args):
    with pytest.raises(rules.PeriodError):
        rules.period(datetime(2026, 6, 1, tzinfo=timezone.utc), *args)


def test_shares_and_the_moment_counted():
    assert rules.share(1, 3) == 33.3 and rules.share(0, 0) is None
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    assert rules.as_of(rules.month(2026, 6).end, now) == now
