"""Site attributes, pure: what each site kind's `attributes` may hold (schemas/site-attributes.schema.json), checked
for the admin console's site form and for the site import, whose columns (one per attribute) come from the same
schema. The risk rules' inherent factors read these attributes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from ..config import REPO_DIR
from ..errors import Invalid

SCHEMA_PATH = REPO_DIR / "schemas" / "site-attributes.schema.json"


@lru_cache(maxsize=2)
def schema(path: str = str(SCHEMA_PATH)) -> dict:
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Attribute:
    name: str
    header: str  # the import's and export's column header
    kinds: tuple[str, ...]
    type: str  # integer | number | boolean | choice | text
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, Chinese label)
    max_length: int | None = None


def _resolved(prop: dict, defs: dict) -> dict:
    if "$ref" in prop:
        return {**defs[prop["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop


@lru_cache(maxsize=1)
def attributes() -> tuple[Attribute, ...]:
    """Every attribute of every kind, in the schema's order (an attribute two kinds share is one)."""
    defs = schema()["$defs"]
    found: dict[str, dict] = {}
    kinds: dict[str, list[str]] = {}
    for kind in ("eldercare", "lottery_outlet", "rescue_station", "patrol_zone"):
        for name, prop in defs[kind]["properties"].items():
            found.setdefault(name, _resolved(prop, defs))
            kinds.setdefault(name, []).append(kind)
    out = []
    for name, p in found.items():
        kind = ("choice" if "enum" in p else p["type"] if p["type"] in ("integer", "number", "boolean") else "text")
        out.append(Attribute(name=name, header=p["x-header"], kinds=tuple(kinds[name]), type=kind,
                             minimum=p.get("minimum"), maximum=p.get("maximum"),
                             choices=tuple(p.get("x-choices", {}).items()), max_length=p.get("maxLength")))
    return tuple(out)


def problems(kind: str, values: Any) -> list[dict]:
    """What is wrong with a site's attributes for its kind: [{field: 'attributes.NAME', message}]."""
    defs = schema()["$defs"]
    if kind not in defs:
        return [{"field": "attributes", "message": f"no attributes for a site of kind {kind!r}"}]
    validator = jsonschema.Draft202012Validator({**defs[kind], "$defs": defs})
    out = []
    for e in sorted(validator.iter_errors(values), key=lambda e: e.json_path):
        if e.validator == "additionalProperties":
            allowed = sorted(defs[kind]["properties"])
            for extra in sorted(set(values) - set(allowed)):
                out.append({"field": f"attributes.{extra}",
                            "message": f"not an attribute of this kind; allowed: {', '.join(allowed)}"})
        else:
            where = ".".join(str(p) for p in e.absolute_path)
            out.append({"field": f"attributes.{where}" if where else "attributes", "message": e.message})
    return out


def validate(kind: str, values: Any) -> None:
    found = problems(kind, values)
    if found:
        raise Invalid("The site's attributes are not valid", details=found)
