"""Rules version 2 (schemas/risk-rules/v2.json): settings per site kind over a default section, inherent factors
from a site's attributes, an open major hazard by kind, lateness as its own reason; version 1 still read."""

import copy
from datetime import datetime, timedelta, timezone

from xunjian.config import REPO_DIR
from xunjian.risk.rules import (
    FindingFact, InspectionFact, SiteFacts, factor_names, frequency_days, kind_rules, load_rules, main_reasons,
    lateness_reason, rules_problems, score,
)

SCHEMAS = REPO_DIR / "schemas"
V2 = load_rules(SCHEMAS)
V1 = load_rules(SCHEMAS, 1)
NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def site(kind: str, attributes=None, days_since_inspection=5, findings=(), beds=None) -> SiteFacts:
    return SiteFacts(kind=kind, created_at=NOW - timedelta(days=900), approved_beds=beds,
                     attributes=attributes or {}, findings=tuple(findings),
                     inspections=(InspectionFact(NOW - timedelta(days=days_since_inspection), 20, 0),))


def factors(rating) -> dict:
    return {f.factor: f for f in rating.factors}


def test_the_shipped_version_is_2_and_version_1_is_still_read():
    assert V2["version"] == 2 and V1["version"] == 1
    assert rules_problems(V1, SCHEMAS) == [] and rules_problems(V2, SCHEMAS) == []
    # Version 1 read in the one shape: eldercare's yearly cap folded into its frequencies, its beds and share kept.
    assert kind_rules(V1, "eldercare")["capacity"]["beds_points_per_bed"] == 0.02
    assert kind_rules(V1, "lottery_outlet")["inherent"] == {}
    assert "eldercare_max_days" not in V2  # never took effect under a 180-day blue frequency: dropped


def test_a_lottery_outlet_is_visited_monthly_and_eldercare_as_before():
    assert [frequency_days(V2, t, "lottery_outlet") for t in ("red", "orange", "yellow", "blue")] == [14, 21, 30, 30]
    assert [frequency_days(V2, t, "eldercare") for t in ("red", "orange", "yellow", "blue")] == [14, 30, 90, 180]
    assert frequency_days(V1, "blue", "lottery_outlet") == 180


def test_a_lottery_outlet_40_days_uninspected_is_late_by_10_days_shown_as_its_own_reason():
    r = score(site("lottery_outlet", days_since_inspection=40), V2, NOW)
    late = factors(r)["inspection_overdue"]
    assert late.value == 10.0 and late.contribution == 2.5
    assert (r.tier, r.own_tier, r.base_score, r.score) == ("blue", "blue", 0.0, 2.5)
    shown = [f.as_dict() for f in r.factors]
    assert lateness_reason(shown)["value"] == 10.0
    assert all(f["factor"] != "inspection_overdue" for f in main_reasons(shown))  # not the site's own risk
    # Under version 1 the same outlet was not late at all (180 days for a blue site).
    assert factors(score(site("lottery_outlet", days_since_inspection=40), V1, NOW))["inspection_overdue"].value == 0


def test_an_outlets_sales_volume_and_instant_tickets_are_inherent_factors():
    r = score(site("lottery_outlet", {"sales_volume_class": "high", "instant_tickets": True}), V2, NOW)
    f = factors(r)
    assert (f["sales_volume"].value, f["sales_volume"].contribution) == ("high", 6.0)
    assert (f["instant_tickets"].value, f["instant_tickets"].contribution) == ("true", 4.0)
    assert r.base_score == 10.0
    assert list(factors(r)) == list(factor_names(V2, "lottery_outlet"))


def test_eldercare_without_fire_acceptance_and_immobile_residents_upstairs_scores_higher_with_the_factors_shown():
    plain = score(site("eldercare", {"fire_acceptance": "passed", "building_type": "reinforced_concrete"},
                       beds=100), V2, NOW)
    risky = score(site("eldercare", {"fire_acceptance": "none", "immobile_residents_upstairs": 30,
                                     "building_type": "reinforced_concrete", "building_height_m": 27,
                                     "grade": "1", "complaints_12m": 2}, beds=100), V2, NOW)
    f = factors(risky)
    assert (f["fire_acceptance"].value, f["fire_acceptance"].contribution) == ("none", 15.0)
    assert (f["immobile_upstairs"].value, f["immobile_upstairs"].contribution) == (30.0, 9.0)
    assert (f["building_height"].value, f["building_height"].contribution) == (27.0, 8.0)
    assert f["grade"].contribution == 3.0 and f["complaints"].contribution == 4.0
    assert risky.base_score == plain.base_score + 39.0
    assert (plain.tier, risky.tier) == ("blue", "orange")
    reasons = [x["factor"] for x in main_reasons([x.as_dict() for x in risky.factors])]
    assert reasons == ["fire_acceptance", "immobile_upstairs", "building_height"]


def test_inherent_factors_cap_step_and_ignore_what_is_not_theirs():
    f = factors(score(site("eldercare", {"immobile_residents_upstairs": 500, "building_height_m": 12,
                                         "complaints_12m": True, "fire_acceptance": 3}), V2, NOW))
    assert f["immobile_upstairs"].contribution == 12.0  # capped
    assert f["building_height"].contribution == 3.0  # the step reached
    assert (f["complaints"].value, f["complaints"].contribution) == (None, 0.0)  # a boolean is no number
    assert (f["fire_acceptance"].value, f["fire_acceptance"].contribution) == (None, 0.0)  # missing scores 0
    rules = copy.deepcopy(V2)
    rules["kinds"]["eldercare"]["inherent"]["fire_acceptance"]["missing"] = 10
    assert factors(score(site("eldercare", {}), rules, NOW))["fire_acceptance"].contribution == 10.0


def test_an_open_major_hazard_makes_eldercare_and_rescue_stations_red_and_outlets_orange():
    major = (FindingFact("major", overdue=False),)
    assert score(site("eldercare", findings=major), V2, NOW).tier == "red"
    assert score(site("rescue_station", findings=major), V2, NOW).tier == "red"
    assert score(site("lottery_outlet", findings=major), V2, NOW).tier == "orange"
    assert score(site("eldercare", findings=major), V1, NOW).tier == "orange"
    assert "open_major" in V2["notes"]  # the reason cited in the file


def test_per_kind_thresholds_and_weights_override_the_default():
    rules = copy.deepcopy(V2)
    rules["kinds"]["lottery_outlet"]["thresholds"] = {"yellow": 4}
    rules["kinds"]["lottery_outlet"]["findings"] = {"weights": {"general": 5}}
    general = (FindingFact("general", overdue=False),)
    assert rules_problems(rules, SCHEMAS) == []
    outlet = score(site("lottery_outlet", findings=general), rules, NOW)
    assert (outlet.tier, outlet.base_score) == ("yellow", 5.0)
    assert score(site("rescue_station", findings=general), rules, NOW).tier == "blue"


def test_kind_sections_are_checked():
    rules = copy.deepcopy(V2)
    rules["kinds"]["lottery_outlet"]["frequency_days"] = {"red": 40}
    rules["kinds"]["lottery_outlet"]["inherent"]["beds"] = {"attribute": "beds", "per_unit": 1, "max": 2}
    paths = [p for p, _ in rules_problems(rules, SCHEMAS)]
    assert paths == ["$.kinds.lottery_outlet.frequency_days", "$.kinds.lottery_outlet.inherent.beds"]
    rules = copy.deepcopy(V2)
    rules["kinds"]["eldercare"]["findings"] = {"self_reported_factor": 1}  # one for every kind
    rules["kinds"]["eldercare"]["inherent"]["grade"]["per_unit"] = 1  # a choice or a number, not both
    assert {p for p, _ in rules_problems(rules, SCHEMAS)} == {"$.kinds.eldercare.findings",
                                                              "$.kinds.eldercare.inherent.grade"}
