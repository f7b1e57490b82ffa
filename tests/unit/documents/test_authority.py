"""Which bureau issues an inspection's documents, and how its name prints."""

from xunjian.documents import rules

PROVINCE = {"id": 1, "level": "province", "name": "甘肃省"}
LANZHOU = {"id": 2, "level": "prefecture", "name": "兰州市"}
JIUQUAN = {"id": 5, "level": "prefecture", "name": "酒泉市"}


def _region(id_, level, name):
    return {"id": id_, "level": level, "name": name}


def test_the_county_issues_and_a_district_carries_its_city():
    township = _region(4, "township", "张掖路街道")
    chengguan = _region(3, "county", "城关区")
    chain = [township, chengguan, LANZHOU, PROVINCE]
    assert rules.issuing_region(chain) == chengguan
    assert rules.authority_title(chain[1:]) == "兰州市城关区民政局"


def test_counties_and_county_level_cities_stand_alone():
    assert rules.authority_title([_region(6, "county", "榆中县"), LANZHOU, PROVINCE]) == "榆中县民政局"
    assert rules.authority_title([_region(7, "county", "玉门市"), JIUQUAN, PROVINCE]) == "玉门市民政局"


def test_a_site_directly_under_a_prefecture_or_the_province():
    assert rules.issuing_region([LANZHOU, PROVINCE]) == LANZHOU
    assert rules.authority_title([LANZHOU, PROVINCE]) == "兰州市民政局"
    assert rules.issuing_region([PROVINCE]) == PROVINCE
    assert rules.authority_title([PROVINCE]) == "甘肃省民政厅"
