"""Demo street patrols over the quarter, so coverage, follow-up cases and the inbox show something (`xunjian demo`).

Each patrol is submitted through the same service as the API when its night's patrol ended, under a fixed id, and
the cases its people opened are closed by the inspector who met them at the days given (or stay open, the last
nights' ones overdue). The demo's clock (`demo.py`) runs the ladder between these moments. The people met are
invented and carry no names: encounters never do.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from ..checklists import service as checklists
from ..sites.tables import Site
from . import cases, rules, service
from .schemas import CaseClose, EncounterIn, PatrolPut, TrackPointIn
from .tables import FollowUpCase, Patrol

# (name, zone code, inspector, nights ago, team, rescue station code, encounters); an encounter's `closed` is
# (days after the night, outcome) of its follow-up case, when it was closed.
DEMO = [
    ("lanzhou-station-w1", "XC-620102-01", "inspector", 78, ["王磊", "刘洋"], "JZ-620100", [
        dict(minutes=25, sex="male", age_band="age_60_79", is_elderly=True, action="persuaded_to_station",
             place_type="station", features=["蓝色棉袄"], details="候车室外，自述与子女失联", closed=(2, "placed_at_station")),
    ]),
    ("tianshui-station-w3", "XC-620502-01", "inspector2", 64, ["赵强", "孙丽"], "JZ-620500", [
        dict(minutes=40, sex="female", age_band="age_18_59", is_disabled=True, action="persuaded_to_station",
             place_type="station", features=["轮椅"], details="火车站出站口", closed=(5, "returned_home")),
    ]),
    ("lanzhou-square-w5", "XC-620102-02", "inspector", 50, ["王磊", "陈晨"], "JZ-620100", [
        dict(minutes=15, sex="male", age_band="age_18_59", action="refused_supplies_given", place_type="square",
             features=["黑色背包"], details="广场东侧长椅，拒绝进站，已发放食品", closed=(3, "declined_after_follow_up")),
        dict(minutes=50, sex="male", age_band="age_18_59", action="persuaded_to_station", place_type="square",
             features=["灰色外套"], details="同意进站"),
    ]),
    ("tianshui-station-w9", "XC-620502-01", "inspector2", 22, ["赵强", "孙丽"], "JZ-620500", [
        dict(minutes=35, sex="male", age_band="age_14_17", is_minor=True, action="escorted", place_type="station",
             features=["校服"], details="自称离家出走，已护送至救助站", closed=(1, "returned_home")),
    ]),
    ("lanzhou-station-w11", "XC-620102-01", "inspector", 8, ["王磊", "刘洋"], "JZ-620100", [
        dict(minutes=30, sex="male", age_band="age_60_79", is_elderly=True, critically_ill=True,
             action="sent_to_hospital", place_type="bridge_culvert", features=["咳嗽严重"],
             details="东岗立交桥下，已送医", closed=(1, "hospitalised")),
    ]),
    ("tianshui-station-evening", "XC-620502-01", "inspector2", 3, ["赵强", "孙丽"], "JZ-620500", [
        dict(minutes=30, sex="male", age_band="age_18_59", is_disabled=True, action="persuaded_to_station",
             place_type="station", features=["拄拐"], details="火车站广场，同意进站"),
    ]),
    ("lanzhou-station-night", "XC-620102-01", "inspector", 1, ["王磊", "刘洋"], "JZ-620100", [
        dict(minutes=20, sex="male", age_band="age_60_79", is_elderly=True, action="persuaded_to_station",
             place_type="station", features=["灰色棉衣"], details="候车室外长椅，自述来兰州寻亲"),
        dict(minutes=55, sex="female", age_band="age_14_17", is_minor=True, action="escorted",
             place_type="station", features=["红色书包"], details="自称与家人走散，已护送至救助站"),
        dict(minutes=90, sex="male", age_band="age_18_59", action="refused_supplies_given",
             place_type="bridge_culvert", features=["左腿跛行"], details="东岗立交桥下，拒绝进站，已发放棉被和食品"),
    ]),
]


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "https://xunjian.local/demo/patrol/" + "/".join(parts))


async def lived() -> bool:
    return await Patrol.exists().where(Patrol.id.is_in([_id(d[0]) for d in DEMO]))


def history(clock) -> None:
    """Put the patrols (received when they ended) and the closing of their cases on the demo's clock."""
    for name, zone_code, username, nights_ago, team, station_code, encounters in DEMO:
        started = clock.day(nights_ago).replace(hour=20)
        clock.at(started + timedelta(hours=2, minutes=10),
                 _submit(clock, name, zone_code, username, started, team, station_code, encounters), opens=True)
        for i, e in enumerate(encounters):
            if "closed" in e:
                days, outcome = e["closed"]
                clock.at(started.replace(hour=16) + timedelta(days=days), _close(clock, _id(name, str(i)), username,
                                                                                 outcome))


def _submit(clock, name, zone_code, username, started, team, station_code, encounters):
    async def run(now):
        zone = await Site.select(Site.id, Site.lat, Site.lng).where(Site.code == zone_code).first()
        station = await Site.select(Site.id).where(Site.code == station_code).first()
        template = await checklists.get_template(rules.TEMPLATE_KEY)
        # The patrol's own checks, compliant: check items up to version 1, required observations (choices) from 2.
        checks = {item["key"]: {"result": "compliant"} for item in template.check_items} | {
            item["key"]: item["options"][0]["value"] for item in template.items
            if item["type"] == "choice" and item.get("required") and item["key"] not in service.FIELD_ITEMS}
        begin = started.astimezone(now.tzinfo)
        data = PatrolPut(
            zone_id=zone["id"], started_at=begin, ended_at=begin + timedelta(hours=2), team=team,
            campaign_tag="寒冬送温暖", weather="snow", warning_level="blue", place_types=["station", "bridge_culvert"],
            track=[TrackPointIn(t=begin + timedelta(minutes=10 * i), lat=zone["lat"] + 0.001 * i, lng=zone["lng"],
                                accuracy_m=8.0) for i in range(12)],
            answers=checks,
            encounters=[EncounterIn(
                id=_id(name, str(i)), met_at=begin + timedelta(minutes=e.pop("minutes")),
                lat=zone["lat"] + 0.0005 * i, lng=zone["lng"],
                referral_target_id=station["id"] if station and e["action"] in ("persuaded_to_station", "escorted")
                else None, **e) for i, e in enumerate({k: v for k, v in x.items() if k != "closed"} for x in encounters)],
        )
        await service.put_patrol(await clock.actor(username), _id(name), data, now=now)
    return run


def _close(clock, encounter_id, username, outcome):
    async def run(now):
        case = await FollowUpCase.select(FollowUpCase.id).where(FollowUpCase.encounter == encounter_id).first()
        await cases.close_case(await clock.actor(username), case["id"], CaseClose(outcome=outcome, note="演示数据"),
                               now=now)
    return run
