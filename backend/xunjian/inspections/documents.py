"""An inspection's issued documents: the on-site record (现场检查笔录) and the rectification notice (责令整改通知书).

When each is final (README, "Issued documents as PDF"): the record once the inspection is submitted and signed (every
recorded inspector, and the site's person in charge or a refusal before a witness); the notice once it is submitted,
signed the same way and has findings. Before its signatures a document answers 409 `signatures_missing`, naming who
has still to sign: a number is taken once and a PDF never re-rendered, so issuing it earlier would freeze it
unsigned. A self-inspection (自查) is not an administrative inspection and has
neither. Who inspected is read through `service.inspectors_of`, the one reader of an inspection's inspectors.

Each signature recorded when the document is issued is drawn in its box beside the signer's name and role: an
inspector's handwriting or the person in charge's as drawn (the photo store's original, the path photos take, local
or S3); a refusal (拒签) prints "拒签", the witness and a reference to the scene's photo, whose thumbnail fills the box.
"""

from __future__ import annotations

import uuid

from ..accounts.principal import Principal
from ..checklists import service as checklists
from ..documents import issuing, pdf
from ..documents import service as documents
from ..errors import Conflict
from ..findings.tables import Finding
from ..photos.service import originals, thumbnails
from . import rules, signatures as signing
from ..sites.tables import Site
from .service import inspectors_of, load_row

GRADE_ZH = {"general": "一般隐患", "major": "重大隐患"}
RESULT_ZH = {"compliant": "符合", "noncompliant": "不符合", "na": "不适用"}


async def _context(principal: Principal, inspection_id: uuid.UUID) -> tuple[dict, dict, list[dict]]:
    row = await load_row(principal, inspection_id)  # 404 outside the caller's scope
    if row["self_inspection"]:
        raise Conflict("A self-inspection (自查) is not an administrative inspection and has no issued documents",
                       code="document_not_applicable")
    if row["status"] != "submitted":
        raise Conflict("The inspection is not submitted yet", code="document_not_ready")
    site = await Site.select(Site.id, Site.name, Site.code, Site.address, Site.operator, Site.region) \
        .where(Site.id == row["site"]).first()
    found = await Finding.select(
        Finding.id, Finding.item_key, Finding.title, Finding.description, Finding.grade, Finding.basis,
        Finding.deadline, Finding.photos,
    ).where(Finding.inspection == inspection_id).order_by(Finding.id).output(load_json=True)
    return row, site, found


async def _signed(inspection_id: uuid.UUID) -> None:
    """409 `signatures_missing` until every recorded inspector and the site have signed (or the site refused) and
    every signature's image has arrived: the PDF is rendered once, so it must not freeze an empty box."""
    inspectors = await inspectors_of(inspection_id)
    rows = await signing.of(inspection_id)
    await signing.settle_hashes(rows)
    missing = rules.missing_signers([i.user_id for i in inspectors], rows)
    pending = [str(r["id"]) for r in rows if (r["photo_id"] or r["refusal_photo_id"]) and not r["image_sha256"]]
    if missing or pending:
        names = {i.user_id: i.name for i in inspectors}
        for m in missing:
            if m["signer"] == "inspector":
                m["name"] = names[m["user_id"]]
        raise Conflict("The document is issued once the inspectors and the site have signed (or the site refused) "
                       "and the signatures' images have arrived", code="signatures_missing",
                       details={"missing": missing, "images_pending": pending})


def team_line(inspectors) -> str:
    """Every inspector with the certificate number recorded with the inspection (the PDFs and the HTML notice)."""
    return "、".join(f"{i.name}（执法证号 {i.certificate_no or '未登记'}）" for i in inspectors) or "—"


def _finding_entry(f: dict, thumbs: dict[str, bytes], label: str | None = None) -> pdf.Entry:
    lines = [("等级", GRADE_ZH.get(f["grade"], f["grade"])), ("依据", f["basis"] or "—"),
             ("整改期限", f"{issuing.local_date(f['deadline'])}前")]
    if f["description"]:
        lines.append(("情况", f["description"]))
    return pdf.Entry(label or f["title"], lines, [thumbs.get(p) for p in f["photos"] or []])


async def _signature_boxes(store, inspection_id: uuid.UUID, inspectors, site_label: str) -> list[pdf.Signature]:
    """A box per inspector and one for the site's person in charge, each holding its recorded signature, if any."""
    rows = await signing.of(inspection_id)
    await signing.settle_hashes(rows)
    drawn = await originals(store, [str(r["photo_id"]) for r in rows if r["photo_id"]])
    scenes = await thumbnails(store, [str(r["refusal_photo_id"]) for r in rows if r["refusal_photo_id"]])
    by_user = {r["user"]: r for r in rows if r["signer"] == "inspector"}
    boxes = []
    for i in inspectors:
        sig = by_user.get(i.user_id)
        boxes.append(pdf.Signature("检查人员（签名）", f"{i.name}（执法证号 {i.certificate_no or '未登记'}）",
                                   drawn.get(str(sig["photo_id"])) if sig else None))
    if not boxes:
        boxes.append(pdf.Signature("检查人员（签名）"))
    site = next((r for r in rows if r["signer"] == "site"), None)
    if site is None:
        return boxes + [pdf.Signature(site_label)]
    if not site["refused"]:
        return boxes + [pdf.Signature(site_label, site["name"], drawn.get(str(site["photo_id"])))]
    scene = site["refusal_photo_id"]
    note = f"拒签　见证人：{site['witness_name']}" + (f"　现场照片 {str(scene)[:8]}" if scene else "")
    return boxes + [pdf.Signature(site_label, site["name"], scenes.get(str(scene)) if scene else None, note)]


def _answer(item: dict, value) -> str:
    kind = item["type"]
    if kind == "check":
        result = RESULT_ZH.get((value or {}).get("result"), "未答")
        note = (value or {}).get("note")
        return f"{result}（{note}）" if note else result
    if kind == "number":
        return f"{value}{item.get('unit', '')}"
    if kind == "choice":
        labels = {o["value"]: o["label"] for o in item.get("options", [])}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(v, str(v)) for v in values)
    if kind == "photo":
        return f"照片 {len(value or [])} 张"
    if kind == "location":
        return "已定位"
    if kind == "repeat":
        return f"{len(value or [])} 条记录"
    return str(value)


def _fields(row: dict, site: dict, inspectors) -> list[tuple[str, str]]:
    return [("被检查单位", f"{site['name']}（{site['code']}）"), ("地址", site["address"]),
            ("负责人/运营方", site["operator"]), ("检查时间", issuing.local_date(row["submitted_at"])),
            ("检查人员", team_line(inspectors))]


def _subject(kind: str, row: dict, authority: documents.Authority) -> issuing.Subject:
    return issuing.Subject(kind, "inspection", str(row["id"]), row["site"], authority)


async def record_pdf(principal: Principal, store, inspection_id: uuid.UUID) -> issuing.Delivered:
    row, site, found = await _context(principal, inspection_id)
    authority = await documents.issuing_authority(site["region"])

    async def sheet(document) -> pdf.Sheet:
        inspectors = await inspectors_of(inspection_id)
        template = await checklists.pinned_template(row["template_key"], row["template_version"])
        thumbs = await thumbnails(store, [p for f in found for p in f["photos"] or []])
        by_item = {f["item_key"]: f for f in found if f["item_key"]}
        entries = []
        answers = row["answers"] or {}
        for item in template.items:
            if item["key"] not in answers or answers[item["key"]] is None:
                continue
            f = by_item.get(item["key"])
            line = ("检查结果", _answer(item, answers[item["key"]]))
            if f is None:
                entries.append(pdf.Entry(item.get("label", item["key"]), [line]))
            else:
                e = _finding_entry(f, thumbs, item.get("label", item["key"]))
                entries.append(pdf.Entry(e.title, [line, ("隐患", f["title"]), *e.lines], e.photos))
        entries += [_finding_entry(f, thumbs) for f in found if not f["item_key"]]
        checkin = ("签到", f"距场所 {round(row['checkin_distance_m'])} 米" + ("（偏远）" if row["checkin_far"] else "")
                   ) if row["checkin_distance_m"] is not None else ("签到", "无定位")
        return pdf.Sheet(
            authority=authority.title, title="现场检查笔录", number=document.number,
            dated=issuing.local_date(document.issued_at),
            fields=_fields(row, site, inspectors) + [("检查表", f"{template.title}（第 {template.version} 版）"), checkin],
            intro=["检查人员出示执法证件，表明身份，说明来意，被检查单位应当如实提供情况、配合检查。",
                   f"共检查 {row['checks_answered']} 项，不符合 {row['checks_noncompliant']} 项，发现隐患 {len(found)} 处。"],
            entries_heading="检查情况", entries=entries,
            closing=[f"备注：{row['remarks']}"] if row["remarks"] else [],
            signatures=await _signature_boxes(store, inspection_id, inspectors, "被检查单位负责人（签名）"))

    return await issuing.deliver(principal, store, _subject("inspection_record", row, authority), sheet,
                                 ready=lambda: _signed(inspection_id))


async def notice_pdf(principal: Principal, store, inspection_id: uuid.UUID) -> issuing.Delivered:
    row, site, found = await _context(principal, inspection_id)
    if not found:
        raise Conflict("This inspection found no hazard, so there is no rectification notice", code="no_findings")
    authority = await documents.issuing_authority(site["region"])

    async def sheet(document) -> pdf.Sheet:
        inspectors = await inspectors_of(inspection_id)
        thumbs = await thumbnails(store, [p for f in found for p in f["photos"] or []])
        return pdf.Sheet(
            authority=authority.title, title="责令整改通知书", number=document.number,
            dated=issuing.local_date(document.issued_at), fields=_fields(row, site, inspectors),
            intro=[f"{site['name']}：",
                   f"经{issuing.local_date(row['submitted_at'])}现场检查，你单位存在下列安全隐患。现责令你单位在规定期限内"
                   "整改完毕，并将整改情况（附整改前后照片）通过系统报送。"],
            entries_heading="隐患及整改要求", entries=[_finding_entry(f, thumbs) for f in found],
            closing=["重大隐患整改完成后须经现场复查方可销号。逾期未整改或者整改不合格的，依法依规处理。"],
            signatures=await _signature_boxes(store, inspection_id, inspectors, "被检查单位负责人（签收）"))

    return await issuing.deliver(principal, store, _subject("rectification_notice", row, authority), sheet,
                                 ready=lambda: _signed(inspection_id))
