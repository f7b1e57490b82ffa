"""Webhook signatures and the retry schedule."""

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from xunjian.notifications.rules import MAX_ATTEMPTS, matches, next_attempt, signature, verify

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def test_signature_is_hmac_sha256_over_timestamp_and_body():
    body = b'{"a":1}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", "1700000000", body) == "sha256=" + expected
    assert verify("s3cret", "1700000000", body, "sha256=" + expected)
    assert not verify("s3cret", "1700000001", body, "sha256=" + expected)  # the timestamp is signed too
    assert not verify("other", "1700000000", body, "sha256=" + expected)


def test_backoff_doubles_then_caps_then_gives_up():
    delays = [next_attempt(n, NOW) - NOW for n in range(1, MAX_ATTEMPTS)]
    assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert all(b >= a for a, b in zip(delays, delays[1:]))
    assert max(delays) <= timedelta(hours=6)
    assert next_attempt(MAX_ATTEMPTS, NOW) is None


def test_subscription_matching_by_region_and_event_type():
    assert matches("", [], "escalation.step", "/620000/620100/")
    assert matches("/620000/620100/", [], "escalation.step", "/620000/620100/620102/")
    assert not matches("/620000/620500/", [], "escalation.step", "/620000/620100/620102/")
    assert not matches("", ["risk.tier"], "escalation.step", "/620000/")
