"""The authorization matrix format. Each tests/api/authz_cases_<domain>.py defines `CASES` and optionally `setup`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("admin", "supervisor", "inspector", "inspector2", "manager", "manager2", "lottery", "privacy")


@dataclass
class Case:
    method: str
    path: str  # with {placeholders} from the base values and the module's setup()
    expect: dict[str, int]  # username → exact status
    body: Any = None  # JSON body
    content: bytes | None = None  # raw body (with headers)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # `privacy` is an admin holding the personal-data grant: it answers as `admin` unless a case says otherwise
        # (the endpoints of personal data, where `admin` without the grant gets 404).
        self.expect = {"privacy": self.expect.get("admin"), **self.expect}  # a copy: expectations are shared dicts
        missing = set(ROLES) - set(self.expect)
        assert not missing, f"{self.method} {self.path}: no expected status for {sorted(missing)}"
