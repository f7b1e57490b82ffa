import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Body
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta

from ..accounts.principal import Caller
from ..paging import MAX_ID, PathId
from . import decision_rules, decisions, rules
from .decisions import SiteDecisionRead

DecisionKindName = Literal[tuple(decision_rules.KINDS)]  # type: ignore[valid-type]


class RungRead(msgspec.Struct):
    step: str
    level: int
    level_name: str
    offset_days: float  # from the deadline; negative = before it
    notify: list[str]
    title: str
    proposal: bool  # a proposal to list (挂牌督办) that a supervisor confirms or declines


class LevelRead(msgspec.Struct):
    level: int
    name: str


class LadderRead(msgspec.Struct):
    subject_type: str  # finding | follow_up_case
    levels: list[LevelRead]
    grades: dict[str, list[RungRead]]


@get("/api/escalation/ladders", tags=["escalation"],
     summary="The escalation ladders in force: each subject type's level names (催办, 督办, 挂牌督办) and rungs")
async def ladders(request: Request, principal: Caller) -> list[LadderRead]:
    configured = rules.load_ladders(request.app.state.settings.extra)
    return [
        LadderRead(subject_type=subject_type,
                   levels=[LevelRead(level=k, name=v) for k, v in sorted(ladder.levels.items())],
                   grades={grade: [RungRead(step=r.step, level=r.level, level_name=ladder.level_name(r.level),
                                            offset_days=r.offset_days, notify=list(r.notify), title=r.title,
                                            proposal=r.proposal) for r in rungs]
                           for grade, rungs in ladder.grades.items()})
        for subject_type, ladder in configured.by_subject.items()
    ]


class SiteDecisionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Supervisors: talk (约谈), suspension (停业整顿), suspension_lifted (恢复营业); on a lottery outlet also
    correction_ordered (责令改正) and fine (罚款, amount_yuan 2,000-10,000, 彩票管理条例 第四十一条). The welfare-lottery
    centre, on a lottery outlet: terminal_suspended (暂停销售终端), terminal_restored (恢复销售终端), contract_ended
    (终止代销合同, after a recorded fine; the outlet becomes inactive). With the reason; finding_id: the hazard it
    concerns, one of the site's."""

    kind: DecisionKindName
    reason: Annotated[str, Meta(max_length=decisions.REASON_LENGTH, pattern=r"\S")]
    finding_id: Annotated[int, Meta(ge=1, le=MAX_ID)] | None = None
    client_id: uuid.UUID | None = None  # the device's id for this action: sending it again changes nothing (200)
    amount_yuan: Annotated[int, Meta(ge=decision_rules.FINE_MIN, le=decision_rules.FINE_MAX)] | None = None


@get("/api/sites/{site_id:int}/decisions", tags=["escalation"],
     summary="The decisions on a site (约谈, 停业整顿, 责令改正, 罚款, 销售终端, 代销合同), oldest first (404 outside your "
             "scope)")
async def list_decisions(principal: Caller, site_id: PathId) -> list[SiteDecisionRead]:
    return await decisions.list_decisions(principal, site_id)


@post("/api/sites/{site_id:int}/decisions", tags=["escalation"], status_code=HTTP_201_CREATED,
      responses={HTTP_200_OK: ResponseSpec(data_container=SiteDecisionRead,
                                           description="The same client_id again: nothing changed")},
      summary="Record a decision on a site: supervisors' 约谈, 停业整顿, 恢复营业, 责令改正, 罚款; the lottery centre's "
              "暂停/恢复销售终端, 终止代销合同",
      description="403 unless the kind's decider (a supervisor, or the welfare-lottery centre for the terminal and "
                  "the contract) whose scope holds the site; 422 for a lottery decision on another kind of site or a "
                  "fine outside 2,000-10,000 yuan; 409 suspending a suspended site or terminal, lifting a suspension "
                  "that is not there, ending a contract without a recorded fine or acting after it ended. Sending "
                  "the same client_id again answers 200 and changes nothing.")
async def record_decision(principal: Caller, site_id: PathId,
                          data: Annotated[SiteDecisionCreate, Body()]) -> Response[SiteDecisionRead]:
    decision, created = await decisions.record_decision(principal, site_id, data.kind, data.reason,
                                                        data.finding_id, data.client_id, data.amount_yuan)
    return Response(decision, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


router = Router(path="/", route_handlers=[ladders, list_decisions, record_decision])
