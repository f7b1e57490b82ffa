"""The rectification state machine and deadline arithmetic (pure).

status: open → responded (the manager's note and evidence) → closed (accepted; final) or back to open (rejected,
with a reason). A major hazard closes only after an on-site re-check by an inspector (`recheck`, while responded; a
new response needs a new re-check): the re-check passes it to a supervisor, who closes it. Extensions run beside the
status: none/approved/refused → requested (manager) → approved (new deadline) or refused; for a major hazard the
inspector proposes (within a bound of its first deadline) and a supervisor approves. Listing (挂牌督办) runs beside
too: the escalation job proposes it (listing = proposed), a supervisor of the listing authority confirms or declines
it; a listed finding is closed, and its deadline moved, by that authority's supervisors only. Closed is final.

Who: only the site's manager responds and requests extensions (the scope has already limited managers to their own
sites); inspectors and supervisors whose scope holds the site verify and decide extensions; only inspectors re-check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import datetime, timedelta

STATUSES = ("open", "responded", "closed")
EXTENSION_STATUSES = (None, "requested", "proposed", "approved", "refused")
LISTING_STATUSES = (None, "proposed", "confirmed", "declined")
GRADES = ("general", "major")
ACTIONS = ("respond", "reject", "recheck", "accept", "request_extension", "propose_extension", "approve_extension",
           "refuse_extension", "confirm_listing", "decline_listing", "submit_plan")

# DOMAIN.md §5 defaults, for findings no checklist item covers.
DEFAULT_DAYS = {"general": 15, "major": 30}
DEFAULT_WEIGHT = {"general": 2.0, "major": 10.0}
MAX_EXTENSION_DAYS = 180
# A major hazard's 五到位 rectification plan (measures, money, deadline, responsible person, contingency plan) is due
# this many days after it was found (DOMAIN.md §5).
PLAN_DAYS = 7

# Who may take each action. For a major hazard MAJOR_ROLES_FOR replaces these: its closure and any new deadline are
# a supervisor's decision (the inspector re-checks on site and proposes an extension).
ROLES_FOR = {
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
MAJOR_ROLES_FOR = {"accept": {"supervisor"}, "approve_extension": {"supervisor"}}
# Decisions that belong to the listing authority alone (its own supervisors): the listing itself, and once a finding
# is listed (挂牌督办), its closure (销号) and its deadline.
LISTING_ACTIONS = frozenset({"confirm_listing", "decline_listing"})
LISTED_ACTIONS = frozenset({"accept", "approve_extension"})


@dataclass(frozen=True)
class FindingState:
    status: str
    grade: str
    extension_status: str | None = None
    rechecked: bool = False
    listing: str | None = None


class NotPermitted(Exception):
    """The caller's role may not take this action (403)."""


class IllegalTransition(Exception):
    """The action does not apply in the current state (409); carries the state and what is allowed."""

    def __init__(self, message: str, state: FindingState, allowed: list[str]):
        super().__init__(message)
        self.state = state
        self.allowed = allowed


def roles_for(action: str, grade: str) -> set[str]:
    return MAJOR_ROLES_FOR.get(action, ROLES_FOR[action]) if grade == "major" else ROLES_FOR[action]


def needs_authority(state: FindingState, action: str) -> bool:
    """Whether only a supervisor of the finding's listing authority may take `action` now."""
    return action in LISTING_ACTIONS or (action in LISTED_ACTIONS and state.listing == "confirmed")


def _permitted(state: FindingState, action: str, role: str, authority: bool) -> str | None:
    """None when someone of `role` (of the listing authority, when `authority`) may take `action`; else why not."""
    if role not in roles_for(action, state.grade):
        if state.grade == "major" and role in ROLES_FOR[action]:
            return f"a supervisor decides this for a major hazard ({action.replace('_', ' ')})"
        return f"a {role} may not {action.replace('_', ' ')}"
    if needs_authority(state, action) and not authority:
        return "only the supervisors of the listing authority decide this"
    return None


def _why_not(state: FindingState, action: str) -> str | None:
    """None when `action` applies to `state` (whoever takes it); otherwise the reason."""
    if state.status == "closed":
        return "the finding is closed"
    if action == "respond":
        return None if state.status == "open" else "already responded; wait for verification"
    if action in ("reject", "accept", "recheck"):
        if state.status != "responded":
            return "there is no response to verify"
        if action == "accept" and state.grade == "major" and not state.rechecked:
            return "a major hazard closes only after an on-site re-check by an inspector"
        return None
    if action == "request_extension":
        return "an extension is already requested" if state.extension_status in ("requested", "proposed") else None
    if action == "propose_extension":
        if state.grade != "major":
            return "only a major hazard's extension is proposed to a supervisor; decide it"
        return None if state.extension_status == "requested" else "no extension is requested"
    if action in ("approve_extension", "refuse_extension"):
        return None if state.extension_status in ("requested", "proposed") else "no extension is requested"
    if action in ("confirm_listing", "decline_listing"):
        return None if state.listing == "proposed" else "there is no proposal to list it for supervision"
    if action == "submit_plan":
        return None if state.grade == "major" else "only a major hazard needs a 五到位 rectification plan"
    raise ValueError(f"unknown action {action!r}")


def allowed_actions(state: FindingState, role: str | None = None, authority: bool = False) -> list[str]:
    """Actions that apply now (for `role`, of the listing authority or not, when given)."""
    return list(_allowed_actions(state, role, authority))


# A pure function of a few hundred possible states and roles: every row of a findings page asks it, and walking the
# eleven actions for each was a third of the page's own Python.
@lru_cache(maxsize=4096)
def _allowed_actions(state: FindingState, role: str | None, authority: bool) -> tuple[str, ...]:
    return tuple(a for a in ACTIONS if _why_not(state, a) is None
                 and (role is None or _permitted(state, a, role, authority) is None))


def transition(state: FindingState, action: str, role: str, authority: bool = False) -> FindingState:
    """The state after `action` by someone of `role` (`authority`: a supervisor of the finding's listing authority),
    or NotPermitted / IllegalTransition."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if (refusal := _permitted(state, action, role, authority)) is not None:
        raise NotPermitted(refusal)
    reason = _why_not(state, action)
    if reason is not None:
        raise IllegalTransition(f"Cannot {action.replace('_', ' ')}: {reason}", state,
                                allowed_actions(state, role, authority))
    if action == "respond":
        return replace(state, status="responded", rechecked=False)
    if action == "reject":
        return replace(state, status="open", rechecked=False)
    if action == "recheck":
        return replace(state, rechecked=True)
    if action == "accept":
        return replace(state, status="closed")
    if action == "request_extension":
        return replace(state, extension_status="requested")
    if action == "propose_extension":
        return replace(state, extension_status="proposed")
    if action == "approve_extension":
        return replace(state, extension_status="approved")
    if action == "refuse_extension":
        return replace(state, extension_status="refused")
    if action == "submit_plan":
        return state
    return replace(state, listing="confirmed" if action == "confirm_listing" else "declined")


def deadline_after(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)


def is_overdue(status: str, deadline: datetime, now: datetime) -> bool:
    """Overdue: still open past the deadline. A responded finding waits on the verifier, not on the site."""
    return status == "open" and deadline < now


def check_extension_deadline(current: datetime, requested: datetime, now: datetime) -> str | None:
    """None when `requested` is a usable new deadline; otherwise the reason."""
    if requested.tzinfo is None:
        return "give the time with its timezone"
    if requested <= current or requested <= now:
        return "the new deadline must be later than the current one and in the future"
    if requested > max(current, now) + timedelta(days=MAX_EXTENSION_DAYS):
        return f"at most {MAX_EXTENSION_DAYS} days beyond the current deadline"
    return None


def check_major_extension_bound(first_deadline: datetime, requested: datetime, bound_days: int) -> str | None:
    """None when an inspector may propose `requested` for a major hazard: at most `bound_days` beyond the hazard's
    first deadline, however many extensions came before. Beyond it only a supervisor approves."""
    if requested > first_deadline + timedelta(days=bound_days):
        return (f"an inspector proposes at most {bound_days} days beyond a major hazard's first deadline in all; "
                "a supervisor may approve more")
    return None


def plan_due(grade: str, created_at: datetime) -> datetime | None:
    """When a major hazard's 五到位 plan is due (None for a general hazard)."""
    return created_at + timedelta(days=PLAN_DAYS) if grade == "major" else None
