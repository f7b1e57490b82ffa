from typing import Annotated

from litestar import Response, Router, delete, get, patch, post
from litestar.params import Body, FromPath, Parameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ..accounts.auth import PUBLIC, require_roles
from ..accounts.principal import Caller
from ..errors import NotFound
from ..paging import MAX_ID, Limit, Offset, PathId, QueryId
from . import report, service
from .schemas import (ConflictCreate, ConflictRead, Coverage, DrawCheck, DrawRead, DrawRequest, PlanCreate, PlanList,
                      PlanRead, PlanUpdate, PoolMember, TaskList)

TAGS = ["plans"]
readers = require_roles("admin", "supervisor", "inspector")
managers = require_roles("admin", "supervisor")
Year = Annotated[int | None, Parameter(ge=2000, le=2100, description="calendar year (default: this year)")]


@get("/api/plans", guards=[readers], tags=TAGS,
     summary="Plans in your scope (supervisors), or the plans you have tasks in (inspectors), with progress")
async def list_plans(principal: Caller, limit: Limit = 50, offset: Offset = 0) -> PlanList:
    return await service.list_plans(principal, limit=limit, offset=offset)


@post("/api/plans", guards=[managers], tags=TAGS, status_code=HTTP_201_CREATED,
      summary="Create an inspection plan (检查计划) in a region of your scope",
      description="Exactly one of count and share. tier_weights default to red 4, orange 3, yellow 2, blue 1. "
                  "Each pool member must be an inspector working in (part of) the region.")
async def create_plan(principal: Caller, data: Annotated[PlanCreate, Body()]) -> PlanRead:
    return await service.create_plan(principal, data)


@get("/api/plans/tasks", guards=[readers], tags=TAGS,
     summary="Tasks: your own (inspectors; mine=true for anyone), or those of the plans in your scope")
async def list_tasks(
    principal: Caller, mine: Annotated[bool, Parameter(description="only tasks you are drawn for")] = False,
    plan: QueryId = None, limit: Limit = 50, offset: Offset = 0,
) -> TaskList:
    return await service.list_tasks(principal, mine=mine, plan=plan, limit=limit, offset=offset)


@get("/api/plans/coverage", guards=[managers], tags=TAGS,
     summary="Coverage of a year: per county and site kind, sites inspected at least once against all active "
             "sites; per published plan: drawn, done, hazards found, rectified")
async def get_coverage(principal: Caller, year: Year = None, region: QueryId = None) -> Coverage:
    return await report.coverage(principal, year, region)


@get("/api/plans/coverage.csv", guards=[managers], tags=TAGS, media_type="text/csv",
     summary="The per-county coverage as CSV")
async def get_coverage_csv(principal: Caller, year: Year = None, region: QueryId = None) -> Stream:
    chunks = await report.coverage_csv(principal, year, region)
    return Stream(chunks, media_type="text/csv; charset=utf-8",
                  headers={"Content-Disposition": 'attachment; filename="coverage.csv"'})


@get("/api/plans/inspectors", guards=[managers], tags=TAGS,
     summary="The inspectors who may be in a plan's pool for a region: those working in (part of) it")
async def list_inspectors(principal: Caller, region: Annotated[int, Parameter(ge=1, le=MAX_ID)]) -> list[PoolMember]:
    return await service.list_inspectors(principal, region)


@get("/api/plans/conflicts", guards=[managers], tags=TAGS,
     summary="Recorded conflicts of interest (回避) of the inspectors in your scope")
async def list_conflicts(principal: Caller) -> list[ConflictRead]:
    return await service.list_conflicts(principal)


@post("/api/plans/conflicts", guards=[managers], tags=TAGS, status_code=HTTP_201_CREATED,
      summary="Record that an inspector is connected to a site, or to an operator (all its sites): never drawn "
              "together")
async def create_conflict(principal: Caller, data: Annotated[ConflictCreate, Body()]) -> ConflictRead:
    return await service.create_conflict(principal, data)


@delete("/api/plans/conflicts/{conflict_id:int}", guards=[managers], tags=TAGS, status_code=HTTP_200_OK,
        summary="Remove a recorded conflict of interest")
async def delete_conflict(principal: Caller, conflict_id: PathId) -> None:
    await service.delete_conflict(principal, conflict_id)


@get("/api/plans/{plan_id:int}", guards=[readers], tags=TAGS, summary="A plan with its progress")
async def get_plan(principal: Caller, plan_id: PathId) -> PlanRead:
    return await service.get_plan(principal, plan_id)


@patch("/api/plans/{plan_id:int}", guards=[managers], tags=TAGS,
       summary="Change a plan (409 once drawn)")
async def update_plan(principal: Caller, plan_id: PathId, data: Annotated[PlanUpdate, Body()]) -> PlanRead:
    return await service.update_plan(principal, plan_id, data)


@delete("/api/plans/{plan_id:int}", guards=[managers], tags=TAGS, status_code=HTTP_200_OK,
        summary="Delete a plan (409 once published)")
async def delete_plan(principal: Caller, plan_id: PathId) -> None:
    await service.delete_plan(principal, plan_id)


@post("/api/plans/{plan_id:int}/draw", guards=[managers], tags=TAGS, status_code=HTTP_200_OK,
      summary="Draw the plan's sites and pairs of inspectors (双随机); drawing again replaces a draft draw",
      description="Without a seed, a random one. 409 once published; 422 naming the sites fewer than two "
                  "inspectors of the pool can take.")
async def draw(principal: Caller, plan_id: PathId,
               data: Annotated[DrawRequest | None, Body()] = None) -> DrawRead:
    return await service.draw(principal, plan_id, data.seed if data else None)


@get("/api/plans/{plan_id:int}/draw", guards=[readers], tags=TAGS,
     summary="The stored draw: seed, algorithm version, inputs and result")
async def get_draw(principal: Caller, plan_id: PathId) -> DrawRead:
    return await service.get_draw(principal, plan_id)


@get("/api/plans/{plan_id:int}/draw/verify", guards=[readers], tags=TAGS,
     summary="Recompute the draw from its stored seed and inputs and say whether it matches")
async def verify_draw(principal: Caller, plan_id: PathId) -> DrawCheck:
    return await service.verify_draw(principal, plan_id)


@post("/api/plans/{plan_id:int}/publish", guards=[managers], tags=TAGS, status_code=HTTP_200_OK,
      summary="Make the draw final and public: the tasks are created, the public page appears")
async def publish(principal: Caller, plan_id: PathId) -> PlanRead:
    return await service.publish(principal, plan_id)


@get("/public/plans/{ref:str}", opt=PUBLIC, tags=["public"], media_type="text/html",
     summary="The public page of a published plan (公开), no session needed: /public/plans/ID, or ID.json",
     description="The drawn sites, the dates and each inspection's result summary; no personal data.")
async def public_plan(ref: FromPath[str]) -> Response:
    number, json = (ref[:-5], True) if ref.endswith(".json") else (ref, False)
    if not number.isdigit() or not 1 <= int(number) <= MAX_ID:
        raise NotFound("No published plan with this number")
    plan = await report.public_plan(int(number))
    headers = {"Cache-Control": "public, max-age=60"}
    if json:
        return Response(plan, media_type="application/json", headers=headers)
    return Response(report.public_html(plan), media_type="text/html; charset=utf-8", headers=headers)


router = Router(path="/", route_handlers=[
    list_plans, create_plan, list_tasks, get_coverage, get_coverage_csv, list_inspectors, list_conflicts, create_conflict,
    delete_conflict, get_plan, update_plan, delete_plan, draw, get_draw, verify_draw, publish, public_plan,
])
