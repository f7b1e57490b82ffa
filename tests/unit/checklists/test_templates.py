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
    return {d["key"]: d for d in service.read_templates(SCHEMAS)}


def checks(doc: dict) -> list[dict]:
    return [i for s in doc["sections"] for i in s["items"] if i["type"] == "check"]


def test_shipped_templates_validate_and_are_big_enough():
    docs = shipped()
    assert set(docs) == {"eldercare_safety", "lottery_outlet_audit", "street_patrol"}
    assert len(checks(docs["eldercare_safety"])) >= 40
    assert len(checks(docs["lottery_outlet_audit"])) >= 15
    assert {d["site_kind"] for d in docs.values()} == {"eldercare", "lottery_outlet", "patrol_zone"}


def test_eldercare_covers_the_major_hazard_articles_and_the_nine_protections():
    items = checks(shipped()["eldercare_safety"])
    major = [i for i in items if i["grade"] == "major"]
    articles = {re.search(r"第[四五]条第（[一二三四]）项", i["basis"]).group(0) for i in major if "13号" in i["basis"]}
    assert articles == {"第四条第（一）项", "第四条第（二）项", "第四条第（三）项", "第四条第（四）项",
                        "第五条第（一）项", "第五条第（二）项", "第五条第（三）项"}
    assert sum(1 for i in items if i["key"].startswith("protect_")) == 9
    assert all(i["rectify_days"] == (30 if i["grade"] == "major" else 15) for i in items)


# Every article the templates may cite (DOMAIN.md); anything else would be an invented article number.
KNOWN_ARTICLES = {
    "民办发〔2023〕13号": {"第四条第（一）项", "第四条第（二）项", "第四条第（三）项", "第四条第（四）项",
                      "第五条第（一）项", "第五条第（二）项", "第五条第（三）项"},
    "彩票管理条例实施细则": {"第三十一条"},
    "彩票管理条例": {"第十五条", "第十六条", "第十七条", "第十八条", "第二十六条", "第二十七条"},
    "养老机构管理办法": {"第十五条", "第二十八条", "第三十一条", "第三十二条"},
    "救助管理办法": {"第五条"},
}


def test_no_invented_article_numbers():
    for doc in shipped().values():
        for item in checks(doc):
            for part in re.split("[；;]", item["basis"]):
                cited = re.findall(r"第[一二三四五六七八九十]+条(?:第（[一二三四五六七八九十]+）项)?", part)
                if not cited:
                    continue
                source = next((k for k in KNOWN_ARTICLES if k in part), None)
                assert source, f"{doc['key']}.{item['key']}: unknown source in {part!r}"
                assert set(cited) <= KNOWN_ARTICLES[source], f"{doc['key']}.{item['key']}: {part!r}"


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
                                 "police_called", "ticket_home"]


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
