"""The one error shape: {"code", "message", "details"} with the right status, everywhere."""

from __future__ import annotations

import logging
import socket
import sqlite3
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)

log = logging.getLogger("xunjian.errors")


class ConfigError(RuntimeError):
    """Bad configuration: the process must not start."""


class ErrorBody(msgspec.Struct):
    code: str
    message: str
    details: Any = None


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None,
                 status_code: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code


class BadRequest(AppError):
    status_code, code = 400, "bad_request"


class Unauthorized(AppError):
    status_code, code = 401, "unauthorized"


class Forbidden(AppError):
    status_code, code = 403, "forbidden"


class NotFound(AppError):
    status_code, code = 404, "not_found"

    def __init__(self, message: str = "Not found", **kw):
        super().__init__(message, **kw)


class Conflict(AppError):
    status_code, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status_code, code = 413, "payload_too_large"


class UnsupportedMedia(AppError):
    status_code, code = 415, "unsupported_media_type"


class Invalid(AppError):
    status_code, code = 422, "invalid"


class TooManyRequests(AppError):
    status_code, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int, **kw):
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))}, **kw)


class ServiceUnavailable(AppError):
    status_code, code = 503, "service_unavailable"

    def __init__(self, message: str, retry_after: int = 30, **kw):
        super().__init__(message, headers={"Retry-After": str(retry_after)}, **kw)


def _body(status: int, code: str, message: str, details: Any = None, headers: dict | None = None) -> Response:
    return Response(
        content=ErrorBody(code=code, message=message, details=details),
        status_code=status,
        headers=headers or {},
        media_type="application/json",
    )


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid",
    429: "too_many_requests", 503: "service_unavailable",
}


def app_error_handler(_: Request, exc: AppError) -> Response:
    return _body(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


def validation_handler(_: Request, exc: ValidationException) -> Response:
    # msgspec and parameter validation: the client sent something we cannot accept.
    return _body(422, "invalid", "The request is not valid", exc.extra)


def http_error_handler(_: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status >= 500 and not isinstance(exc, (NotAuthorizedException, NotFoundException, PermissionDeniedException)):
        log.error("HTTP %s: %s", status, exc.detail)
    headers = dict(exc.headers or {})
    return _body(status, _HTTP_CODES.get(status, "error"), str(exc.detail), exc.extra or None, headers)


def data_error_handler(request: Request, exc: Exception) -> Response:
    # A value the database cannot hold (an id beyond its integer range, say) is bad input, not a server fault.
    # Other data errors raised by the server itself (a too-long string we wrote) stay 500s: they are our bugs.
    # asyncpg raises the bare DataError when it cannot encode an argument (the client's value), a subclass when the
    # server refuses a value.
    # Text PostgreSQL cannot store (a NUL byte, a character outside the encoding) is the client's too.
    client_side = type(exc) is asyncpg.exceptions.DataError or isinstance(
        exc, (OverflowError, asyncpg.exceptions.NumericValueOutOfRangeError,
              asyncpg.exceptions.UntranslatableCharacterError, asyncpg.exceptions.CharacterNotInRepertoireError))
    if not client_side:
        return internal_error_handler(request, exc)
    log.info("Rejected a value the database cannot hold on %s %s: %s", request.method, request.url.path, exc)
    return _body(422, "invalid", "A value is out of range", None)


def unique_handler(request: Request, exc: Exception) -> Response:
    # Checked before writing, a unique value (a username, a certificate number) can still be taken by a concurrent
    # request between the check and the insert: the later one lost a race, which is a conflict, not a server fault.
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" not in str(exc):
        return internal_error_handler(request, exc)
    log.info("Unique constraint on %s %s: %s", request.method, request.url.path, exc)
    return _body(409, "conflict", "That value was taken at the same moment; try again", None)


# The database is away or overloaded; the same request may well succeed later. asyncpg's bare InterfaceError is "the
# connection is closed" or "the pool is closing"; its subclasses (bad arguments, configuration) are our bugs.
_PG_OUTAGES = (asyncpg.exceptions.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
               asyncpg.exceptions.InsufficientResourcesError, asyncpg.exceptions.InterfaceError)
_NET_OUTAGES = (ConnectionError, TimeoutError, socket.gaierror)
DATABASE_RETRY_AFTER = 5


def _unavailable(request: Request, code: str, exc: BaseException) -> Response:
    log.warning("Answered 503 %s on %s %s: %s: %s", code, request.method, request.url.path, type(exc).__name__, exc)
    message = ("The database is busy; try again shortly" if code == "database_busy"
               else "The database is unavailable; try again shortly")
    return app_error_handler(request, ServiceUnavailable(message, code=code, retry_after=DATABASE_RETRY_AFTER))


def sqlite_error_handler(request: Request, exc: sqlite3.OperationalError) -> Response:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return _unavailable(request, "database_busy", exc)
    if "unable to open" in text or "disk i/o" in text:
        return _unavailable(request, "database_unavailable", exc)
    return internal_error_handler(request, exc)


def outage_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, asyncpg.exceptions.InterfaceError) and type(exc) is not asyncpg.exceptions.InterfaceError:
        return internal_error_handler(request, exc)
    return _unavailable(request, "database_unavailable", exc)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _body(500, "internal_error", "Internal error; it has been logged")


EXCEPTION_HANDLERS = {
    AppError: app_error_handler,
    asyncpg.exceptions.DataError: data_error_handler,
    OverflowError: data_error_handler,
    sqlite3.OperationalError: sqlite_error_handler,
    asyncpg.exceptions.UniqueViolationError: unique_handler,
    sqlite3.IntegrityError: unique_handler,
    **{kind: outage_handler for kind in _PG_OUTAGES + _NET_OUTAGES},
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}

# Documented on every operation so OpenAPI consumers (and schemathesis) know the error shape.
ERROR_STATUSES = (400, 401, 403, 404, 409, 422, 429)
