"""Risk scoring with the shipped rules (schemas/risk-rules/v1.json): tiers, overrides, factors, planning."""

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest

from xunjian.config import REPO_DIR
from xunjian.risk.rules import (
    FACTORS, FindingFact, InspectionFact, RulesError, SiteFacts, frequency_days, load_rules, main_reasons, next_due,
    score, validate_rules,
)

SCHEMAS = REPO_DIR / "schemas"
RULES = load_rules(SCHEMAS, 1)  # the mechanics, on version 1 (still read: its ratings name it); v2 in test_kinds.py
NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def lottery(findings=(), inspections=None, created_days_ago=30) -> SiteFacts:
    if inspections is None:  # inspected recently and clean, so only the findings count
        inspections = (InspectionFact(NOW - timedelta(days=5), 20, 0),)
    return SiteFacts(kind="lottery_outlet", created_at=NOW - timedelta(days=created_days_ago),
                     findings=tuple(findings), inspections=tuple(inspections))


def major(level=0, overdue=False):
    return FindingFact("major", overdue=overdue, escalation_level=level)


def general(level=0, overdue=False, **kw):
    return FindingFact("general", overdue=overdue, escalation_level=level, **kw)


def test_a_clean_recently_inspected_site_is_blue():
    r = score(lottery(), RULES, NOW)
    assert (r.tier, r.score) == ("blue", 0.0)


def test_an_open_major_hazard_makes_a_site_at_least_orange():
    r = score(lottery([major()]), RULES, NOW)
    assert r.tier == "orange"
    assert {f.factor: f.value for f in r.factors}["override"] == "open_major"


def test_a_major_hazard_at_level_3_makes_a_site_red():
    assert score(lottery([major(level=2, overdue=True)]), RULES, NOW).tier == "orange"
    r = score(lottery([major(level=3, overdue=True)]), RULES, NOW)
    assert r.tier == "red"
    assert r.reasons()[0] == {"factor": "override", "value": "major_at_level", "contribution": 0.0}


def test_two_open_major_hazards_make_a_site_red():
    assert score(lottery([major(), major()]), RULES, NOW).tier == "red"


def test_general_findings_add_up_and_overdue_multiplies():
    one = score(lottery([general()]), RULES, NOW)
    late = score(lottery([general(overdue=True)]), RULES, NOW)
    w = RULES["findings"]["weights"]["general"]
    assert one.score == w
    assert late.score == w * RULES["findings"]["overdue_multiplier"]
    many = score(lottery([general(overdue=True, level=2)] * 6), RULES, NOW)
    assert many.tier in ("orange", "red")


def test_self_reported_and_weighted_findings():
    base = score(lottery([general()]), RULES, NOW).score
    assert score(lottery([general(self_reported=True)]), RULES, NOW).score == base * 0.5
    assert score(lottery([general(risk_weight=3.0)]), RULES, NOW).score == base * 3


def test_every_rating_lists_every_factor_and_the_contributions_sum_to_the_score():
    facts = SiteFacts(
        kind="eldercare", created_at=NOW - timedelta(days=900), approved_beds=180,
        attributes={"residents": 100, "full_care_residents": 40},
        findings=(general(overdue=True, level=1), major()),
        inspections=(InspectionFact(NOW - timedelta(days=400), 40, 10),),
    )
    r = score(facts, RULES, NOW)
    assert [f.factor for f in r.factors] == list(FACTORS)
    assert r.score == pytest.approx(sum(f.contribution for f in r.factors), abs=0.05)
    values = {f.factor: f.value for f in r.factors}
    assert values["beds"] == 180 and values["full_care_share"] == 40.0 and values["noncompliance"] == 25.0
    # Orange (open major) → 30 days; eldercare capped at a year; 400 days since the inspection → 370 late.
    assert values["inspection_overdue"] == pytest.approx(370, abs=0.01)
    assert r.tier in ("orange", "red")


def test_lateness_counts_from_the_tier_frequency_and_is_capped():
    never = score(lottery(inspections=(), created_days_ago=180 + 40), RULES, NOW)
    late = {f.factor: f for f in never.factors}["inspection_overdue"]
    assert late.value == pytest.approx(40)
    assert late.contribution == pytest.approx(40 * RULES["lateness"]["points_per_day"])
    very = score(lottery(inspections=(), created_days_ago=3000), RULES, NOW)
    assert {f.factor: f for f in very.factors}["inspection_overdue"].contribution == RULES["lateness"]["max_points"]


def test_only_the_last_inspections_count_for_noncompliance():
    old_bad = InspectionFact(NOW - timedelta(days=100), 10, 10)
    recent = tuple(InspectionFact(NOW - timedelta(days=d), 10, 0) for d in (1, 2, 3))
    r = score(lottery(inspections=recent + (old_bad,)), RULES, NOW)
    assert {f.factor: f.value for f in r.factors}["noncompliance"] == 0


def test_frequencies_and_the_yearly_eldercare_minimum():
    assert [frequency_days(RULES, t, "lottery_outlet") for t in ("red", "orange", "yellow", "blue")] == [14, 30, 90, 180]
    rules = copy.deepcopy(RULES)
    rules["frequency_days"]["blue"] = 500
    assert frequency_days(rules, "blue", "eldercare") == 365
    assert frequency_days(rules, "blue", "lottery_outlet") == 500


def test_next_due():
    last = NOW - timedelta(days=10)
    assert next_due(RULES, "red", "eldercare", last, NOW) == last + timedelta(days=14)
    assert next_due(RULES, None, "lottery_outlet", last, NOW) == last + timedelta(days=90)
    created = NOW - timedelta(days=3)
    assert next_due(RULES, "blue", "eldercare", None, created) == created


def test_main_reasons_put_the_override_first_then_the_largest():
    factors = [{"factor": "open_general", "value": 2, "contribution": 8.0},
               {"factor": "beds", "value": 100, "contribution": 2.0},
               {"factor": "overdue", "value": 1, "contribution": 4.0},
               {"factor": "override", "value": "open_major", "contribution": 0.0},
               {"factor": "noncompliance", "value": 0, "contribution": 0.0}]
    assert [f["factor"] for f in main_reasons(factors)] == ["override", "open_general", "overdue"]


def test_the_shipped_rules_file_is_valid_and_bad_files_are_refused():
    data = json.loads((SCHEMAS / "risk-rules" / "v1.json").read_text())
    validate_rules(data, SCHEMAS)
    bad = copy.deepcopy(data)
    bad["thresholds"]["red"] = "high"
    with pytest.raises(RulesError, match="thresholds/red"):
        validate_rules(bad, SCHEMAS)
    bad = copy.deepcopy(data)
    bad["thresholds"]["orange"] = 1000
    with pytest.raises(RulesError, match="rise"):
        validate_rules(bad, SCHEMAS)
    bad = copy.deepcopy(data)
    bad["surprise"] = 1
    with pytest.raises(RulesError):
        validate_rules(bad, SCHEMAS)
