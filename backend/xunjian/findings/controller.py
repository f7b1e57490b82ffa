import uuid
from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.di import Dependency, Provide
from litestar.params import Body, FromQuery, Parameter
from litestar.response import Stream
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ..accounts.principal import Caller
from ..documents.controller import PDF_DESCRIPTION, PDF_RESPONSES, pdf_response
from ..paging import Limit, Offset, PathId, QueryId
from . import documents, service
from .schemas import (
    ExtensionCreate, FindingDetail, FindingList, FindingRead, Grade, HistoryEvent, ListingDecision, PlanCreate, ResponseCreate,
    Status, VerificationCreate,
)

Filters = Annotated[dict, Dependency(kind="named")]


async def finding_filters(
    principal: Caller,
    site: QueryId = None,
    status: FromQuery[Status | None] = None,
    grade: FromQuery[Grade | None] = None,
    overdue: Annotated[bool | None, Parameter(description="still open past the deadline")] = None,
    self_reported: FromQuery[bool | None] = None,
    inspection: FromQuery[uuid.UUID | None] = None,
) -> dict:
    """The list's filters, shared by the CSV export. It takes the caller only so that Litestar resolves the two
    dependencies one after the other: side by side, they cost a task group per request (9% of the list's time)."""
    return {"site": site, "status": status, "grade": grade, "overdue": overdue, "self_reported": self_reported,
            "inspection": inspection}


@get("/api/findings", tags=["findings"], summary="Findings in your scope, soonest deadline first",
     dependencies={"filters": Provide(finding_filters)})
async def list_findings(
    principal: Caller,
    filters: Filters,
    limit: Limit = 50,
    offset: Offset = 0,
) -> FindingList:
    return await service.list_findings(principal, limit=limit, offset=offset, **filters)


@get("/api/findings/export.csv", tags=["findings"], media_type="text/csv",
     summary="The findings of the list's filters as CSV (UTF-8 with BOM)",
     dependencies={"filters": Provide(finding_filters)})
async def export_findings(principal: Caller, filters: Filters) -> Stream:
    return Stream(await service.export_csv(principal, **filters), media_type="text/csv; charset=utf-8",
                  headers={"Content-Disposition": 'attachment; filename="findings.csv"'})


@get("/api/findings/{finding_id:int}", tags=["findings"],
     summary="One finding with its responses, verifications and extension requests (404 outside your scope)")
async def get_finding(principal: Caller, finding_id: PathId) -> FindingDetail:
    return await service.get_finding_detail(principal, finding_id)


@get("/api/findings/{finding_id:int}/history", tags=["findings"],
     summary="Every change to the finding, oldest first, from the append-only audit trail")
async def finding_history(principal: Caller, finding_id: PathId) -> list[HistoryEvent]:
    return await service.history(principal, finding_id)


@post("/api/findings/{finding_id:int}/responses", tags=["findings"], status_code=HTTP_201_CREATED,
      responses={HTTP_200_OK: ResponseSpec(data_container=FindingRead,
                                           description="The same client_id again: nothing changed")},
      summary="The site manager answers with a note and evidence photos (open → responded)",
      description="403 unless you manage the site; 409 with the state and allowed actions when not open. "
                  "Sending the same client_id again answers 200 with the finding and changes nothing.")
async def respond(principal: Caller, finding_id: PathId,
                  data: Annotated[ResponseCreate, Body()]) -> Response[FindingRead]:
    finding, created = await service.respond(principal, finding_id, data)
    return Response(finding, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@post("/api/findings/{finding_id:int}/verification", tags=["findings"], status_code=HTTP_200_OK,
      summary="recheck (inspector, on site), accept (close) or reject (reopen with a reason)",
      description="Inspectors and supervisors whose scope holds the site; a major hazard closes only after an "
                  "inspector's on-site re-check, by a supervisor, and a listed one (挂牌督办) only by a supervisor of "
                  "the listing authority (403 otherwise). 409 with the state and allowed actions when the decision "
                  "does not apply.")
async def verify(request: Request, principal: Caller, finding_id: PathId,
                 data: Annotated[VerificationCreate, Body()]) -> FindingRead:
    finding, _ = await service.verify(principal, finding_id, data, request.app.state.settings.checkin_far_meters)
    return finding


@post("/api/findings/{finding_id:int}/extension", tags=["findings"], status_code=HTTP_200_OK,
      summary="request (the site's manager), approve or refuse (inspectors and supervisors) more time",
      description="For a major hazard an inspector proposes (at most XUNJIAN_MAJOR_EXTENSION_DAYS beyond its first "
                  "deadline in all) and a supervisor approves; for a listed one, a supervisor of the listing "
                  "authority.")
async def extension(request: Request, principal: Caller, finding_id: PathId,
                    data: Annotated[ExtensionCreate, Body()]) -> FindingRead:
    finding, _ = await service.extension(principal, finding_id, data,
                                         request.app.state.settings.major_extension_days)
    return finding


@post("/api/findings/{finding_id:int}/listing", tags=["findings"], status_code=HTTP_200_OK,
      summary="confirm (issues a numbered 督办通知书) or decline (with the reason) the proposal to list the finding "
              "for supervision (挂牌督办)",
      description="Only supervisors of the listing authority (the prefecture holding the site): 403 for other "
                  "supervisors in scope and other roles, 404 outside your scope, 409 when nothing is proposed.")
async def listing(principal: Caller, finding_id: PathId, data: Annotated[ListingDecision, Body()]) -> FindingRead:
    finding, _ = await service.decide_listing(principal, finding_id, data)
    return finding


@post("/api/findings/{finding_id:int}/plan", tags=["findings"], status_code=HTTP_201_CREATED,
      responses={HTTP_200_OK: ResponseSpec(data_container=FindingRead,
                                           description="The same client_id again: nothing changed")},
      summary="The site's manager submits (or revises) a major hazard's 五到位 rectification plan, due 7 days after "
              "it was found",
      description="403 unless you manage the site; 409 for a general hazard or a closed one. Sending the same "
                  "client_id again answers 200 and changes nothing.")
async def plan(principal: Caller, finding_id: PathId, data: Annotated[PlanCreate, Body()]) -> Response[FindingRead]:
    finding, created = await service.submit_plan(principal, finding_id, data)
    return Response(finding, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@get("/api/findings/{finding_id:int}/recheck.pdf", tags=["findings", "documents"], media_type="application/pdf",
     responses=PDF_RESPONSES, description=PDF_DESCRIPTION,
     summary="The re-check opinion (整改复查意见书) as PDF, once the finding is verified and closed")
async def recheck_pdf(request: Request, principal: Caller, finding_id: PathId) -> Response[bytes]:
    return pdf_response(await documents.recheck_pdf(principal, request.app.state.photo_store, finding_id))


@get("/api/findings/{finding_id:int}/supervision.pdf", tags=["findings", "documents"], media_type="application/pdf",
     responses=PDF_RESPONSES, description=PDF_DESCRIPTION,
     summary="The supervision notice (督办通知书) of a confirmed listing (挂牌督办) as PDF")
async def supervision_pdf(request: Request, principal: Caller, finding_id: PathId) -> Response[bytes]:
    return pdf_response(await documents.supervision_pdf(principal, request.app.state.photo_store, finding_id))


router = Router(path="/", route_handlers=[list_findings, export_findings, get_finding, finding_history, respond,
                                          verify, extension, listing, plan, recheck_pdf, supervision_pdf])
