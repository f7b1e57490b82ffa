"""The one checklist engine (pure): template checks, and answers validated against a pinned template version.

Answer shapes, keyed by item key:
  check     {"result": "compliant" | "noncompliant" | "na", "note"?: str, "photos"?: [uuid],
             "grade"?: "major" (raise a general item's grade), "deadline_days"?: int (shorten, never lengthen)}
  number    a number within the item's bounds (whole when `integer`)
  choice    one option value, or a list of values when `multiple` (an `exclusive` option, such as 无, alone)
  text      a string up to `max_length` (default 2000)
  photo     a list of photo ids (UUID strings)
  location  {"lat": float, "lng": float, "accuracy_m"?: float}
  repeat    a list of entries, each an object of the group's sub-item answers

`None` means "not answered". Drafts may leave items unanswered; a submission must answer every required item that is
shown. An item hidden by its `show_if` must not be answered. Errors name the item ("fire_exit",
"encounters[2].age_band") and say what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

CHECK_RESULTS = ("compliant", "noncompliant", "na")
GRADES = ("general", "major")
DEFAULT_TEXT_LENGTH = 2000
DEFAULT_MAX_PHOTOS = 10
NOTE_LENGTH = 2000


# ---------------------------------------------------------------------------------------------------- templates

@dataclass(frozen=True)
class Problem:
    """Something wrong with a template: the JSON path and the message."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def schema_problems(doc: Any, validator) -> list[Problem]:
    """Errors from the JSON Schema (a jsonschema validator), most specific first, with their JSON paths."""
    errors = sorted(validator.iter_errors(doc), key=lambda e: (-len(e.absolute_path), e.json_path))
    return [Problem(e.json_path, e.message) for e in errors]


def semantic_problems(doc: dict) -> list[Problem]:
    """What the JSON Schema cannot say: unique keys, conditions that refer to earlier items, sane bounds."""
    problems: list[Problem] = []
    seen_sections: set[str] = set()
    top: dict[str, dict] = {}
    for si, section in enumerate(doc["sections"]):
        spath = f"$.sections[{si}]"
        if section["key"] in seen_sections:
            problems.append(Problem(f"{spath}.key", f"section key {section['key']!r} is used twice"))
        seen_sections.add(section["key"])
        for ii, item in enumerate(section["items"]):
            ipath = f"{spath}.items[{ii}]"
            problems += _item_problems(item, ipath, top, {})
            if item["key"] in top:
                problems.append(Problem(f"{ipath}.key", f"item key {item['key']!r} is used twice"))
            top[item["key"]] = item
            if item["type"] == "repeat":
                siblings: dict[str, dict] = {}
                for ci, sub in enumerate(item["items"]):
                    cpath = f"{ipath}.items[{ci}]"
                    problems += _item_problems(sub, cpath, top, siblings)
                    if sub["key"] in siblings:
                        problems.append(Problem(f"{cpath}.key", f"item key {sub['key']!r} is used twice in the group"))
                    siblings[sub["key"]] = sub
    return problems


def _item_problems(item: dict, path: str, earlier: dict[str, dict], siblings: dict[str, dict]) -> list[Problem]:
    problems = []
    cond = item.get("show_if")
    if cond:
        target = siblings.get(cond["item"]) or earlier.get(cond["item"])
        if target is None:
            problems.append(Problem(f"{path}.show_if.item", f"{cond['item']!r} is not an item defined before this one"))
        elif target["type"] in ("photo", "location", "repeat", "text"):
            problems.append(Problem(f"{path}.show_if.item", f"cannot depend on a {target['type']} item"))
        else:
            values = [cond["equals"]] if "equals" in cond else cond["in"]
            allowed = _condition_values(target)
            if allowed is not None:
                bad = [v for v in values if v not in allowed]
                if bad:
                    problems.append(Problem(f"{path}.show_if", f"{bad!r} can never be an answer of {cond['item']!r}"))
    rule = item.get("noncompliant_when")
    if rule:
        for name, key in (("item", rule["item"]), ("less_than.item", rule["less_than"]["item"])):
            target = earlier.get(key)
            if target is None or target["type"] != "number":
                problems.append(Problem(f"{path}.noncompliant_when.{name}",
                                        f"{key!r} is not a number item defined before this one"))
    if item["type"] == "number" and "min" in item and "max" in item and item["min"] > item["max"]:
        problems.append(Problem(f"{path}.max", "max is below min"))
    if item["type"] in ("photo", "repeat") and item.get("min_count", 0) > item.get("max_count", math.inf):
        problems.append(Problem(f"{path}.max_count", "max_count is below min_count"))
    if item["type"] == "choice":
        values = [o["value"] for o in item["options"]]
        if len(set(values)) != len(values):
            problems.append(Problem(f"{path}.options", "option values must be unique"))
        if not item.get("multiple") and any(o.get("exclusive") for o in item["options"]):
            problems.append(Problem(f"{path}.options", "exclusive options belong to multiple choices"))
    return problems


def _condition_values(target: dict) -> set | None:
    if target["type"] == "check":
        return set(CHECK_RESULTS)
    if target["type"] == "choice":
        return {o["value"] for o in target["options"]}
    return None


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    title: str
    site_kind: str
    items: tuple[dict, ...]  # top-level items in order
    doc: dict = field(compare=False, repr=False)

    def item(self, key: str) -> dict | None:
        for it in self.items:
            if it["key"] == key:
                return it
        return None

    @property
    def check_items(self) -> list[dict]:
        return [i for i in self.items if i["type"] == "check"]


def parse_template(doc: dict) -> Template:
    items = tuple(item for section in doc["sections"] for item in section["items"])
    return Template(doc["key"], doc["version"], doc["title"], doc["site_kind"], items, doc)


def canonical_hash(value: Any) -> str:
    """SHA-256 of a JSON value with sorted keys: equal content, equal hash."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _items_by_key(doc: dict) -> dict[str, tuple[dict, str]]:
    """Every item of a template by its key (a repeat group's items as "group.item"), with its section's key."""
    found: dict[str, tuple[dict, str]] = {}
    for section in doc["sections"]:
        for item in section["items"]:
            found[item["key"]] = ({k: v for k, v in item.items() if k != "items"}, section["key"])
            for sub in item.get("items", []) if item["type"] == "repeat" else []:
                found[f"{item['key']}.{sub['key']}"] = (sub, section["key"])
    return found


def template_diff(old: dict, new: dict) -> dict:
    """What changed from template `old` to `new`: items added, removed and changed (field by field, [old, new];
    an item moved to another section shows as a change of `section`), and sections added and removed. Items are
    matched by their key, sections by theirs."""
    before, after = _items_by_key(old), _items_by_key(new)

    def brief(key: str, entry: tuple[dict, str]) -> dict:
        return {"item": key, "title": entry[0].get("label", ""), "section": entry[1]}

    changed = []
    for key in (k for k in after if k in before):
        (was, was_section), (now, now_section) = before[key], after[key]
        changes = {f: [was.get(f), now.get(f)] for f in sorted(set(was) | set(now)) if was.get(f) != now.get(f)}
        if was_section != now_section:
            changes["section"] = [was_section, now_section]
        if changes:
            changed.append({"item": key, "title": now.get("label", ""), "changes": changes})
    old_sections = {s["key"]: s.get("title", "") for s in old["sections"]}
    new_sections = {s["key"]: s.get("title", "") for s in new["sections"]}
    return {
        "added": [brief(k, e) for k, e in after.items() if k not in before],
        "removed": [brief(k, e) for k, e in before.items() if k not in after],
        "changed": changed,
        "sections_added": [{"section": k, "title": t} for k, t in new_sections.items() if k not in old_sections],
        "sections_removed": [{"section": k, "title": t} for k, t in old_sections.items() if k not in new_sections],
    }


# ---------------------------------------------------------------------------------------------------- answers

@dataclass(frozen=True)
class NonCompliance:
    """A noncompliant check answer: what its finding will be."""

    item_key: str
    title: str
    basis: str
    grade: str
    deadline_days: int
    risk_weight: float
    note: str
    photos: tuple[str, ...]


@dataclass
class Evaluation:
    errors: list[dict] = field(default_factory=list)
    checks_answered: int = 0
    checks_noncompliant: int = 0
    noncompliant: list[NonCompliance] = field(default_factory=list)
    photo_ids: list[str] = field(default_factory=list)
    root: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def is_required(item: dict) -> bool:
    return item.get("required", item["type"] == "check")


def _condition_holds(cond: dict, answers: dict) -> bool:
    value = answers.get(cond["item"])
    if isinstance(value, dict):  # a check answer
        value = value.get("result")
    if value is None:
        return False
    wanted = [cond["equals"]] if "equals" in cond else cond["in"]
    if isinstance(value, list):
        return any(v in wanted for v in value)
    return any(value == w and type(value) is type(w) or _same_number(value, w) for w in wanted)


def _same_number(a: Any, b: Any) -> bool:
    return (isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(b, (int, float))
            and not isinstance(b, bool) and a == b)


def is_shown(item: dict, scope: dict, root: dict, siblings: frozenset[str] = frozenset()) -> bool:
    """Inside a repeat entry a condition may name a sibling (answers of the entry) or a top-level item."""
    cond = item.get("show_if")
    if not cond:
        return True
    return _condition_holds(cond, scope if cond["item"] in siblings else root)


def evaluate(template: Template, answers: Any, *, final: bool) -> Evaluation:
    """Validate `answers` against the template. `final`: a submission (required items, required photos)."""
    ev = Evaluation()
    if not isinstance(answers, dict):
        ev.errors.append({"item": None, "message": "answers must be an object keyed by item"})
        return ev
    known = {i["key"] for i in template.items}
    for key in answers:
        if key not in known:
            ev.errors.append({"item": key, "message": "no such item in this template version"})
    ev.root = answers
    top = frozenset(known)
    for item in template.items:
        _evaluate_item(item, answers, top, item["key"], final, ev)
    return ev


def _evaluate_item(item: dict, scope: dict, siblings: frozenset[str], path: str, final: bool, ev: Evaluation) -> None:
    value = scope.get(item["key"])
    shown = is_shown(item, scope, ev.root, siblings)
    if not shown:
        if value is not None:
            ev.errors.append({"item": path, "message": "answered, but this item is hidden by its condition"})
        return
    if value is None:
        if final and is_required(item):
            ev.errors.append({"item": path, "message": "required"})
        return
    checker = _CHECKERS[item["type"]]
    checker(item, value, path, final, ev)


def _err(ev: Evaluation, path: str, message: str) -> None:
    ev.errors.append({"item": path, "message": message})


def photo_list(value: Any, path: str, ev: Evaluation, limit: int) -> list[str] | None:
    if not isinstance(value, list):
        _err(ev, path, "expected a list of photo ids")
        return None
    if len(value) > limit:
        _err(ev, path, f"at most {limit} photos")
        return None
    ids = []
    for v in value:
        try:
            ids.append(str(uuid.UUID(v)))
        except (TypeError, ValueError, AttributeError):
            _err(ev, path, f"{v!r} is not a photo id")
            return None
    if len(set(ids)) != len(ids):
        _err(ev, path, "the same photo is listed twice")
        return None
    ev.photo_ids.extend(ids)
    return ids


def _check(item: dict, value: Any, path: str, final: bool, ev: Evaluation) -> None:
    if not isinstance(value, dict):
        _err(ev, path, "expected an object with result (compliant, noncompliant or na)")
        return
    extra = set(value) - {"result", "note", "photos", "grade", "deadline_days"}
    if extra:
        _err(ev, path, f"unknown fields {sorted(extra)}")
        return
    result = value.get("result")
    if result not in CHECK_RESULTS:
        _err(ev, path, "result must be compliant, noncompliant or na")
        return
    note = value.get("note", "") or ""
    if not isinstance(note, str) or len(note) > NOTE_LENGTH:
        _err(ev, f"{path}.note", f"a text of at most {NOTE_LENGTH} characters")
        return
    photos = photo_list(value.get("photos") or [], f"{path}.photos", ev, DEFAULT_MAX_PHOTOS)
    if photos is None:
        return
    grade = value.get("grade")
    days = value.get("deadline_days")
    if result != "noncompliant" and (shortfall := number_rule_broken(item, ev.root)):
        _err(ev, path, f"the numbers recorded make this item noncompliant ({shortfall})")
        return
    if result != "noncompliant":
        if grade is not None or days is not None:
            _err(ev, path, "grade and deadline_days apply only to a noncompliant answer")
        else:
            ev.checks_answered += 1
        return
    if grade is None:
        grade = item["grade"]
    elif grade not in GRADES:
        _err(ev, f"{path}.grade", "general or major")
        return
    elif grade == "general" and item["grade"] == "major":
        _err(ev, f"{path}.grade", "a major-hazard item cannot be downgraded")
        return
    if days is None:
        days = item["rectify_days"]
    elif not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= item["rectify_days"]:
        _err(ev, f"{path}.deadline_days",
             f"a whole number of days from 1 to {item['rectify_days']} "
             "(the deadline may be shortened, never lengthened)")
        return
    if final and item.get("photo_required_when_noncompliant") and not photos:
        _err(ev, f"{path}.photos", "a photo is required for a noncompliant answer")
        return
    ev.checks_answered += 1
    ev.checks_noncompliant += 1
    ev.noncompliant.append(NonCompliance(
        item_key=item["key"], title=item.get("hazard") or f"不符合：{item['label']}", basis=item["basis"],
        grade=grade, deadline_days=days, risk_weight=float(item["risk_weight"]), note=note, photos=tuple(photos),
    ))


def _plain_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number_rule_broken(item: dict, answers: dict) -> str | None:
    """What the item's `noncompliant_when` finds in the answers ("night_staff 1 < residents_present 61 / 30"), or
    None when the rule is absent, holds, or a number it compares is not answered."""
    rule = item.get("noncompliant_when")
    if not rule:
        return None
    ref = rule["less_than"]
    a, b = answers.get(rule["item"]), answers.get(ref["item"])
    if not (_plain_number(a) and _plain_number(b)):
        return None
    divisor = ref.get("divided_by", 1)
    if a >= b / divisor:
        return None
    per = f" / {divisor:g}" if divisor != 1 else ""
    return f"{rule['item']} {a:g} < {ref['item']} {b:g}{per}"


def _number(item: dict, value: Any, path: str, final: bool, ev: Evaluation) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _err(ev, path, "expected a number")
        return
    if item.get("integer") and not float(value).is_integer():
        _err(ev, path, "expected a whole number")
    elif "min" in item and value < item["min"]:
        _err(ev, path, f"at least {item['min']}")
    elif "max" in item and value > item["max"]:
        _err(ev, path, f"at most {item['max']}")


def _choice(item: dict, value: Any, path: str, final: bool, ev: Evaluation) -> None:
    options = {o["value"] for o in item["options"]}
    if item.get("multiple"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            _err(ev, path, "expected a list of option values")
        elif len(set(value)) != len(value):
            _err(ev, path, "an option is chosen twice")
        elif bad := [v for v in value if v not in options]:
            _err(ev, path, f"not an option: {bad}")
        elif len(value) > 1 and (alone := [o["value"] for o in item["options"] if o.get("exclusive") and o["value"] in value]):
            _err(ev, path, f"{alone[0]!r} excludes every other option")
        elif final and is_required(item) and not value:
            _err(ev, path, "required")
    elif not isinstance(value, str):
        _err(ev, path, "expected one option value")
    elif value not in options:
        _err(ev, path, f"not an option: {value!r}")


def _text(item: dict, value: Any, path: str, final: bool, ev: Evaluation) -> None:
    limit = item.get("max_length", DEFAULT_TEXT_LENGTH)
    if not isinstance(value, str):
        _err(ev, path, "expected a text")
    elif len(value) > limit:
        _err(ev, path, f"at most {limit} characters")
    elif final and is_required(item) and not value.strip():
        _err(ev, path, "required")


def _photo(item: dict, value: Any, path: str, final: bool, ev: Evaluation) -> None:
    ids = photo_list(value, path, ev, item.get("max_count", DEFAULT_MAX_PHOTOS))
    if ids is not None and final and len(ids) < item.get("min_count", 1 if is_required(item) else 0):
        _err(ev, path, f"at least {item.get('min_count', 1)} photos")


def _location(item: dict, value: Any, path: str, final: bool, ev: Evaluation) -> None:
    if error := location_error(value):
        _err(ev, path, error)


def location_error(value: Any) -> str | None:
    """None when `value` is {"lat", "lng", "accuracy_m"?} with coordinates in range."""
    if not isinstance(value, dict) or set(value) - {"lat", "lng", "accuracy_m"}:
        return "expected {lat, lng, accuracy_m?}"
    lat, lng, acc = value.get("lat"), value.get("lng"), value.get("accuracy_m")
    for v in (lat, lng) + ((acc,) if acc is not None else ()):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return "lat, lng and accuracy_m must be numbers"
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (acc is not None and acc < 0):
        return "coordinates out of range"
    return None


def _repeat(item: dict, value: Any, path: str, final: bool, ev: Evaluation) -> None:
    if not isinstance(value, list):
        _err(ev, path, "expected a list of entries")
        return
    if len(value) > item.get("max_count", 500):
        _err(ev, path, f"at most {item.get('max_count', 500)} entries")
        return
    if final and len(value) < item.get("min_count", 0):
        _err(ev, path, f"at least {item['min_count']} entries")
    keys = frozenset(s["key"] for s in item["items"])
    for n, entry in enumerate(value):
        epath = f"{path}[{n}]"
        if not isinstance(entry, dict):
            _err(ev, epath, "expected an object of the group's items")
            continue
        for k in entry:
            if k not in keys:
                _err(ev, f"{epath}.{k}", "no such item in this group")
        for sub in item["items"]:
            _evaluate_item(sub, entry, keys, f"{epath}.{sub['key']}", final, ev)


_CHECKERS = {
    "check": _check, "number": _number, "choice": _choice, "text": _text, "photo": _photo,
    "location": _location, "repeat": _repeat,
}


def iter_repeat_entries(template: Template, answers: dict, group_key: str) -> Iterator[dict]:
    """The entries of a repeat group in validated answers (patrol encounters)."""
    item = template.item(group_key)
    if item is None or item["type"] != "repeat":
        raise KeyError(group_key)
    yield from answers.get(group_key) or []
