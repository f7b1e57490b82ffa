"""Demo inspections and what became of their findings, lived as a quarter (`xunjian demo`).

Each inspection is submitted through the same service as the API at its own past moment, under a fixed id, and each
finding's rectification follows through the findings service at the days given: answered and closed on time, late
(after the ladder's steps), rejected and answered again, given more time, or still open and overdue. The demo's clock
(`demo.py`) runs the escalation and risk jobs between these moments as the scheduler would have. The inspections sit
on sites the demo managers (`manager`, `manager2`) do not run, so their own views start clean.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from ..checklists import rules as engine
from ..checklists import service as checklists
from ..findings import service as findings
from ..findings.schemas import ExtensionCreate, ListingDecision, ResponseCreate, VerificationCreate
from ..findings.schemas import Location as Place
from ..findings.tables import Finding
from ..inspections.schemas import InspectionPut, Location
from ..sites.tables import Site
from . import service
from .tables import Inspection

# What happens to a finding after the inspection that raised it: (days after the inspection, who, action, text), at
# 15:00 Beijing time that day. Actions: respond (the manager), recheck (an inspector on site), accept / reject (an
# inspector, or a supervisor for a major hazard), extend (the manager asks for the text's number of days more),
# approve (an extension asked for), confirm (the listing authority confirms the ladder's proposal to list it).
ON_TIME = [(6, "{manager}", "respond", "已整改，附整改后照片"), (8, "{inspector}", "accept", "")]
LATE = [(19, "{manager}", "respond", "整改资金到位较晚，现已整改完毕"), (23, "{inspector}", "accept", "")]
# A major hazard: answered, re-checked on site by the inspector, closed by a supervisor (销号), within its 30 days.
MAJOR_ON_TIME = [(10, "{manager}", "respond", "已拆除楼道充电插座，设集中充电棚"),
                 (12, "{inspector}", "recheck", "现场复查：楼道内无电动车"), (13, "supervisor", "accept", "")]

# (name, site code, inspector, manager of the site, template, days ago, {item: (note, photo?, what became of it)})
DEMO = [
    ("qilihe-welfare-centre", "YL-620103-002", "inspector", "manager_qlh", "eldercare_safety", 80, {
        "exits_clear": ("三楼北侧安全出口被杂物堵塞并上锁", True, [
            (3, "{manager}", "respond", "已清理杂物，拆除门锁，改为推闩式安全门"),
            (5, "{inspector}", "recheck", "现场复查：出口畅通"), (7, "supervisor_lz", "accept", "")]),
        "no_ebike_indoors": ("一楼楼道内停放电动自行车并充电", True, MAJOR_ON_TIME),
        "medicines_in_order": ("护理站发现3盒过期药品", False, LATE),
    }),
    ("yuzhong-heping-home", "YL-620123-003", "inspector", "manager_yz", "eldercare_safety", 74, {
        "extinguishers_ok": ("2具灭火器压力不足", False, ON_TIME),
        "protect_falls": ("卫生间无扶手，3名跌倒高风险老人无书面防护措施", False, [
            (9, "{manager}", "respond", "已安装扶手"),
            (10, "{inspector}", "reject", "未制定书面防护措施，请补充"),
            (20, "{manager}", "respond", "已补充书面防护措施并经家属签字"), (22, "{inspector}", "accept", "")]),
    }),
    ("xizhan-outlet", "FC-62010305", "inspector", "outlet_xz", "lottery_outlet_audit", 66, {
        "minors_sign_intact": ("“不得向未成年人售彩”标识破损", True, ON_TIME),
    }),
    ("maiji-care-home", "YL-620503-005", "inspector2", "manager_mj", "eldercare_safety", 61, {
        "fire_drill": ("今年未组织消防演练", False, [
            (10, "{manager}", "extend", "20"), (11, "{inspector}", "approve", "同意延期至演练计划日期"),
            (28, "{manager}", "respond", "已于本月组织全员消防演练，附记录"), (30, "{inspector}", "accept", "")]),
        "lighting_ok": ("二楼走廊4盏灯不亮", False, ON_TIME),
    }),
    ("heping-outlet", "FC-62012311", "inspector", "", "lottery_outlet_audit", 52, {}),
    ("zhangyelu-outlet", "FC-62010201", "inspector", "outlet_zyl", "lottery_outlet_audit", 45, {
        "rational_play_notice": ("未张贴理性购彩提示", False, LATE),
        "licence_displayed": ("代销证未悬挂", False, ON_TIME),
    }),
    ("dazhonglu-outlet", "FC-62050203", "inspector2", "", "lottery_outlet_audit", 40, {}),
    ("yuzhong-heping-home-2", "YL-620123-003", "inspector", "manager_yz", "eldercare_safety", 38, {
        # Still open: past its deadline 督办, then proposed for listing, which 兰州's supervisor confirms (挂牌督办).
        "no_ebike_indoors": ("院内楼道再次发现电动自行车充电", True, [(34, "supervisor_lz", "confirm", "")]),
        "distribution_box_ok": ("配电箱未上锁，线路老化", False, []),
    }),
    ("lanzhou-rescue-station", "JZ-620100", "inspector", "", "rescue_station_audit", 33, {}),
    ("qilihe-welfare-centre-2", "YL-620103-002", "inspector", "manager_qlh", "eldercare_safety", 26, {
        "lighting_ok": ("二楼走廊应急照明灯不亮", False, []),  # still open and overdue
        "call_bells_ok": ("3间居室呼叫器失灵", False, ON_TIME),
    }),
    ("tianshui-rescue-station", "JZ-620500", "inspector2", "", "rescue_station_audit", 19, {
        "staff_trained": ("新入职2名工作人员未培训", False, []),  # still open and overdue
    }),
    ("xizhan-outlet-2", "FC-62010305", "inspector", "outlet_xz", "lottery_outlet_audit", 12, {
        "no_minors_in_outlet": ("发现未成年人在站内逗留", False, [(4, "{manager}", "respond", "已加强劝离并张贴提示")]),
    }),
    ("maiji-care-home-2", "YL-620503-005", "inspector2", "manager_mj", "eldercare_safety", 5, {
        "protect_falls": ("2名跌倒高风险老人无书面防护措施", False, []),  # not due yet
        "handrails_ok": ("楼梯扶手松动", False, []),
    }),
]


# An eldercare institution is inspected by two (Settings.two_inspectors_kinds): each city's second inspector.
SECOND_INSPECTOR = {"inspector": "inspector_lz2", "inspector2": "inspector_ts2"}


def handwriting_png(seed: str, size: tuple[int, int] = (360, 120)) -> bytes:
    """A small PNG of a scribbled signature, different per seed: what the signing screen's canvas uploads."""
    import hashlib
    import io

    from PIL import Image, ImageDraw

    digest = hashlib.sha256(seed.encode()).digest()
    im = Image.new("RGBA", size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(im)
    w, h = size
    points = [(int(12 + i * (w - 24) / (len(digest) - 1)), int(h * 0.2 + b / 255 * h * 0.6))
              for i, b in enumerate(digest)]
    draw.line(points, fill=(20, 20, 60, 255), width=4, joint="curve")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://xunjian.local/demo/inspection/{name}")


def _answers(name: str, template, noncompliant: dict) -> dict:
    """Every shown item answered: checks compliant except the listed ones; choices at their first option."""
    answers: dict = {}
    for item in template.items:
        if not engine.is_shown(item, answers, answers):
            continue
        kind = item["type"]
        if kind == "check":
            bad = noncompliant.get(item["key"])
            answers[item["key"]] = {"result": "compliant"} if bad is None else {
                "result": "noncompliant", "note": bad[0],
                "photos": [str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-photo/{name}/{item['key']}"))] if bad[1] else [],
            }
        elif kind == "number":
            answers[item["key"]] = item.get("min", 0) + 1
        elif kind == "choice":
            first = item["options"][0]["value"]
            answers[item["key"]] = [first] if item.get("multiple") else first
    return answers


async def lived() -> bool:
    """Whether the history was lived already (a later load leaves it as it is: its times were those of then)."""
    return await Inspection.exists().where(Inspection.id.is_in([_demo_id(d[0]) for d in DEMO]))


def history(clock) -> None:
    """Put the inspections and the follow-up of their findings on the demo's clock (`demo.Clock`)."""
    for name, code, inspector, manager, key, days_ago, noncompliant in DEMO:
        day = clock.day(days_ago)
        clock.at(day.replace(hour=10), _submit(clock, name, code, inspector, key, noncompliant), opens=True)
        for item, (_, _, then) in noncompliant.items():
            for n, (after, who, action, text) in enumerate(then):
                who = who.format(manager=manager, inspector=inspector)
                clock.at(day.replace(hour=15, minute=n) + timedelta(days=after),
                         _follow_up(clock, name, item, who, action, text))


def _submit(clock, name, code, username, key, noncompliant):
    async def run(now):
        site = await Site.select(Site.id, Site.lat, Site.lng).where(Site.code == code).first()
        template = await checklists.get_template(key)
        data = InspectionPut(
            site_id=site["id"], template_key=key, template_version=template.version, status="submitted",
            answers=_answers(name, template, noncompliant), remarks="演示数据",
            checkin=Location(lat=site["lat"] + 0.0002, lng=site["lng"], accuracy_m=10.0),
            co_inspector_ids=[(await clock.actor(SECOND_INSPECTOR[username])).id]
            if template.site_kind == "eldercare" else [],
        )
        await service.put_inspection(await clock.actor(username), clock.settings, _demo_id(name), data, now=now)
    return run


def _follow_up(clock, name, item, username, action, text):
    async def run(now):
        finding = await Finding.select(Finding.id, Finding.deadline, Finding.site).where(
            (Finding.inspection == _demo_id(name)) & (Finding.item_key == item)).first()
        actor = await clock.actor(username)
        settings = clock.settings
        if action == "respond":
            await findings.respond(actor, finding["id"], ResponseCreate(note=text), now=now)
        elif action in ("accept", "reject"):
            await findings.verify(actor, finding["id"], VerificationCreate(decision=action, note=text),
                                  settings.checkin_far_meters, now=now)
        elif action == "recheck":
            site = await Site.select(Site.lat, Site.lng).where(Site.id == finding["site"]).first()
            await findings.verify(actor, finding["id"], VerificationCreate(
                decision="recheck", note=text, location=Place(lat=site["lat"], lng=site["lng"], accuracy_m=8.0)),
                settings.checkin_far_meters, now=now)
        elif action == "extend":
            await findings.extension(actor, finding["id"], ExtensionCreate(
                action="request", deadline=finding["deadline"] + timedelta(days=int(text)),
                reason="消防演练需与街道消防站协调日期"), settings.major_extension_days, now=now)
        elif action == "confirm":
            await findings.decide_listing(actor, finding["id"], ListingDecision(decision="confirm"), now=now)
        elif action == "approve":
            await findings.extension(actor, finding["id"], ExtensionCreate(action="approve", reason=text),
                                     settings.major_extension_days, now=now)
    return run
