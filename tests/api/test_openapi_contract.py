"""The OpenAPI document states what the API checks, so that generated clients and fuzzers send valid requests:
bodies that refuse unknown fields say so, vocabularies are enums, ids and paging have bounds."""

from __future__ import annotations


def _spec(app) -> dict:
    return app.openapi_schema.to_schema()


def _query(spec, path, name) -> dict:
    return next(p["schema"] for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_every_json_body_says_it_refuses_unknown_fields(app):
    spec = _spec(app)
    components = spec["components"]["schemas"]
    bodies = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                ref = content["schema"].get("$ref") or next(
                    s["$ref"] for s in content["schema"].get("oneOf", []) if "$ref" in s)
                bodies[f"{method.upper()} {path}"] = components[ref.rsplit("/", 1)[1]]
    assert len(bodies) >= 20
    assert {label for label, schema in bodies.items() if schema.get("additionalProperties") is not False} == set()


def test_vocabularies_and_bounds_are_in_the_schema(app):
    spec = _spec(app)
    assert set(_query(spec, "/api/findings", "status")["enum"]) >= {"open", "responded", "closed"}
    assert set(_query(spec, "/api/findings", "grade")["enum"]) >= {"general", "major"}
    assert set(_query(spec, "/api/sites", "kind")["enum"]) >= {"eldercare", "lottery_outlet"}
    assert set(_query(spec, "/api/persons", "tracing_status")["enum"]) >= {"pending", "reunited"}
    assert set(_query(spec, "/api/follow-up-cases", "status")["enum"]) >= {"open", "closed"}
    for path in ("/api/findings", "/api/notifications", "/api/persons", "/api/follow-up-cases", "/api/patrols"):
        assert _query(spec, path, "offset")["maximum"] < 2**63, path
        assert _query(spec, path, "limit")["maximum"] <= 200, path
    person = spec["components"]["schemas"]["PersonCreate"]["properties"]["site_id"]
    assert (person["minimum"], person["maximum"]) == (1, 2**31 - 1)


def test_no_parameter_offers_null_as_a_value(app):
    """An optional parameter is left out to say "none"; the document offers no null (generated clients sent it, and
    the API refuses it where the type is not text)."""
    spec = _spec(app)
    offered = [(path, method, p["name"]) for path, item in spec["paths"].items() for method, op in item.items()
               for p in op.get("parameters", []) if "null" in str(p["schema"]) or "None" in str(p["schema"])]
    assert offered == []
    assert _query(spec, "/api/patrols/counts", "until")["type"] == "string"
    assert _query(spec, "/api/patrols/counts", "until")["format"] == "date"
    assert _query(spec, "/api/findings", "site") == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    status = _query(spec, "/api/findings", "status")
    assert status["type"] == "string" and None not in status["enum"]
    assert _query(spec, "/api/notifications", "kind") == {"$ref": "#/components/schemas/NotificationKind"}
