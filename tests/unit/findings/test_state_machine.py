"""The rectification state machine over every (state, action) pair, and who may take each action: a major hazard's
closure and new deadline are a supervisor's, a listed one's (挂牌督办) the listing authority's."""

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from xunjian.findings import rules
from xunjian.findings.rules import FindingState, IllegalTransition, NotPermitted

STATES = [
    FindingState(status, grade, ext, rechecked, listing)
    for status, grade, ext, rechecked, listing in itertools.product(
        ("open", "responded", "closed"), ("general", "major"),
        (None, "requested", "proposed", "approved", "refused"), (False, True), rules.LISTING_STATUSES)
]
# Who may take each action (independent of the state); they act as the listing authority's supervisors.
WHO = {
    "respond": "manager", "request_extension": "manager", "reject": "inspector", "accept": "supervisor",
    "recheck": "inspector", "propose_extension": "inspector", "approve_extension": "supervisor",
    "refuse_extension": "inspector", "confirm_listing": "supervisor", "decline_listing": "supervisor",
    "submit_plan": "manager",
}


def expected(state: FindingState, action: str) -> FindingState | None:
    """The state after the action, or None when it does not apply: the table the issue describes."""
    if state.status == "closed":
        return None
    ext_pending = state.extension_status in ("requested", "proposed")
    ext, listing = state.extension_status, state.listing
    table = {
        "respond": FindingState("responded", state.grade, ext, False, listing)
        if state.status == "open" else None,
        "reject": FindingState("open", state.grade, ext, False, listing)
        if state.status == "responded" else None,
        "recheck": FindingState("responded", state.grade, ext, True, listing)
        if state.status == "responded" else None,
        "accept": FindingState("closed", state.grade, ext, state.rechecked, listing)
        if state.status == "responded" and (state.grade == "general" or state.rechecked) else None,
        "request_extension": FindingState(state.status, state.grade, "requested", state.rechecked, listing)
        if not ext_pending else None,
        "propose_extension": FindingState(state.status, state.grade, "proposed", state.rechecked, listing)
        if state.grade == "major" and ext == "requested" else None,
        "approve_extension": FindingState(state.status, state.grade, "approved", state.rechecked, listing)
        if ext_pending else None,
        "refuse_extension": FindingState(state.status, state.grade, "refused", state.rechecked, listing)
        if ext_pending else None,
        "confirm_listing": FindingState(state.status, state.grade, ext, state.rechecked, "confirmed")
        if listing == "proposed" else None,
        "decline_listing": FindingState(state.status, state.grade, ext, state.rechecked, "declined")
        if listing == "proposed" else None,
        "submit_plan": state if state.grade == "major" else None,
    }
    return table[action]


@pytest.mark.parametrize("state", STATES, ids=str)
@pytest.mark.parametrize("action", rules.ACTIONS)
def test_every_state_and_action(state, action):
    want = expected(state, action)
    if want is None:
        with pytest.raises(IllegalTransition) as err:
            rules.transition(state, action, WHO[action], authority=True)
        assert err.value.state == state
        assert action not in err.value.allowed
        assert err.value.allowed == rules.allowed_actions(state, WHO[action], authority=True)
    else:
        assert rules.transition(state, action, WHO[action], authority=True) == want


ROLE_TABLE = {
    "respond": {"manager"},
    "request_extension": {"manager"},
    "reject": {"inspector", "supervisor"},
    "accept": {"inspector", "supervisor"},
    "propose_extension": {"inspector"},
    "approve_extension": {"inspector", "supervisor"},
    "refuse_extension": {"inspector", "supervisor"},
    "recheck": {"inspector"},
    "confirm_listing": {"supervisor"},
    "decline_listing": {"supervisor"},
    "submit_plan": {"manager"},
}
# A major hazard: its closure and any new deadline are a supervisor's decision.
MAJOR_ROLE_TABLE = {**ROLE_TABLE, "accept": {"supervisor"}, "approve_extension": {"supervisor"}}


@pytest.mark.parametrize("action", rules.ACTIONS)
@pytest.mark.parametrize("role", ["admin", "supervisor", "inspector", "manager"])
@pytest.mark.parametrize("grade, table", [("general", ROLE_TABLE), ("major", MAJOR_ROLE_TABLE)])
def test_roles_are_checked_before_the_state(action, role, grade, table):
    closed = FindingState("closed", grade)
    if role in table[action]:
        with pytest.raises(IllegalTransition):
            rules.transition(closed, action, role, authority=True)
    else:
        with pytest.raises(NotPermitted):
            rules.transition(closed, action, role, authority=True)


def test_a_major_hazard_rechecked_on_site_waits_for_a_supervisor():
    rechecked = FindingState("responded", "major", rechecked=True)
    assert "accept" not in rules.allowed_actions(rechecked, "inspector")
    with pytest.raises(NotPermitted, match="supervisor"):
        rules.transition(rechecked, "accept", "inspector")
    assert rules.transition(rechecked, "accept", "supervisor").status == "closed"


def test_a_major_hazards_extension_is_proposed_by_the_inspector_and_approved_by_a_supervisor():
    requested = FindingState("open", "major", "requested")
    assert "approve_extension" not in rules.allowed_actions(requested, "inspector")
    proposed = rules.transition(requested, "propose_extension", "inspector")
    assert proposed.extension_status == "proposed"
    assert "request_extension" not in rules.allowed_actions(proposed, "manager")
    assert rules.transition(proposed, "approve_extension", "supervisor").extension_status == "approved"
    with pytest.raises(IllegalTransition, match="only a major"):
        rules.transition(FindingState("open", "general", "requested"), "propose_extension", "inspector")


def test_only_the_listing_authority_decides_a_listing_and_closes_a_listed_finding():
    proposed = FindingState("open", "major", listing="proposed")
    with pytest.raises(NotPermitted, match="listing authority"):
        rules.transition(proposed, "confirm_listing", "supervisor", authority=False)
    assert "confirm_listing" not in rules.allowed_actions(proposed, "supervisor", authority=False)
    listed = rules.transition(proposed, "confirm_listing", "supervisor", authority=True)
    assert listed.listing == "confirmed"
    ready = FindingState("responded", "major", rechecked=True, listing="confirmed")
    with pytest.raises(NotPermitted, match="listing authority"):
        rules.transition(ready, "accept", "supervisor", authority=False)
    assert rules.transition(ready, "accept", "supervisor", authority=True).status == "closed"
    # A declined proposal leaves the finding to the ordinary rules.
    declined = FindingState("responded", "major", rechecked=True, listing="declined")
    assert rules.transition(declined, "accept", "supervisor", authority=False).status == "closed"
    # Rejecting a response or re-checking on site is not the authority's alone.
    assert rules.transition(ready, "reject", "inspector").status == "open"


def test_an_inspector_proposes_a_major_extension_within_the_bound_of_its_first_deadline():
    first = datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert rules.check_major_extension_bound(first, first + timedelta(days=30), 30) is None
    assert "30 days" in rules.check_major_extension_bound(first, first + timedelta(days=30, seconds=1), 30)


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
        rules.transition(state, "accept", "supervisor")


def test_allowed_actions_for_a_role():
    responded = FindingState("responded", "general", "requested")
    assert rules.allowed_actions(responded, "manager") == []
    assert rules.allowed_actions(responded, "inspector") == [
        "reject", "recheck", "accept", "approve_extension", "refuse_extension"]
    major = FindingState("responded", "major", "requested", rechecked=True)
    assert rules.allowed_actions(major, "inspector") == ["reject", "recheck", "propose_extension", "refuse_extension"]
    assert rules.allowed_actions(major, "supervisor") == ["reject", "accept", "approve_extension", "refuse_extension"]
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


def test_a_major_hazards_plan_is_due_seven_days_after_it_was_found():
    found = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    assert rules.plan_due("major", found) == datetime(2026, 12, 8, 9, tzinfo=timezone.utc)
    assert rules.plan_due("general", found) is None
