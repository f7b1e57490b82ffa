"""Pure patrol rules: cases and deadlines, validation, identity, matching, retention, coverage."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from xunjian.patrols import rules

UTC = timezone.utc


def local(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=rules.LOCAL_TZ)


def enc(**kw) -> dict:
    base = {"id": "e1", "met_at": local(2026, 11, 29, 22), "sex": "male", "age_band": "age_18_59",
            "action": "persuaded_to_station", "is_minor": False, "lat": None, "lng": None}
    return {**base, **kw}


# ---------------------------------------------------------------- cases


@pytest.mark.parametrize("fields, reasons", [
    ({}, []),
    ({"is_minor": True, "age_band": "age_14_17"}, ["minor"]),
    ({"age_band": "age_under_14"}, ["minor"]),  # the band alone says minor
    ({"critically_ill": True}, ["critically_ill"]),
    ({"suspected_mental_illness": True}, ["mental_illness"]),
    ({"age_band": "age_80_plus"}, ["elderly"]),
    ({"is_elderly": True, "age_band": "unknown"}, ["elderly"]),
    ({"is_disabled": True}, ["disabled"]),
    ({"action": "refused_supplies_given"}, ["refusal"]),
    ({"is_minor": True, "age_band": "age_14_17", "action": "refused_supplies_given"}, ["minor", "refusal"]),
    ({"action": "police_called"}, []),
])
def test_case_reasons(fields, reasons):
    assert rules.case_reasons(enc(**fields)) == reasons


def test_minor_deadline_is_the_end_of_the_local_day_even_just_after_midnight():
    # 00:10 in Shanghai is 16:10 UTC the day before: the deadline is the end of the *local* day.
    met = local(2026, 11, 30, 0, 10)
    assert met.astimezone(UTC).date() == date(2026, 11, 29)
    deadline = rules.case_deadline(met, ["minor"])
    assert deadline == datetime(2026, 11, 30, 15, 59, 59, 999999, tzinfo=UTC)  # 23:59:59.999999 local


def test_the_strictest_reason_sets_the_deadline():
    met = local(2026, 11, 29, 23, 30)
    assert rules.case_deadline(met, ["refusal"]) == rules.end_of_local_day(met, 3)
    assert rules.case_deadline(met, ["refusal", "critically_ill"]) == rules.end_of_local_day(met, 0)
    assert rules.case_deadline(met, ["mental_illness", "elderly"]) == rules.end_of_local_day(met, 1)
    assert rules.case_urgent(["refusal", "minor"]) and not rules.case_urgent(["elderly", "refusal"])


def test_closing_needs_an_open_case_and_a_known_outcome():
    rules.check_close("open", "returned_home")
    with pytest.raises(rules.RuleError):
        rules.check_close("closed", "returned_home")
    with pytest.raises(rules.RuleError):
        rules.check_close("open", "vanished")


# ---------------------------------------------------------------- validation and identity


def _validate(**kw):
    now = local(2026, 11, 30, 8)
    args = dict(started_at=local(2026, 11, 29, 21), ended_at=local(2026, 11, 29, 23, 30), now=now, track=[],
                encounters=[enc()], team=["王磊"])
    args.update(kw)
    rules.validate_patrol(**args)


def _fields(**kw) -> list[str]:
    with pytest.raises(rules.RuleError) as err:
        _validate(**kw)
    return [d["field"] for d in err.value.details]


def test_a_patrol_sent_hours_later_is_valid():
    _validate()


def test_validation_names_each_bad_field():
    assert _fields(ended_at=local(2026, 11, 29, 20), encounters=[]) == ["ended_at"]
    assert _fields(started_at=local(2026, 12, 1), ended_at=None, encounters=[]) == ["started_at"]
    assert _fields(started_at=local(2026, 10, 1), ended_at=None, encounters=[]) == ["started_at"]
    assert _fields(team=[" "]) == ["team"]
    assert _fields(encounters=[enc(), enc()]) == ["encounters[1].id"]
    assert _fields(encounters=[enc(met_at=local(2026, 11, 30, 2))]) == ["encounters[0].met_at"]
    assert _fields(encounters=[enc(lat=36.0)]) == ["encounters[0].lat"]
    assert _fields(encounters=[enc(is_minor=True, age_band="age_60_79")]) == ["encounters[0].age_band"]
    assert _fields(track=[rules.TrackPoint(local(2026, 11, 29, 21), 91.0, 103.0)]) == ["track[0]"]
    assert _fields(track=[rules.TrackPoint(local(2026, 11, 29, 21), 36.0, 103.0, -1)]) == ["track[0].accuracy_m"]


@pytest.mark.parametrize("existing, ended, new, decision", [
    (None, False, "a", "create"), ("a", True, "a", "same"), ("a", False, "a", "same"),
    ("a", False, "b", "update"), ("a", True, "b", "conflict"),
])
def test_replay_decision(existing, ended, new, decision):
    assert rules.replay_decision(existing, ended, new) == decision


def test_who_sees_the_people_met():
    assert rules.sees_people("supervisor", 1, 2, True) and rules.sees_people("admin", 1, 2, True)
    assert not rules.sees_people("admin", 1, 2, False)  # running the system is not reading personal data
    assert rules.sees_people("inspector", 2, 2, False) and not rules.sees_people("inspector", 1, 2, False)
    assert not rules.sees_people("manager", 2, 2, True)


# ---------------------------------------------------------------- candidates


def person(pid, **kw) -> dict:
    base = {"id": pid, "sex": "male", "age_band": "age_60_79", "features": [], "region_path": "/620000/620100/620102/",
            "code": f"LS2026{pid:06d}"}
    return {**base, **kw}


def test_candidates_need_a_shared_feature_and_rank_by_fit():
    e = enc(age_band="age_60_79", features=["左腿跛行", "甘肃口音"], region_path="/620000/620100/620102/")
    persons = [
        person(1, features=["左腿跛行", "甘肃口音"]),
        person(2, features=["左腿跛行"], region_path="/620000/620500/620502/"),
        person(3, features=[]),  # sex and age alone: not suggested
        person(4, sex="female", features=["左腿跛行"]),  # another sex: ruled out
        person(5, age_band="age_18_59", features=["左腿跛行", "甘肃口音"]),  # adjacent band, less
        person(6, age_band="age_under_14", features=["左腿跛行"]),  # too far in age
    ]
    ranked = rules.rank_candidates(e, persons)
    assert [c.person_id for c in ranked] == [1, 5, 2]
    assert "feature:左腿跛行" in ranked[0].reasons and "same_county" in ranked[0].reasons
    assert 0 < ranked[-1].score < ranked[0].score <= 1


def test_a_record_named_by_the_team_is_suggested_without_shared_features():
    e = enc(age_band="unknown", sex="unknown", earlier_record="LS2026000003")
    assert [c.person_id for c in rules.rank_candidates(e, [person(3), person(4)])] == [3]


# ---------------------------------------------------------------- retention


def test_purgeable_only_after_the_period_and_when_nothing_needs_it():
    now = datetime(2026, 11, 29, tzinfo=UTC)
    cutoff = rules.purge_cutoff(now, 90)
    old = now - timedelta(days=91)
    assert rules.purgeable(met_at=old, linked=False, has_open_case=False, already_purged=False, cutoff=cutoff)
    assert not rules.purgeable(met_at=now - timedelta(days=89), linked=False, has_open_case=False,
                               already_purged=False, cutoff=cutoff)
    assert not rules.purgeable(met_at=old, linked=True, has_open_case=False, already_purged=False, cutoff=cutoff)
    assert not rules.purgeable(met_at=old, linked=False, has_open_case=True, already_purged=False, cutoff=cutoff)
    assert not rules.purgeable(met_at=old, linked=False, has_open_case=False, already_purged=True, cutoff=cutoff)


# ---------------------------------------------------------------- coverage


def test_weekly_coverage_counts_local_calendar_days():
    now = local(2026, 11, 29, 10)
    assert rules.coverage_status(None, 7, now) == ("never", None)
    assert rules.coverage_status(local(2026, 11, 23, 0, 5), 7, now) == ("in_time", date(2026, 11, 30))
    assert rules.coverage_status(local(2026, 11, 22, 23, 50), 7, now) == ("late", date(2026, 11, 29))


def test_daily_coverage_means_today():
    now = local(2026, 11, 29, 0, 30)
    assert rules.coverage_status(local(2026, 11, 28, 23, 59), 1, now)[0] == "late"
    assert rules.coverage_status(local(2026, 11, 29, 0, 1), 1, now)[0] == "in_time"


def test_cold_wave_campaign_makes_its_region_daily():
    now = datetime(2026, 11, 29, 4, tzinfo=UTC)
    campaign = rules.CampaignWindow("/620000/620100/", "寒冬送温暖", now - timedelta(days=1), now + timedelta(days=5))
    other = rules.CampaignWindow("/620000/620100/", "春节", now - timedelta(days=1), now + timedelta(days=5))
    assert rules.active_cold_wave("/620000/620100/620102/", [campaign], now)
    assert not rules.active_cold_wave("/620000/620500/620502/", [campaign], now)
    assert not rules.active_cold_wave("/620000/620100/620102/", [other], now)
    assert not rules.active_cold_wave("/620000/620100/620102/", [campaign], now + timedelta(days=6))
    assert rules.required_frequency_days({}, False) == 7
    assert rules.required_frequency_days({}, True) == 1
    assert rules.required_frequency_days({"patrol_frequency_days": 3}, False) == 3
    assert rules.required_frequency_days({"patrol_frequency_days": True}, False) == 7


def test_case_age_buckets():
    now = datetime(2026, 11, 29, tzinfo=UTC)
    assert [rules.case_age_bucket(now - timedelta(days=d), now) for d in (0.5, 2, 5, 30)] == [
        "under_1d", "1_to_3d", "3_to_7d", "over_7d"]


# ---------------------------------------------------------------- the template


def test_template_answers_fill_the_encounter_group():
    patrol = {"team": ["王磊", "刘洋"], "warning_level": "blue", "weather": "snow", "place_types": ["station"],
              "started_at": local(2026, 11, 29, 21), "answers": {"remarks": "无"}}
    e = enc(is_minor=True, age_band="age_14_17", lat=36.0, lng=103.8, photo_ids=["p1"], details="走失",
            follow_up_needed=True, referral_target_id=7, earlier_record="LS2026000001",
            answers={"note": "overridden", "extra": 1})
    answers = rules.template_answers(patrol, [e], {7: "兰州市救助管理站"})
    assert answers["team"] == "王磊、刘洋" and answers["night_patrol"] == "yes" and answers["people_met"] == 1
    assert answers["remarks"] == "无"
    assert answers["encounters"] == [{
        "note": "走失", "extra": 1, "sex": "male", "age_band": "age_14_17", "vulnerable": ["minor"],
        "action": "persuaded_to_station", "followup_needed": "yes", "location": {"lat": 36.0, "lng": 103.8},
        "referral_target": "兰州市救助管理站", "earlier_record": "LS2026000001", "photos": ["p1"],
    }]


def test_follow_up_requested_by_the_team_opens_a_case_of_its_own():
    assert rules.case_reasons(enc(follow_up_needed=True)) == ["requested"]
    assert rules.case_reasons(enc(follow_up_needed=True, is_disabled=True)) == ["disabled"]


def test_an_unidentified_person_needs_a_notice_within_a_day():
    created = datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert rules.notice_overdue("", "pending", created, created + timedelta(hours=25))
    assert not rules.notice_overdue("", "pending", created, created + timedelta(hours=23))
    assert not rules.notice_overdue("张某", "pending", created, created + timedelta(hours=25))
    assert not rules.notice_overdue("", "notice_published", created, created + timedelta(hours=25))


def test_no_face_photos_of_minors_unless_needed_and_marked_so():
    photo = ["00000000-0000-4000-8000-000000000001"]
    assert rules.face_photo_problem({"is_minor": True, "photo_ids": photo})[0] == "photo_ids"
    assert rules.face_photo_problem({"age_band": "age_under_14", "photo_ids": photo})[0] == "photo_ids"
    assert rules.face_photo_problem({"is_minor": True, "photo_ids": photo, "face_needed": True})[0] == "face_reason"
    assert rules.face_photo_problem({"is_minor": True, "photo_ids": photo, "face_needed": True,
                                     "face_reason": "  "})[0] == "face_reason"
    assert rules.face_photo_problem({"is_minor": True, "photo_ids": photo, "face_needed": True,
                                     "face_reason": "寻亲"}) is None
    assert rules.face_photo_problem({"is_minor": True, "photo_ids": []}) is None
    assert rules.face_photo_problem({"age_band": "age_18_59", "photo_ids": photo}) is None


def test_the_notice_names_the_period_in_both_languages():
    text = rules.notice_text(730)
    assert set(text) == {"zh-CN", "en"} and "730天" in text["zh-CN"] and "730 days" in text["en"]
