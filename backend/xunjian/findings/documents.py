"""A finding's issued documents: the re-check opinion (整改复查意见书) and the listing's supervision notice (督办通知书).

The opinion is final once the finding is closed after its verification (销号): it records the response, each
re-check and the acceptance; before that 409 `document_not_ready`. The supervision notice is numbered when the
listing authority confirms the listing (service.decide_listing); its PDF is made on the first request.
"""

from __future__ import annotations

from ..accounts.principal import Principal
from ..documents import issuing, pdf
from ..documents import service as documents
from ..errors import Conflict
from ..photos.service import thumbnails
from ..sites.tables import Site
from .schemas import FindingDetail
from .service import get_finding_detail

GRADE_ZH = {"general": "一般隐患", "major": "重大隐患"}
DECISION_ZH = {"recheck": "现场复查", "accept": "验收合格，予以销号", "reject": "验收不合格，退回整改"}


async def _site(site_id: int) -> dict:
    return await Site.select(Site.id, Site.name, Site.code, Site.address, Site.operator, Site.region) \
        .where(Site.id == site_id).first()


def _fields(detail: FindingDetail, site: dict) -> list[tuple[str, str]]:
    f = detail.finding
    return [("被检查单位", f"{site['name']}（{site['code']}）"), ("地址", site["address"]),
            ("负责人/运营方", site["operator"]), ("隐患", f"{f.title}（{GRADE_ZH.get(f.grade, f.grade)}）"),
            ("依据", f.basis or "—"), ("发现时间", issuing.local_date(f.created_at)),
            ("整改期限", f"{issuing.local_date(f.deadline)}前")]


async def recheck_pdf(principal: Principal, store, finding_id: int) -> issuing.Delivered:
    detail = await get_finding_detail(principal, finding_id)  # 404 outside the caller's scope
    f = detail.finding
    if f.status != "closed" or not detail.verifications:
        raise Conflict("The re-check opinion is issued once the finding is verified and closed",
                       code="document_not_ready", details={"status": f.status})
    site = await _site(f.site_id)
    authority = await documents.issuing_authority(site["region"])

    async def sheet(document) -> pdf.Sheet:
        ids = [p for r in detail.responses for p in r.photos] + [p for v in detail.verifications for p in v.photos]
        thumbs = await thumbnails(store, ids)
        entries = [pdf.Entry(f"整改情况（{r.by_name}，{issuing.local_date(r.at)}）", [("", r.note)],
                             [thumbs.get(p) for p in r.photos]) for r in detail.responses]
        for v in detail.verifications:
            lines = [("意见", v.note)] if v.note else []
            if v.distance_m is not None:
                lines.append(("复查地点", f"距场所 {round(v.distance_m)} 米"))
            entries.append(pdf.Entry(f"{DECISION_ZH.get(v.decision, v.decision)}（{v.by_name}，"
                                     f"{issuing.local_date(v.at)}）", lines, [thumbs.get(p) for p in v.photos]))
        notice = (await documents.issued_for("inspection", f.inspection_id, "rectification_notice")
                  if f.inspection_id else None)
        fields = _fields(detail, site) + ([("整改通知书", notice.number)] if notice else [])
        closer = detail.verifications[-1]
        return pdf.Sheet(
            authority=authority.title, title="整改复查意见书", number=document.number,
            dated=issuing.local_date(document.issued_at), fields=fields,
            intro=[f"{site['name']}：", "对你单位上述隐患的整改情况，我局进行了复查，情况如下。"],
            entries_heading="整改及复查情况", entries=entries,
            closing=[f"复查意见：经复查，该隐患已整改完毕，符合要求，于{issuing.local_date(f.closed_at or closer.at)}"
                     "予以销号。"],
            signatures=[pdf.Signature("复查人员（签名）", closer.by_name), pdf.Signature("被检查单位负责人（签收）")])

    subject = issuing.Subject("recheck_opinion", "finding", str(finding_id), f.site_id, authority)
    return await issuing.deliver(principal, store, subject, sheet)


async def supervision_pdf(principal: Principal, store, finding_id: int) -> issuing.Delivered:
    detail = await get_finding_detail(principal, finding_id)
    f = detail.finding
    listing = next((x for x in reversed(detail.listings) if x.decision == "confirm"), None)
    if f.listing != "confirmed" or listing is None:
        raise Conflict("This finding is not listed for supervision (挂牌督办)", code="document_not_ready",
                       details={"listing": f.listing})
    site = await _site(f.site_id)
    authority = await documents.authority_of(listing.authority_id)

    async def sheet(document) -> pdf.Sheet:
        thumbs = await thumbnails(store, f.photos)
        return pdf.Sheet(
            authority=authority.title, title="督办通知书", number=document.number,
            dated=issuing.local_date(document.issued_at),
            fields=_fields(detail, site) + [("督办级别", "挂牌督办"), ("督办决定", listing.reason or "—")],
            intro=[f"{site['name']}：",
                   "你单位存在的下列重大事故隐患逾期未整改完毕，经研究，决定予以挂牌督办。请你单位落实整改措施、资金、"
                   "期限、责任人和应急预案，整改完成后向我局申请复查销号；挂牌督办期间由我局负责销号。"],
            entries_heading="督办事项", entries=[pdf.Entry(f.title, [("情况", f.description or "—")],
                                                          [thumbs.get(p) for p in f.photos])],
            signatures=[pdf.Signature("督办人员（签名）", listing.by_name), pdf.Signature("被督办单位负责人（签收）")])

    # Numbered when the listing was confirmed: `deliver` finds that number and never issues another.
    subject = issuing.Subject("supervision_notice", "finding", str(finding_id), f.site_id, authority)
    return await issuing.deliver(principal, store, subject, sheet)
