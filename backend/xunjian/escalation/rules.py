"""The escalation ladder (DOMAIN.md §5), pure: which rungs are due for a subject at a given time.

Default ladder, each "later" counted from the previous rung:
  general: reminder 3 days before the deadline → level 1 at the deadline (manager, inspector)
           → level 2 督办 7 days later (+ county supervisors) → level 3 挂牌督办 15 days after that (+ prefecture)
  major:   reminder 3 days before → level 2 at the deadline (skipping level 1) → level 3 three days later
The ladder is configurable: a JSON file named by XUNJIAN_ESCALATION_LADDER with the shape of `DEFAULT_LADDER_DATA`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Mapping

AUDIENCES = ("manager", "inspector", "county", "prefecture")


@dataclass(frozen=True)
class Rung:
    step: str  # unique per subject: reminder, level1, level2, level3
    level: int  # the subject's escalation level once this rung is taken (0 for the reminder)
    offset_days: float  # from the deadline; negative = before it
    notify: tuple[str, ...]
    title: str

    def due_at(self, deadline: datetime) -> datetime:
        return deadline + timedelta(days=self.offset_days)


@dataclass(frozen=True)
class Ladder:
    grades: Mapping[str, tuple[Rung, ...]]  # rungs in order, per grade (findings: general, major)

    def rungs(self, grade: str) -> tuple[Rung, ...]:
        # An unknown grade climbs the general ladder rather than never escalating.
        return self.grades.get(grade) or self.grades["general"]


DEFAULT_LADDER_DATA = {
    "general": [
        {"step": "reminder", "level": 0, "offset_days": -3, "notify": ["manager"], "title": "整改即将到期提醒"},
        {"step": "level1", "level": 1, "offset_days": 0, "notify": ["manager", "inspector"], "title": "整改逾期"},
        {"step": "level2", "level": 2, "offset_days": 7, "notify": ["manager", "inspector", "county"],
         "title": "督办"},
        {"step": "level3", "level": 3, "offset_days": 22,
         "notify": ["manager", "inspector", "county", "prefecture"], "title": "挂牌督办"},
    ],
    "major": [
        {"step": "reminder", "level": 0, "offset_days": -3, "notify": ["manager", "inspector"],
         "title": "重大隐患整改即将到期提醒"},
        {"step": "level2", "level": 2, "offset_days": 0, "notify": ["manager", "inspector", "county"],
         "title": "重大隐患逾期督办"},
        {"step": "level3", "level": 3, "offset_days": 3,
         "notify": ["manager", "inspector", "county", "prefecture"], "title": "重大隐患挂牌督办"},
    ],
}


class LadderError(ValueError):
    pass


def parse_ladder(data: Mapping) -> Ladder:
    """Validate a ladder definition: rungs ordered by time and level, step names unique, known audiences."""
    if not isinstance(data, Mapping) or "general" not in data:
        raise LadderError("A ladder needs at least the 'general' grade")
    grades: dict[str, tuple[Rung, ...]] = {}
    for grade, items in data.items():
        if not isinstance(items, list) or not items:
            raise LadderError(f"{grade}: a non-empty list of rungs is required")
        rungs = []
        for i, item in enumerate(items):
            try:
                rung = Rung(step=str(item["step"]), level=int(item["level"]), offset_days=float(item["offset_days"]),
                            notify=tuple(item.get("notify", [])), title=str(item.get("title", item["step"])))
            except (KeyError, TypeError, ValueError) as exc:
                raise LadderError(f"{grade}[{i}]: {exc}") from exc
            if not rung.step or len(rung.step) > 16:
                raise LadderError(f"{grade}[{i}]: step names are 1-16 characters")
            if unknown := set(rung.notify) - set(AUDIENCES):
                raise LadderError(f"{grade}[{i}]: unknown audiences {sorted(unknown)}")
            rungs.append(rung)
        for a, b in zip(rungs, rungs[1:]):
            if not (b.offset_days >= a.offset_days and b.level > a.level):
                raise LadderError(f"{grade}: rungs must rise in level and not go back in time ({a.step} → {b.step})")
        if len({r.step for r in rungs}) != len(rungs):
            raise LadderError(f"{grade}: step names must be unique")
        grades[grade] = tuple(rungs)
    return Ladder(grades)


DEFAULT_LADDER = parse_ladder(DEFAULT_LADDER_DATA)


def load_ladder(env: Mapping[str, str]) -> Ladder:
    path = env.get("XUNJIAN_ESCALATION_LADDER")
    if not path:
        return DEFAULT_LADDER
    return parse_ladder(json.loads(Path(path).read_text(encoding="utf-8")))


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
    done = set(taken)
    return max((r.level for r in ladder.rungs(grade) if r.step in done), default=0)
