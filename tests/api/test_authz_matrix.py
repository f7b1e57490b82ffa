"""The authorization matrix: every endpoint, every demo role, in its own scope and another's, exact statuses.

Cases live in tests/api/authz_cases_<domain>.py. A route without a case fails `test_every_route_has_a_case`, so the
matrix stays complete as endpoints are added.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tests.api.authz import ROLES, Case
from tests.conftest import login

SAFE = {"GET", "HEAD", "OPTIONS"}
MODULES = sorted(p.stem for p in Path(__file__).parent.glob("authz_cases_*.py"))
PUBLIC_PATHS = {"/api/auth/login", "/healthz", "/readyz"}


def _shape(path: str) -> str:
    path = path.split("?", 1)[0]
    return re.sub(r"\{[^}]+\}", "{}", path)


def _cases() -> list[tuple[str, Case]]:
    out = []
    for name in MODULES:
        module = importlib.import_module(f"tests.api.{name}")
        out.extend((name, case) for case in module.CASES)
    return out


def _api_routes(app) -> set[tuple[str, str]]:
    return {(method, _shape(path)) for method, path in _raw_routes(app)}


def _raw_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for route in app.routes:
        if not (route.path.startswith("/api/") or route.path in {"/healthz", "/readyz"}):
            continue
        for method in getattr(route, "methods", ()):
            if method not in {"HEAD", "OPTIONS"}:
                routes.add((method, route.path))
    return routes


_SAMPLE = {"uuid": "00000000-0000-4000-8000-000000000001", "int": "1", "path": "x", "str": "x"}


def _sample_path(path: str) -> str:
    """A concrete URL that the route's own pattern accepts (typed parameters included)."""
    return re.sub(r"\{[^}:]+(?::([a-z]+))?\}", lambda m: _SAMPLE.get(m.group(1) or "str", "1"), path)


async def test_every_route_has_a_case(app):
    covered = {(case.method, _shape(case.path)) for _, case in _cases()}
    missing = sorted(_api_routes(app) - covered)
    assert not missing, f"routes without an authorization case: {missing}"


async def test_every_private_route_needs_a_session(app, client):
    for method, raw in sorted(_raw_routes(app)):
        if _shape(raw) in PUBLIC_PATHS:
            continue
        response = await client.request(method, _sample_path(raw))
        assert response.status_code == 401, (method, raw, response.status_code)
        assert response.json()["code"] in {"unauthorized", "session_expired"}


@pytest.mark.parametrize("module_name", MODULES)
async def test_matrix(module_name, client, demo, as_user):  # noqa: C901
    module = importlib.import_module(f"tests.api.{module_name}")
    base = {
        "site_lz": str(demo.sites["YL-620102-001"]),
        "site_ts": str(demo.sites["YL-620502-004"]),
        "site_fc": str(demo.sites["FC-62010201"]),  # a lottery outlet of 城关区: the lottery centre's scope
    }

    async def fresh_values() -> dict[str, str]:
        extra = await module.setup(client, demo, as_user) if hasattr(module, "setup") else {}
        return {**base, **(extra or {})}

    values = await fresh_values()
    sessions: dict[str, dict] = {}
    failures = []
    for case in module.CASES:
        for role in ROLES:
            if case.method not in SAFE:
                # Unsafe requests may change state or end sessions: fresh records, and log in again afterwards.
                values = await fresh_values()
                sessions.clear()
            if role not in sessions:
                sessions[role] = await login(client, role)
            headers = sessions[role]
            url = case.path.format(**values)
            response = await client.request(
                case.method, url, json=case.body if case.content is None else None, content=case.content,
                headers={**headers, **case.headers},
            )
            if case.method not in SAFE:
                sessions.clear()
            if response.status_code != case.expect[role]:
                failures.append(
                    f"{case.method} {case.path} as {role}: {response.status_code} != {case.expect[role]} "
                    f"{response.text[:200]}"
                )
    assert not failures, "\n".join(failures)
