from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from ..paging import Id

RoleName = Literal["inspector", "manager", "supervisor", "admin"]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, Meta(min_length=1)]
    password: Annotated[str, Meta(min_length=1)]


class UserRead(msgspec.Struct):
    id: int
    username: str
    role: str
    display_name: str


class LoginResponse(msgspec.Struct):
    token: str
    user: UserRead
    csrf_token: str


class MeRead(msgspec.Struct):
    id: int
    username: str
    role: str
    display_name: str
    region_ids: list[int]
    site_ids: list[int]


class MeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """What users may change about themselves: nothing that widens their access."""

    display_name: str | None = None


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: str
    new_password: str


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str
    role: RoleName
    display_name: str = ""
    region_ids: list[Id] = []
    site_ids: list[Id] = []


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    display_name: str | None = None
    role: RoleName | None = None
    region_ids: list[Id] | None = None
    site_ids: list[Id] | None = None
    is_active: bool | None = None


class PasswordReset(msgspec.Struct, forbid_unknown_fields=True):
    new_password: str


class AdminUserRead(msgspec.Struct):
    id: int
    username: str
    role: str
    display_name: str
    is_active: bool
    region_ids: list[int]
    site_ids: list[int]


class UserList(msgspec.Struct):
    items: list[AdminUserRead]
