"""Answers validated against a template: item-level errors, conditions, repeat groups, findings."""

import copy
import uuid

import pytest

from xunjian.checklists import rules

PHOTO = str(uuid.uuid4())

TEMPLATE = rules.parse_template({
    "key": "t", "version": 3, "title": "测试", "site_kind": "eldercare",
    "sections": [{"key": "s", "title": "S", "items": [
        {"key": "beds", "type": "number", "label": "床位", "min": 0, "max": 500, "integer": True, "required": True},
        {"key": "canteen", "type": "choice", "label": "食堂", "options": [
            {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]},
        {"key": "licence", "type": "check", "label": "食品经营许可", "basis": "B1", "grade": "major",
         "rectify_days": 30, "photo_required_when_noncompliant": True, "risk_weight": 10,
         "hazard": "食堂无许可", "show_if": {"item": "canteen", "equals": "yes"}},
        {"key": "lights", "type": "check", "label": "照明", "basis": "B2", "grade": "general", "rectify_days": 15,
         "risk_weight": 2},
        {"key": "kinds", "type": "choice", "label": "设备", "multiple": True, "options": [
            {"value": "lift", "label": "电梯"}, {"value": "boiler", "label": "锅炉"}]},
        {"key": "lift_ok", "type": "check", "label": "电梯检验", "basis": "B3", "grade": "general",
         "rectify_days": 10, "risk_weight": 2, "show_if": {"item": "kinds", "in": ["lift"]}},
        {"key": "note", "type": "text", "label": "备注", "max_length": 5},
        {"key": "pics", "type": "photo", "label": "照片", "max_count": 2},
        {"key": "where", "type": "location", "label": "位置"},
        {"key": "people", "type": "repeat", "label": "人员", "max_count": 3, "items": [
            {"key": "sex", "type": "choice", "label": "性别", "required": True, "options": [
                {"value": "m", "label": "男"}, {"value": "f", "label": "女"}]},
            {"key": "minor", "type": "choice", "label": "未成年", "options": [
                {"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]},
            {"key": "guardian", "type": "text", "label": "监护人", "required": True,
             "show_if": {"item": "minor", "equals": "yes"}},
        ]},
    ]}],
})

BASE = {"beds": 10, "lights": {"result": "compliant"}}


def errors(answers, final=True):
    return {e["item"]: e["message"] for e in rules.evaluate(TEMPLATE, answers, final=final).errors}


def test_a_complete_answer_set_is_valid_and_counts_checks():
    ev = rules.evaluate(TEMPLATE, {**BASE, "canteen": "no"}, final=True)
    assert ev.ok and ev.checks_answered == 1 and ev.checks_noncompliant == 0 and ev.noncompliant == []


def test_unknown_items_and_wrong_types_name_the_item():
    assert errors({**BASE, "ghost": 1}) == {"ghost": "no such item in this template version"}
    assert set(errors({**BASE, "beds": "ten", "lights": "ok", "canteen": 1, "note": 7, "where": [1, 2]})) == {
        "beds", "lights", "canteen", "note", "where"}
    assert errors({**BASE, "beds": True})["beds"] == "expected a number"
    assert errors({**BASE, "beds": 2.5})["beds"] == "expected a whole number"
    assert errors({**BASE, "beds": 501})["beds"] == "at most 500"
    assert errors({**BASE, "note": "太长的备注文字"})["note"] == "at most 5 characters"
    assert errors({**BASE, "pics": [PHOTO, "not-a-uuid"]}) == {"pics": "'not-a-uuid' is not a photo id"}
    assert errors({**BASE, "pics": [PHOTO, PHOTO]}) == {"pics": "the same photo is listed twice"}
    assert errors({**BASE, "where": {"lat": 95, "lng": 1}}) == {"where": "coordinates out of range"}
    assert errors({**BASE, "kinds": ["boiler", "sauna"]}) == {"kinds": "not an option: ['sauna']"}
    assert errors([]) == {None: "answers must be an object keyed by item"}


def test_required_only_on_submission():
    assert errors({}, final=False) == {}
    assert errors({}) == {"beds": "required", "lights": "required"}
    assert errors({"beds": None, "lights": {"result": "na"}}) == {"beds": "required"}


def test_conditions_show_and_hide_items():
    assert errors({**BASE, "canteen": "yes"}) == {"licence": "required"}
    assert errors({**BASE, "canteen": "no", "licence": {"result": "compliant"}}) == {
        "licence": "answered, but this item is hidden by its condition"}
    assert errors({**BASE, "kinds": ["boiler", "lift"]}) == {"lift_ok": "required"}
    assert errors({**BASE, "kinds": ["boiler"]}) == {}


def test_noncompliant_checks_become_findings_with_grade_and_deadline():
    answers = {**BASE, "canteen": "yes", "licence": {"result": "noncompliant", "photos": [PHOTO], "note": "无证"},
               "lights": {"result": "noncompliant", "grade": "major", "deadline_days": 5}}
    ev = rules.evaluate(TEMPLATE, answers, final=True)
    assert ev.ok and ev.checks_noncompliant == 2 and ev.photo_ids == [PHOTO]
    licence, lights = ev.noncompliant
    assert (licence.title, licence.grade, licence.deadline_days, licence.basis, licence.note) == (
        "食堂无许可", "major", 30, "B1", "无证")
    assert (lights.title, lights.grade, lights.deadline_days) == ("不符合：照明", "major", 5)


def test_deadline_shortened_never_lengthened_and_grade_never_lowered():
    bad = {**BASE, "lights": {"result": "noncompliant", "deadline_days": 16}}
    assert "lights.deadline_days" in errors(bad)
    assert "lights.deadline_days" in errors({**BASE, "lights": {"result": "noncompliant", "deadline_days": 0}})
    major = {**BASE, "canteen": "yes", "licence": {"result": "noncompliant", "photos": [PHOTO], "grade": "general"}}
    assert errors(major) == {"licence.grade": "a major-hazard item cannot be downgraded"}
    assert errors({**BASE, "lights": {"result": "compliant", "deadline_days": 3}}) == {
        "lights": "grade and deadline_days apply only to a noncompliant answer"}
    assert errors({**BASE, "lights": {"result": "noncompliant", "why": "x"}}) == {"lights": "unknown fields ['why']"}


def test_photo_required_for_noncompliant_on_submission_only():
    answers = {**BASE, "canteen": "yes", "licence": {"result": "noncompliant"}}
    assert errors(answers) == {"licence.photos": "a photo is required for a noncompliant answer"}
    assert errors(answers, final=False) == {}


def test_repeat_groups_validate_each_entry_with_sibling_conditions():
    people = [{"sex": "m", "minor": "no"}, {"sex": "x", "minor": "yes"}, {"minor": "no", "age": 3}]
    assert errors({**BASE, "people": people}) == {
        "people[1].sex": "not an option: 'x'",
        "people[1].guardian": "required",
        "people[2].age": "no such item in this group",
        "people[2].sex": "required",
    }
    assert errors({**BASE, "people": [{"sex": "f", "minor": "no", "guardian": "张三"}]}) == {
        "people[0].guardian": "answered, but this item is hidden by its condition"}
    assert errors({**BASE, "people": [{"sex": "f"}] * 4}) == {"people": "at most 3 entries"}
    assert errors({**BASE, "people": ["x"]}) == {"people[0]": "expected an object of the group's items"}
    good = [{"sex": "f", "minor": "yes", "guardian": "李四"}]
    assert errors({**BASE, "people": good}) == {}
    assert list(rules.iter_repeat_entries(TEMPLATE, {"people": good}, "people")) == good


@pytest.mark.parametrize("value", [{"lat": 1, "lng": 2}, {"lat": 1.5, "lng": -2, "accuracy_m": 8}])
def test_location_ok(value):
    assert rules.location_error(value) is None


@pytest.mark.parametrize("value", [{"lat": 1}, {"lat": "1", "lng": 2}, {"lat": 1, "lng": 2, "alt": 3},
                                   {"lat": 1, "lng": 2, "accuracy_m": -1}, {"lat": float("nan"), "lng": 2}])
def test_location_bad(value):
    assert rules.location_error(value)


STAFFING = rules.parse_template({
    "key": "n", "version": 1, "title": "夜班", "site_kind": "eldercare",
    "sections": [{"key": "s", "title": "S", "items": [
        {"key": "residents", "type": "number", "label": "在院老人", "min": 0},
        {"key": "night_staff", "type": "number", "label": "夜班人数", "min": 0},
        {"key": "enough", "type": "check", "label": "夜班人员足够", "basis": "检查实践", "grade": "general",
         "rectify_days": 15, "risk_weight": 2,
         "noncompliant_when": {"item": "night_staff", "less_than": {"item": "residents", "divided_by": 30}}},
    ]}],
})


@pytest.mark.parametrize("residents, staff, result, ok", [
    (60, 2, "compliant", True),     # one per 30
    (61, 2, "compliant", False),    # 61 residents need a third
    (61, 2, "na", False),
    (61, 2, "noncompliant", True),  # the inspector records what the numbers say
    (0, 0, "compliant", True),
    (None, 0, "compliant", True),   # a number not recorded: nothing to compare
])
def test_a_check_the_recorded_numbers_contradict_cannot_be_compliant(residents, staff, result, ok):
    answers = {"night_staff": staff, "enough": {"result": result}}
    if residents is not None:
        answers["residents"] = residents
    ev = rules.evaluate(STAFFING, answers, final=True)
    assert ev.ok is ok, ev.errors
    if not ok:
        assert ev.errors == [{"item": "enough", "message": "the numbers recorded make this item noncompliant "
                                                             "(night_staff 2 < residents 61 / 30)"}]


def test_a_number_rule_must_compare_earlier_number_items():
    doc = {"key": "n", "version": 1, "title": "x", "site_kind": "eldercare", "sections": [{"key": "s", "title": "S", "items": [
        {"key": "residents", "type": "choice", "label": "x", "options": [{"value": "a", "label": "a"}, {"value": "b", "label": "b"}]},
        {"key": "enough", "type": "check", "label": "x", "basis": "检查实践", "grade": "general", "rectify_days": 1,
         "risk_weight": 1, "noncompliant_when": {"item": "night_staff", "less_than": {"item": "residents"}}},
        {"key": "night_staff", "type": "number", "label": "x"},
    ]}]}
    paths = {p.path for p in rules.semantic_problems(doc)}
    assert paths == {"$.sections[0].items[1].noncompliant_when.item", "$.sections[0].items[1].noncompliant_when.less_than.item"}


EQUIPMENT = {"key": "e", "version": 1, "title": "x", "site_kind": "eldercare", "sections": [{"key": "s", "title": "S", "items": [
    {"key": "kinds", "type": "choice", "label": "设备", "multiple": True, "required": True, "options": [
        {"value": "lift", "label": "电梯"}, {"value": "boiler", "label": "锅炉"},
        {"value": "none", "label": "无", "exclusive": True}]},
]}]}


def test_an_exclusive_option_stands_alone_in_a_multiple_choice():
    from xunjian.checklists.service import template_validator

    from .test_templates import SCHEMAS

    assert rules.schema_problems(EQUIPMENT, template_validator(SCHEMAS)) == []
    assert rules.semantic_problems(EQUIPMENT) == []
    tpl = rules.parse_template(EQUIPMENT)

    def problems(value):
        return {e["item"]: e["message"] for e in rules.evaluate(tpl, {"kinds": value}, final=True).errors}

    assert problems(["none", "lift"]) == {"kinds": "'none' excludes every other option"}
    assert problems(["none"]) == {} and problems(["lift", "boiler"]) == {}
    # Without the flag, 无 with 电梯 is a valid (if odd) answer: the rule is the template's, not the engine's guess.
    plain = copy.deepcopy(EQUIPMENT)
    del plain["sections"][0]["items"][0]["options"][2]["exclusive"]
    assert rules.evaluate(rules.parse_template(plain), {"kinds": ["none", "lift"]}, final=True).ok


def test_an_exclusive_option_only_in_a_multiple_choice():
    single = copy.deepcopy(EQUIPMENT)
    del single["sections"][0]["items"][0]["multiple"]
    assert [(p.path, p.message) for p in rules.semantic_problems(single)] == [
        ("$.sections[0].items[0].options", "exclusive options belong to multiple choices")]
