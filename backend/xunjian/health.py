from __future__ import annotations

import msgspec
from litestar import Request, Router, get

from . import db
from .accounts.auth import PUBLIC
from .errors import ServiceUnavailable


class Health(msgspec.Struct):
    status: str


class Ready(msgspec.Struct):
    status: str
    checks: dict[str, bool]


@get("/healthz", tags=["health"], summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@get("/readyz", tags=["health"], summary="The database and the photo store answer (503 with Retry-After otherwise)")
async def readyz(request: Request) -> Ready:
    checks = {"database": await db.ping()}
    for name, check in request.app.state.readiness_checks.items():
        try:
            checks[name] = bool(await check())
        except Exception:
            checks[name] = False
    if not all(checks.values()):
        raise ServiceUnavailable("Not ready", code="not_ready", retry_after=10, details=checks)
    return Ready(status="ready", checks=checks)


router = Router(path="/", route_handlers=[healthz, readyz], opt=PUBLIC)
