"""Validating a patrol against the street-patrol checklist template through the one checklist engine.

The API takes patrols as typed fields (documented in OpenAPI); they are turned into the template's answers (its
patrol items and the `encounters` repeat group) and checked by `checklists.rules.evaluate`, so option values,
required items and limits come from the pinned template version, not from a second copy in this package.
"""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from ..checklists import rules as engine
from ..checklists import service as checklists
from ..errors import Invalid, NotFound
from . import rules
from .schemas import PatrolPut

# Template items filled from a typed field of the API: an error on the item names the field the client sent.
_PATROL_FIELDS = {"team": "team", "place_types": "place_types", "weather": "weather",
                  "warning_level": "warning_level", "encounters": "encounters"}
_ENCOUNTER_FIELDS = {
    "sex": "sex", "age_band": "age_band", "vulnerable": "is_minor", "place_type": "place_type", "location": "lat",
    "action": "action", "referral_target": "referral_target_id", "followup_needed": "follow_up_needed",
    "earlier_record": "earlier_record", "photos": "photo_ids", "note": "details",
}
_ENTRY = re.compile(r"^encounters\[(\d+)\]\.([a-z_]+)(.*)$")


def _field(item: str | None) -> str:
    if not item:
        return "answers"
    m = _ENTRY.match(item)
    if m:
        sub = _ENCOUNTER_FIELDS.get(m.group(2))
        return f"encounters[{m.group(1)}].{sub}{m.group(3)}" if sub else f"encounters[{m.group(1)}].answers.{m.group(2)}"
    top = item.split(".", 1)[0].split("[", 1)[0]
    return item if top in _PATROL_FIELDS else f"answers.{item}"


async def validate(data: PatrolPut, referral_names: dict[int, str], pinned: int | None = None) -> int:
    """Check the patrol against the version the client names, else the one the stored patrol is pinned to, else the
    current one, and return it. A patrol under way is a draft: required items are enforced once it has ended."""
    version = data.template_version if data.template_version is not None else pinned
    try:
        if version is None:
            template = await checklists.get_template(rules.TEMPLATE_KEY)
        else:
            template = await checklists.pinned_template(rules.TEMPLATE_KEY, version)
    except NotFound:
        raise Invalid("The street-patrol template is not installed",
                      details=[{"field": "template_version", "message": "no such template"}]) from None
    patrol = msgspec.to_builtins(data, builtin_types=(datetime,))
    encounters = [msgspec.structs.asdict(e) for e in data.encounters]
    answers = rules.template_answers(patrol, encounters, referral_names)
    evaluation = engine.evaluate(template, answers, final=data.ended_at is not None)
    if not evaluation.ok:
        raise Invalid("The patrol does not fit the street-patrol template",
                      details=[{"field": _field(e.get("item")), "item": e.get("item"), "message": e["message"]}
                               for e in evaluation.errors])
    return template.version
