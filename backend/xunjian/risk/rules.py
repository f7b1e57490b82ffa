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
           "full_care_share", "override")


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
    t = data["thresholds"]
    if not (t["yellow"] <= t["orange"] <= t["red"]):
        return [("$.thresholds", "thresholds must rise yellow ≤ orange ≤ red")]
    return []


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

    def reasons(self, n: int = 3) -> list[dict]:
        return main_reasons([f.as_dict() for f in self.factors], n)


def main_reasons(factors: list[dict], n: int = 3) -> list[dict]:
    """The override (when one applied) and the largest contributions, for the board."""
    out = [f for f in factors if f["factor"] == "override" and f["value"]]
    ranked = sorted((f for f in factors if f["factor"] != "override" and (f["contribution"] or 0) > 0),
                    key=lambda f: -f["contribution"])
    return out + ranked[: max(0, n - len(out))]


def r2(x: float) -> float:
    return round(x + 0.0, 2)


def frequency_days(rules: dict, tier: str, kind: str) -> int:
    days = rules["frequency_days"][tier]
    if kind == "eldercare":
        days = min(days, rules["eldercare_max_days"])
    return days


def _tier_for(score: float, rules: dict) -> int:
    t = rules["thresholds"]
    if score >= t["red"]:
        return 3
    if score >= t["orange"]:
        return 2
    if score >= t["yellow"]:
        return 1
    return 0


def _override(open_major: int, major_max_level: int, rules: dict) -> tuple[int, str | None]:
    o = rules["overrides"]
    if open_major and major_max_level >= o["red_when_major_at_level"]:
        return 3, "major_at_level"
    if open_major >= o["red_when_open_major_at_least"]:
        return 3, "open_major_count"
    if open_major:
        return TIER_RANK[o["open_major_min_tier"]], "open_major"
    return 0, None


def score(facts: SiteFacts, rules: dict, now: datetime) -> Rating:
    fr = rules["findings"]
    weights = fr["weights"]

    def points(f: FindingFact) -> float:
        return weights.get(f.grade, weights["general"]) * f.risk_weight * (
            fr["self_reported_factor"] if f.self_reported else 1.0) * f.count

    general = [f for f in facts.findings if f.grade != "major"]
    major = [f for f in facts.findings if f.grade == "major"]
    overdue = [f for f in facts.findings if f.overdue]
    c_general = sum(points(f) for f in general)
    c_major = sum(points(f) for f in major)
    c_overdue = sum(points(f) for f in overdue) * (fr["overdue_multiplier"] - 1)
    level_sum = sum(f.escalation_level * f.count for f in facts.findings)
    c_escalation = level_sum * fr["escalation_level_points"]

    recent = sorted(facts.inspections, key=lambda i: i.submitted_at, reverse=True)[: rules["inspections"]["recent"]]
    answered = sum(i.answered for i in recent)
    ratio = (sum(i.noncompliant for i in recent) / answered) if answered else 0.0
    c_noncompliance = ratio * rules["inspections"]["noncompliance_points"]

    c_beds = c_full = 0.0
    share = 0.0
    if facts.kind == "eldercare":
        a = rules["attributes"]["eldercare"]
        c_beds = min((facts.approved_beds or 0) * a["beds_points_per_bed"], a["beds_max_points"])
        residents = _number(facts.attributes.get("residents"))
        full = _number(facts.attributes.get("full_care_residents"))
        if residents and residents > 0 and full is not None:
            share = min(full / residents, 1.0)
        c_full = share * a["full_care_share_points"]

    major_max_level = max((f.escalation_level for f in major), default=0)
    n_major = sum(f.count for f in major)
    floor, override = _override(n_major, major_max_level, rules)
    base_score = c_general + c_major + c_overdue + c_escalation + c_noncompliance + c_beds + c_full
    base_tier = max(_tier_for(base_score, rules), floor)

    last = recent[0].submitted_at if recent else None
    freq = frequency_days(rules, TIERS[base_tier], facts.kind)
    due_at = ((last or facts.created_at) + timedelta(days=freq)).replace(microsecond=0)  # whole seconds, as sql.py
    days_late = days_overdue(due_at, now)
    c_late = late_points(rules, days_late)

    total = base_score + c_late
    tier = max(_tier_for(total, rules), floor)
    factors = (
        Factor("open_general", sum(f.count for f in general), r2(c_general)),
        Factor("open_major", n_major, r2(c_major)),
        Factor("overdue", sum(f.count for f in overdue), r2(c_overdue)),
        Factor("escalation", level_sum, r2(c_escalation)),
        Factor("noncompliance", r2(ratio * 100), r2(c_noncompliance)),
        Factor("inspection_overdue", r2(days_late), r2(c_late)),
        Factor("beds", (facts.approved_beds or 0) if facts.kind == "eldercare" else 0, r2(c_beds)),
        Factor("full_care_share", r2(share * 100), r2(c_full)),
        Factor("override", override, 0.0),
    )
    return Rating(tier=TIERS[tier], score=r2(total), factors=factors,
                  frequency_days=frequency_days(rules, TIERS[tier], facts.kind), last_inspected_at=last,
                  inspection_due_at=due_at, base_score=r2(base_score))


def days_overdue(due_at: datetime, now: datetime) -> float:
    """Days past the inspection due date (0 before it): the inspection_overdue factor's value."""
    return max((now - due_at).total_seconds() / 86400.0, 0.0)


def late_points(rules: dict, days_late: float) -> float:
    """The inspection_overdue factor's contribution: points per day late, up to the cap."""
    return min(days_late * rules["lateness"]["points_per_day"], rules["lateness"]["max_points"])


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

def next_due(rules: dict, tier: str | None, kind: str, last_inspected_at: datetime | None,
             site_created_at: datetime) -> datetime:
    """When the site must next be inspected: its tier's frequency after the last inspection; a site never
    inspected is due from the day it was registered. An unrated site counts as yellow."""
    if last_inspected_at is None:
        return site_created_at
    return last_inspected_at + timedelta(days=frequency_days(rules, tier or "yellow", kind))


def tier_max(tiers: Iterable[str]) -> str:
    return TIERS[max((TIER_RANK[t] for t in tiers), default=0)]
