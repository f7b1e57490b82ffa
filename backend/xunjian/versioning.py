"""Versioned documents an admin uploads and activates (checklist templates per key, risk rules): reading an uploaded
document safely, its 422, and which version start-up makes active. Shared so that both follow one rule, the one
README states."""

from __future__ import annotations

import math
from typing import Any

import msgspec

from .errors import Invalid

MAX_BYTES = 512 * 1024  # the largest shipped template is 24 KB
MAX_DEPTH = 24  # a template nests about 8 deep
SAFE_INTEGER = 2**53  # beyond it JSON readers (the PWA's) lose precision
MAX_PROBLEMS = 100


def decode(body: bytes) -> tuple[Any, list[tuple[str, str]]]:
    """An uploaded document and what makes it unusable before any validation, as (JSON path, message): not JSON,
    nested too deep for the validators, or numbers no JSON reader keeps (non-finite, or integers past 2**53)."""
    try:
        doc = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError) as exc:
        return None, [("$", f"not a JSON document: {exc}")]
    return doc, unsafe_values(doc)


def invalid(problems: list[tuple[str, str]], code: str) -> Invalid:
    """The 422 of an uploaded document: every problem (up to MAX_PROBLEMS) with its JSON path."""
    return Invalid(f"The document is not valid ({len(problems)} problem{'s' if len(problems) != 1 else ''})",
                   code=code, details=[{"path": p, "message": m} for p, m in problems[:MAX_PROBLEMS]])


def unsafe_values(doc: Any) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    stack: list[tuple[Any, str, int]] = [(doc, "$", 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)) and depth >= MAX_DEPTH:
            problems.append((path, f"nested deeper than {MAX_DEPTH} levels"))
        elif isinstance(value, dict):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and abs(value) > SAFE_INTEGER:
            problems.append((path, f"integer beyond ±2**53: {str(value)[:40]}"))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append((path, "not a finite number"))
    return problems


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
