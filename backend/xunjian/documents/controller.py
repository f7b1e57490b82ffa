from typing import Annotated
from urllib.parse import quote

from litestar import Response, Router, get, put
from litestar.openapi import ResponseSpec
from litestar.openapi.spec.enums import OpenAPIFormat
from litestar.params import Body, KwargDefinition

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from ..paging import PathId
from . import service
from ..errors import ErrorBody
from .issuing import Delivered
from .schemas import AuthorityStyleUpdate
from .service import AuthorityStyle

# The PDF endpoints' answers as OpenAPI states them: the binary document, 409 while it cannot be issued.
PDF_RESPONSES = {
    200: ResponseSpec(data_container=Annotated[bytes, KwargDefinition(format=OpenAPIFormat.BINARY)],
                      media_type="application/pdf", generate_examples=False,
                      description="The document (PDF bytes)"),
    409: ResponseSpec(data_container=ErrorBody, description="Not issued yet (document_not_issued), not ready "
                                                          "(document_not_ready; signatures_missing with "
                                                          "details.missing, who has still to sign an inspection's "
                                                          "record or notice), not applicable, or no findings"),
}
PDF_DESCRIPTION = ("The issued document (application/pdf, A4), numbered and stored on the first request by an "
                   "inspector, supervisor or admin in scope; the same bytes ever after (ETag and X-Document-SHA256 "
                   "are its SHA-256). 404 outside your scope.")


def pdf_response(delivered: Delivered) -> Response[bytes]:
    doc = delivered.document
    ascii_name = f"{doc.kind}-{doc.year}-{doc.serial:04d}.pdf"
    return Response(delivered.data, media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(delivered.filename)}",
        "Cache-Control": "private, no-cache",
        "ETag": f'"{doc.sha256}"',
        "X-Document-Number": quote(doc.number),
        "X-Document-SHA256": doc.sha256 or "",
    })


@get("/api/admin/document-authorities/{region_id:int}", guards=[admin_only], tags=["admin"],
     summary="How a region's bureau numbers its documents (abbreviation, format, an example number)")
async def get_style(principal: Caller, region_id: PathId) -> AuthorityStyle:
    return await service.authority_style(region_id)


@put("/api/admin/document-authorities/{region_id:int}", guards=[admin_only], tags=["admin"],
     summary="Set a region's document abbreviation and number format (numbers issued from now on)")
async def set_style(principal: Caller, region_id: PathId,
                    data: Annotated[AuthorityStyleUpdate, Body()]) -> AuthorityStyle:
    return await service.set_authority_style(principal, region_id, data.abbr, data.number_format)


router = Router(path="/", route_handlers=[get_style, set_style])
