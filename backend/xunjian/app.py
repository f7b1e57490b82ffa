"""create_app(settings) -> Litestar: one router per domain, the lifespan, error handlers, the PWA."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.utils import normalize_path

from . import __version__, db, nulls
from .accounts import controller as accounts_controller
from .analytics import controller as analytics_controller
from .accounts import service as accounts_service
from .accounts.auth import PUBLIC, auth_middleware, provide_principal
from .audit import controller as audit_controller
from .checklists import controller as checklists_controller
from .checklists import service as checklists_service
from .config import Settings
from .errors import ERROR_STATUSES, EXCEPTION_HANDLERS, ErrorBody
from .documents import controller as documents_controller
from .escalation import controller as escalation_controller
from .findings import controller as findings_controller
from .health import router as health_router
from .inspections import controller as inspections_controller
from .jobs import controller as jobs_controller
from .jobs import scheduler as jobs_scheduler
from .notifications import controller as notifications_controller
from .openapi_structs import StrictStructSchemaPlugin
from .patrols import controller as patrols_controller
from .patrols import pii as patrols_pii
from .photos import controller as photos_controller
from .photos import service as photos_service
from .planning import controller as planning_controller
from .plans import controller as plans_controller
from .regions import controller as regions_controller
from .risk import controller as risk_controller
from .risk import versions as risk_versions
from .sites import controller as sites_controller

log = logging.getLogger("xunjian")

_ERROR_DESCRIPTIONS = {
    400: "Malformed request", 401: "Not logged in, or the session expired", 403: "Your role may not do this",
    404: "Not found, or outside your scope", 409: "Conflicts with the current state", 413: "Too large",
    415: "Unsupported media type", 422: "Invalid input", 429: "Too many requests (see Retry-After)",
    503: "A dependency is down (see Retry-After)",
}


def _routers() -> list:
    # One router per domain; a new domain adds its router here.
    return [
        health_router,
        accounts_controller.router,
        regions_controller.router,
        sites_controller.router,
        photos_controller.router,
        patrols_controller.router,
        checklists_controller.router,
        inspections_controller.router,
        findings_controller.router,
        documents_controller.router,
        escalation_controller.router,
        jobs_controller.router,
        notifications_controller.router,
        risk_controller.router,
        planning_controller.router,
        audit_controller.router,
        plans_controller.router,
        analytics_controller.router,
    ]


def _csp(settings: Settings) -> str:
    img = "'self' data: blob:"
    if settings.s3_endpoint:
        img += " " + settings.s3_endpoint.rstrip("/")
    if settings.tianditu_key:
        img += " https://*.tianditu.gov.cn"  # the risk map's base layer, only when a key is configured
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {img}; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def _document_errors(app: Litestar) -> None:
    """Every operation documents the uniform error body for the statuses it can answer."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not getattr(handler, "include_in_schema", True):
                continue
            responses = dict(handler.responses or {})
            for status in ERROR_STATUSES + (503,):
                responses.setdefault(
                    status, ResponseSpec(data_container=ErrorBody, description=_ERROR_DESCRIPTIONS[status])
                )
            handler.responses = responses


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _served_methods(app: Litestar, path: str) -> set[str] | None:
    """The methods Litestar routes for this path (None: no such path), asked of its own router."""
    served = set()
    for method in _METHODS:
        try:
            app.asgi_router.handle_routing(path=path, method=method)
        except MethodNotAllowedException:
            continue
        except NotFoundException:
            return None
        served.add(method)
    return served


def _serve_head_and_options(app: Litestar) -> None:
    """HEAD wherever GET works (the GET handler runs, the body is dropped), and an OPTIONS Allow header that lists
    exactly the path's methods: Litestar has no implicit HEAD, and its OPTIONS handler keeps the methods of the first
    handler registered on a path. Wraps the app's ASGI handler, outside routing, so that HEAD is not a 405 first."""
    inner = app.asgi_handler

    async def handle(scope, receive, send):
        method = scope.get("method") if scope["type"] == "http" else None
        served = _served_methods(app, normalize_path(scope["path"])) if method in ("HEAD", "OPTIONS") else None
        if served and method == "OPTIONS":
            allow = ", ".join(sorted(served | {"OPTIONS"} | ({"HEAD"} if "GET" in served else set())))

            async def send_allow(message):
                if message["type"] == "http.response.start":
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    message = {**message, "headers": [*headers, (b"allow", allow.encode())]}
                await send(message)

            return await inner(scope, receive, send_allow)
        if served and method == "HEAD" and "HEAD" not in served and "GET" in served:
            async def send_headers_only(message):
                if message["type"] == "http.response.body":
                    message = {**message, "body": b""}
                await send(message)

            return await inner({**scope, "method": "GET"}, receive, send_headers_only)
        return await inner(scope, receive, send)

    app.asgi_handler = handle


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = db.make_engine(settings)
    db.bind_engine(engine)
    accounts_service.configure_hasher(settings)
    patrols_pii.configure(settings)  # a malformed or missing key stops the start here

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            await db.prepare(engine, settings.db_pool_size)
        except Exception as exc:
            app.state.startup_error = exc  # for `xunjian serve` to say in one line why it did not start
            raise
        try:
            try:
                await db.ensure_migrated(engine)
                for hook in app.state.startup_hooks:
                    await hook(app)
            except Exception as exc:
                app.state.startup_error = exc
                raise
            yield
        finally:
            for hook in reversed(app.state.shutdown_hooks):
                try:
                    await hook(app)
                except Exception:
                    log.exception("Shutdown hook failed")
            await db.shutdown(engine)

    route_handlers = list(_routers())
    if settings.pwa_dir.is_dir():
        route_handlers.append(
            create_static_files_router(
                path="/", directories=[settings.pwa_dir], html_mode=True, include_in_schema=False, name="pwa",
                opt=PUBLIC,
            )
        )

    csp = _csp(settings)

    async def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    app = Litestar(
        route_handlers=route_handlers,
        lifespan=[lifespan],
        middleware=[auth_middleware()],
        dependencies={"principal": Provide(provide_principal)},
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=nulls.refuse_null,
        after_request=security_headers,
        state=State({"settings": settings, "engine": engine, "readiness_checks": {}, "startup_hooks": [],
                     "shutdown_hooks": []}),
        # Phones on weak township networks: compress anything worth it (lists, templates, the shell's modules).
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6),
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="Xunjian 巡检 API",
            version=__version__,
            path="/schema",
            description="Field inspection and safety-risk system. Errors always have the body {code, message, details}.",
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="Token from /api/auth/login"),
                    "cookie": SecurityScheme(type="apiKey", name="xj_session", security_scheme_in="cookie"),
                }
            ),
            security=[{"bearer": []}, {"cookie": []}],
        ),
        logging_config=None,
        debug=False,
    )
    patrols_pii.register(app)  # first: a wrong key stops the start before any job or hook runs
    photos_service.register(app)
    checklists_service.register(app)
    risk_versions.register(app)
    jobs_scheduler.install(app)
    _document_errors(app)
    nulls.install(app)
    _serve_head_and_options(app)
    return app
