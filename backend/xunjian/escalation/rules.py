"""The escalation ladders (DOMAIN.md §5), pure: which rungs are due for a subject at a given time.

Each kind of subject climbs its own ladder, with its own level names. Default ladders, each offset counted from the
deadline:
  finding, general: reminder 3 days before → level 1 催办 at the deadline (manager, inspector)
                    → level 2 督办 7 days later (+ county supervisors). A general hazard is never listed.
  finding, major:   reminder 3 days before → level 2 督办 at the deadline (skipping level 1)
                    → 3 days later a *proposal* to list it (挂牌督办, level 3), sent to the prefecture's supervisors.
  follow_up_case:   催办 and 督办 only (urgent cases: 督办 at the deadline); a case about a person is never listed.
A proposal rung is taken by the job like any other, once, but raises nothing by itself: the subject reaches its
level only when a supervisor of the listing authority confirms it (findings' `confirm_listing`). Only subject types in
LISTABLE may have a proposal, and only as the last rung of a grade.

Configurable: a JSON file named by XUNJIAN_ESCALATION_LADDER, `{"finding": {...}, "follow_up_case": {...}}`, each
with the shape of DEFAULT_LADDERS_DATA's entries (`levels` names the levels; a subject type left out keeps its
default). A file of the older shape (grades at the top) is the findings' ladder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Mapping

AUDIENCES = ("manager", "inspector", "county", "prefecture")
# Subject types whose level 3 is a listing decision (挂牌督办) with a notice and removal by the listing authority.
LISTABLE = frozenset({"finding"})
LISTED_LEVEL = 3  # the level a confirmed listing gives (and the risk rules read: a listed major hazard is red)


@dataclass(frozen=True)
class Rung:
    step: str  # unique per subject: reminder, level1, level2, listing…
    level: int  # the subject's escalation level once this rung is taken (0 for the reminder); proposed, for a proposal
    offset_days: float  # from the deadline; negative = before it
    notify: tuple[str, ...]
    title: str
    proposal: bool = False  # the level is proposed to a supervisor, not reached

    def due_at(self, deadline: datetime) -> datetime:
        return deadline + timedelta(days=self.offset_days)


@dataclass(frozen=True)
class Ladder:
    grades: Mapping[str, tuple[Rung, ...]]  # rungs in order, per grade (findings: general, major)
    levels: Mapping[int, str]  # the name of each level above 0 (催办, 督办, 挂牌督办)

    def rungs(self, grade: str) -> tuple[Rung, ...]:
        # An unknown grade climbs the general ladder rather than never escalating.
        return self.grades.get(grade) or self.grades["general"]

    def level_name(self, level: int) -> str:
        return self.levels.get(level, "") if level > 0 else ""


@dataclass(frozen=True)
class Ladders:
    by_subject: Mapping[str, Ladder]

    def for_subject(self, subject_type: str) -> Ladder:
        return self.by_subject.get(subject_type) or self.by_subject["finding"]


DEFAULT_LADDERS_DATA = {
    "finding": {
        "levels": {"1": "催办", "2": "督办", "3": "挂牌督办"},
        "general": [
            {"step": "reminder", "level": 0, "offset_days": -3, "notify": ["manager"], "title": "整改即将到期提醒"},
            {"step": "level1", "level": 1, "offset_days": 0, "notify": ["manager", "inspector"],
             "title": "整改逾期催办"},
            {"step": "level2", "level": 2, "offset_days": 7, "notify": ["manager", "inspector", "county"],
             "title": "整改逾期督办"},
        ],
        "major": [
            {"step": "reminder", "level": 0, "offset_days": -3, "notify": ["manager", "inspector"],
             "title": "重大隐患整改即将到期提醒"},
            {"step": "level2", "level": 2, "offset_days": 0, "notify": ["manager", "inspector", "county"],
             "title": "重大隐患逾期督办"},
            {"step": "listing", "level": 3, "offset_days": 3, "proposal": True, "notify": ["prefecture"],
             "title": "重大隐患拟挂牌督办，请审定"},
        ],
    },
    "follow_up_case": {
        "levels": {"1": "催办", "2": "督办"},
        "general": [
            {"step": "reminder", "level": 0, "offset_days": -3, "notify": ["inspector"], "title": "跟进个案即将到期提醒"},
            {"step": "level1", "level": 1, "offset_days": 0, "notify": ["inspector"], "title": "跟进个案催办"},
            {"step": "level2", "level": 2, "offset_days": 7, "notify": ["inspector", "county"],
             "title": "跟进个案督办"},
        ],
        "major": [
            {"step": "reminder", "level": 0, "offset_days": -3, "notify": ["inspector"], "title": "紧急个案即将到期提醒"},
            {"step": "level2", "level": 2, "offset_days": 0, "notify": ["inspector", "county"],
             "title": "紧急个案督办"},
        ],
    },
}


class LadderError(ValueError):
    pass


def _levels(data, default: Mapping[int, str]) -> dict[int, str]:
    if data is None:
        return dict(default)
    if not isinstance(data, Mapping):
        raise LadderError("levels: an object of level → name is required")
    try:
        levels = {int(k): str(v).strip() for k, v in data.items()}
    except (TypeError, ValueError) as exc:
        raise LadderError(f"levels: {exc}") from exc
    if any(k < 1 or not v or len(v) > 16 for k, v in levels.items()):
        raise LadderError("levels: levels from 1, names of 1-16 characters")
    return levels


def parse_ladder(data: Mapping, subject_type: str = "finding") -> Ladder:
    """Validate one subject type's ladder: rungs ordered by time and level, step names unique, known audiences,
    every level named, a proposal only last and only where listing exists."""
    if not isinstance(data, Mapping) or "general" not in data:
        raise LadderError("A ladder needs at least the 'general' grade")
    default = DEFAULT_LADDERS_DATA.get(subject_type, DEFAULT_LADDERS_DATA["finding"])["levels"]
    levels = _levels(data.get("levels"), {int(k): v for k, v in default.items()})
    grades: dict[str, tuple[Rung, ...]] = {}
    for grade, items in data.items():
        if grade == "levels":
            continue
        if not isinstance(items, list) or not items:
            raise LadderError(f"{grade}: a non-empty list of rungs is required")
        rungs = []
        for i, item in enumerate(items):
            try:
                level = int(item["level"])
                rung = Rung(step=str(item["step"]), level=level, offset_days=float(item["offset_days"]),
                            notify=tuple(item.get("notify", [])), proposal=bool(item.get("proposal", False)),
                            title=str(item.get("title") or levels.get(level) or item["step"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise LadderError(f"{grade}[{i}]: {exc}") from exc
            if not rung.step or len(rung.step) > 16:
                raise LadderError(f"{grade}[{i}]: step names are 1-16 characters")
            if unknown := set(rung.notify) - set(AUDIENCES):
                raise LadderError(f"{grade}[{i}]: unknown audiences {sorted(unknown)}")
            if rung.level > 0 and rung.level not in levels:
                raise LadderError(f"{grade}[{i}]: level {rung.level} has no name in 'levels'")
            if rung.proposal and subject_type not in LISTABLE:
                raise LadderError(f"{grade}[{i}]: a {subject_type} is never listed for supervision")
            if rung.proposal and rung.level != LISTED_LEVEL:
                raise LadderError(f"{grade}[{i}]: a proposal proposes level {LISTED_LEVEL} (挂牌督办)")
            rungs.append(rung)
        for a, b in zip(rungs, rungs[1:]):
            if not (b.offset_days >= a.offset_days and b.level > a.level):
                raise LadderError(f"{grade}: rungs must rise in level and not go back in time ({a.step} → {b.step})")
            if a.proposal:
                raise LadderError(f"{grade}: a proposal is the last rung ({a.step})")
        if len({r.step for r in rungs}) != len(rungs):
            raise LadderError(f"{grade}: step names must be unique")
        grades[grade] = tuple(rungs)
    return Ladder(grades, levels)


def parse_ladders(data: Mapping) -> Ladders:
    """Every subject type's ladder; those the data leaves out keep their default."""
    if not isinstance(data, Mapping):
        raise LadderError("A ladder file is a JSON object")
    if "general" in data:  # the single-ladder shape of release 1: the findings' ladder
        data = {"finding": data}
    by_subject = {t: parse_ladder(d, t) for t, d in DEFAULT_LADDERS_DATA.items()}
    for subject_type, ladder in data.items():
        by_subject[subject_type] = parse_ladder(ladder, subject_type)
    return Ladders(by_subject)


DEFAULT_LADDERS = parse_ladders({})
DEFAULT_LADDER = DEFAULT_LADDERS.for_subject("finding")


def load_ladders(env: Mapping[str, str]) -> Ladders:
    path = env.get("XUNJIAN_ESCALATION_LADDER")
    if not path:
        return DEFAULT_LADDERS
    return parse_ladders(json.loads(Path(path).read_text(encoding="utf-8")))


def due_rungs(ladder: Ladder, grade: str, deadline: datetime, now: datetime, taken: Iterable[str] = ()) -> list[Rung]:
    """The rungs a subject with this deadline has reached by `now` and not yet taken.

    The ladder is measured from the current deadline, so an approved extension (a later deadline) moves every rung
    not yet taken; rungs already taken are never taken again.
    """
    done = set(taken)
    return [r for r in ladder.rungs(grade) if r.step not in done and r.due_at(deadline) <= now]


def announced(rungs: list[Rung]) -> Rung | None:
    """Of the rungs reached in one run, only the highest is announced (a subject first seen long overdue does not
    send a reminder for a deadline already past); the others are recorded as taken."""
    return max(rungs, key=lambda r: r.level) if rungs else None


def level_of(ladder: Ladder, grade: str, taken: Iterable[str]) -> int:
    """The level the taken rungs give (a proposal gives nothing until it is confirmed)."""
    done = set(taken)
    return max((r.level for r in ladder.rungs(grade) if r.step in done and not r.proposal), default=0)
