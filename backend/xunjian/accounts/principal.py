from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar.di import Dependency

from ..scope import Scope


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: who they are, what they may see, and how they authenticated."""

    id: int
    username: str
    role: str
    display_name: str
    scope: Scope
    session_id: int
    region_ids: tuple[int, ...] = ()
    site_ids: tuple[int, ...] = ()
    via_cookie: bool = False
    client_addr: str = ""
    certificate_no: str | None = None
    personal_data: bool = False

    @property
    def reads_people(self) -> bool:
        """May read personal data of people met on patrols within the scope (rules.reads_people)."""
        from .rules import reads_people

        return reads_people(self.role, self.personal_data)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# Handlers declare `principal: Caller` to receive the authenticated user (resolved by the auth middleware).
Caller = Annotated[Principal, Dependency(kind="named")]
