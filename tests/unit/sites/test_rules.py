import pytest

from xunjian.errors import Invalid
from xunjian.scope import Scope
from xunjian.sites import rules


def test_haversine_lanzhou_to_tianshui():
    # 兰州 to 天水 is roughly 240 km as the crow flies.
    d = rules.haversine_m(36.0611, 103.8343, 34.5809, 105.7249)
    assert 230_000 < d < 250_000
    assert rules.haversine_m(36.0, 103.0, 36.0, 103.0) == 0


@pytest.mark.parametrize("value", ["", "36.0", "a,b", "91,100", "36,181", "nan,1", "1,2,3"])
def test_bad_near_is_invalid(value):
    with pytest.raises(Invalid):
        rules.parse_near(value)


def test_kind_requirements():
    rules.validate_kind_fields("eldercare", {"ownership": "public", "approved_beds": 10, "lat": 36, "lng": 103})
    with pytest.raises(Invalid) as exc:
        rules.validate_kind_fields("eldercare", {"lat": 36, "lng": 103})
    assert {e["field"] for e in exc.value.details} == {"ownership", "approved_beds"}
    with pytest.raises(Invalid):
        rules.validate_kind_fields("patrol_zone", {"lat": 36, "lng": 103})
    rules.validate_kind_fields("patrol_zone", {"polygon": [[36, 103], [36.1, 103], [36.1, 103.1]]})
    with pytest.raises(Invalid):
        rules.validate_kind_fields("lottery_outlet", {"lat": 36, "lng": 103, "approved_beds": 3})
    with pytest.raises(Invalid):
        rules.validate_kind_fields("spaceport", {})


def test_scope_holds():
    inspector = Scope(region_paths=("/620000/620100/",))
    assert inspector.holds(1, "/620000/620100/620102/")
    assert not inspector.holds(1, "/620000/620500/620502/")
    manager = Scope(site_ids=frozenset({7}))
    assert manager.holds(7, "/anything/") and not manager.holds(8, "/620000/620100/")
    assert Scope(everything=True).holds(1, "/x/")
    assert Scope().is_empty and not Scope().holds(1, "/620000/")
    assert Scope().sql() == ("FALSE", [])
    sql, args = inspector.sql("s")
    assert sql == "(s.region_path LIKE {})" and args == ["/620000/620100/%"]
