"""Demo data: Gansu's 14 prefecture-level divisions, real counties under several, sites of every kind, demo users,
and (with the hooks, as `xunjian demo` loads it) a quarter of history.

Idempotent: rows are matched by code or username and only missing ones are added; the history is lived once.

The history is lived, not written: inspections, answers, re-checks, extensions, listings, patrols and closed cases go
through the services at their own moments of the last 12 weeks (`Clock`), and between them the scheduler's jobs run
as the days pass (the risk job each night, the escalation job each morning). So every deadline follows its finding,
each ladder step is taken on its own day, the board's 12-week trend has a snapshot each night, and the inbox holds
what people were told when they were told it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from . import db
from .accounts import service as accounts
from .accounts.passwords import hash_password
from .accounts.principal import Principal
from .accounts.schemas import UserCreate
from .accounts.tables import User
from .config import Settings
from .regions.tables import Region
from .sites.tables import Site

PROVINCE = ("620000", "甘肃省")

PREFECTURES = [
    ("620100", "兰州市"), ("620200", "嘉峪关市"), ("620300", "金昌市"), ("620400", "白银市"), ("620500", "天水市"),
    ("620600", "武威市"), ("620700", "张掖市"), ("620800", "平凉市"), ("620900", "酒泉市"), ("621000", "庆阳市"),
    ("621100", "定西市"), ("621200", "陇南市"), ("622900", "临夏回族自治州"), ("623000", "甘南藏族自治州"),
]

COUNTIES = {
    "620100": [("620102", "城关区"), ("620103", "七里河区"), ("620104", "西固区"), ("620121", "永登县"),
               ("620122", "皋兰县"), ("620123", "榆中县")],
    "620400": [("620402", "白银区"), ("620421", "靖远县")],
    "620500": [("620502", "秦州区"), ("620503", "麦积区"), ("620522", "秦安县")],
    "620700": [("620702", "甘州区"), ("620722", "民乐县")],
    "620900": [("620902", "肃州区"), ("620981", "玉门市"), ("620982", "敦煌市")],
    "621100": [("621102", "安定区"), ("621121", "通渭县")],
    "622900": [("622901", "临夏市"), ("622921", "临夏县")],
}

# A few townships (乡镇/街道), so that the fourth level exists; codes follow the 9-digit pattern.
TOWNSHIPS = {
    "620102": [("620102002", "张掖路街道"), ("620102003", "酒泉路街道")],
    "620123": [("620123100", "城关镇"), ("620123101", "和平镇")],
}

# (code, kind, name, county or prefecture code, lat, lng, extra)
SITES = [
    ("YL-620102-001", "eldercare", "兰州市城关区福寿园养老院", "620102", 36.0578, 103.8412,
     {"ownership": "private", "approved_beds": 180, "operator": "兰州福寿园养老服务有限公司",
      "address": "兰州市城关区雁滩路2988号", "attributes": {"residents": 142, "full_care_residents": 61}}),
    ("YL-620103-002", "eldercare", "兰州市七里河区社会福利中心", "620103", 36.0661, 103.7867,
     {"ownership": "public", "approved_beds": 320, "operator": "七里河区民政局",
      "address": "兰州市七里河区西津西路16号", "attributes": {"residents": 251, "full_care_residents": 88}}),
    ("YL-620123-003", "eldercare", "榆中县和平镇敬老院", "620123", 35.9467, 104.0101,
     {"ownership": "public", "approved_beds": 60, "operator": "榆中县民政局", "address": "榆中县和平镇和平村",
      "attributes": {"residents": 38, "full_care_residents": 9}}),
    ("YL-620502-004", "eldercare", "天水市秦州区康乐老年公寓", "620502", 34.5806, 105.7249,
     {"ownership": "private", "approved_beds": 120, "operator": "天水康乐养老服务中心",
      "address": "天水市秦州区民主西路88号", "attributes": {"residents": 97, "full_care_residents": 40}}),
    ("YL-620503-005", "eldercare", "天水市麦积区中心敬老院", "620503", 34.5690, 105.8910,
     {"ownership": "public", "approved_beds": 90, "operator": "麦积区民政局", "address": "天水市麦积区桥南商埠路",
      "attributes": {"residents": 64, "full_care_residents": 18}}),
    ("YL-620902-006", "eldercare", "酒泉市肃州区颐养院", "620902", 39.7440, 98.5083,
     {"ownership": "private", "approved_beds": 150, "operator": "酒泉颐养健康产业有限公司",
      "address": "酒泉市肃州区北大街45号", "attributes": {"residents": 110, "full_care_residents": 35}}),
    ("YL-620702-007", "eldercare", "张掖市甘州区夕阳红养老院", "620702", 38.9326, 100.4550,
     {"ownership": "private", "approved_beds": 80, "operator": "甘州区夕阳红养老服务部",
      "address": "张掖市甘州区县府街12号", "attributes": {"residents": 51, "full_care_residents": 12}}),
    ("YL-622901-008", "eldercare", "临夏市社会福利院", "622901", 35.6047, 103.2107,
     {"ownership": "public", "approved_beds": 200, "operator": "临夏市民政局", "address": "临夏市团结路33号",
      "attributes": {"residents": 133, "full_care_residents": 47}}),
    ("FC-62010201", "lottery_outlet", "福彩投注站 62010201（张掖路）", "620102", 36.0605, 103.8290,
     {"operator": "王建国", "address": "兰州市城关区张掖路步行街118号"}),
    ("FC-62010305", "lottery_outlet", "福彩投注站 62010305（西站）", "620103", 36.0704, 103.7635,
     {"operator": "李秀兰", "address": "兰州市七里河区西站东路21号"}),
    ("FC-62012311", "lottery_outlet", "福彩投注站 62012311（和平镇）", "620123", 35.9502, 104.0060,
     {"operator": "赵德明", "address": "榆中县和平镇兴隆路6号"}),
    ("FC-62050203", "lottery_outlet", "福彩投注站 62050203（大众路）", "620502", 34.5820, 105.7300,
     {"operator": "马小燕", "address": "天水市秦州区大众路56号"}),
    ("FC-62040207", "lottery_outlet", "福彩投注站 62040207（人民路）", "620402", 36.5457, 104.1383,
     {"operator": "张伟", "address": "白银市白银区人民路102号"}),
    ("FC-62110204", "lottery_outlet", "福彩投注站 62110204（永定路）", "621102", 35.5797, 104.6260,
     {"operator": "刘芳", "address": "定西市安定区永定路39号"}),
    ("FC-62098202", "lottery_outlet", "福彩投注站 62098202（沙州）", "620982", 40.1420, 94.6620,
     {"operator": "陈志刚", "address": "敦煌市沙州镇阳关中路15号"}),
    ("XC-620102-01", "patrol_zone", "兰州火车站及东岗立交桥下", "620102", 36.0340, 103.8530,
     {"radius_m": 800, "place_types": ["车站", "桥梁涵洞", "地下通道"]}),
    ("XC-620102-02", "patrol_zone", "东方红广场", "620102", 36.0583, 103.8340,
     {"radius_m": 400, "place_types": ["广场"]}),
    ("XC-620502-01", "patrol_zone", "天水火车站周边", "620503", 34.5818, 105.8955,
     {"radius_m": 600, "place_types": ["车站", "城乡结合部"]}),
    ("XC-620902-01", "patrol_zone", "酒泉钟鼓楼商圈", "620902", 39.7395, 98.5105,
     {"radius_m": 500, "place_types": ["广场", "商业街"]}),
    ("JZ-620100", "rescue_station", "兰州市救助管理站", "620103", 36.0720, 103.7770,
     {"operator": "兰州市民政局", "address": "兰州市七里河区西津西路"}),
    ("JZ-620500", "rescue_station", "天水市救助管理站", "620502", 34.5760, 105.7150,
     {"operator": "天水市民政局", "address": "天水市秦州区藉河南路"}),
    ("JZ-620900", "rescue_station", "酒泉市救助管理站", "620902", 39.7300, 98.4900,
     {"operator": "酒泉市民政局", "address": "酒泉市肃州区南环西路"}),
]

# username, role, display name, region codes, site codes
USERS = [
    ("admin", "admin", "系统管理员", [], []),
    ("supervisor", "supervisor", "省厅监管员 周敏", ["620000"], []),
    ("inspector", "inspector", "兰州市检查员 王磊", ["620100"], []),
    ("inspector2", "inspector", "天水市检查员 李娜", ["620500"], []),
    ("manager", "manager", "福寿园养老院 院长 张红", [], ["YL-620102-001"]),
    ("manager2", "manager", "康乐老年公寓 负责人 马军", [], ["YL-620502-004"]),
    # Added after the first six (their ids stay). The provincial welfare-lottery centre: sees the lottery outlets
    # only, suspends their terminals, ends their agency contracts.
    ("lottery", "lottery_centre", "甘肃省福利彩票发行中心", ["620000"], []),
    ("privacy", "admin", "个人信息保护负责人 陈静", [], []),
]
# Accounts of `xunjian demo` that the tests' base demo leaves out: a prefecture's supervisor, the listing authority
# (挂牌督办) of 兰州's sites, so that a listing can be confirmed (the tests make their own prefecture supervisors).
MORE_USERS = [
    ("supervisor_lz", "supervisor", "兰州市民政局监管员 刘洋", ["620100"], []),
    # Second inspectors: an eldercare institution is inspected by two (Settings.two_inspectors_kinds).
    ("inspector_lz2", "inspector", "兰州市检查员 赵刚", ["620100"], []),
    ("inspector_ts2", "inspector", "天水市检查员 孙丽", ["620500"], []),
]
# The people the history needs beside the demo logins: the managers who answered their sites' findings. Created by
# `xunjian demo` only and not printed (the logins above are the ones to try); they share the demo password.
HISTORY_USERS = [
    ("manager_qlh", "manager", "七里河区社会福利中心 主任 杨帆", [], ["YL-620103-002"]),
    ("manager_yz", "manager", "榆中县和平镇敬老院 院长 孙文", [], ["YL-620123-003"]),
    ("manager_mj", "manager", "麦积区中心敬老院 院长 何平", [], ["YL-620503-005"]),
    ("outlet_xz", "manager", "福彩投注站 62010305 业主 李秀兰", [], ["FC-62010305"]),
    ("outlet_zyl", "manager", "福彩投注站 62010201 业主 王建国", [], ["FC-62010201"]),
]
# Accounts holding the personal-data grant: `admin` runs the system and sees no one's personal data; `privacy`
# oversees it (PIPL 第五十二条), reads person records and patrol encounters and reviews who read them.
PERSONAL_DATA_USERS = {"privacy"}


async def _ensure_region(code: str, name: str, level: str, parent: dict | None) -> dict:
    row = await Region.select().where(Region.code == code).first()
    if row:
        return row
    path = (parent["path"] if parent else "/") + code + "/"
    await Region.insert(Region(code=code, name=name, level=level, parent=parent["id"] if parent else None, path=path))
    return await Region.select().where(Region.code == code).first()


async def load(settings: Settings, hooks: bool = True) -> str:
    province = await _ensure_region(*PROVINCE, "province", None)
    regions = {PROVINCE[0]: province}
    for code, name in PREFECTURES:
        regions[code] = await _ensure_region(code, name, "prefecture", province)
        for ccode, cname in COUNTIES.get(code, []):
            regions[ccode] = await _ensure_region(ccode, cname, "county", regions[code])
            for tcode, tname in TOWNSHIPS.get(ccode, []):
                regions[tcode] = await _ensure_region(tcode, tname, "township", regions[ccode])
    existing = {r["code"] for r in await Site.select(Site.code)}
    new_sites = []
    for code, kind, name, region_code, lat, lng, extra in SITES:
        if code in existing:
            continue
        region = regions[region_code]
        new_sites.append(Site(kind=kind, code=code, name=name, region=region["id"], region_path=region["path"],
                              lat=lat, lng=lng, **extra))
    if new_sites:
        await Site.insert(*new_sites)
    site_ids = {s["code"]: s["id"] for s in await Site.select(Site.id, Site.code)}
    users = {u["username"] for u in await User.select(User.username)}
    accounts_to_load = USERS + (MORE_USERS if hooks else [])
    shared_hash = None
    for username, role, display, region_codes, site_codes in accounts_to_load + (HISTORY_USERS if hooks else []):
        if username in users:
            continue
        shared_hash = shared_hash or await hash_password(settings.demo_password)
        await accounts.create_user(None, password_hash=shared_hash, data=UserCreate(
            username=username, password=settings.demo_password, role=role, display_name=display,
            region_ids=[regions[c]["id"] for c in region_codes], site_ids=[site_ids[c] for c in site_codes],
            personal_data=username in PERSONAL_DATA_USERS,
        ))
    for hook in DEMO_HOOKS if hooks else ():
        await hook(settings)
    return (f"Demo data ready: {len(regions)} regions, {len(site_ids)} sites.\n"
            + _logins(settings, accounts_to_load))


def _logins(settings: Settings, users) -> str:
    lines = [f"Demo logins (password: {settings.demo_password}):"]
    lines += [f"  {username:<13} {role:<14} {display}" for username, role, display, _, _ in users]
    return "\n".join(lines)


async def present_logins(settings: Settings) -> str | None:
    """The demo logins, for `serve` to print after its URL, when the database holds the demo's accounts."""
    names = {r["username"] for r in await User.select(User.username).where(
        User.username.is_in([u[0] for u in USERS + MORE_USERS]) & (User.is_active == True))}  # noqa: E712
    present = [u for u in USERS + MORE_USERS if u[0] in names]
    return _logins(settings, present) if present else None


# Later domains add demo content through these hooks: async fn(settings).
DEMO_HOOKS: list = []

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
HISTORY_DAYS = 12 * 7
# The demo's sites were registered this long before the history starts (a site's rating counts the time since its
# last inspection, or since it was registered).
REGISTERED_BEFORE_DAYS = 30


class Clock:
    """The demo's quarter: what happened at which moment, lived in order through the services, with the scheduler's
    jobs run between those moments as the days passed. Domains add their moments with `at` (see each demo.py)."""

    def __init__(self, settings: Settings, now: datetime):
        self.settings = settings
        self.now = now
        self.today = now.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        self._events: list[tuple[datetime, int, object]] = []
        self._opened: set[datetime] = set()
        self._actors: dict[str, Principal] = {}

    def day(self, days_ago: int) -> datetime:
        """Midnight (Beijing time) `days_ago` days before today."""
        return self.today - timedelta(days=days_ago)

    def at(self, moment: datetime, fn, *, opens: bool = False) -> None:
        """`fn(now)` happens at `moment`, if that is not after the present; `opens`: it opens things the escalation
        ladder climbs (findings, cases)."""
        self._events.append((moment.astimezone(timezone.utc), len(self._events), fn))
        if opens:
            self._opened.add(moment.astimezone(timezone.utc))

    async def actor(self, username: str) -> Principal:
        """The demo user as the server would see them signed in: their role and their own scope."""
        if username not in self._actors:
            user = await User.select(User.id, User.username, User.role, User.display_name, User.certificate_no,
                                     User.personal_data).where(User.username == username).first()
            scope, region_ids, site_ids = await accounts.load_scope(user["id"], user["role"])
            self._actors[username] = Principal(
                id=user["id"], username=user["username"], role=user["role"], display_name=user["display_name"],
                scope=scope, session_id=0, region_ids=region_ids, site_ids=site_ids,
                certificate_no=user["certificate_no"], personal_data=bool(user["personal_data"]))
        return self._actors[username]

    async def live(self) -> None:
        from .escalation import rules as ladder
        from .escalation.service import escalate
        from .risk import service as risk

        ladders = ladder.load_ladders(self.settings.extra)
        rules = risk.current_rules(self.settings)

        async def rate(now):
            await risk.rate_sites(now, trigger="job", rules=rules)

        async def climb(now):
            await escalate(now, ladders)

        # The escalation job runs hourly at :05. Here it runs each morning, and in the hour after anything was opened,
        # when the hourly job would first see it (an urgent case opened at night takes its reminder that night and its
        # next step in the morning, not both in one run).
        after = {(moment + timedelta(hours=1)).replace(minute=5, second=0) for moment in self._opened}
        for moment in sorted(after):
            self.at(moment, climb)
        for n in range(HISTORY_DAYS, -1, -1):
            night = self.day(n)
            self.at(night.replace(hour=2, minute=30), rate)  # as the risk job's cron says
            self.at(night.replace(hour=8, minute=30), self._read_inbox)
            self.at(night.replace(hour=9, minute=5), climb)
        # One transaction: the quarter is there whole or not at all, and SQLite commits once instead of a few hundred
        # times (each service's own transaction joins this one).
        async with db.write_transaction():
            for moment, _, fn in sorted(e for e in self._events if e[0] <= self.now):
                await fn(moment)

    async def _read_inbox(self, now: datetime) -> None:
        """People read what they were told by the next morning (the last day's news stays unread)."""
        from .notifications import service as inbox
        from .notifications.tables import Notification

        unread = await Notification.select(Notification.id, Notification.user.username.as_alias("username")).where(
            Notification.read_at.is_null() & (Notification.created_at <= now - timedelta(hours=12)))
        for row in unread:
            await inbox.mark_read(await self.actor(row["username"]), row["id"], now)


async def _history(settings: Settings) -> None:
    """A quarter lived through the services (once: a later load leaves what was lived then), then the jobs at the
    present, as the scheduler would run them on its first minute."""
    from .checklists import service as checklists
    from .escalation import rules as ladder
    from .escalation.service import escalate
    from .inspections import demo as inspections_demo
    from .patrols import demo as patrols_demo
    from .risk import service as risk

    await checklists.load_templates(settings)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = Clock(settings, now)
    if not (await inspections_demo.lived() or await patrols_demo.lived()):
        registered = clock.day(HISTORY_DAYS + REGISTERED_BEFORE_DAYS)
        await Site.update({Site.created_at: registered}).where(
            Site.code.is_in([s[0] for s in SITES]) & (Site.created_at > registered))
        inspections_demo.history(clock)
        patrols_demo.history(clock)
        await clock.live()
    await escalate(now, ladder.load_ladders(settings.extra))
    await risk.rate_sites(now, trigger="demo", rules=risk.current_rules(settings))


DEMO_HOOKS.append(_history)
