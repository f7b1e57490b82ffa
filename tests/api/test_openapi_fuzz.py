"""Schemathesis against our own OpenAPI document, authenticated: no 5xx, every response matches its documented schema."""

from __future__ import annotations

import asyncio
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import _truncate_postgres, base_settings

# Operations that end the fuzzing session itself (or lock the admin out) are covered by ordinary tests instead.
DESTRUCTIVE = r"(/logout$|/password$|/deactivate$)"


@pytest.fixture(scope="module")
def fuzz_target(backend, tmp_path_factory):
    from xunjian import demo
    from xunjian.accounts import service
    from xunjian.app import create_app

    data_dir = tmp_path_factory.mktemp("fuzz")
    if backend.name == "sqlite":
        shutil.copy(backend.template, data_dir / "xunjian.sqlite3")
        settings = base_settings(data_dir)
    else:
        asyncio.run(_truncate_postgres(backend.url))
        settings = base_settings(data_dir, database_url=backend.url)
    app = create_app(settings)

    async def prepare():
        await demo.load(settings)
        token, _ = await service.login(settings, "admin", settings.demo_password, "127.0.0.1", "fuzz")
        return token

    token = asyncio.run(prepare())
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    return schema.exclude(path_regex=DESTRUCTIVE), token


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_api_conforms_to_its_schema(fuzz_target):
    # Driven by hand rather than through schemathesis' pytest plugin, whose lazy fixtures break on pytest 9.
    schema, token = fuzz_target
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures = []
    for operation in operations:

        @hsettings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                   database=None)
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
