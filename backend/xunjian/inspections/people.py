"""Who carried out an inspection (the lead and co-inspectors, 执法证号 as held then), and who may be named.

An administrative inspection is carried out by at least two inspectors (issue 13) when it comes from a plan task or
its site kind needs it (Settings.two_inspectors_kinds). The submitting inspector leads; the co-inspectors are
accounts the caller names, each an active inspector whose scope holds the site. Their certificate numbers are copied
when the inspection is written, so a later change of an account does not change an old record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ..accounts import service as accounts
from ..accounts.principal import Principal
from ..accounts.tables import User
from ..errors import Forbidden, Invalid
from ..sites.tables import Site
from . import rules
from .schemas import CoInspectorOption, InspectorRead
from .tables import Inspection, InspectionInspector

NAMING_ROLES = {"inspector", "supervisor", "admin"}


@dataclass(frozen=True)
class Inspector:
    user_id: int
    name: str
    certificate_no: str | None  # 执法证号
    lead: bool = False


def not_usable(ids: list[int]) -> Invalid:
    return Invalid("A co-inspector must be another active inspector whose scope holds the site",
                   code="co_inspector_not_usable", details={"field": "co_inspector_ids", "ids": ids})


async def team(principal: Principal, site_id: int, co_ids: list[int], *,
               self_inspection: bool) -> list[tuple[int, str | None]]:
    """The inspection's inspectors as (user id, certificate number now), the caller first; 422
    `co_inspector_not_usable` naming every id that cannot be a co-inspector."""
    if co_ids and self_inspection:
        raise not_usable(co_ids)  # a self-inspection (自查) is the site's own, not an inspection with inspectors
    usable = {}
    if co_ids:
        site = await Site.select(Site.region_path).where(Site.id == site_id).first()
        usable = {r["user_id"]: r["certificate_no"]
                  for r in await accounts.inspectors_covering(site["region_path"], ids=co_ids)}
    wrong = rules.co_inspector_errors(principal.id, co_ids, set(usable))
    if wrong:
        raise not_usable(wrong)
    lead = await User.select(User.certificate_no).where(User.id == principal.id).first()
    return [(principal.id, lead["certificate_no"] if lead else None)] + [(uid, usable[uid]) for uid in co_ids]


async def write_team(inspection_id: uuid.UUID, members: list[tuple[int, str | None]]) -> None:
    """Record the inspection's inspectors (inside its write transaction), replacing a draft's earlier ones."""
    await InspectionInspector.delete().where(InspectionInspector.inspection == inspection_id)
    await InspectionInspector.insert(*[
        InspectionInspector(inspection=inspection_id, user=uid, certificate_no=number, lead=n == 0, position=n)
        for n, (uid, number) in enumerate(members)
    ])


async def inspectors_of(inspection_id: uuid.UUID) -> list[Inspector]:
    """Who carried out the inspection, lead first, each with the certificate number recorded with it: the one reader
    of an inspection's inspectors (the API, the documents, the signatures). An inspection written before
    inspectors were recorded has only its submitter, with the account's number."""
    rows = await InspectionInspector.select(
        InspectionInspector.user.as_alias("user_id"), InspectionInspector.user._.display_name.as_alias("name"),
        InspectionInspector.user._.username.as_alias("username"), InspectionInspector.certificate_no,
        InspectionInspector.lead,
    ).where(InspectionInspector.inspection == inspection_id).order_by(InspectionInspector.position)
    if not rows:
        rows = await Inspection.select(
            Inspection.inspector.as_alias("user_id"), Inspection.inspector._.display_name.as_alias("name"),
            Inspection.inspector._.username.as_alias("username"),
            Inspection.inspector._.certificate_no.as_alias("certificate_no"),
        ).where(Inspection.id == inspection_id)
        rows = [dict(r, lead=True) for r in rows]
    return [Inspector(user_id=r["user_id"], name=r["name"] or r["username"], certificate_no=r["certificate_no"],
                      lead=bool(r["lead"])) for r in rows]


def reads(inspectors: list[Inspector]) -> list[InspectorRead]:
    return [InspectorRead(user_id=i.user_id, name=i.name, certificate_no=i.certificate_no, lead=i.lead)
            for i in inspectors]


async def co_inspector_options(principal: Principal, site_id: int) -> list[CoInspectorOption]:
    """The inspectors the caller may name as co-inspectors at this site (404 outside the caller's scope)."""
    if principal.role not in NAMING_ROLES:
        raise Forbidden("Your role does not name inspectors")
    site = await principal.scope.get_site(site_id, Site.id, Site.region_path)
    return [CoInspectorOption(user_id=r["user_id"], name=r["name"], certificate_no=r["certificate_no"])
            for r in await accounts.inspectors_covering(site["region_path"]) if r["user_id"] != principal.id]
