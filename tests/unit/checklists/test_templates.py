"""The template format: every shipped template validates; a broken one is refused with the file and the path."""

import copy
import json
import re
import shutil
from pathlib import Path

import pytest

from xunjian.checklists import rules, service
from xunjian.errors import ConfigError

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


def shipped() -> dict[str, dict]:
    """The current (highest) version of each shipped template."""
    docs: dict[str, dict] = {}
    for d in service.read_templates(SCHEMAS):
        if d["key"] not in docs or d["version"] > docs[d["key"]]["version"]:
            docs[d["key"]] = d
    return docs


def checks(doc: dict) -> list[dict]:
    return [i for s in doc["sections"] for i in s["items"] if i["type"] == "check"]


def test_shipped_templates_validate_and_are_big_enough():
    docs = shipped()
    assert set(docs) == {"eldercare_safety", "lottery_outlet_audit", "street_patrol", "rescue_station_audit"}
    assert len(checks(docs["eldercare_safety"])) >= 55
    assert len(checks(docs["lottery_outlet_audit"])) >= 24
    assert len(checks(docs["rescue_station_audit"])) >= 20
    assert {d["site_kind"] for d in docs.values()} == {"eldercare", "lottery_outlet", "patrol_zone", "rescue_station"}


def test_earlier_versions_stay_shipped_unchanged():
    # Inspections pin (key, version): a new content is a new version, and the old files still load.
    versions = {(d["key"], d["version"]) for d in service.read_templates(SCHEMAS)}
    assert {("eldercare_safety", 1), ("eldercare_safety", 2), ("eldercare_safety", 3), ("eldercare_safety", 4),
            ("lottery_outlet_audit", 1), ("lottery_outlet_audit", 2), ("street_patrol", 1), ("street_patrol", 2), ("rescue_station_audit", 1)} == versions


def test_no_finding_title_states_a_rule_that_was_not_read():
    # Version 2 said 保存不足5年, a period from 民政部令第66号, whose text was not found.
    for doc in shipped().values():
        for item in checks(doc):
            if item["basis"].startswith(PRACTICE):
                assert not re.search(r"\d+年", item.get("hazard", "") + item["label"]), f"{doc['key']}.{item['key']}"


def test_eldercare_covers_the_articles_of_13hao_that_were_read_as_major_hazards():
    items = checks(shipped()["eldercare_safety"])
    major = [i for i in items if i["grade"] == "major"]
    articles = {re.search(r"第[四五]条第（[一二三四]）项", i["basis"]).group(0) for i in major if "13号" in i["basis"]}
    assert articles == KNOWN_ARTICLES["养老机构重大事故隐患判定标准（民办发〔2023〕13号）"] - {"第二条", "第三条"}
    assert sum(1 for i in items if i["key"].startswith("protect_")) == 9
    assert all(i["rectify_days"] == (30 if i["grade"] == "major" else 15) for i in items)
    by_key = {i["key"]: i for i in items}
    assert "有人活动的建筑" in by_key["no_flammable_panels"]["label"]
    # Art. 4(1) and 4(2) hang on a report of an authority or a third party, not on the inspector's eye.
    assert "鉴定报告" in by_key["building_safe"]["label"] and "评估报告" in by_key["fire_elec_gas_standard"]["label"]
    assert by_key["exits_clear"]["basis"] == "中华人民共和国消防法 第二十八条" and by_key["exits_clear"]["grade"] == "major"
    for key in ("no_illegal_fundraising", "advance_fees_deposits", "filed_with_civil_affairs", "food_handlers_certified",
                "incoming_goods_checked", "night_staff_sufficient", "fire_control_room_duty", "micro_fire_station",
                "window_bars_escape", "fire_installations_tested"):
        assert key in by_key, key


def test_lottery_cites_the_unamended_regulation_and_covers_the_new_points():
    doc = shipped()["lottery_outlet_audit"]
    keys = {i["key"] for s in doc["sections"] for i in s["items"]}
    assert "2018" not in json.dumps(doc, ensure_ascii=False)
    assert {"sells_instant", "instant_from_centre", "instant_packs_intact", "agency_contract_valid",
            "registered_sellers_only", "no_holding_tickets", "no_messaging_sales", "no_minors_in_outlet",
            "suspicious_betting_reported"} <= keys
    assert "sales_alerts_reported" not in keys


# Every article a current template may cite, each quoted with where it was read in schemas/checklists/SOURCES.md.
# Extend it only with an article you have read and quoted there.
KNOWN_ARTICLES = {
    "养老机构重大事故隐患判定标准（民办发〔2023〕13号）": {
        "第二条", "第三条", "第四条第（一）项", "第四条第（二）项", "第四条第（三）项", "第四条第（四）项",
        "第五条第（一）项", "第五条第（二）项", "第五条第（三）项"},
    "中华人民共和国消防法": {"第十六条", "第十七条", "第二十一条", "第二十八条", "第七十三条"},
    "中华人民共和国食品安全法": {"第五十三条", "第五十七条", "第一百二十六条"},
    "中华人民共和国老年人权益保障法": {"第四十三条", "第四十八条"},
    "彩票管理条例（国务院令第554号）": {"第十四条", "第十五条", "第十六条", "第十七条", "第十八条", "第二十五条", "第二十六条",
                             "第二十七条", "第四十一条"},
    "城市生活无着的流浪乞讨人员救助管理办法（国务院令第381号）": {"第五条", "第六条", "第七条", "第八条", "第九条", "第十条",
                                             "第十一条", "第十三条", "第十四条"},
    "中华人民共和国未成年人保护法": {"第九十二条", "第九十三条"},
    # Cited by the patrol code (retention, grant, notice, minors' photos, encryption), not by template items.
    "中华人民共和国个人信息保护法": {"第十七条", "第十九条", "第二十八条", "第三十五条", "第四十七条", "第五十一条",
                         "第五十二条", "第五十四条"},
}
PRACTICE = "检查实践"
ARTICLE = re.compile(r"第[一二三四五六七八九十百]+条(?:第（[一二三四五六七八九十]+）项)?")
SOURCES = SCHEMAS / "checklists" / "SOURCES.md"


def basis_problems(basis: str) -> list[str]:
    """Why a basis is not made of known articles: each part (split by ；) is 检查实践… or a known source with articles
    that were read."""
    problems = []
    for part in basis.split("；"):
        cited = ARTICLE.findall(part)
        if part.startswith(PRACTICE):
            if cited:
                problems.append(f"{part!r}: practice cites no article")
            continue
        source = next((k for k in KNOWN_ARTICLES if part.startswith(k + " ")), None)
        if source is None:
            problems.append(f"{part!r}: not a known source")
        elif not cited or not set(cited) <= KNOWN_ARTICLES[source]:
            problems.append(f"{part!r}: articles {sorted(set(cited) - KNOWN_ARTICLES[source]) or 'missing'}")
    return problems


def test_every_basis_is_a_known_article_or_practice():
    for doc in shipped().values():
        for item in checks(doc):
            assert basis_problems(item["basis"]) == [], f"{doc['key']}.{item['key']}"


@pytest.mark.parametrize("basis", [
    "彩票管理条例（国务院令第554号） 第九十九条",  # an article nobody read
    "彩票管理条例（国务院令第554号）（2018年修订）；检查实践",  # the wrong amendment of version 1
    "养老机构管理办法（民政部令第66号） 第二十八条",  # a source that was not found
    "检查实践 第五条",  # practice with an article number
    "中华人民共和国消防法",  # a source without an article
])
def test_the_basis_check_refuses_invented_or_unread_citations(basis):
    assert basis_problems(basis)


def sources_sections() -> dict[str, str]:
    text = SOURCES.read_text(encoding="utf-8")
    return {chunk.split("\n", 1)[0].strip(): chunk for chunk in text.split("\n## ")[1:]}


def test_every_known_article_is_quoted_with_where_it_was_read():
    sections = sources_sections()
    for source, articles in KNOWN_ARTICLES.items():
        assert source in sections, f"{source} has no section in SOURCES.md"
        body = sections[source]
        where = re.search(r"^- 读取位置: (.+)$", body, re.M)
        assert where and (re.search(r"`[^`]+\.md` @ [0-9a-f]{40}", where.group(1)) or "http" in where.group(1)), source
        headings = set(re.findall(r"^### (\S+)$", body, re.M))
        for article in articles:
            assert article in headings, f"{source} {article} is not quoted"
            quote = body.split(f"### {article}\n", 1)[1].lstrip()
            assert quote.startswith("> ") and len(quote.split("\n", 1)[0]) > 10, f"{source} {article}: no quotation"


def test_patrol_encounter_group_keys_are_stable():
    patrol = rules.parse_template(shipped()["street_patrol"])
    group = patrol.item("encounters")
    assert group["type"] == "repeat"
    assert [i["key"] for i in group["items"]] == [
        "sex", "age_band", "vulnerable", "place_type", "location", "action", "referral_target", "followup_needed",
        "earlier_record", "photos", "note"]
    options = {i["key"]: [o["value"] for o in i.get("options", [])] for i in group["items"]}
    assert options["vulnerable"] == ["minor", "elderly", "disabled", "mental_illness", "critically_ill"]
    assert options["action"] == ["persuaded_to_station", "escorted", "sent_to_hospital", "refused_supplies_given",
                                 "police_called", "ticket_home", "minor_temporary_guardianship",
                                 "mental_health_institution", "family_took_home"]
    labels = {i["key"]: {o["value"]: o["label"] for o in i.get("options", [])} for i in group["items"]}
    # 以下 includes the number: the bands must not overlap at 14.
    assert labels["age_band"]["age_under_14"] == "不满14周岁" and labels["age_band"]["age_14_17"] == "14至17周岁"
    assert labels["action"]["ticket_home"] == "提供乘车凭证返乡"
    weather = [o["value"] for o in patrol.item("weather")["options"]]
    assert {"cold", "cold_wave", "sand_dust"} <= set(weather)


def test_a_patrol_records_its_own_work_without_grades_or_deadlines():
    # The patrol's checks never became findings; version 2 records them as observations, so nothing shows a grade.
    patrol = rules.parse_template(shipped()["street_patrol"])
    assert patrol.check_items == []
    for key in ("key_places_covered", "supplies_carried", "cold_wave_daily", "vulnerable_escorted"):
        item = patrol.item(key)
        assert item["type"] == "choice" and item["required"] and "grade" not in item


@pytest.fixture
def schemas_copy(tmp_path):
    shutil.copy(SCHEMAS / "checklist-template.schema.json", tmp_path)
    (tmp_path / "checklists").mkdir()
    return tmp_path


def write(folder: Path, name: str, doc: dict) -> None:
    (folder / "checklists" / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def eldercare() -> dict:
    return copy.deepcopy(shipped()["eldercare_safety"])


@pytest.mark.parametrize("break_it, path", [
    (lambda d: d["sections"][1]["items"][2].pop("grade"), "$.sections[1].items[2]"),
    (lambda d: d["sections"][1]["items"][0].update(grade="severe"), "$.sections[1].items[0].grade"),
    (lambda d: d["sections"][2]["items"][1].update(rectify_days=0), "$.sections[2].items[1].rectify_days"),
    (lambda d: d["sections"][0]["items"][0].update(colour="red"), "$.sections[0].items[0]"),
    (lambda d: d["sections"][0]["items"][4].update(type="slider"), "$.sections[0].items[4].type"),
    (lambda d: d.update(version="1"), "$.version"),
    (lambda d: d["sections"][0]["items"][1].update(key="approved_beds"), "$.sections[0].items[1].key"),
    (lambda d: d["sections"][1]["items"][5].update(show_if={"item": "remarks", "equals": "x"}),
     "$.sections[1].items[5].show_if.item"),
    (lambda d: d["sections"][1]["items"][5].update(show_if={"item": "has_canteen", "equals": "maybe"}),
     "$.sections[1].items[5].show_if"),
])
def test_a_broken_template_is_refused_with_file_and_path(schemas_copy, break_it, path):
    doc = eldercare()
    break_it(doc)
    write(schemas_copy, "broken.json", doc)
    with pytest.raises(ConfigError) as err:
        service.read_templates(schemas_copy)
    message = str(err.value)
    assert "broken.json" in message
    assert f"{path}:" in message, message


def test_a_repeat_group_may_not_nest_checks(schemas_copy):
    doc = copy.deepcopy(shipped()["street_patrol"])
    doc["sections"][2]["items"][0]["items"].append(
        {"key": "ok", "type": "check", "label": "x", "basis": "检查实践", "grade": "general", "rectify_days": 1,
         "risk_weight": 1})
    write(schemas_copy, "patrol.json", doc)
    with pytest.raises(ConfigError, match=r"\$\.sections\[2\]\.items\[0\]\.items\[11\]"):
        service.read_templates(schemas_copy)


def test_two_files_with_one_version_are_refused(schemas_copy):
    write(schemas_copy, "a.json", eldercare())
    write(schemas_copy, "b.json", eldercare())
    with pytest.raises(ConfigError, match="b.json.*also in.*a.json"):
        service.read_templates(schemas_copy)


def test_canonical_hash_ignores_key_order():
    assert rules.canonical_hash({"a": 1, "b": [1, 2]}) == rules.canonical_hash({"b": [1, 2], "a": 1})
    assert rules.canonical_hash({"a": 1}) != rules.canonical_hash({"a": 2})
