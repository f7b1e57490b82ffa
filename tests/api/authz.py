"""The authorization matrix format. Each tests/api/authz_cases_<domain>.py defines `CASES` and optionally `setup`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("admin", "supervisor", "inspector", "inspector2", "manager", "manager2", "lottery")


@dataclass
class Case:
    method: str
    path: str  # with {placeholders} from the base values and the module's setup()
    expect: dict[str, int]  # username → exact status
    body: Any = None  # JSON body
    content: bytes | None = None  # raw body (with headers)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = set(ROLES) - set(self.expect)
        assert not missing, f"{self.method} {self.path}: no expected status for {sorted(missing)}"
