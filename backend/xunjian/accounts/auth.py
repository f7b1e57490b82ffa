"""Authentication middleware (Bearer token or session cookie, CSRF for cookie-authenticated unsafe requests),
the `principal` dependency and role guards."""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

from ..errors import Forbidden, Unauthorized
from . import rules, service
from .principal import Principal

SESSION_COOKIE = "xj_session"
CSRF_COOKIE = "xj_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def client_addr(connection: ASGIConnection) -> str:
    """The one place the client's address comes from (throttling, sessions, audit): the peer, or what the trusted
    proxies in XUNJIAN_TRUSTED_PROXIES say it was. The server must not rewrite the peer from headers itself."""
    peer = connection.client.host if connection.client else ""
    proxies = connection.app.state.settings.trusted_proxies
    if not proxies:
        return peer
    return rules.client_address(peer, connection.headers.getall("x-forwarded-for", []), proxies)


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        settings = connection.app.state.settings
        header = connection.headers.get("authorization", "")
        via_cookie = False
        token = ""
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise Unauthorized("Use 'Authorization: Bearer <token>'")
            token = value.strip()
        else:
            token = connection.cookies.get(SESSION_COOKIE, "")
            via_cookie = bool(token)
        if not token:
            raise Unauthorized("Log in first")
        principal = await service.authenticate(settings, token, via_cookie, client_addr(connection))
        if principal is None:
            raise Unauthorized("The session has expired or was revoked; log in again", code="session_expired")
        if via_cookie and connection.scope.get("method", "GET") not in SAFE_METHODS:
            if not rules.csrf_ok(token, connection.headers.get(CSRF_HEADER)):
                raise Forbidden("Missing or wrong X-CSRF-Token header", code="csrf_failed")
        return AuthenticationResult(user=principal, auth=token)


PUBLIC = {"public": True}  # handler opt for what needs no session: login, health, the PWA's files, the schema


def auth_middleware() -> DefineMiddleware:
    return DefineMiddleware(SessionAuthMiddleware, exclude=[r"^/schema"], exclude_from_auth_key="public")


async def provide_principal(request: Request) -> Principal:
    return request.user


def require_roles(*roles: str):
    allowed = set(roles)

    # A coroutine: Litestar runs a plain function guard in its thread pool, a trip per request for a set lookup.
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = connection.user
        if not isinstance(principal, Principal) or principal.role not in allowed:
            raise Forbidden("Your role may not do this")

    guard.__name__ = "require_" + "_or_".join(sorted(allowed))
    return guard


admin_only = require_roles("admin")
# Who may read the audit trail.
AUDIT_READER_ROLES = ("admin",)
audit_readers = require_roles(*AUDIT_READER_ROLES)


async def personal_data_overseers(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Holders of the personal-data grant, whatever their role (the review of personal-data access)."""
    principal = connection.user
    if not isinstance(principal, Principal) or not principal.personal_data:
        raise Forbidden("This needs the personal-data grant")
