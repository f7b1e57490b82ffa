"""What a PUT does with an existing inspection, the check-in flag, and the findings of a submission."""

from datetime import datetime, timedelta, timezone

import pytest

from xunjian.checklists import rules as engine
from xunjian.inspections import rules

STORED = {"inspector": 7, "site": 3, "template_key": "eldercare_safety", "template_version": 1,
          "status": "submitted", "content_hash": "abc"}
PIN = ("eldercare_safety", 1)


@pytest.mark.parametrize("existing, caller, site, pin, digest, expected", [
    (None, 7, 3, PIN, "abc", "create"),
    (STORED, 7, 3, PIN, "abc", "replay"),
    (STORED, 7, 3, PIN, "xyz", "conflict"),  # submitted, different content
    ({**STORED, "status": "draft"}, 7, 3, PIN, "xyz", "update"),
    ({**STORED, "status": "draft"}, 7, 3, PIN, "abc", "replay"),
    (STORED, 8, 3, PIN, "abc", "conflict"),  # someone else's inspection
    ({**STORED, "status": "draft"}, 8, 3, PIN, "xyz", "conflict"),
    ({**STORED, "status": "draft"}, 7, 4, PIN, "xyz", "conflict"),  # another site
    ({**STORED, "status": "draft"}, 7, 3, ("eldercare_safety", 2), "xyz", "conflict"),  # the version is pinned
])
def test_decide(existing, caller, site, pin, digest, expected):
    assert rules.decide(existing, caller, site, pin, digest) == expected


def test_checkin_distance_and_far_flag():
    assert rules.checkin(36.0578, 103.8412, None, 500) == (None, False)
    assert rules.checkin(None, None, {"lat": 36.0, "lng": 103.0}, 500) == (None, False)
    near, far = rules.checkin(36.0578, 103.8412, {"lat": 36.0600, "lng": 103.8412}, 500)
    assert 240 < near < 250 and far is False
    distance, far = rules.checkin(36.0578, 103.8412, {"lat": 36.0630, "lng": 103.8412}, 500)
    assert distance > 500 and far is True


def test_extra_findings_are_checked():
    ok = {"title": "院内堆放纸箱", "description": "", "grade": "major", "deadline_days": 30, "photos": [], "basis": ""}
    assert rules.extra_finding_errors([ok]) == []
    assert rules.extra_finding_errors([{**ok, "title": "  "}])[0]["item"] == "extra_findings[0].title"
    assert rules.extra_finding_errors([{**ok, "grade": "general", "deadline_days": 16}])[0]["item"] == \
        "extra_findings[0].deadline_days"
    assert rules.extra_finding_errors([{**ok, "photos": ["x"]}])[0]["item"] == "extra_findings[0].photos"
    assert rules.extra_finding_errors([ok] * 51)[0]["item"] == "extra_findings"


def test_findings_of_a_submission_get_deadlines_from_the_submission_time():
    submitted = datetime(2026, 11, 29, 8, tzinfo=timezone.utc)
    ev = engine.Evaluation(noncompliant=[engine.NonCompliance(
        item_key="exits_clear", title="疏散通道堵塞", basis="检查实践", grade="major", deadline_days=10, risk_weight=10,
        note="上锁", photos=("p",))])
    extra = {"title": " 纸箱 ", "description": "d", "grade": "general", "deadline_days": None, "photos": [], "basis": ""}
    item, added = rules.findings_of(ev, [extra], submitted)
    assert (item.item_key, item.grade, item.deadline, item.description) == (
        "exits_clear", "major", submitted + timedelta(days=10), "上锁")
    assert (added.item_key, added.title, added.deadline, added.basis, added.risk_weight) == (
        None, "纸箱", submitted + timedelta(days=15), "检查发现", 2.0)


def test_who_needs_two_inspectors():
    kinds = ("eldercare",)
    assert rules.needs_two_inspectors("eldercare", False, False, kinds)
    assert rules.needs_two_inspectors("lottery_outlet", True, False, kinds)  # a plan task's pair
    assert not rules.needs_two_inspectors("lottery_outlet", False, False, kinds)
    assert not rules.needs_two_inspectors("eldercare", True, True, kinds)  # a self-inspection
    assert not rules.needs_two_inspectors("eldercare", False, False, ())


def test_co_inspector_errors_name_each_unusable_id():
    assert rules.co_inspector_errors(1, [2, 3], {2, 3}) == []
    assert rules.co_inspector_errors(1, [1, 2, 2, 9], {1, 2}) == [1, 2, 9]


SITE = {"signer": "site", "user_id": None, "name": "张红", "photo_id": "p", "refused": False, "witness_name": None,
        "refusal_photo_id": None}


@pytest.mark.parametrize("changes, fields", [
    ({}, []),
    ({"name": ""}, ["name"]),
    ({"name": "张" * 41}, ["name"]),
    ({"photo_id": None}, ["photo_id"]),
    ({"photo_id": None, "refused": True, "witness_name": "李梅", "refusal_photo_id": "r"}, []),
    ({"photo_id": None, "refused": True}, ["witness_name"]),
    ({"refused": True, "witness_name": "李梅"}, ["photo_id"]),
    ({"user_id": 3}, ["user_id"]),
    ({"signer": "inspector", "user_id": 3, "name": None}, []),
    ({"signer": "inspector", "user_id": 4}, ["user_id"]),
    ({"signer": "inspector", "user_id": 3, "refused": True, "photo_id": None}, ["photo_id", "refused"]),
])
def test_signature_errors(changes, fields):
    errors = rules.signature_errors({**SITE, **changes}, {3}, 40)
    assert [e["field"] for e in errors] == fields


def test_signatures_complete_needs_every_inspector_and_the_site():
    inspectors = [{"signer": "inspector", "user": 1}, {"signer": "inspector", "user": 2}]
    site = [{"signer": "site", "user": None}]
    assert rules.signatures_complete([1, 2], inspectors + site)
    assert not rules.signatures_complete([1, 2], inspectors)
    assert not rules.signatures_complete([1, 2], inspectors[:1] + site)
    assert not rules.signatures_complete([], site)
    assert rules.signature_slot("x", "inspector", 5) != rules.signature_slot("x", "inspector", 6)
