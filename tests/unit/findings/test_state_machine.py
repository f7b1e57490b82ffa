"""The rectification state machine over every (state, action) pair, and who may take each action."""

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from xunjian.findings import rules
from xunjian.findings.rules import FindingState, IllegalTransition, NotPermitted

STATES = [
    FindingState(status, grade, ext, rechecked)
    for status, grade, ext, rechecked in itertools.product(
        ("open", "responded", "closed"), ("general", "major"), (None, "requested", "approved", "refused"),
        (False, True))
]
# Who may take each action (independent of the state).
WHO = {
    "respond": "manager", "request_extension": "manager", "reject": "inspector", "accept": "supervisor",
    "recheck": "inspector", "approve_extension": "supervisor", "refuse_extension": "inspector",
}


def expected(state: FindingState, action: str) -> FindingState | None:
    """The state after the action, or None when it does not apply: the table the issue describes."""
    if state.status == "closed":
        return None
    ext_requested = state.extension_status == "requested"
    table = {
        "respond": FindingState("responded", state.grade, state.extension_status, False)
        if state.status == "open" else None,
        "reject": FindingState("open", state.grade, state.extension_status, False)
        if state.status == "responded" else None,
        "recheck": FindingState("responded", state.grade, state.extension_status, True)
        if state.status == "responded" else None,
        "accept": FindingState("closed", state.grade, state.extension_status, state.rechecked)
        if state.status == "responded" and (state.grade == "general" or state.rechecked) else None,
        "request_extension": FindingState(state.status, state.grade, "requested", state.rechecked)
        if not ext_requested else None,
        "approve_extension": FindingState(state.status, state.grade, "approved", state.rechecked)
        if ext_requested else None,
        "refuse_extension": FindingState(state.status, state.grade, "refused", state.rechecked)
        if ext_requested else None,
    }
    return table[action]


@pytest.mark.parametrize("state", STATES, ids=str)
@pytest.mark.parametrize("action", rules.ACTIONS)
def test_every_state_and_action(state, action):
    want = expected(state, action)
    if want is None:
        with pytest.raises(IllegalTransition) as err:
            rules.transition(state, action, WHO[action])
        assert err.value.state == state
        assert action not in err.value.allowed
        assert err.value.allowed == rules.allowed_actions(state, WHO[action])
    else:
        assert rules.transition(state, action, WHO[action]) == want


ROLE_TABLE = {
    "respond": {"manager"},
    "request_extension": {"manager"},
    "reject": {"inspector", "supervisor"},
    "accept": {"inspector", "supervisor"},
    "approve_extension": {"inspector", "supervisor"},
    "refuse_extension": {"inspector", "supervisor"},
    "recheck": {"inspector"},
}


@pytest.mark.parametrize("action", rules.ACTIONS)
@pytest.mark.parametrize("role", ["admin", "supervisor", "inspector", "manager"])
def test_roles_are_checked_before_the_state(action, role):
    closed = FindingState("closed", "major")
    if role in ROLE_TABLE[action]:
        with pytest.raises(IllegalTransition):
            rules.transition(closed, action, role)
    else:
        with pytest.raises(NotPermitted):
            rules.transition(closed, action, role)


def test_closed_is_final_and_allows_nothing():
    for state in STATES:
        if state.status == "closed":
            assert rules.allowed_actions(state) == []


def test_major_hazard_needs_a_recheck_and_a_new_response_needs_a_new_one():
    state = FindingState("open", "major")
    state = rules.transition(state, "respond", "manager")
    assert "accept" not in rules.allowed_actions(state, "supervisor")
    state = rules.transition(state, "recheck", "inspector")
    assert "accept" in rules.allowed_actions(state, "supervisor")
    state = rules.transition(state, "reject", "supervisor")
    state = rules.transition(state, "respond", "manager")
    with pytest.raises(IllegalTransition, match="re-check"):
        rules.transition(state, "accept", "inspector")


def test_allowed_actions_for_a_role():
    responded = FindingState("responded", "general", "requested")
    assert rules.allowed_actions(responded, "manager") == []
    assert rules.allowed_actions(responded, "inspector") == [
        "reject", "recheck", "accept", "approve_extension", "refuse_extension"]
    assert rules.allowed_actions(FindingState("open", "general"), "manager") == ["respond", "request_extension"]


def test_overdue_and_extension_deadlines():
    now = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
    assert rules.is_overdue("open", now - timedelta(seconds=1), now)
    assert not rules.is_overdue("responded", now - timedelta(days=3), now)
    assert not rules.is_overdue("open", now + timedelta(days=1), now)
    current = now + timedelta(days=2)
    assert rules.check_extension_deadline(current, current + timedelta(days=10), now) is None
    assert rules.check_extension_deadline(current, current, now)
    assert rules.check_extension_deadline(current, current + timedelta(days=181), now)
    assert rules.check_extension_deadline(current, datetime(2027, 1, 1), now)  # no timezone
    overdue = now - timedelta(days=5)  # past deadline: the new one must still be in the future
    assert rules.check_extension_deadline(overdue, now - timedelta(days=1), now)
    assert rules.deadline_after(now, 15) == datetime(2026, 12, 14, 12, tzinfo=timezone.utc)
