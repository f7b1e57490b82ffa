from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Response, Router, get, patch, post
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import Body, FromQuery, Parameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from ..errors import ErrorBody
from ..paging import Limit, Offset, PathId, QueryId
from ..photos.service import read_limited
from . import bulk, service, sheets
from . import attributes as site_attributes
from .schemas import ImportReport, Kind, SiteAttributeRead, SiteCreate, SiteList, SiteRead, SiteUpdate

Text = Annotated[str | None, Parameter(max_length=100)]


@get("/api/sites", tags=["sites"], summary="Sites in your scope; filter by kind, region, text; near=LAT,LNG orders nearest first")
async def list_sites(
    principal: Caller,
    kind: FromQuery[Kind | None] = None,
    region: QueryId = None,
    q: Annotated[str | None, Parameter(max_length=100)] = None,
    near: Annotated[str | None, Parameter(description="LAT,LNG", pattern=r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SiteList:
    return await service.list_sites(principal, kind=kind, region=region, q=q, near=near, limit=limit, offset=offset)


@get("/api/sites/{site_id:int}", tags=["sites"], summary="One site (404 outside your scope)")
async def get_site(principal: Caller, site_id: PathId) -> SiteRead:
    return await service.get_site(principal, site_id)


@post("/api/admin/sites", guards=[admin_only], tags=["admin"], summary="Register a site")
async def create_site(principal: Caller, data: Annotated[SiteCreate, Body()]) -> SiteRead:
    return await service.create_site(principal, data)


@patch("/api/admin/sites/{site_id:int}", guards=[admin_only], tags=["admin"], summary="Change a site")
async def update_site(principal: Caller, site_id: PathId, data: Annotated[SiteUpdate, Body()]) -> SiteRead:
    return await service.update_site(principal, site_id, data)


@get("/api/admin/sites", guards=[admin_only], tags=["admin"],
     summary="Every site, inactive ones included (active=true/false filters); by code")
async def list_admin_sites(kind: FromQuery[Kind | None] = None, region: QueryId = None, q: Text = None,
                           active: FromQuery[bool | None] = None, limit: Limit = 50, offset: Offset = 0) -> SiteList:
    return await service.list_admin_sites(kind=kind, region=region, q=q, active=active, limit=limit, offset=offset)


@dataclass
class _SheetBodyOperation(Operation):
    """The body is the file's bytes, read by the handler as a stream (so the size limit applies while reading)."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        self.request_body = RequestBody(content={sheets.XLSX_TYPE: binary, sheets.CSV_TYPE: binary}, required=True,
                                        description="An XLSX or CSV file; which one is decided by the content")


@post("/api/admin/sites/import", guards=[admin_only], tags=["admin"], request_max_body_size=None,
      status_code=HTTP_200_OK, operation_class=_SheetBodyOperation,
      responses={413: ResponseSpec(data_container=ErrorBody, description="Above 10 MB, or unpacks to too much"),
                 415: ResponseSpec(data_container=ErrorBody, description="Neither XLSX nor CSV text")},
      summary="Import sites from an XLSX or CSV file (the body); dry_run=true only reports every row's errors",
      description="One row per site, the first row the headers (编码/code, 名称/name, 类型/kind, 县区/county, 地址/address, "
                  "纬度/lat, 经度/lng, 运营方/operator, 床位/beds, 许可证/licence, 性质/ownership, 半径/radius_m; any order). "
                  "Idempotent by code. Without dry_run, any error is 422 import_invalid with the report as details "
                  "and nothing is written; wrong columns are 422 import_invalid in a dry run too.")
async def import_sites(request: Request, principal: Caller,
                       dry_run: Annotated[bool, Parameter(description="report only, write nothing")] = True
                       ) -> ImportReport:
    declared = request.headers.get("content-length")
    data = await read_limited(request.stream(), sheets.MAX_BYTES,
                              int(declared) if declared and declared.isdigit() else None, what="A file")
    return await bulk.import_sites(principal, data, dry_run=dry_run)


@get("/api/admin/sites/export.xlsx", guards=[admin_only], tags=["admin"], media_type=sheets.XLSX_TYPE,
     summary="The admin list's sites as XLSX, in the import's columns (re-imports unchanged)")
async def export_sites_xlsx(kind: FromQuery[Kind | None] = None, region: QueryId = None, q: Text = None,
                            active: FromQuery[bool | None] = None) -> Response[bytes]:
    data = await bulk.export_xlsx(kind=kind, region=region, q=q, active=active)
    return Response(data, media_type=sheets.XLSX_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="sites.xlsx"'})


@get("/api/admin/sites/export.csv", guards=[admin_only], tags=["admin"], media_type="text/csv; charset=utf-8",
     summary="The admin list's sites as CSV (UTF-8 with BOM), in the import's columns (re-imports unchanged)")
async def export_sites_csv(kind: FromQuery[Kind | None] = None, region: QueryId = None, q: Text = None,
                           active: FromQuery[bool | None] = None) -> Stream:
    chunks = await bulk.export_csv(kind=kind, region=region, q=q, active=active)
    return Stream(chunks, media_type="text/csv; charset=utf-8",
                  headers={"Content-Disposition": 'attachment; filename="sites.csv"'})


@get("/api/admin/sites/attributes", guards=[admin_only], tags=["admin"],
     summary="The attributes each site kind may hold (the site form's fields and the import's columns)")
async def list_site_attributes() -> list[SiteAttributeRead]:
    return [SiteAttributeRead(name=a.name, header=a.header, kinds=list(a.kinds), type=a.type, minimum=a.minimum,
                              maximum=a.maximum, choices=[list(c) for c in a.choices])
            for a in site_attributes.attributes()]


router = Router(path="/", route_handlers=[list_sites, get_site, create_site, update_site, list_admin_sites,
                                          import_sites, export_sites_xlsx, export_sites_csv, list_site_attributes])
