"""Builds valid answers for a shipped template, for the inspection and finding tests."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from xunjian.checklists import rules

TEMPLATES = Path(__file__).resolve().parents[2] / "schemas" / "checklists"


def template(key: str) -> rules.Template:
    """The current version of a shipped template (`KEY.json`; earlier versions are `KEY.vN.json`)."""
    return rules.parse_template(json.loads((TEMPLATES / f"{key}.json").read_text(encoding="utf-8")))


def _sample(item: dict):
    kind = item["type"]
    if kind == "check":
        return {"result": "compliant"}
    if kind == "number":
        return item.get("min", 0) + 1
    if kind == "choice":
        first = item["options"][0]["value"]
        return [first] if item.get("multiple") else first
    if kind == "text":
        return "巡查一队"
    if kind == "photo":
        return [str(uuid.uuid4()) for _ in range(max(1, item.get("min_count", 1)))]
    if kind == "location":
        return {"lat": 36.05, "lng": 103.84}
    return []


def all_compliant(key: str) -> dict:
    """Every shown item answered: checks compliant, the first option of each choice, sample numbers and texts."""
    t = template(key)
    answers: dict = {}
    for item in t.items:
        if rules.is_shown(item, answers, answers, frozenset(answers)) and (
                item["type"] in ("check", "number", "choice") or rules.is_required(item)):
            answers[item["key"]] = _sample(item)
    return answers


def payload(site_id: int, key: str = "eldercare_safety", *, answers: dict | None = None, status: str = "submitted",
            version: int | None = None, **extra) -> dict:
    body = {"site_id": site_id, "template_key": key, "status": status,
            "template_version": version if version is not None else template(key).version,
            "answers": answers if answers is not None else all_compliant(key)}
    body.update(extra)
    return body
