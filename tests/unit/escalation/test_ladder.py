"""The ladder of DOMAIN.md §5, pure: which rungs are reached when, and what an extension or a late start does."""

from datetime import datetime, timedelta, timezone

import pytest

from xunjian.escalation.rules import (
    DEFAULT_LADDER, LadderError, announced, due_rungs, level_of, load_ladder, parse_ladder,
)

DEADLINE = datetime(2026, 12, 15, 8, 0, tzinfo=timezone.utc)


def steps_at(grade: str, days: float, taken=()) -> list[str]:
    return [r.step for r in due_rungs(DEFAULT_LADDER, grade, DEADLINE, DEADLINE + timedelta(days=days), taken)]


def walk(grade: str) -> dict[str, float]:
    """The first day (relative to the deadline, in half days) each rung is reached, taking each once."""
    taken: list[str] = []
    first: dict[str, float] = {}
    day = -10.0
    while day <= 40:
        for step in steps_at(grade, day, taken):
            first[step] = day
            taken.append(step)
        day += 0.5
    return first


def test_general_walks_reminder_then_levels_1_2_3():
    assert walk("general") == {"reminder": -3, "level1": 0, "level2": 7, "level3": 22}


def test_major_is_faster_and_skips_level_1():
    assert walk("major") == {"reminder": -3, "level2": 0, "level3": 3}


def test_nothing_before_the_reminder():
    assert steps_at("general", -3.01) == []
    assert steps_at("major", -3.01) == []


def test_an_extension_moves_every_rung_not_yet_taken():
    extended = DEADLINE + timedelta(days=10)
    taken = ["reminder"]
    # At the old deadline nothing more happens.
    assert due_rungs(DEFAULT_LADDER, "general", extended, DEADLINE, taken) == []
    # Level 1 comes at the new deadline.
    assert [r.step for r in due_rungs(DEFAULT_LADDER, "general", extended, extended, taken)] == ["level1"]


def test_taken_rungs_are_never_due_again():
    assert steps_at("general", 30, ["reminder", "level1", "level2", "level3"]) == []


def test_a_subject_first_seen_long_overdue_announces_only_the_highest_rung():
    due = due_rungs(DEFAULT_LADDER, "general", DEADLINE, DEADLINE + timedelta(days=8))
    assert [r.step for r in due] == ["reminder", "level1", "level2"]
    assert announced(due).step == "level2"
    assert level_of(DEFAULT_LADDER, "general", [r.step for r in due]) == 2


def test_unknown_grade_climbs_the_general_ladder():
    assert [r.step for r in DEFAULT_LADDER.rungs("urgent?")] == ["reminder", "level1", "level2", "level3"]


def test_audiences_widen_up_the_ladder():
    rungs = {r.step: r for r in DEFAULT_LADDER.rungs("general")}
    assert "county" not in rungs["level1"].notify
    assert "county" in rungs["level2"].notify
    assert {"county", "prefecture"} <= set(rungs["level3"].notify)
    assert {"manager", "inspector"} <= set(rungs["level1"].notify)


@pytest.mark.parametrize("bad, message", [
    ({}, "general"),
    ({"general": []}, "non-empty"),
    ({"general": [{"step": "a", "level": 1, "offset_days": 0, "notify": ["mayor"]}]}, "audiences"),
    ({"general": [{"step": "a", "level": 2, "offset_days": 0}, {"step": "b", "level": 1, "offset_days": 1}]}, "rise"),
    ({"general": [{"step": "a", "level": 1, "offset_days": 5}, {"step": "b", "level": 2, "offset_days": 1}]}, "rise"),
    ({"general": [{"step": "a", "level": 1}]}, "offset_days"),
])
def test_bad_ladders_are_refused_with_the_reason(bad, message):
    with pytest.raises(LadderError, match=message):
        parse_ladder(bad)


def test_ladder_from_a_file(tmp_path):
    path = tmp_path / "ladder.json"
    path.write_text('{"general": [{"step": "late", "level": 1, "offset_days": 1, "notify": ["manager"]}]}')
    ladder = load_ladder({"XUNJIAN_ESCALATION_LADDER": str(path)})
    assert [r.step for r in ladder.rungs("major")] == ["late"]
    assert load_ladder({}) is DEFAULT_LADDER
