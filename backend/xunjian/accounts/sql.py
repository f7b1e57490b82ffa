"""Named SQL of the accounts domain (both engines)."""

# One failed-or-pending login attempt on a throttle key, atomically: a window that started at or before the cutoff
# (rules.window_restarts_before) starts again at 1. Parameters: key, now, cutoff, cutoff.
COUNT_ATTEMPT = """
INSERT INTO login_throttle (key, failures, window_start) VALUES ({}, 1, {})
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN login_throttle.window_start <= {} THEN 1 ELSE login_throttle.failures + 1 END,
    window_start = CASE WHEN login_throttle.window_start <= {} THEN excluded.window_start
                        ELSE login_throttle.window_start END
RETURNING failures, window_start
"""
