"""Pure rules of the site import: headers, cells, regions, what a row changes."""

import pytest

from xunjian.sites import imports as I


def _regions():
    return I.RegionIndex([
        I.RegionRef(1, "620100", "兰州市", "prefecture", "/620000/620100/", "甘肃省"),
        I.RegionRef(2, "620102", "城关区", "county", "/620000/620100/620102/", "兰州市"),
        I.RegionRef(3, "620102001", "新华街道", "township", "/620000/620100/620102/620102001/", "城关区"),
        I.RegionRef(4, "620502001", "新华街道", "township", "/620000/620500/620502/620502001/", "秦州区"),
    ])


def test_headers_in_either_language_any_order_and_what_is_wrong():
    layout, errors = I.read_headers(["\ufeffName", " 编码 ", "kind", "县区", None, ""])
    assert errors == [] and layout.index == {"name": 0, "code": 1, "kind": 2, "county": 3}
    assert layout.header("name") == "Name" and layout.header("lat") == "纬度"
    _, errors = I.read_headers(["编码", "code", "备注"])
    assert [(e.column, e.code) for e in errors] == [("code", "duplicate_column"), ("备注", "unknown_column"),
                                                     ("名称", "missing_column"), ("类型", "missing_column"),
                                                     ("县区", "missing_column")]


def test_cells():
    assert I.text(62010201.0, 64) == "62010201" and I.text("'=SUM(A1)", 64) == "=SUM(A1)"
    assert I.text("=SUM(A1)", 64) == "=SUM(A1)" and I.text("'abc", 64) == "'abc"
    for bad, code in [(True, "invalid_text"), (2.0**60, "imprecise_number"), ("a\tb", "control_characters"),
                      ("x" * 5, "too_long")]:
        with pytest.raises(I.CellError) as caught:
            I.text(bad, 4)
        assert caught.value.code == code
    assert I.number(" 36.5 ", -90, 90) == 36.5 and I.number("", -90, 90) is None
    for bad in ("nan", "inf", "1e400", "北纬", True):
        with pytest.raises(I.CellError):
            I.number(bad, -90, 90)
    with pytest.raises(I.CellError) as caught:
        I.number(91, -90, 90)
    assert caught.value.code == "out_of_range"
    assert I.integer("40", 0, 100) == 40 and I.integer(40.0, 0, 100) == 40
    with pytest.raises(I.CellError):
        I.integer(40.5, 0, 100)
    assert I.choice("福彩投注站", I.KIND_NAMES, "kind") == "lottery_outlet"
    assert I.choice("Eldercare", I.KIND_NAMES, "kind") == "eldercare"


def test_regions_by_code_or_unique_name():
    regions = _regions()
    assert regions.find("城关区").id == 2 and regions.find("620502001").id == 4
    with pytest.raises(I.CellError) as caught:
        regions.find("新华街道")
    assert caught.value.code == "ambiguous_region" and "620102001" in caught.value.message
    with pytest.raises(I.CellError) as caught:
        regions.find("兰州市")  # a prefecture is found by its code only, and then refused by apply_row
    assert caught.value.code == "unknown_region"
    assert regions.label(2) == "城关区" and regions.label(3) == "620102001"


def test_a_row_changes_only_what_differs_and_keeps_other_attributes():
    regions = _regions()
    layout, _ = I.read_headers(["编码", "名称", "类型", "县区", "许可证"])
    parsed, errors = I.parse_row(2, ["FC-1", "新名", "福利彩票投注站", "城关区", "L-1"], layout, regions)
    assert errors == []
    current = {"id": 9, "kind": "lottery_outlet", "code": "FC-1", "name": "旧名", "region": 2,
               "region_path": "/620000/620100/620102/", "address": "路", "lat": 36.0, "lng": 103.8, "operator": "",
               "ownership": None, "approved_beds": None, "radius_m": None, "polygon": None,
               "attributes": {"terminal": "T1"}}
    outcome = I.apply_row(parsed, current, layout, regions)
    assert outcome.status == "updated" and outcome.values["attributes"] == {"terminal": "T1", "licence": "L-1"}
    assert outcome.values["address"] == "路"  # no 地址 column: left alone
    same = I.apply_row(parsed, {**current, "name": "新名", "attributes": {"terminal": "T1", "licence": "L-1"}},
                       layout, regions)
    assert same.status == "unchanged"
    new = I.apply_row(parsed, None, layout, regions)
    assert [e.column for e in new.errors] == ["纬度"]  # a new outlet needs its location
