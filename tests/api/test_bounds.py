"""Hostile integers never reach the database: every list's paging, every integer query parameter and every `{id}`
path answer 4xx with the uniform error body, never 500 (SQLite overflowed past 2**63 - 1). The operations come from
the OpenAPI document, so a new list or id path is covered without editing this test."""

from __future__ import annotations

import re

import pytest

HOSTILE = [str(2**63), "-1", str(10**30), "abc"]
HOSTILE_IDS = [str(2**63), "0"]


_SPECS: dict[int, tuple] = {}  # id(app) -> (app, its OpenAPI document); the app is kept so its id is not reused


def _operations(app):
    # Rendering the OpenAPI document takes about a second: once per app, not once per request (it did, for every
    # path filled in, and made this file the suite's slowest).
    kept = _SPECS.get(id(app))
    if kept is None or kept[0] is not app:
        kept = _SPECS[id(app)] = (app, app.openapi_schema.to_schema())
    spec = kept[1]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation.get("parameters", [])


def _is_integer(parameter) -> bool:
    schema = parameter.get("schema", {})
    return schema.get("type") == "integer" or {"type": "integer"} in schema.get("oneOf", [])


def _integer_queries(app):
    return [(path, p["name"]) for path, method, params in _operations(app) if method == "get"
            for p in params if p["in"] == "query" and _is_integer(p)]


def _id_paths(app):
    return [(method, path) for path, method, params in _operations(app)
            if any(p["in"] == "path" and _is_integer(p) for p in params)]


def _fill(path: str, value: str, app) -> str:
    """Integer path parameters get `value`; others a well-formed placeholder."""
    params = {p["name"]: p for _, _, ps in _operations(app) for p in ps if p["in"] == "path"}

    def one(match):
        p = params[match.group(1)]
        if _is_integer(p):
            return value
        return "00000000-0000-4000-8000-000000000000" if p["schema"].get("format") == "uuid" else "x"

    return re.sub(r"\{(\w+)\}", one, path)


def _refused(response, *allowed):
    assert response.status_code in allowed, (response.request.url, response.status_code, response.text[:300])
    assert set(response.json()) == {"code", "message", "details"}


async def test_every_list_and_integer_filter_refuses_hostile_numbers(app, client, demo, as_user):
    queries = _integer_queries(app)
    lists = {path for path, name in queries if name == "offset"}
    assert {"/api/findings", "/api/notifications", "/api/persons", "/api/follow-up-cases", "/api/patrols",
            "/api/sites", "/api/inspections/due"} <= lists
    headers = await as_user("privacy")  # an admin holding the personal-data grant reaches every list
    for path, name in queries:
        for value in HOSTILE:
            _refused(await client.get(_fill(path, "1", app), params={name: value}, headers=headers), 400, 422)


async def test_every_id_path_refuses_out_of_range_ids(app, client, demo, as_user):
    paths = _id_paths(app)
    assert len(paths) >= 15
    headers = await as_user("privacy")
    for method, path in paths:
        for value in HOSTILE_IDS:
            url = _fill(path, value, app)
            response = await client.request(method.upper(), url, headers=headers, json={})
            _refused(response, 400, 404, 422)


@pytest.mark.parametrize("body", [{"region_id": 2**63}, {"region_id": 0}, {"approved_beds": 10**30}])
async def test_integer_fields_of_bodies_are_bounded(client, demo, as_user, body):
    site = demo.sites["YL-620102-001"]
    response = await client.patch(f"/api/admin/sites/{site}", json=body, headers=await as_user("admin"))
    _refused(response, 400, 422)


@pytest.mark.parametrize("body", [
    {"name": "\u0000 ", "url": "http://hooks.example/x", "region_id": 1},
    {"name": "hook", "url": "http://\u000e", "region_id": 1},
])
async def test_text_postgresql_cannot_store_is_refused(client, demo, as_user, body):
    # Found by schemathesis on PostgreSQL: a NUL byte in a webhook's name answered 500.
    _refused(await client.post("/api/admin/webhooks", json=body, headers=await as_user("admin")), 400, 422)


async def test_a_nul_byte_in_any_text_is_refused_not_a_server_error(client, demo, as_user):
    # PostgreSQL cannot store NUL in text (asyncpg raises UntranslatableCharacterError): the client's value, a 4xx.
    site = demo.sites["YL-620102-001"]
    response = await client.patch(f"/api/admin/sites/{site}", json={"name": "福寿园\u0000养老院"},
                                  headers=await as_user("admin"))
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code == 200:  # SQLite stores it; it must read back as sent
        assert response.json()["name"] == "福寿园\u0000养老院"
    else:
        _refused(response, 400, 422)


def _typed(schema) -> bool:
    """Not free text: a number, a yes/no, a date or time, an id, one of a vocabulary."""
    return schema.get("type") != "string" or bool({"format", "enum"} & set(schema))


async def test_null_is_not_a_value_of_any_optional_parameter_that_is_not_text(app, client, demo, as_user):
    """`?until=null` read as "no until" (msgspec's lax reading of parameters), `?region=null` as every region: a
    client's serialised None widened the answer. Now it is refused, naming the parameter, on every list and filter."""
    typed = [(path, p["name"]) for path, method, params in _operations(app) if method == "get"
             for p in params if p["in"] == "query" and not p.get("required") and _typed(p["schema"])]
    assert {("/api/patrols/counts", "until"), ("/api/patrols/counts", "since"), ("/api/findings", "site"),
            ("/api/findings", "overdue"), ("/api/notifications", "kind"), ("/api/sites", "region")} <= set(typed)
    headers = await as_user("privacy")
    for path, name in typed:
        for value in ("null", "NULL"):
            response = await client.get(_fill(path, "1", app), params={name: value}, headers=headers)
            _refused(response, 422)
            assert [d["key"] for d in response.json()["details"]] == [name], response.text
    # Free text keeps the word: a search for "null" is a search.
    r = await client.get("/api/sites", params={"q": "null"}, headers=headers)
    assert r.status_code == 200 and r.json()["items"] == []
