"""Risk scoring, pure: site facts + a rules file → tier, score and each factor's contribution.

The nightly job computes the same numbers in set-based SQL (risk/sql.py); tests hold the two equal. Changing the
formula means changing both, and a new rules file version when the file's meaning changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jsonschema

TIERS = ("blue", "yellow", "orange", "red")  # ascending
TIER_RANK = {t: i for i, t in enumerate(TIERS)}
FACTORS = ("open_general", "open_major", "overdue", "escalation", "noncompliance", "inspection_overdue", "beds",
           "full_care_share", "override")  # every kind's; each kind adds its inherent factors (factor_names)
# Days since the inspection fell due: the inspector's lateness, shown as its own reason (检查逾期), never as the site's
# own risk (Rating.own_score / own_tier leave it out).
LATENESS = "inspection_overdue"


class RulesError(ValueError):
    pass


@lru_cache(maxsize=8)
def _schema(schema_path: str) -> dict:
    return json.loads(Path(schema_path).read_text(encoding="utf-8"))


def validate_rules(data: dict, schemas_dir: Path) -> None:
    try:
        jsonschema.validate(data, _schema(str(schemas_dir / "risk-rules.schema.json")))
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise RulesError(f"risk rules invalid at {where}: {exc.message}") from exc
    problems = semantic_problems(data)
    if problems:
        raise RulesError(f"risk rules invalid: {problems[0][1]}")


def semantic_problems(data: dict) -> list[tuple[str, str]]:
    """What the schema cannot say, as (JSON path, message), for a document the schema accepted."""
    if "default" not in data:  # version 1's layout
        t = data["thresholds"]
        if not (t["yellow"] <= t["orange"] <= t["red"]):
            return [("$.thresholds", "thresholds must rise yellow ≤ orange ≤ red")]
        return []
    problems = []

    def rising(section: dict, where: str, label: str, own=("thresholds", "frequency_days")) -> None:
        t, f = section["thresholds"], section["frequency_days"]
        if "thresholds" in own and not (t["yellow"] <= t["orange"] <= t["red"]):
            problems.append((f"{where}.thresholds", f"{label}thresholds must rise yellow ≤ orange ≤ red"))
        if "frequency_days" in own and not (f["red"] <= f["orange"] <= f["yellow"] <= f["blue"]):
            problems.append((f"{where}.frequency_days", f"{label}frequencies must not fall from blue to red"))

    rising(data["default"], "$.default", "")
    for kind, section in data.get("kinds", {}).items():
        if kind not in data["rated_kinds"]:
            problems.append((f"$.kinds.{kind}", f"{kind} is not a rated kind: its section never takes effect"))
        # A kind's own settings, merged over the default (the default's own were checked above).
        rising(kind_rules(data, kind), f"$.kinds.{kind}", f"{kind}: ", tuple(section))
        for name in kind_rules(data, kind)["inherent"]:
            if name in FACTORS:
                problems.append((f"$.kinds.{kind}.inherent.{name}", f"{name} is the name of a factor every kind has"))
    return problems


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
            and key != "inherent" else value
    return out


def kind_rules(rules: dict, kind: str) -> dict:
    """The rules one site kind is rated by, in one shape for every version: `findings`, `inspections`, `lateness`,
    `thresholds`, `overrides`, `frequency_days`, `capacity` (eldercare's beds and full-care share, zero elsewhere)
    and `inherent` (factor name → spec, from the site's attributes).

    Version 2 gives a default section and a section per kind over it. Version 1 had one section for every kind,
    eldercare's attributes and a yearly cap (eldercare_max_days) on eldercare frequencies; its ratings keep it."""
    if "default" in rules:
        k = _merge(rules["default"], rules.get("kinds", {}).get(kind, {}))
        k.setdefault("capacity", NO_CAPACITY)
        k.setdefault("inherent", {})
        return k
    freq = dict(rules["frequency_days"])
    capacity = NO_CAPACITY
    if kind == "eldercare":
        freq = {t: min(d, rules["eldercare_max_days"]) for t, d in freq.items()}
        capacity = rules["attributes"]["eldercare"]
    return {"findings": rules["findings"], "inspections": rules["inspections"], "lateness": rules["lateness"],
            "thresholds": rules["thresholds"], "overrides": rules["overrides"], "frequency_days": freq,
            "capacity": capacity, "inherent": {}}


NO_CAPACITY = {"beds_points_per_bed": 0, "beds_max_points": 0, "full_care_share_points": 0}


def factor_names(rules: dict, kind: str) -> tuple[str, ...]:
    """The factors a rating of `kind` lists, in order: every kind's, then the kind's inherent ones."""
    return FACTORS + tuple(kind_rules(rules, kind)["inherent"])


def recent_inspections(rules: dict) -> int:
    """How many of the last inspections count for non-compliance (one number for every kind)."""
    return int((rules["default"] if "default" in rules else rules)["inspections"]["recent"])


def rules_problems(data: Any, schemas_dir: Path) -> list[tuple[str, str]]:
    """Every problem of an uploaded rules document, as (JSON path, message): the schema's, else the rules' own."""
    validator = jsonschema.Draft202012Validator(_schema(str(schemas_dir / "risk-rules.schema.json")))
    errors = sorted(validator.iter_errors(data), key=lambda e: (-len(e.absolute_path), e.json_path))
    if errors:
        return [(e.json_path, e.message) for e in errors]
    return semantic_problems(data)


def rules_files(schemas_dir: Path) -> list[Path]:
    return sorted((schemas_dir / "risk-rules").glob("v*.json"), key=lambda p: int(p.stem[1:]))


@lru_cache(maxsize=8)
def _load(path: str, mtime: float, schemas_dir: str) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    validate_rules(data, Path(schemas_dir))
    return data


def load_rules(schemas_dir: Path, version: int | None = None) -> dict:
    """The rules in force (the highest version), or a given version; validated against the schema."""
    files = rules_files(schemas_dir)
    if version is not None:
        files = [p for p in files if p.stem == f"v{version}"]
    if not files:
        raise RulesError(f"no risk rules file in {schemas_dir / 'risk-rules'}")
    path = files[-1]
    data = _load(str(path), path.stat().st_mtime, str(schemas_dir))
    if data["version"] != int(path.stem[1:]):
        raise RulesError(f"{path.name} declares version {data['version']}")
    return data


# ---------------------------------------------------------------- facts

@dataclass(frozen=True)
class FindingFact:
    """`count` open findings alike in everything scored (one fact per group, so re-rating a site costs the same
    whatever its number of open findings)."""

    grade: str  # general | major
    overdue: bool
    escalation_level: int = 0
    risk_weight: float = 1.0
    self_reported: bool = False
    count: int = 1


@dataclass(frozen=True)
class InspectionFact:
    submitted_at: datetime
    answered: int
    noncompliant: int


@dataclass(frozen=True)
class SiteFacts:
    kind: str
    created_at: datetime
    approved_beds: int | None = None
    attributes: dict = field(default_factory=dict)
    findings: tuple[FindingFact, ...] = ()  # open (not closed) findings
    inspections: tuple[InspectionFact, ...] = ()  # submitted, not self-inspections


@dataclass(frozen=True)
class Factor:
    factor: str
    value: Any
    contribution: float

    def as_dict(self) -> dict:
        return {"factor": self.factor, "value": self.value, "contribution": self.contribution}


@dataclass(frozen=True)
class Rating:
    tier: str
    score: float
    factors: tuple[Factor, ...]
    frequency_days: int
    last_inspected_at: datetime | None
    # When the site became (or becomes) due for inspection by its frequency before lateness: the inspection_overdue
    # factor's value is the days since then, so readers compute it live from this.
    inspection_due_at: datetime | None = None
    # The score without the lateness points (rounded as shown): what site_risk keeps (see live_score).
    base_score: float = 0.0
    # The tier of the site's own risk, before the lateness points (the tier shown says when lateness raised it).
    own_tier: str = "blue"

    def reasons(self, n: int = 3) -> list[dict]:
        return main_reasons([f.as_dict() for f in self.factors], n)


def main_reasons(factors: list[dict], n: int = 3) -> list[dict]:
    """The override (when one applied) and the largest contributions of the site's own risk, for the board. Lateness
    is not among them: it is the inspector's, shown as its own reason (lateness_reason)."""
    out = [f for f in factors if f["factor"] == "override" and f["value"]]
    ranked = sorted((f for f in factors if f["factor"] not in ("override", LATENESS)
                     and (f["contribution"] or 0) > 0),
                    key=lambda f: -f["contribution"])
    return out + ranked[: max(0, n - len(out))]


def r2(x: float) -> float:
    return round(x + 0.0, 2)


def frequency_days(rules: dict, tier: str, kind: str) -> int:
    return int(kind_rules(rules, kind)["frequency_days"][tier])


def lateness_rules(rules: dict) -> dict:
    """Lateness is counted alike for every kind (stored ratings are scored live from it without their kind)."""
    return (rules["default"] if "default" in rules else rules)["lateness"]


def _tier_for(score: float, k: dict) -> int:
    t = k["thresholds"]
    if score >= t["red"]:
        return 3
    if score >= t["orange"]:
        return 2
    if score >= t["yellow"]:
        return 1
    return 0


def _override(open_major: int, major_max_level: int, k: dict) -> tuple[int, str | None]:
    o = k["overrides"]
    if open_major and major_max_level >= o["red_when_major_at_level"]:
        return 3, "major_at_level"
    if open_major >= o["red_when_open_major_at_least"]:
        return 3, "open_major_count"
    if open_major:
        return TIER_RANK[o["open_major_min_tier"]], "open_major"
    return 0, None


def override_rank(rules: dict, kind: str, override: str | None) -> int:
    """The tier floor a stored rating's override stands for."""
    if override is None:
        return 0
    return 3 if override != "open_major" else TIER_RANK[kind_rules(rules, kind)["overrides"]["open_major_min_tier"]]


def own_tier(rules: dict, kind: str, base_score: float, override: str | None) -> str:
    """The tier of the site's own risk: its score without the lateness points, and the override."""
    return TIERS[max(_tier_for(base_score, kind_rules(rules, kind)), override_rank(rules, kind, override))]


def choice_key(value: Any) -> str | None:
    """An attribute as a choice factor reads it: a string as it is, a boolean as 'true' / 'false', else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else None


def steps(spec: dict) -> list[tuple[float, float]]:
    """A stepped factor's steps, highest threshold first (the first one the value reaches gives the points)."""
    return sorted(((float(a), float(p)) for a, p in spec["steps"]), reverse=True)


def inherent_factor(spec: dict, value: Any) -> tuple[Any, float]:
    """One inherent factor from the site's attribute: (the value shown, its points). A missing or unreadable value
    scores `missing` (0 unless the rules say otherwise: an unknown fire acceptance is not a passed one)."""
    missing = float(spec.get("missing", 0))
    if "points" in spec:
        key = choice_key(value)
        return (key, float(spec["points"].get(key, 0))) if key is not None else (None, missing)
    v = _number(value)
    if v is None:
        return None, missing
    if "steps" in spec:
        return r2(v), next((p for a, p in steps(spec) if v >= a), 0.0)
    return r2(v), min(max(v, 0.0) * spec["per_unit"], spec["max"])


def score(facts: SiteFacts, rules: dict, now: datetime) -> Rating:
    k = kind_rules(rules, facts.kind)
    fr = k["findings"]
    weights = fr["weights"]
    self_factor = (rules["default"] if "default" in rules else rules)["findings"]["self_reported_factor"]

    def points(f: FindingFact) -> float:
        return weights.get(f.grade, weights["general"]) * f.risk_weight * (
            self_factor if f.self_reported else 1.0) * f.count

    general = [f for f in facts.findings if f.grade != "major"]
    major = [f for f in facts.findings if f.grade == "major"]
    overdue = [f for f in facts.findings if f.overdue]
    c_general = sum(points(f) for f in general)
    c_major = sum(points(f) for f in major)
    c_overdue = sum(points(f) for f in overdue) * (fr["overdue_multiplier"] - 1)
    level_sum = sum(f.escalation_level * f.count for f in facts.findings)
    c_escalation = level_sum * fr["escalation_level_points"]

    recent = sorted(facts.inspections, key=lambda i: i.submitted_at, reverse=True)[: recent_inspections(rules)]
    answered = sum(i.answered for i in recent)
    ratio = (sum(i.noncompliant for i in recent) / answered) if answered else 0.0
    c_noncompliance = ratio * k["inspections"]["noncompliance_points"]

    c_beds = c_full = 0.0
    share = 0.0
    if facts.kind == "eldercare":
        a = k["capacity"]
        c_beds = min((facts.approved_beds or 0) * a["beds_points_per_bed"], a["beds_max_points"])
        residents = _number(facts.attributes.get("residents"))
        full = _number(facts.attributes.get("full_care_residents"))
        if residents and residents > 0 and full is not None:
            share = min(full / residents, 1.0)
        c_full = share * a["full_care_share_points"]
    inherent = [Factor(name, *inherent_factor(spec, facts.attributes.get(spec["attribute"])))
                for name, spec in k["inherent"].items()]

    major_max_level = max((f.escalation_level for f in major), default=0)
    n_major = sum(f.count for f in major)
    floor, override = _override(n_major, major_max_level, k)
    base_score = (c_general + c_major + c_overdue + c_escalation + c_noncompliance + c_beds + c_full
                  + sum(f.contribution for f in inherent))
    base_tier = max(_tier_for(base_score, k), floor)

    last = recent[0].submitted_at if recent else None
    freq = int(k["frequency_days"][TIERS[base_tier]])
    due_at = ((last or facts.created_at) + timedelta(days=freq)).replace(microsecond=0)  # whole seconds, as sql.py
    days_late = days_overdue(due_at, now)
    c_late = late_points(rules, days_late)

    total = base_score + c_late
    tier = max(_tier_for(total, k), floor)
    factors = (
        Factor("open_general", sum(f.count for f in general), r2(c_general)),
        Factor("open_major", n_major, r2(c_major)),
        Factor("overdue", sum(f.count for f in overdue), r2(c_overdue)),
        Factor("escalation", level_sum, r2(c_escalation)),
        Factor("noncompliance", r2(ratio * 100), r2(c_noncompliance)),
        Factor(LATENESS, r2(days_late), r2(c_late)),
        Factor("beds", (facts.approved_beds or 0) if facts.kind == "eldercare" else 0, r2(c_beds)),
        Factor("full_care_share", r2(share * 100), r2(c_full)),
        Factor("override", override, 0.0),
        *(Factor(f.factor, f.value, r2(f.contribution)) for f in inherent),
    )
    return Rating(tier=TIERS[tier], score=r2(total), factors=factors,
                  frequency_days=int(k["frequency_days"][TIERS[tier]]), last_inspected_at=last,
                  inspection_due_at=due_at, base_score=r2(base_score), own_tier=TIERS[base_tier])


def days_overdue(due_at: datetime, now: datetime) -> float:
    """Days past the inspection due date (0 before it): the inspection_overdue factor's value."""
    return max((now - due_at).total_seconds() / 86400.0, 0.0)


def late_points(rules: dict, days_late: float) -> float:
    """The inspection_overdue factor's contribution: points per day late, up to the cap."""
    lat = lateness_rules(rules)
    return min(days_late * lat["points_per_day"], lat["max_points"])


def live_score(rules: dict, base_score: float, due_at: datetime | None, now: datetime) -> float:
    """A stored rating's score at `now`: its score without lateness (the part only a change of the site's data
    moves) plus the lateness points counted to `now` from its due date. Ratings store the former, so the passage of
    time alone changes no stored rating; the tier is re-graded by the nightly run (and at once on a change)."""
    late = late_points(rules, days_overdue(due_at, now)) if due_at is not None else 0.0
    return r2(base_score + late)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


# ---------------------------------------------------------------- planning

def lateness_reason(factors: list[dict]) -> dict | None:
    """The lateness factor when the site is overdue for inspection (检查逾期), else None."""
    late = next((f for f in factors if f["factor"] == LATENESS), None)
    return late if late is not None and (late["value"] or 0) > 0 else None


def next_due(rules: dict, tier: str | None, kind: str, last_inspected_at: datetime | None,
             site_created_at: datetime) -> datetime:
    """When the site must next be inspected: its tier's frequency after the last inspection; a site never
    inspected is due from the day it was registered. An unrated site counts as yellow."""
    if last_inspected_at is None:
        return site_created_at
    return last_inspected_at + timedelta(days=frequency_days(rules, tier or "yellow", kind))


def tier_max(tiers: Iterable[str]) -> str:
    return TIERS[max((TIER_RANK[t] for t in tiers), default=0)]
