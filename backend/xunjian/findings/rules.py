"""The rectification state machine and deadline arithmetic (pure).

status: open → responded (the manager's note and evidence) → closed (accepted; final) or back to open (rejected,
with a reason). A major hazard closes only after an on-site re-check by an inspector (`recheck`, while responded; a
new response needs a new re-check). Extensions run beside the status: none/approved/refused → requested (manager) →
approved (new deadline) or refused (inspector or supervisor). Closed is final: no action applies.

Who: only the site's manager responds and requests extensions (the scope has already limited managers to their own
sites); inspectors and supervisors whose scope holds the site verify and decide extensions; only inspectors re-check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

STATUSES = ("open", "responded", "closed")
EXTENSION_STATUSES = (None, "requested", "approved", "refused")
GRADES = ("general", "major")
ACTIONS = ("respond", "reject", "recheck", "accept", "request_extension", "approve_extension", "refuse_extension")

# DOMAIN.md §5 defaults, for findings no checklist item covers.
DEFAULT_DAYS = {"general": 15, "major": 30}
DEFAULT_WEIGHT = {"general": 2.0, "major": 10.0}
MAX_EXTENSION_DAYS = 180

ROLES_FOR = {
    "respond": {"manager"},
    "request_extension": {"manager"},
    "reject": {"inspector", "supervisor"},
    "accept": {"inspector", "supervisor"},
    "approve_extension": {"inspector", "supervisor"},
    "refuse_extension": {"inspector", "supervisor"},
    "recheck": {"inspector"},
}


@dataclass(frozen=True)
class FindingState:
    status: str
    grade: str
    extension_status: str | None = None
    rechecked: bool = False


class NotPermitted(Exception):
    """The caller's role may not take this action (403)."""


class IllegalTransition(Exception):
    """The action does not apply in the current state (409); carries the state and what is allowed."""

    def __init__(self, message: str, state: FindingState, allowed: list[str]):
        super().__init__(message)
        self.state = state
        self.allowed = allowed


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
        return "an extension is already requested" if state.extension_status == "requested" else None
    if action in ("approve_extension", "refuse_extension"):
        return None if state.extension_status == "requested" else "no extension is requested"
    raise ValueError(f"unknown action {action!r}")


def allowed_actions(state: FindingState, role: str | None = None) -> list[str]:
    """Actions that apply now (for `role`, when given)."""
    return [a for a in ACTIONS if _why_not(state, a) is None and (role is None or role in ROLES_FOR[a])]


def transition(state: FindingState, action: str, role: str) -> FindingState:
    """The state after `action` by someone of `role`, or NotPermitted / IllegalTransition."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if role not in ROLES_FOR[action]:
        raise NotPermitted(f"a {role} may not {action.replace('_', ' ')}")
    reason = _why_not(state, action)
    if reason is not None:
        raise IllegalTransition(f"Cannot {action.replace('_', ' ')}: {reason}", state, allowed_actions(state, role))
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
    if action == "approve_extension":
        return replace(state, extension_status="approved")
    return replace(state, extension_status="refused")


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
