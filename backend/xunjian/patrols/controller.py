from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from litestar import Request, Response, Router, delete, get, patch, post, put
from litestar.openapi import ResponseSpec
from litestar.params import Body, FromPath, FromQuery, Parameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ..accounts.auth import admin_only, require_roles
from ..accounts.principal import Caller
from ..paging import Limit, Offset, PathId, QueryId
from . import counts as counts_service
from . import campaigns, cases, encounters, persons, route, rules, service
from .schemas import (
    CampaignCreate, CampaignRead, CandidateRead, CaseClose, CaseList, CaseRead, CountsRead, CoverageRead, EncounterRead, LinkIn,
    PatrolList, PatrolPut, PatrolRead, PatrolRoute, PersonCreate, PersonList, PersonRead, PersonUpdate, TracingStatus,
)

staff = require_roles("inspector", "supervisor", "admin")
registrars = require_roles("supervisor", "admin")
TAGS = ["patrols"]


@put("/api/patrols/{patrol_id:uuid}", guards=[staff], tags=TAGS, status_code=HTTP_200_OK,
     responses={HTTP_201_CREATED: ResponseSpec(data_container=PatrolRead, description="Created")},
     summary="Create or replay a street patrol with its encounters (201 new, 200 identical replay or accepted update "
             "of a patrol under way, 409 different content once ended)")
async def put_patrol(principal: Caller, patrol_id: FromPath[uuid.UUID],
                     data: Annotated[PatrolPut, Body()]) -> Response[PatrolRead]:
    created, patrol = await service.put_patrol(principal, patrol_id, data)
    return Response(patrol, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@get("/api/patrols/{patrol_id:uuid}", tags=TAGS,
     summary="One patrol; the people met are included for supervisors, admins and the recording inspector (audited)")
async def get_patrol(principal: Caller, patrol_id: FromPath[uuid.UUID]) -> PatrolRead:
    return await service.get_patrol(principal, patrol_id)


@get("/api/patrols/{patrol_id:uuid}/route", tags=TAGS,
     summary="A patrol's GPS track and, for those who may see the people met, where each was met and the action "
             "taken (audited like the patrol)")
async def get_route(principal: Caller, patrol_id: FromPath[uuid.UUID]) -> PatrolRoute:
    return await route.patrol_route(principal, patrol_id)


@get("/api/patrols", guards=[staff], tags=TAGS, summary="Patrols in your scope, newest first (no personal data)")
async def list_patrols(
    principal: Caller, zone: QueryId = None, since: FromQuery[datetime | None] = None,
    until: FromQuery[datetime | None] = None, mine: FromQuery[bool] = False, limit: Limit = 50, offset: Offset = 0,
) -> PatrolList:
    return await service.list_patrols(principal, zone=zone, since=since, until=until, mine=mine, limit=limit,
                                      offset=offset)


@get("/api/patrols/coverage", guards=[staff], tags=TAGS,
     summary="Each patrol zone in scope patrolled in time, late or never (weekly; daily during a cold-wave "
             "campaign), and open follow-up cases by age")
async def coverage(principal: Caller, region: QueryId = None) -> CoverageRead:
    return await campaigns.coverage(principal, region=region)


# The period's bounds, stated in the OpenAPI as well as checked by counts.counts (422 beyond them).
CountsSince = Annotated[date | None, QueryParameter(
    description=f"first day (its week's Monday is the first week counted); default {counts_service.DEFAULT_WEEKS} "
                "weeks before until; not after until")]
CountsUntil = Annotated[date | None, QueryParameter(
    description=f"last day; at most {counts_service.MAX_DAYS} days after since; default today (Asia/Shanghai), "
                f"or with since alone {counts_service.MAX_DAYS} days after since if that is earlier")]


@get("/api/patrols/counts", guards=[registrars], tags=TAGS,
     summary="People met per patrol zone, week, sex, age band and action, including those whose records the "
             "retention deleted (kept as counts); no personal data; supervisors and admins, scoped; at most 366 days")
async def patrol_counts(principal: Caller, region: QueryId = None, since: CountsSince = None,
                        until: CountsUntil = None) -> CountsRead:
    return await counts_service.counts(principal, since=since, until=until, region=region)


@get("/api/patrols/notice", guards=[staff], tags=TAGS,
     summary="The notice (告知, PIPL 第十七条、第三十五条) the team shows or reads to a person met, zh-CN and English; "
             "an encounter's notice_given records that it was given")
async def patrol_notice(request: Request) -> dict[str, str]:
    return rules.notice_text(request.app.state.settings.person_retention_days)


@get("/api/encounters/{encounter_id:uuid}", tags=TAGS, summary="One person met on a patrol (audited)")
async def get_encounter(principal: Caller, encounter_id: FromPath[uuid.UUID]) -> EncounterRead:
    return await encounters.get_encounter(principal, encounter_id)


@get("/api/encounters/{encounter_id:uuid}/candidates", tags=TAGS,
     summary="Person records that may be this person, best first (supervisors, admins; audited)")
async def encounter_candidates(principal: Caller, encounter_id: FromPath[uuid.UUID]) -> list[CandidateRead]:
    return await persons.candidates(principal, encounter_id)


@put("/api/encounters/{encounter_id:uuid}/person", tags=TAGS, status_code=HTTP_200_OK,
     summary="Link the encounter to a person record (a staff decision: supervisors, admins)")
async def link_encounter(principal: Caller, encounter_id: FromPath[uuid.UUID],
                         data: Annotated[LinkIn, Body()]) -> EncounterRead:
    return await persons.link_encounter(principal, encounter_id, data)


@delete("/api/encounters/{encounter_id:uuid}/person", tags=TAGS, status_code=HTTP_200_OK,
        summary="Remove the encounter's link to a person record")
async def unlink_encounter(principal: Caller, encounter_id: FromPath[uuid.UUID]) -> EncounterRead:
    return await persons.unlink_encounter(principal, encounter_id)


@get("/api/follow-up-cases", guards=[staff], tags=TAGS,
     summary="Follow-up cases in scope (inspectors: their own), earliest deadline first")
async def list_cases(
    principal: Caller, status: FromQuery[Literal["open", "closed"] | None] = None, zone: QueryId = None,
    region: QueryId = None, overdue: FromQuery[bool | None] = None, limit: Limit = 50,
    offset: Offset = 0,
) -> CaseList:
    return await cases.list_cases(principal, status=status, zone=zone, region=region, overdue=overdue,
                                    limit=limit, offset=offset)


@get("/api/follow-up-cases/{case_id:int}", tags=TAGS, summary="One follow-up case")
async def get_case(principal: Caller, case_id: PathId) -> CaseRead:
    return await cases.get_case(principal, case_id)


@post("/api/follow-up-cases/{case_id:int}/close", tags=TAGS, status_code=HTTP_200_OK,
      summary="Close a case with its outcome (placed at a station, returned home, hospitalised, declined…)")
async def close_case(principal: Caller, case_id: PathId, data: Annotated[CaseClose, Body()]) -> CaseRead:
    return await cases.close_case(principal, case_id, data)


@get("/api/persons", guards=[staff], tags=TAGS,
     summary="The repeat-wanderer register (易流浪走失人员信息库) in scope (supervisors, admins; audited)")
async def list_persons(principal: Caller, q: Annotated[str | None, Parameter(max_length=100)] = None,
                       tracing_status: FromQuery[TracingStatus | None] = None, limit: Limit = 50,
                       offset: Offset = 0) -> PersonList:
    return await persons.list_persons(principal, q=q, tracing_status=tracing_status, limit=limit, offset=offset)


@post("/api/persons", guards=[staff], tags=TAGS, summary="Open a person record (supervisors, admins)")
async def create_person(principal: Caller, data: Annotated[PersonCreate, Body()]) -> PersonRead:
    return await persons.create_person(principal, data)


@get("/api/persons/{person_id:int}", tags=TAGS, summary="One person record with its encounters you may see (audited)")
async def get_person(principal: Caller, person_id: PathId) -> PersonRead:
    return await persons.get_person(principal, person_id)


@patch("/api/persons/{person_id:int}", tags=TAGS,
       summary="Change a person record, e.g. its family-tracing status (supervisors, admins)")
async def update_person(principal: Caller, person_id: PathId,
                        data: Annotated[PersonUpdate, Body()]) -> PersonRead:
    return await persons.update_person(principal, person_id, data)


@get("/api/campaigns", guards=[staff], tags=TAGS, summary="Declared campaigns, e.g. 寒冬送温暖")
async def list_campaigns(principal: Caller, active: FromQuery[bool] = False) -> list[CampaignRead]:
    return await campaigns.list_campaigns(principal, active_only=active)


@post("/api/admin/campaigns", guards=[admin_only], tags=["admin", "patrols"],
      summary="Declare a campaign for a region (寒冬送温暖 makes its zones' patrols daily)")
async def declare_campaign(principal: Caller, data: Annotated[CampaignCreate, Body()]) -> CampaignRead:
    return await campaigns.declare_campaign(principal, data)


router = Router(path="/", route_handlers=[
    put_patrol, get_patrol, get_route, list_patrols, coverage, patrol_counts, patrol_notice, get_encounter, encounter_candidates,
    link_encounter, unlink_encounter, list_cases, get_case, close_case, list_persons, create_person, get_person, update_person,
    list_campaigns, declare_campaign,
])
