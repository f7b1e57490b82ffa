"""Versioned documents an admin activates (checklist templates per key, risk rules): which version start-up makes
active, pure. Shared so that both follow one rule, the one README states."""

from __future__ import annotations


def activation_at_start(stored: list[dict], shipped_versions: list[int]) -> int | None:
    """Which version start-up makes active, or None to leave the active one as it is.

    `stored`: every stored version of one document ({version, active, activated_by}), the shipped files just added
    included; `shipped_versions`: the versions of the shipped files. With no active version: the highest stored one.
    Otherwise a shipped version higher than the active one becomes active only while no admin has chosen the active
    version (activated_by set): once one has, new shipped versions are stored and wait for an admin to activate them.
    """
    active = next((r for r in stored if r["active"]), None)
    if active is None:
        return max((r["version"] for r in stored), default=None)
    if active["activated_by"]:
        return None
    newer = [v for v in shipped_versions if v > active["version"]]
    return max(newer) if newer else None
