
from litestar import Request, Response, Router, get, post
from litestar.response import Stream
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ..accounts.auth import admin_only, require_roles
from ..accounts.principal import Caller
from ..paging import PathId, QueryId
from ..versioning import MAX_BYTES
from . import map as risk_map
from . import service, versions
from .schemas import ActivationRead, Board, DryRun, RiskMap, RulesVersionList, RulesVersionRead, SiteRiskRead

board_roles = require_roles("admin", "supervisor", "inspector", "lottery_centre")


@get("/api/risk/board", guards=[board_roles], tags=["risk"],
     summary="Risk board of a region (default: yours): tiers per child region, red and orange sites with reasons, "
             "overdue rectifications by escalation level, 12-week trend")
async def get_board(principal: Caller, region: QueryId = None) -> Board:
    return await service.board(principal, region)


@get("/api/risk/board.csv", guards=[board_roles], tags=["risk"], media_type="text/csv",
     summary="Every rated site of the board's region as CSV, worst first")
async def get_board_csv(principal: Caller, region: QueryId = None) -> Stream:
    rows = await service.board_csv(principal, region)
    return Stream(rows, media_type="text/csv; charset=utf-8",
                  headers={"Content-Disposition": 'attachment; filename="risk-board.csv"'})


@get("/api/risk/map", guards=[board_roles], tags=["risk"],
     summary="The schematic four-colour map of a region (default: yours): tier counts per child region and the rated "
             "sites as points (worst first, capped; the total and the bounds of all of them)")
async def get_map(request: Request, principal: Caller, region: QueryId = None) -> RiskMap:
    return await risk_map.risk_map(principal, region, request.app.state.settings.tianditu_key)


@get("/api/risk/sites/{site_id:int}", tags=["risk"],
     summary="A site's current tier with every factor and its contribution, history and next inspection due")
async def get_site_risk(principal: Caller, site_id: PathId) -> SiteRiskRead:
    return await service.get_site_risk(principal, site_id)


@get("/api/admin/risk-rules", guards=[admin_only], tags=["admin"],
     summary="Every stored version of the risk rules, which is active, where it came from")
async def list_rules(principal: Caller) -> RulesVersionList:
    return await versions.list_versions()


@get("/api/admin/risk-rules/{version:int}", guards=[admin_only], tags=["admin"],
     summary="One version of the risk rules: the document (schemas/risk-rules.schema.json)")
async def get_rules(principal: Caller, version: PathId) -> dict:
    return await versions.get_document(version)


@post("/api/admin/risk-rules", guards=[admin_only], tags=["admin"], status_code=HTTP_201_CREATED,
      responses={HTTP_200_OK: ResponseSpec(data_container=RulesVersionRead,
                                           description="The same version with the same content again: nothing changed")},
      request_max_body_size=MAX_BYTES,
      summary="Upload a new version of the risk rules (not active until activated)",
      description="The body is a rules document (schemas/risk-rules.schema.json). 201 stored; 200 the same version "
                  "with the same content was stored already; 409 the version is stored with other content or is "
                  "not above every stored version; 422 `rules_invalid` with every problem as `{path, message}`.")
async def upload_rules(request: Request, principal: Caller) -> Response[RulesVersionRead]:
    read, created = await versions.upload(principal, await request.body(), request.app.state.settings.schemas_dir)
    return Response(read, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@post("/api/admin/risk-rules/{version:int}/dry-run", guards=[admin_only], tags=["admin"], status_code=HTTP_200_OK,
      summary="What activating a version would change: sites whose tier changes, by transition and prefecture, "
              "with examples; writes nothing")
async def dry_run_rules(principal: Caller, version: PathId) -> DryRun:
    return await versions.dry_run(version)


@post("/api/admin/risk-rules/{version:int}/activate", guards=[admin_only], tags=["admin"], status_code=HTTP_200_OK,
      summary="Make a version active and re-rate every site with it; other app instances take it within 15 s")
async def activate_rules(principal: Caller, version: PathId) -> ActivationRead:
    return await versions.activate(principal, version)


router = Router(path="/", route_handlers=[get_board, get_board_csv, get_map, get_site_risk, list_rules, get_rules,
                                          upload_rules, dry_run_rules, activate_rules])
