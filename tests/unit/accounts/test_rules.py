from datetime import datetime, timedelta, timezone

from xunjian.accounts import rules

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=15)


def test_throttle_waits_until_the_window_has_passed():
    state = rules.ThrottleState(5, NOW)
    assert rules.throttle_retry_after(state, NOW, 5, WINDOW) == 15 * 60 + 1
    assert rules.throttle_retry_after(state, NOW + timedelta(minutes=10), 5, WINDOW) == 5 * 60 + 1
    assert rules.throttle_retry_after(state, NOW + WINDOW, 5, WINDOW) == 0
    assert rules.window_restarts_before(NOW + WINDOW, WINDOW) == NOW


def test_a_counted_attempt_passes_up_to_the_limit():
    assert rules.counted_retry_after(rules.ThrottleState(5, NOW), NOW, 5, WINDOW) == 0
    assert rules.counted_retry_after(rules.ThrottleState(6, NOW), NOW, 5, WINDOW) == 15 * 60 + 1
    assert rules.counted_retry_after(rules.ThrottleState(6, NOW), NOW + WINDOW, 5, WINDOW) == 0


def test_overload_retry_after_spreads_the_queue_over_the_slots():
    assert rules.overload_retry_after(0, 2, 0.1, 10) == 1
    assert rules.overload_retry_after(62, 2, 0.3, 10) == 10
    assert rules.overload_retry_after(18, 2, 0.5, 10) == 5


def test_below_the_limit_waits_nothing():
    state = rules.ThrottleState(4, NOW)
    assert rules.throttle_retry_after(state, NOW, 5, WINDOW) == 0
    assert rules.throttle_retry_after(None, NOW, 5, WINDOW) == 0


def test_session_validity():
    idle = timedelta(hours=12)
    assert rules.session_valid(NOW, NOW - timedelta(hours=1), NOW + timedelta(days=1), None, idle)
    assert not rules.session_valid(NOW, NOW - timedelta(hours=13), NOW + timedelta(days=1), None, idle)
    assert not rules.session_valid(NOW, NOW, NOW, None, idle)
    assert not rules.session_valid(NOW, NOW, NOW + timedelta(days=1), NOW, idle)


def test_tokens_are_random_and_csrf_is_bound_to_the_token():
    a, b = rules.new_token(), rules.new_token()
    assert a != b and len(a) >= 40
    assert rules.token_hash(a) != a and len(rules.token_hash(a)) == 64
    assert rules.csrf_ok(a, rules.csrf_token(a))
    assert not rules.csrf_ok(a, rules.csrf_token(b))
    assert not rules.csrf_ok(a, None)
