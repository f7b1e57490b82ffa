"""Who is told of which event: the event table (data) and the one set-based recipient lookup.

Every event that asks someone to act is announced here, inside the transaction of the event itself: one
INSERT … SELECT per audience over all the event's subjects, so nothing is lost when the event commits and nothing
is written when it does not. An inbox entry is unique per (user, event_key) and each event_key names one row that
exists once (a finding, a response, a verification, an extension, a case), so a replayed request inserts nothing.
The same events are queued as webhooks (kind = webhook event type). The escalation ladder writes its own
notifications (escalation/service.py) under the kind `escalation` and the webhook type `escalation.step`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import db
from ..findings.rules import ROLES_FOR
from ..jobs.sqlkit import dialect, execute_counting


@dataclass(frozen=True)
class EventSpec:
    kind: str  # the inbox kind and the webhook event type
    label: str  # what the kind is, for the preferences screen (zh-CN)
    title: str  # the notification's title (zh-CN), formatted with {site} and {title} (the subject's own title)
    audiences: tuple[str, ...]
    major_audiences: tuple[str, ...] = ()  # told as well when the subject is a major hazard (重大隐患)
    required: bool = False  # legally meaningful: cannot be muted


# The event table. The recorder of a finding is the user who submitted the inspection that raised it.
EVENTS: dict[str, EventSpec] = {spec.kind: spec for spec in (
    EventSpec("finding.raised", "检查发现隐患", "{site}发现隐患：{title}",
              ("site_managers",), ("region_supervisors", "lottery_centre"), required=True),
    EventSpec("finding.self_reported", "自查发现隐患", "{site}自查发现隐患：{title}",
              ("region_inspectors",), ("region_supervisors", "lottery_centre")),
    EventSpec("finding.responded", "隐患整改反馈", "{site}已反馈整改：{title}", ("recorder",)),
    EventSpec("finding.rechecked", "现场复查通过", "{site}隐患现场复查通过：{title}", ("site_managers",)),
    # A major hazard's re-check passes it to the supervisors, who close it (销号).
    EventSpec("finding.awaiting_closure", "重大隐患待确认销号", "{site}重大隐患现场复查合格，待监管人员确认销号：{title}",
              ("site_managers", "region_supervisors")),
    EventSpec("finding.rejected", "整改未通过", "{site}整改未通过，请重新整改：{title}", ("site_managers",)),
    EventSpec("finding.closed", "隐患销号", "{site}隐患已销号：{title}", ("site_managers",)),
    EventSpec("finding.extension_requested", "延期申请", "{site}申请延期整改：{title}", ("deciders",)),
    EventSpec("finding.extension_proposed", "重大隐患延期待审批", "{site}重大隐患延期申请待审批：{title}",
              ("region_supervisors",)),
    EventSpec("finding.extension_approved", "延期已批准", "{site}延期已批准：{title}", ("site_managers",)),
    EventSpec("finding.extension_refused", "延期未批准", "{site}延期未批准：{title}", ("site_managers",)),
    # The listing authority's decision on the ladder's proposal to list a hazard (挂牌督办).
    EventSpec("finding.plan_submitted", "重大隐患整改方案", "{site}提交重大隐患整改方案：{title}",
              ("recorder", "region_supervisors")),
    EventSpec("finding.listed", "挂牌督办", "{site}隐患已挂牌督办：{title}",
              ("site_managers", "recorder", "region_supervisors", "lottery_centre"), required=True),
    EventSpec("finding.listing_declined", "不予挂牌督办", "{site}隐患不予挂牌督办：{title}",
              ("recorder", "region_supervisors")),
    # A decision on a site beyond the ladder (escalation/decisions.py): 约谈, 停业整顿, 恢复营业; on a lottery outlet
    # 责令改正, 罚款 and the lottery centre's terminal and contract decisions.
    EventSpec("site.decision", "监管决定", "{site}：{title}",
              ("site_managers", "region_supervisors", "lottery_centre"), required=True),
    # A welfare follow-up is registered and concluded (登记、办结), not filed and closed as a case of law (立案、结案).
    EventSpec("case.opened", "跟进个案登记", "{site}：{title}已登记", ("region_supervisors",)),
    EventSpec("case.closed", "跟进个案办结", "{site}：{title}已办结", ("region_supervisors",)),
)}
ESCALATION_KIND = "escalation"  # the ladder's steps (kind of escalation/service.py; webhook type escalation.step)
REQUIRED_KINDS = frozenset({ESCALATION_KIND} | {k for k, spec in EVENTS.items() if spec.required})
LABELS = {ESCALATION_KIND: "逾期督办", **{k: spec.label for k, spec in EVENTS.items()}}

# The kinds as an enum, so the API's kind filter and preferences state them in the OpenAPI.
NotificationKind = enum.Enum("NotificationKind", {k.replace(".", "_"): k for k in LABELS}, type=str)

def _role_in(roles) -> str:
    # Role names are the code's own constants, never input: safe to write into the statement.
    return "u.role IN (" + ", ".join(f"'{r}'" for r in sorted(roles)) + ")"


# Each audience as joins from `x` (the event's subjects) and `s` (their site) to `u` (app_user), and a condition.
# Region audiences: users linked to a region whose subtree holds the site (as scope.py decides what they see).
_IN_REGION = ("JOIN region r ON s.region_path LIKE r.path || '%' JOIN user_region ur ON ur.region = r.id "
              "JOIN app_user u ON u.id = ur.\"user\"")
_AUDIENCES = {
    "site_managers": ("JOIN site_manager sm ON sm.site = s.id JOIN app_user u ON u.id = sm.\"user\"", "TRUE"),
    "region_supervisors": (_IN_REGION, "u.role = 'supervisor'"),
    "region_inspectors": (_IN_REGION, "u.role = 'inspector'"),
    # Who may decide an extension: the roles findings/rules.py permits to, whose region's subtree holds the site.
    "deciders": (_IN_REGION, _role_in(ROLES_FOR["approve_extension"] | ROLES_FOR["propose_extension"]
                                      | ROLES_FOR["refuse_extension"])),
    "recorder": ("JOIN app_user u ON u.id = x.recorder", "TRUE"),
    # The welfare-lottery centre of the region (福彩中心), of lottery outlets only (its scope, accounts/rules.py).
    "lottery_centre": (_IN_REGION, "u.role = 'lottery_centre' AND s.kind = 'lottery_outlet'"),
}


@dataclass(frozen=True)
class Subject:
    """What an event is about: the PWA links to (subject_type, subject_id)."""

    subject_type: str
    subject_id: Any
    site_id: int
    title: str
    key: Any  # the id of the row this event wrote: the event happens once per row
    major: bool = False
    recorder: int | None = None
    data: dict = field(default_factory=dict)  # more for the webhook payload


async def announce(event: str, subjects: list[Subject], *, actor_id: int | None, now: datetime) -> int:
    """Tell the event's audiences of these subjects (never the actor; not those who muted a mutable kind) and queue
    the webhooks, in the caller's transaction. Returns how many inbox entries were written."""
    spec = EVENTS[event]
    if not subjects:
        return 0
    site_ids = sorted({x.site_id for x in subjects})
    sites = {r["id"]: r for r in await db.fetch(
        "SELECT id, code, name, region_path FROM site WHERE id IN (" + ", ".join("{}" for _ in site_ids) + ")",
        *site_ids)}
    d = dialect()
    rows, args = [], []
    for x in subjects:
        site = sites[x.site_id]
        rows.append(f"SELECT {d.param('text')} AS event_key, {d.param('text')} AS subject_type, "
                    f"{d.param('text')} AS subject_id, {d.param('integer')} AS site_id, {d.param('text')} AS title, "
                    f"{d.param('text')} AS subject_title, {d.param('text')} AS body, {d.param('boolean')} AS major, "
                    f"{d.param('integer')} AS recorder")
        args += [f"{event}:{x.key}", x.subject_type, str(x.subject_id), x.site_id,
                 spec.title.format(site=site["name"], title=x.title)[:200], x.title[:200], site["name"], x.major,
                 x.recorder]
    derived = "(" + " UNION ALL ".join(rows) + ")"
    mute = "" if spec.required else (
        "AND NOT EXISTS (SELECT 1 FROM notification_mute m WHERE m.\"user\" = u.id AND m.kind = {}) ")
    written = 0
    for audience, major_only in [(a, False) for a in spec.audiences] + [(a, True) for a in spec.major_audiences]:
        join, cond = _AUDIENCES[audience]
        written += await execute_counting(
            "INSERT INTO notification (\"user\", kind, event_key, title, subject_title, body, subject_type, "
            f"subject_id, site_id, level, created_at) SELECT DISTINCT u.id, {d.param('text')}, x.event_key, x.title, "
            f"x.subject_title, x.body, x.subject_type, x.subject_id, x.site_id, 0, {d.ts_param()} FROM {derived} x "
            f"JOIN site s ON s.id = x.site_id {join} "
            f"WHERE u.is_active = {{}} AND u.id <> {{}} AND {cond} "
            + ("AND x.major = {} " if major_only else "") + mute
            + "ON CONFLICT (\"user\", event_key) DO NOTHING",
            event, now, *args, True, actor_id or 0, *([True] if major_only else []),
            *([] if spec.required else [event]),
        )
    from . import service as notifications  # the inbox service's schemas read this table: import late, no cycle

    if await notifications.has_subscriptions():
        await notifications.queue_webhooks([notifications.WebhookEvent(
            event_type=event, event_key=f"{event}:{x.key}", region_path=sites[x.site_id]["region_path"],
            data={"subject_type": x.subject_type, "subject_id": x.subject_id, "title": x.title,
                  "site": {"id": x.site_id, "code": sites[x.site_id]["code"], "name": sites[x.site_id]["name"]},
                  **x.data},
        ) for x in subjects], now)
    return written
