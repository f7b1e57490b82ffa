"""The ladders of DOMAIN.md §5, pure: which rungs are reached when, what an extension or a late start does, and that
level 3 (挂牌督办) is a proposal for major hazards only, never for a follow-up case about a person."""

from datetime import datetime, timedelta, timezone

import pytest

from xunjian.escalation.rules import (
    DEFAULT_LADDER, DEFAULT_LADDERS, DEFAULT_LADDERS_DATA, LadderError, announced, due_rungs, level_of, load_ladders, parse_ladder,
    parse_ladders,
)

DEFAULT_LADDERS_DATA_GENERAL = DEFAULT_LADDERS_DATA["finding"]["general"]
DEFAULT_LADDERS_DATA_MAJOR = DEFAULT_LADDERS_DATA["finding"]["major"]
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


def test_general_walks_reminder_then_levels_1_2_and_is_never_listed():
    assert walk("general") == {"reminder": -3, "level1": 0, "level2": 7}
    assert not any(r.proposal for r in DEFAULT_LADDER.rungs("general"))


def test_major_is_faster_skips_level_1_and_is_proposed_for_listing():
    assert walk("major") == {"reminder": -3, "level2": 0, "listing": 3}
    listing = DEFAULT_LADDER.rungs("major")[-1]
    assert listing.proposal and listing.level == 3 and listing.notify == ("prefecture",)


def test_a_proposal_gives_no_level_until_confirmed():
    assert level_of(DEFAULT_LADDER, "major", ["reminder", "level2", "listing"]) == 2


def test_levels_are_named_per_subject_type():
    assert [DEFAULT_LADDER.level_name(n) for n in (1, 2, 3)] == ["催办", "督办", "挂牌督办"]
    cases = DEFAULT_LADDERS.for_subject("follow_up_case")
    assert cases.levels == {1: "催办", 2: "督办"}
    rungs = [r for g in cases.grades.values() for r in g]
    assert max(r.level for r in rungs) == 2 and not any(r.proposal for r in rungs)
    assert not any("挂牌" in r.title for r in rungs)


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
    assert steps_at("general", 30, ["reminder", "level1", "level2"]) == []
    assert steps_at("major", 30, ["reminder", "level2", "listing"]) == []


def test_a_subject_first_seen_long_overdue_announces_only_the_highest_rung():
    due = due_rungs(DEFAULT_LADDER, "general", DEADLINE, DEADLINE + timedelta(days=8))
    assert [r.step for r in due] == ["reminder", "level1", "level2"]
    assert announced(due).step == "level2"
    assert level_of(DEFAULT_LADDER, "general", [r.step for r in due]) == 2


def test_unknown_grade_climbs_the_general_ladder():
    assert [r.step for r in DEFAULT_LADDER.rungs("urgent?")] == ["reminder", "level1", "level2"]


def test_audiences_widen_up_the_ladder():
    rungs = {r.step: r for r in DEFAULT_LADDER.rungs("general")}
    assert "county" not in rungs["level1"].notify
    assert "county" in rungs["level2"].notify
    assert {"manager", "inspector"} <= set(rungs["level1"].notify)


@pytest.mark.parametrize("bad, message", [
    ({}, "general"),
    ({"general": []}, "non-empty"),
    ({"general": [{"step": "a", "level": 1, "offset_days": 0, "notify": ["mayor"]}]}, "audiences"),
    ({"general": [{"step": "a", "level": 2, "offset_days": 0}, {"step": "b", "level": 1, "offset_days": 1}]}, "rise"),
    ({"general": [{"step": "a", "level": 1, "offset_days": 5}, {"step": "b", "level": 2, "offset_days": 1}]}, "rise"),
    ({"general": [{"step": "a", "level": 1}]}, "offset_days"),
    ({"general": [{"step": "a", "level": 4, "offset_days": 0}]}, "no name"),
    ({"general": [{"step": "a", "level": 3, "offset_days": 0, "proposal": True},
                  {"step": "b", "level": 4, "offset_days": 1}], "levels": {"3": "挂牌督办", "4": "约谈"}}, "last"),
    ({"general": [{"step": "a", "level": 2, "offset_days": 0, "proposal": True}]}, "proposes level 3"),
])
def test_bad_ladders_are_refused_with_the_reason(bad, message):
    with pytest.raises(LadderError, match=message):
        parse_ladder(bad)


def test_a_follow_up_case_is_never_listed():
    with pytest.raises(LadderError, match="never listed"):
        parse_ladders({"follow_up_case": {"general": [
            {"step": "listing", "level": 3, "offset_days": 5, "proposal": True}], "levels": {"3": "挂牌督办"}}})


def test_listing_general_hazards_is_configurable():
    ladders = parse_ladders({"finding": {
        "general": [*DEFAULT_LADDERS_DATA_GENERAL,
                    {"step": "listing", "level": 3, "offset_days": 22, "proposal": True, "notify": ["prefecture"]}],
        "major": DEFAULT_LADDERS_DATA_MAJOR}})
    rungs = ladders.for_subject("finding").rungs("general")
    assert rungs[-1].proposal and rungs[-1].title == "挂牌督办"  # untitled rungs take their level's name
    assert ladders.for_subject("follow_up_case") == DEFAULT_LADDERS.for_subject("follow_up_case")


def test_ladder_from_a_file(tmp_path):
    path = tmp_path / "ladder.json"
    # The single-ladder shape of release 1 is the findings' ladder.
    path.write_text('{"general": [{"step": "late", "level": 1, "offset_days": 1, "notify": ["manager"]}]}')
    ladders = load_ladders({"XUNJIAN_ESCALATION_LADDER": str(path)})
    assert [r.step for r in ladders.for_subject("finding").rungs("major")] == ["late"]
    assert ladders.for_subject("follow_up_case") == DEFAULT_LADDERS.for_subject("follow_up_case")
    assert load_ladders({}) is DEFAULT_LADDERS
