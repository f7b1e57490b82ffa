from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from ..paging import Id

RoleName = Literal["inspector", "manager", "supervisor", "admin", "lottery_centre"]


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
    certificate_no: str | None = None
    personal_data: bool = False
    # The site kinds whose inspections need a second inspector (XUNJIAN_TWO_INSPECTORS_KINDS), so the PWA asks for
    # one before submission instead of failing in the outbox.
    two_inspectors_kinds: list[str] = []


class MeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """What users may change about themselves: nothing that widens their access."""

    display_name: str | None = None


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: str
    new_password: str


# 执法证号: the roles that carry one are in rules.CERTIFICATE_ROLES; control characters are refused by the service.
CertificateNo = Annotated[str, Meta(min_length=1, max_length=40, description="执法证号 (inspector, supervisor)")]


GRANT = ("the personal-data grant: opens person records, the people met on patrols and their photos to an admin, and "
         "the review of personal-data access (GET /api/privacy/access-log)")


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str
    role: RoleName
    display_name: str = ""
    region_ids: list[Id] = []
    site_ids: list[Id] = []
    certificate_no: CertificateNo | None = None
    personal_data: Annotated[bool, Meta(description=GRANT)] = False


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    display_name: str | None = None
    role: RoleName | None = None
    region_ids: list[Id] | None = None
    site_ids: list[Id] | None = None
    is_active: bool | None = None
    # null keeps the number; "" removes it.
    certificate_no: Annotated[str, Meta(max_length=40)] | None = None
    personal_data: Annotated[bool, Meta(description=GRANT)] | None = None


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
    certificate_no: str | None = None
    personal_data: bool = False


class UserList(msgspec.Struct):
    items: list[AdminUserRead]
    total: int
    limit: int
    offset: int
