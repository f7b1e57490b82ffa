import uuid
from typing import Annotated

from litestar import Request, Response, Router, get, put
from litestar.params import Body, FromPath, QueryParameter
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ..accounts.principal import Caller
from ..documents.controller import PDF_DESCRIPTION, PDF_RESPONSES, pdf_response
from ..paging import MAX_ID
from . import documents, notice, people, service, signatures
from .schemas import CoInspectorOption, InspectionPut, InspectionRead, SignaturePut


@put("/api/inspections/{inspection_id:uuid}", tags=["inspections"], status_code=HTTP_200_OK,
     responses={HTTP_201_CREATED: ResponseSpec(data_container=InspectionRead, description="Created")},
     summary="Create or replay an inspection under the device's UUID",
     description="201 the first time; 200 for an identical replay or a changed draft; 409 for different content "
                 "once submitted. 422 names each item whose answer does not fit the pinned template version.")
async def put_inspection(request: Request, principal: Caller, inspection_id: FromPath[uuid.UUID],
                         data: Annotated[InspectionPut, Body()]) -> Response[InspectionRead]:
    inspection, created = await service.put_inspection(principal, request.app.state.settings, inspection_id, data)
    return Response(inspection, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@get("/api/inspections/{inspection_id:uuid}", tags=["inspections"],
     summary="One inspection with its answers and findings (404 outside your scope)")
async def get_inspection(principal: Caller, inspection_id: FromPath[uuid.UUID]) -> InspectionRead:
    return await service.get_inspection(principal, inspection_id)


@get("/api/inspections/{inspection_id:uuid}/notice", tags=["inspections"], media_type="text/html",
     summary="The printable rectification notice (整改通知书), A4 HTML")
async def get_notice(request: Request, principal: Caller, inspection_id: FromPath[uuid.UUID]) -> Response[str]:
    html = await notice.render(principal, getattr(request.app.state, "photo_store", None), inspection_id)
    return Response(html, media_type="text/html; charset=utf-8", headers={"Cache-Control": "private, no-store"})


@get("/api/inspections/{inspection_id:uuid}/record.pdf", tags=["inspections", "documents"],
     media_type="application/pdf", responses=PDF_RESPONSES, description=PDF_DESCRIPTION,
     summary="The on-site record (现场检查笔录) as PDF, once the inspection is submitted and signed")
async def get_record_pdf(request: Request, principal: Caller, inspection_id: FromPath[uuid.UUID]) -> Response[bytes]:
    return pdf_response(await documents.record_pdf(principal, request.app.state.photo_store, inspection_id))


@get("/api/inspections/{inspection_id:uuid}/notice.pdf", tags=["inspections", "documents"],
     media_type="application/pdf", responses=PDF_RESPONSES, description=PDF_DESCRIPTION,
     summary="The rectification notice (责令整改通知书) as PDF once signed; 409 no_findings when the inspection found none")
async def get_notice_pdf(request: Request, principal: Caller, inspection_id: FromPath[uuid.UUID]) -> Response[bytes]:
    return pdf_response(await documents.notice_pdf(principal, request.app.state.photo_store, inspection_id))


@put("/api/inspections/{inspection_id:uuid}/signatures/{signature_id:uuid}", tags=["inspections"],
     status_code=HTTP_200_OK,
     responses={HTTP_201_CREATED: ResponseSpec(data_container=InspectionRead, description="Recorded")},
     summary="Record a signature of a submitted inspection under the device's UUID (never edited)",
     description="An inspector's (user_id and the handwriting's photo_id) or the site's person in charge's (name and "
                 "photo_id, or refused with witness_name and optionally refusal_photo_id). Only the inspection's "
                 "inspectors record signatures (403). 201 recorded; 200 an identical replay; 409 "
                 "inspection_not_submitted, signature_final (the id holds other content) or already_signed (that "
                 "signer signed). Answers the inspection with its signatures.")
async def put_signature(principal: Caller, inspection_id: FromPath[uuid.UUID], signature_id: FromPath[uuid.UUID],
                        data: Annotated[SignaturePut, Body()]) -> Response[InspectionRead]:
    inspection, created = await signatures.put_signature(principal, inspection_id, signature_id, data)
    return Response(inspection, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@get("/api/inspectors", tags=["inspections"],
     summary="The inspectors who may be named as co-inspectors at a site (you excluded; 404 outside your scope)")
async def list_co_inspectors(
        principal: Caller,
        site_id: Annotated[int, QueryParameter(ge=1, le=MAX_ID, description="the site inspected")]
) -> list[CoInspectorOption]:
    return await people.co_inspector_options(principal, site_id)


router = Router(path="/", route_handlers=[put_inspection, get_inspection, get_notice, get_record_pdf, get_notice_pdf,
                                          put_signature, list_co_inspectors])
