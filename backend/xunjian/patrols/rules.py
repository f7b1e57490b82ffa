"""Pure street-patrol rules: patrol validation and identity, which encounters open follow-up cases and their
deadlines, case outcomes, candidate matches of encounters to person records, retention and zone coverage.

Imports neither Piccolo nor Litestar.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

try:
    from zoneinfo import ZoneInfo

    LOCAL_TZ = ZoneInfo("Asia/Shanghai")
except Exception:  # no tz database: China has kept UTC+8 without DST since 1991
    LOCAL_TZ = timezone(timedelta(hours=8))

# ---------------------------------------------------------------- vocabularies (DOMAIN.md §3)

SEXES = ("male", "female", "unknown")
# The street-patrol template's vocabularies (schemas/checklists/street_patrol.json), in age order.
AGE_BANDS = ("age_under_14", "age_14_17", "age_18_59", "age_60_79", "age_80_plus", "unknown")
MINOR_BANDS = ("age_under_14", "age_14_17")
ELDERLY_BANDS = ("age_60_79", "age_80_plus")
ACTIONS = (
    "persuaded_to_station",  # 劝导至救助站
    "escorted",              # 护送
    "sent_to_hospital",      # 送医
    "refused_supplies_given",  # 拒绝救助，发放物资
    "police_called",         # 报警
    "ticket_home",           # 提供乘车凭证返乡 (381号令 第七条)
    "minor_temporary_guardianship",  # 未成年人交民政部门临时监护 (未成年人保护法 第九十二条)
    "mental_health_institution",     # 送精神卫生医疗机构
    "family_took_home",              # 家属领回
)
WARNING_LEVELS = ("none", "blue", "yellow", "orange", "red")
OUTCOMES = (
    "placed_at_station",       # 入站安置
    "returned_home",           # 返乡 / 寻亲成功
    "hospitalised",            # 送医救治
    "declined_after_follow_up",  # 回访后仍拒绝救助
    "handed_to_police",        # 移交公安
    "not_found_again",         # 回访未再遇见
)
TRACING_STATUSES = (
    "not_needed",        # identity known, family reachable
    "pending",           # 待寻亲
    "notice_published",  # 已发布寻亲公告 (within 24 h for unidentified people)
    "family_found",      # 已找到亲属
    "reunited",          # 已返乡团聚
    "closed",            # 终止寻亲
)

# Follow-up case reasons and how long each may wait, in whole local days after the day of the encounter
# (0 = by the end of that same day, Asia/Shanghai). Minors and the critically ill: the same day (issue 6). The rest
# are our defaults: a suspected psychiatric episode by the next day (treatment first, DOMAIN.md §3); elderly,
# disabled people and refusals within three days, the usual follow-up visit of practice; so is an encounter the team
# marked "follow-up needed" for another reason.
CASE_REASON_DAYS: dict[str, int] = {
    "minor": 0,
    "critically_ill": 0,
    "mental_illness": 1,
    "elderly": 3,
    "disabled": 3,
    "refusal": 3,
    "requested": 3,
}

MAX_ENCOUNTERS = 200
MAX_TRACK_POINTS = 20_000
MAX_PHOTOS = 10
MAX_FEATURES = 20
# A phone offline for a long shift (or a week in a township) may send late; older than this is a mistake.
MAX_AGE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=10)


# Roles that work with patrols at all; institution managers never see them (404).
STAFF_ROLES = frozenset({"inspector", "supervisor", "admin"})
# Person records are opened, changed and linked by a staff decision of these roles.
REGISTRAR_ROLES = frozenset({"supervisor", "admin"})


def sees_people(role: str, user_id: int, recorded_by: int, reads_people: bool) -> bool:
    """Whether a caller who may see a patrol (its zone is in their scope) may also see the people met on it.

    Those who read personal data (`reads_people`: supervisors, admins holding the personal-data grant; see
    accounts.rules.reads_people): yes. Inspectors: only on what they recorded themselves; other inspectors of the
    region see that the zone was patrolled, not whom the team met. An admin without the grant sees the patrol only.
    """
    if role in REGISTRAR_ROLES:
        return reads_people
    return role == "inspector" and user_id == recorded_by


class RuleError(ValueError):
    """A rule was broken. `details` is a list of {field, message} for the client."""

    def __init__(self, message: str, details: list[dict]):
        super().__init__(message)
        self.details = details


# ---------------------------------------------------------------- patrol validation


@dataclass(frozen=True)
class TrackPoint:
    t: datetime
    lat: float
    lng: float
    accuracy_m: float | None = None


def _valid_coords(lat: Any, lng: Any) -> bool:
    return (
        isinstance(lat, (int, float)) and isinstance(lng, (int, float))
        and math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180
    )


# 告知: what the team shows or reads to the person met before recording them (PIPL 第十七条: who processes, why, how,
# what, how long, how to exercise one's rights; 第三十五条: a state organ performing its statutory duties gives notice
# too). The encounter records that it was given (`notice_given`). {retention} is filled from the settings.
NOTICE = {
    "zh-CN": ("您好，我们是民政部门街面巡查救助人员。为了向您提供救助、必要时联系您的家人，我们会记录这次见面的时间、地点、"
              "您的大致年龄、性别和需要的帮助，不记录身份证号。这些信息仅由民政部门用于救助和寻亲，严格保密，"
              "最后一次见面后保存{retention}天后删除。您可以向当地民政部门或救助管理站查阅、更正这些信息，"
              "或要求说明处理规则。"),
    "en": ("Hello, we are the civil-affairs street outreach team. To help you, and to contact your family if needed, "
           "we record when and where we met, your approximate age, your sex and the help you need; we do not record "
           "ID numbers. Only the civil-affairs department uses this, for assistance and family tracing; it is kept "
           "confidential and deleted {retention} days after our last meeting. You may ask the local civil-affairs "
           "bureau or rescue station to see or correct it, or to explain how it is handled."),
}


def notice_text(retention_days: int) -> dict[str, str]:
    return {lang: text.format(retention=retention_days) for lang, text in NOTICE.items()}


def face_photo_problem(e: Mapping[str, Any]) -> tuple[str, str] | None:
    """No photos of a minor unless needed and marked so: `face_needed` with a reason (for example, tracing the family
    of a lost child). A minor's personal information is sensitive (PIPL 第二十八条). Returns (field, message)."""
    reason = (e.get("face_reason") or "").strip()
    if e.get("face_needed") and not reason:
        return "face_reason", "says why a face photo is needed"
    minor = e.get("is_minor") or e.get("age_band") in MINOR_BANDS
    if minor and e.get("photo_ids") and not e.get("face_needed"):
        return "photo_ids", "no photos of a minor unless needed: set face_needed with a reason"
    return None


def validate_patrol(
    *, started_at: datetime, ended_at: datetime | None, now: datetime, track: Sequence[TrackPoint],
    encounters: Sequence[Mapping[str, Any]], team: Sequence[str],
) -> None:
    """Everything about a patrol that needs no database. Raises RuleError naming each bad field or item."""
    errors: list[dict] = []
    if started_at > now + CLOCK_SKEW:
        errors.append({"field": "started_at", "message": "is in the future"})
    if started_at < now - MAX_AGE:
        errors.append({"field": "started_at", "message": f"is more than {MAX_AGE.days} days ago"})
    if ended_at is not None:
        if ended_at < started_at:
            errors.append({"field": "ended_at", "message": "is before started_at"})
        if ended_at > now + CLOCK_SKEW:
            errors.append({"field": "ended_at", "message": "is in the future"})
    if not team or any(not name.strip() for name in team):
        errors.append({"field": "team", "message": "names every team member (at least one)"})
    if len(track) > MAX_TRACK_POINTS:
        errors.append({"field": "track", "message": f"at most {MAX_TRACK_POINTS} points"})
    for i, p in enumerate(track[:MAX_TRACK_POINTS]):
        if not _valid_coords(p.lat, p.lng):
            errors.append({"field": f"track[{i}]", "message": "coordinates out of range"})
            break
        if p.accuracy_m is not None and not (0 <= p.accuracy_m < 100_000):
            errors.append({"field": f"track[{i}].accuracy_m", "message": "must be 0 or more metres"})
            break
    if len(encounters) > MAX_ENCOUNTERS:
        errors.append({"field": "encounters", "message": f"at most {MAX_ENCOUNTERS}"})
    seen: set[str] = set()
    for i, e in enumerate(encounters):
        where = f"encounters[{i}]"
        if e["id"] in seen:
            errors.append({"field": f"{where}.id", "message": "appears twice"})
        seen.add(e["id"])
        met_at = e["met_at"]
        if met_at > now + CLOCK_SKEW:
            errors.append({"field": f"{where}.met_at", "message": "is in the future"})
        if met_at < started_at - CLOCK_SKEW or (ended_at is not None and met_at > ended_at + CLOCK_SKEW):
            errors.append({"field": f"{where}.met_at", "message": "is outside the patrol's time"})
        if (e.get("lat") is None) != (e.get("lng") is None) or (
            e.get("lat") is not None and not _valid_coords(e["lat"], e["lng"])
        ):
            errors.append({"field": f"{where}.lat", "message": "lat and lng go together, within range"})
        if e["is_minor"] and e["age_band"] not in (*MINOR_BANDS, "unknown"):
            errors.append({"field": f"{where}.age_band", "message": "a minor cannot be of this age band"})
        if len(e.get("photo_ids") or ()) > MAX_PHOTOS:
            errors.append({"field": f"{where}.photo_ids", "message": f"at most {MAX_PHOTOS} photos"})
        problem = face_photo_problem(e)
        if problem:
            errors.append({"field": f"{where}.{problem[0]}", "message": problem[1]})
        if len(e.get("features") or ()) > MAX_FEATURES:
            errors.append({"field": f"{where}.features", "message": f"at most {MAX_FEATURES} features"})
    if errors:
        raise RuleError("The patrol is not valid", errors)


def content_hash(canonical: bytes) -> str:
    """Identity of a submission: equal bytes of the canonical encoding ⇔ an identical replay."""
    return hashlib.sha256(canonical).hexdigest()


def replay_decision(existing_hash: str | None, existing_ended: bool, new_hash: str) -> str:
    """'create' (new), 'same' (identical replay), 'update' (a patrol still under way changes), 'conflict'."""
    if existing_hash is None:
        return "create"
    if existing_hash == new_hash:
        return "same"
    return "conflict" if existing_ended else "update"


# ---------------------------------------------------------------- follow-up cases


def case_reasons(encounter: Mapping[str, Any]) -> list[str]:
    """Why an encounter needs a follow-up case, in a fixed order; empty when it does not."""
    reasons = []
    if encounter.get("is_minor") or encounter.get("age_band") in MINOR_BANDS:
        reasons.append("minor")
    if encounter.get("critically_ill"):
        reasons.append("critically_ill")
    if encounter.get("suspected_mental_illness"):
        reasons.append("mental_illness")
    if encounter.get("is_elderly") or encounter.get("age_band") in ELDERLY_BANDS:
        reasons.append("elderly")
    if encounter.get("is_disabled"):
        reasons.append("disabled")
    if encounter.get("action") == "refused_supplies_given":
        reasons.append("refusal")
    if encounter.get("follow_up_needed") and not reasons:
        reasons.append("requested")
    return reasons


URGENT_REASONS = ("minor", "critically_ill")


def case_urgent(reasons: Iterable[str]) -> bool:
    return any(r in URGENT_REASONS for r in reasons)


def end_of_local_day(moment: datetime, plus_days: int = 0) -> datetime:
    """The last instant of the Asia/Shanghai day of `moment` (+ days), in UTC."""
    local_day = moment.astimezone(LOCAL_TZ).date() + timedelta(days=plus_days)
    next_midnight = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return (next_midnight - timedelta(microseconds=1)).astimezone(timezone.utc)


def case_deadline(met_at: datetime, reasons: Iterable[str],
                  reason_days: Mapping[str, int] = CASE_REASON_DAYS) -> datetime:
    """The strictest deadline among the reasons, counted from the day the person was met (not the day the phone
    reconnected: a minor met last night is overdue today whenever the patrol arrives)."""
    days = min(reason_days[r] for r in reasons)
    return end_of_local_day(met_at, days)


def check_close(status: str, outcome: str) -> None:
    if status != "open":
        raise RuleError("The case is closed already", [{"field": "status", "message": status}])
    if outcome not in OUTCOMES:
        raise RuleError("Unknown outcome", [{"field": "outcome", "message": f"one of {', '.join(OUTCOMES)}"}])


# ---------------------------------------------------------------- candidate matches


@dataclass(frozen=True)
class Candidate:
    person_id: int
    score: float
    reasons: tuple[str, ...]


def _age_distance(a: str, b: str) -> int | None:
    if "unknown" in (a, b):
        return None
    return abs(AGE_BANDS.index(a) - AGE_BANDS.index(b))


def _norm_features(values: Iterable[str]) -> set[str]:
    return {v.strip().lower() for v in values if v and v.strip()}


def match_score(encounter: Mapping[str, Any], person: Mapping[str, Any]) -> Candidate | None:
    """How well an encounter fits a person record, from the few features we keep. None when it cannot be them.

    Sex and age band rule out; shared feature tags (a scar, a limp, a dialect) carry most of the weight; the same
    region (path prefix) adds a little. The score is 0..1; staff decide, the score only orders suggestions.
    """
    reasons: list[str] = []
    score = 0.0
    if "unknown" not in (encounter["sex"], person["sex"]):
        if encounter["sex"] != person["sex"]:
            return None
        score += 0.15
        reasons.append("sex")
    dist = _age_distance(encounter["age_band"], person["age_band"])
    if dist is not None:
        if dist > 1:
            return None
        score += 0.15 if dist == 0 else 0.05
        reasons.append("age_band" if dist == 0 else "adjacent_age_band")
    ef, pf = _norm_features(encounter.get("features") or ()), _norm_features(person.get("features") or ())
    shared = ef & pf
    if shared:
        score += 0.55 * len(shared) / len(ef | pf)
        reasons.extend(f"feature:{f}" for f in sorted(shared))
    e_path, p_path = encounter.get("region_path") or "", person.get("region_path") or ""
    if e_path and p_path:
        common = 0
        for a, b in zip(e_path.strip("/").split("/"), p_path.strip("/").split("/")):
            if a != b:
                break
            common += 1
        if common >= 3:
            score += 0.15
            reasons.append("same_county")
        elif common >= 2:
            score += 0.08
            reasons.append("same_prefecture")
    named = bool(encounter.get("earlier_record")) and encounter["earlier_record"] == person.get("code")
    if named:
        score += 0.3
        reasons.append("named_by_team")
    if not shared and not named:
        # Without a shared feature, sex and age alone match half the street: not a suggestion.
        return None
    return Candidate(person_id=person["id"], score=round(min(score, 1.0), 3), reasons=tuple(reasons))


def rank_candidates(encounter: Mapping[str, Any], persons: Iterable[Mapping[str, Any]], limit: int = 10
                    ) -> list[Candidate]:
    found = [c for c in (match_score(encounter, p) for p in persons) if c is not None]
    found.sort(key=lambda c: (-c.score, c.person_id))
    return found[:limit]


# ---------------------------------------------------------------- family tracing

NOTICE_WITHIN = timedelta(hours=24)


def notice_overdue(name: str, tracing_status: str, created_at: datetime, now: datetime) -> bool:
    """An unidentified person needs a public tracing notice within 24 hours of the record (DOMAIN.md §3)."""
    return not name.strip() and tracing_status == "pending" and now - created_at > NOTICE_WITHIN


# ---------------------------------------------------------------- retention


def purge_cutoff(now: datetime, retention_days: int) -> datetime:
    return now - timedelta(days=retention_days)


def purgeable(*, met_at: datetime, linked: bool, has_open_case: bool, already_purged: bool, cutoff: datetime
              ) -> bool:
    """Free text, features, location and photos of an encounter go once the period has passed, unless a person
    record or an open case still needs them."""
    return not already_purged and not linked and not has_open_case and met_at < cutoff


# ---------------------------------------------------------------- coverage

DEFAULT_FREQUENCY_DAYS = 7
COLD_WAVE_TAGS = ("寒冬送温暖",)
COLD_WAVE_FREQUENCY_DAYS = 1


@dataclass(frozen=True)
class CampaignWindow:
    region_path: str
    tag: str
    starts_at: datetime
    ends_at: datetime


def active_cold_wave(zone_region_path: str, campaigns: Iterable[CampaignWindow], now: datetime) -> bool:
    return any(
        c.tag in COLD_WAVE_TAGS and c.starts_at <= now < c.ends_at and zone_region_path.startswith(c.region_path)
        for c in campaigns
    )


def required_frequency_days(zone_attributes: Mapping[str, Any] | None, cold_wave: bool) -> int:
    """Weekly unless the zone says otherwise; daily (or the zone's own, if stricter) during a cold-wave campaign."""
    days = DEFAULT_FREQUENCY_DAYS
    configured = (zone_attributes or {}).get("patrol_frequency_days")
    if isinstance(configured, int) and not isinstance(configured, bool) and configured >= 1:
        days = configured
    if cold_wave:
        days = min(days, COLD_WAVE_FREQUENCY_DAYS)
    return days


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def coverage_status(last_patrol_at: datetime | None, frequency_days: int, now: datetime) -> tuple[str, date | None]:
    """('in_time' | 'late' | 'never', the local date by which the next patrol is due).

    Counted in Asia/Shanghai calendar days: daily means "today", weekly means "within the last seven days, today
    included". A patrol started late yesterday does not cover today.
    """
    if last_patrol_at is None:
        return "never", None
    last_day = local_date(last_patrol_at)
    due = last_day + timedelta(days=frequency_days)
    today = local_date(now)
    return ("in_time" if today < due else "late"), due


CASE_AGE_BUCKETS = (("under_1d", 1), ("1_to_3d", 3), ("3_to_7d", 7), ("over_7d", None))


def case_age_bucket(opened_at: datetime, now: datetime) -> str:
    age_days = (now - opened_at).total_seconds() / 86400
    for name, limit in CASE_AGE_BUCKETS:
        if limit is None or age_days < limit:
            return name
    return CASE_AGE_BUCKETS[-1][0]


# ---------------------------------------------------------------- the street-patrol template

TEMPLATE_KEY = "street_patrol"
VULNERABLE_FLAGS = (
    ("is_minor", "minor"), ("is_elderly", "elderly"), ("is_disabled", "disabled"),
    ("suspected_mental_illness", "mental_illness"), ("critically_ill", "critically_ill"),
)


def night_patrol(started_at: datetime) -> bool:
    hour = started_at.astimezone(LOCAL_TZ).hour
    return hour >= 20 or hour < 6


def encounter_answers(e: Mapping[str, Any], referral_name: str = "") -> dict:
    """One entry of the template's `encounters` repeat group, filled from a structured encounter. Answers the
    client gave for the group directly (`e["answers"]`) come first and are overridden by the structured fields."""
    entry: dict[str, Any] = dict(e.get("answers") or {})
    entry.update({
        "sex": e["sex"],
        "age_band": e["age_band"],
        "vulnerable": [v for flag, v in VULNERABLE_FLAGS if e.get(flag)],
        "action": e["action"],
        "followup_needed": "yes" if e.get("follow_up_needed") else "no",
    })
    if e.get("place_type"):
        entry["place_type"] = e["place_type"]
    if e.get("lat") is not None:
        entry["location"] = {"lat": e["lat"], "lng": e["lng"]}
    if referral_name:
        entry["referral_target"] = referral_name
    if e.get("earlier_record"):
        entry["earlier_record"] = e["earlier_record"]
    if e.get("photo_ids"):
        entry["photos"] = [str(p) for p in e["photo_ids"]]
    if e.get("details"):
        entry["note"] = e["details"]
    return entry


def template_answers(patrol: Mapping[str, Any], encounters: Sequence[Mapping[str, Any]],
                     referral_names: Mapping[int, str]) -> dict:
    """The whole patrol as answers to the street-patrol template, for the checklist engine to validate."""
    answers: dict[str, Any] = dict(patrol.get("answers") or {})
    answers.update({
        "team": "、".join(t.strip() for t in patrol["team"]),
        "warning_level": patrol["warning_level"],
        "encounters": [encounter_answers(e, referral_names.get(e.get("referral_target_id") or 0, ""))
                       for e in encounters],
    })
    if patrol.get("weather"):
        answers["weather"] = patrol["weather"]
    if patrol.get("place_types"):
        answers["place_types"] = list(patrol["place_types"])
    answers.setdefault("night_patrol", "yes" if night_patrol(patrol["started_at"]) else "no")
    answers.setdefault("people_met", len(encounters))
    return answers
