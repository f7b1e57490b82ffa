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
from . import decisions, rules
from .decisions import SiteDecisionRead


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
    """talk (约谈), suspension (停业整顿) or suspension_lifted (恢复营业), with the reason; finding_id: the hazard it
    concerns, one of the site's."""

    kind: Literal["talk", "suspension", "suspension_lifted"]
    reason: Annotated[str, Meta(max_length=decisions.REASON_LENGTH, pattern=r"\S")]
    finding_id: Annotated[int, Meta(ge=1, le=MAX_ID)] | None = None
    client_id: uuid.UUID | None = None  # the device's id for this action: sending it again changes nothing (200)


@get("/api/sites/{site_id:int}/decisions", tags=["escalation"],
     summary="The supervisors' decisions on a site (约谈, 停业整顿), oldest first (404 outside your scope)")
async def list_decisions(principal: Caller, site_id: PathId) -> list[SiteDecisionRead]:
    return await decisions.list_decisions(principal, site_id)


@post("/api/sites/{site_id:int}/decisions", tags=["escalation"], status_code=HTTP_201_CREATED,
      responses={HTTP_200_OK: ResponseSpec(data_container=SiteDecisionRead,
                                           description="The same client_id again: nothing changed")},
      summary="Record a talk (约谈), a suspension (停业整顿) or its lifting on a site (supervisors)",
      description="403 unless a supervisor whose scope holds the site; 409 suspending a suspended site or lifting "
                  "a suspension that is not there. Sending the same client_id again answers 200 and changes nothing.")
async def record_decision(principal: Caller, site_id: PathId,
                          data: Annotated[SiteDecisionCreate, Body()]) -> Response[SiteDecisionRead]:
    decision, created = await decisions.record_decision(principal, site_id, data.kind, data.reason,
                                                        data.finding_id, data.client_id)
    return Response(decision, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


router = Router(path="/", route_handlers=[ladders, list_decisions, record_decision])
