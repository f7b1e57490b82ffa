from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, patch, post
from litestar.datastructures import Cookie
from litestar.params import Body, FromQuery, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from . import rules, service
from .auth import PUBLIC, CSRF_COOKIE, SESSION_COOKIE, admin_only, client_addr
from ..paging import Limit, Offset, PathId, QueryId
from .principal import Caller
from .schemas import (
    AdminUserRead, LoginRequest, LoginResponse, MeRead, MeUpdate, PasswordChange, PasswordReset, RoleName,
    UserCreate, UserList, UserRead, UserUpdate,
)


@post("/api/auth/login", opt=PUBLIC, status_code=HTTP_200_OK, tags=["auth"], summary="Log in; returns a token and sets the session cookie")
async def login(request: Request, data: Annotated[LoginRequest, Body()]) -> Response[LoginResponse]:
    settings = request.app.state.settings
    token, user = await service.login(
        settings, data.username, data.password, client_addr(request), request.headers.get("user-agent", "")
    )
    max_age = settings.session_max_hours * 3600
    body = LoginResponse(
        token=token,
        user=UserRead(id=user["id"], username=user["username"], role=user["role"], display_name=user["display_name"]),
        csrf_token=rules.csrf_token(token),
    )
    return Response(
        body,
        cookies=[
            Cookie(key=SESSION_COOKIE, value=token, httponly=True, samesite="strict", secure=settings.cookie_secure,
                   max_age=max_age, path="/"),
            Cookie(key=CSRF_COOKIE, value=rules.csrf_token(token), httponly=False, samesite="strict",
                   secure=settings.cookie_secure, max_age=max_age, path="/"),
        ],
    )


@post("/api/auth/logout", status_code=HTTP_204_NO_CONTENT, tags=["auth"], summary="Revoke the current session")
async def logout(principal: Caller) -> Response[None]:
    await service.logout(principal)
    return Response(
        None,
        status_code=HTTP_204_NO_CONTENT,
        cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True),
                 Cookie(key=CSRF_COOKIE, value="", max_age=0, path="/")],
    )


@get("/api/me", tags=["auth"], summary="The current user")
async def me(principal: Caller, request: Request) -> MeRead:
    return MeRead(id=principal.id, username=principal.username, role=principal.role,
                  display_name=principal.display_name, region_ids=list(principal.region_ids),
                  site_ids=list(principal.site_ids), certificate_no=principal.certificate_no,
                  personal_data=principal.personal_data,
                  two_inspectors_kinds=list(request.app.state.settings.two_inspectors_kinds))


@patch("/api/me", tags=["auth"], summary="Change your display name (nothing that widens access)")
async def update_me(principal: Caller, data: Annotated[MeUpdate, Body()]) -> UserRead:
    await service.update_me(principal, data.display_name)
    user = await service.read_user(principal.id)
    return UserRead(id=user.id, username=user.username, role=user.role, display_name=user.display_name)


@post("/api/me/password", status_code=HTTP_204_NO_CONTENT, tags=["auth"], summary="Change your password")
async def change_password(principal: Caller, data: Annotated[PasswordChange, Body()]) -> None:
    await service.change_password(principal, data.current_password, data.new_password)


@get("/api/admin/users", guards=[admin_only], tags=["admin"],
     summary="List accounts by id; filter by role, text (username or display name), active, region (its subtree)")
async def list_users(
    role: FromQuery[RoleName | None] = None,
    q: Annotated[str | None, Parameter(max_length=100)] = None,
    active: FromQuery[bool | None] = None,
    region: QueryId = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> UserList:
    return await service.list_users(role=role, q=q, active=active, region=region, limit=limit, offset=offset)


@post("/api/admin/users", guards=[admin_only], tags=["admin"], summary="Create an account")
async def create_user(principal: Caller, data: Annotated[UserCreate, Body()]) -> AdminUserRead:
    return await service.create_user(principal, data)


@get("/api/admin/users/{user_id:int}", guards=[admin_only], tags=["admin"], summary="One account")
async def get_user(user_id: PathId) -> AdminUserRead:
    return await service.read_user(user_id)


@patch("/api/admin/users/{user_id:int}", guards=[admin_only], tags=["admin"],
       summary="Change role, regions, sites, name, or deactivate (is_active=false revokes every session)")
async def update_user(principal: Caller, user_id: PathId, data: Annotated[UserUpdate, Body()]) -> AdminUserRead:
    return await service.update_user(principal, user_id, data)


@post("/api/admin/users/{user_id:int}/password", guards=[admin_only], status_code=HTTP_204_NO_CONTENT,
      tags=["admin"], summary="Reset a password (revokes the user's sessions)")
async def reset_password(principal: Caller, user_id: PathId, data: Annotated[PasswordReset, Body()]) -> None:
    await service.reset_password(principal, user_id, data.new_password)


@post("/api/admin/users/{user_id:int}/deactivate", guards=[admin_only], tags=["admin"], status_code=HTTP_200_OK,
      summary="Deactivate an account and revoke its sessions")
async def deactivate_user(principal: Caller, user_id: PathId) -> AdminUserRead:
    return await service.update_user(principal, user_id, UserUpdate(is_active=False))


router = Router(
    path="/",
    route_handlers=[login, logout, me, update_me, change_password, list_users, create_user, get_user, update_user,
                    reset_password, deactivate_user],
)
