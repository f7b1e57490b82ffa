"""Schemathesis against our own OpenAPI document, with every phase (examples, coverage, fuzzing, stateful) as each
demo role: no 5xx, and every status, content type and body matches what the document says."""

from __future__ import annotations

import asyncio
import shutil

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

from tests.conftest import _truncate_postgres, base_settings

# Operations that would lock the fuzzing account out of its own session are covered by ordinary tests instead:
# logout, password changes and resets (they revoke sessions), deactivation, and the admin's account update (its
# is_active=false deactivates, and a role change demotes the fuzzing admin itself).
LOCKOUT = r"(/logout$|/password$|/deactivate$)"
ACCOUNT_UPDATE = ("PATCH", "/api/admin/users/{user_id}")

PHASES = ("examples", "coverage", "fuzzing", "stateful")
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance")
# Bounded and repeatable: a fixed seed, derandomised generation, few examples per operation (the coverage phase
# adds its boundary cases whatever this number), short stateful sequences.
MAX_EXAMPLES = 5
# On PostgreSQL the roles that reach every kind of operation: the admin (everything in scope), a supervisor (region
# scope, decisions, plans) and an inspector (submissions, patrols). What PostgreSQL alone refuses (a NUL byte, an
# integer past its range) is mapped to 422 in one handler for every route (errors.data_error_handler); the manager's
# and the lottery centre's scoping runs on both engines in the ordinary API tests (test_authz_matrix.py). Their
# PostgreSQL runs took about 60 s of the suite's worker time.
POSTGRES_ROLES = ("admin", "supervisor", "inspector")


def _config(token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": 1,
        "headers": {"Authorization": f"Bearer {token}"},
        "continue-on-failure": True,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "phases": {"examples": {"fill-missing": True}, "stateful": {"max-steps": 8}},
    })


@pytest.fixture(params=["admin", "supervisor", "inspector", "manager", "lottery"])
def fuzz_target(request, backend, tmp_path):
    from xunjian import demo
    from xunjian.accounts import service
    from xunjian.app import create_app

    if backend.name == "postgres" and request.param not in POSTGRES_ROLES:
        pytest.skip(f"fuzzed as {request.param} on SQLite only (POSTGRES_ROLES)")
    # A fresh demo database per role: what one role's fuzzing changed never decides another's run.
    if backend.name == "sqlite":
        shutil.copy(backend.template, tmp_path / "xunjian.sqlite3")
        settings = base_settings(tmp_path)
    else:
        asyncio.run(_truncate_postgres(backend.url))
        settings = base_settings(tmp_path, database_url=backend.url)
    app = create_app(settings)

    async def prepare():
        await demo.load(settings)
        token, _ = await service.login(settings, request.param, settings.demo_password, "127.0.0.1", "fuzz")
        return token

    token = asyncio.run(prepare())
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=_config(token))
    return schema.exclude(path_regex=LOCKOUT).exclude(method=ACCOUNT_UPDATE[0], path=ACCOUNT_UPDATE[1])


def _failures(event) -> list[str]:
    found = []
    for nodes in event.recorder.checks.values():
        for node in nodes:
            if node.status == Status.FAILURE and node.failure_info is not None:
                failure = node.failure_info.failure
                found.append(f"[{event.phase}] {event.label}: {node.name}: {failure.title}\n  {failure.message}\n"
                             f"  {node.failure_info.code_sample}")
    return found


def test_api_conforms_to_its_schema(fuzz_target):
    failures, phases = [], {}
    for event in from_schema(fuzz_target).execute():
        if isinstance(event, events.PhaseFinished):
            phases[event.phase.name.value] = event.status
        elif isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
            failures.extend(_failures(event))
        elif isinstance(event, events.NonFatalError):
            failures.append(f"[{event.phase}] {event.label}: error {event.value!r}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    # Every phase ran: a skipped phase would pass without testing anything.
    assert all(phases.get(name) in (Status.SUCCESS, Status.FAILURE) for name in PHASES), phases
    assert not failures, "\n\n".join(dict.fromkeys(failures))
