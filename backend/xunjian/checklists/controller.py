from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from ..paging import PathId
from ..versioning import MAX_BYTES
from . import service, versions
from .schemas import ChecklistRead, ChecklistSummary, TemplateDiff, TemplateVersionList, TemplateVersionRead

TemplateKey = Annotated[str, Parameter(max_length=64)]
Against = Annotated[int | None, Parameter(ge=1, le=versions.MAX_VERSION, description="the version to compare with")]


@get("/api/checklists", tags=["checklists"], summary="Checklist templates, each at its current version")
async def list_checklists(principal: Caller) -> list[ChecklistSummary]:
    return await service.list_templates()


@get("/api/checklists/{key:str}", tags=["checklists"], summary="The current version of a checklist template")
async def get_checklist(principal: Caller, key: FromPath[str]) -> ChecklistRead:
    return await service.read_template(key)


@get("/api/checklists/{key:str}/{version:int}", tags=["checklists"],
     summary="One version of a checklist template (the one an inspection pinned)")
async def get_checklist_version(
    principal: Caller, key: FromPath[str], version: PathId,
) -> ChecklistRead:
    return await service.read_template(key, version)


@get("/api/admin/checklists", guards=[admin_only], tags=["admin"],
     summary="Every stored version of every checklist template, which is active, where it came from")
async def list_versions(principal: Caller) -> TemplateVersionList:
    return await versions.list_versions()


@post("/api/admin/checklists", guards=[admin_only], tags=["admin"], status_code=HTTP_201_CREATED,
      responses={HTTP_200_OK: ResponseSpec(data_container=TemplateVersionRead,
                                           description="The same version with the same content again: nothing changed")},
      request_max_body_size=MAX_BYTES,
      summary="Upload a new version of a checklist template (not active until activated)",
      description="The body is a template document (schemas/checklist-template.schema.json), at most 512 KB. "
                  "201 stored; 200 the same version with the same content was stored already; 409 the version "
                  "is stored with other content, or is not above every stored version of its key; 422 "
                  "`template_invalid` with every problem as `{path, message}` (JSON paths).")
async def upload_version(request: Request, principal: Caller) -> Response[TemplateVersionRead]:
    read, created = await versions.upload(principal, await request.body(), request.app.state.settings.schemas_dir)
    return Response(read, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@get("/api/admin/checklists/{key:str}/{version:int}/diff", guards=[admin_only], tags=["admin"],
     summary="What a version changes from the version before it (or from ?against=N), items matched by key")
async def diff_version(principal: Caller, key: TemplateKey, version: PathId, against: Against = None) -> TemplateDiff:
    return await versions.diff(key, version, against)


@post("/api/admin/checklists/{key:str}/{version:int}/activate", guards=[admin_only], tags=["admin"],
      status_code=HTTP_200_OK,
      summary="Make a version the current one: GET /api/checklists/{key} and new inspections use it; inspections "
              "already started keep the version they pinned")
async def activate_version(principal: Caller, key: TemplateKey, version: PathId) -> TemplateVersionRead:
    return await versions.activate(principal, key, version)


router = Router(path="/", route_handlers=[list_checklists, get_checklist, get_checklist_version, list_versions,
                                          upload_version, diff_version, activate_version])
