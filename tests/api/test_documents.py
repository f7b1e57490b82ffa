"""Issued documents as PDF (issue 13): numbered on the first request, stored once, the same bytes ever after, read
back with pypdf; scoped like their subject; concurrent first requests issue one number and store one file."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import uuid
from datetime import timedelta

from pypdf import PdfReader

from tests.api.checklist_answers import all_compliant, payload
from tests.api.signing import handwriting, put_signature, sign
from tests.api.test_patrols_retention import _photo
from tests.integration.jobs import factory
from tests.integration.photos import support
from xunjian.accounts.tables import User
from xunjian.audit.tables import AuditEvent
from xunjian.documents.service import document_year
from xunjian.documents.tables import IssuedDocument
from xunjian.escalation.service import escalate
from xunjian.photos.service import cleanup_photos

LZ = "YL-620102-001"  # 兰州市城关区福寿园养老院: the manager's site, in the inspector's scope
SITE_OK = {"lat": 36.0579, "lng": 103.8413}


def text_of(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def _certify(username: str, number: str) -> None:
    await User.update({User.certificate_no: number}).where(User.username == username)


async def _inspect(client, headers, site_id: int, *, status: str = "submitted", **noncompliant) -> tuple[str, dict]:
    answers = all_compliant("eldercare_safety")
    for key, answer in noncompliant.items():
        answers[key] = {"result": "noncompliant", **answer}
    inspection_id = str(uuid.uuid4())
    r = await client.put(f"/api/inspections/{inspection_id}", json=payload(site_id, answers=answers, status=status),
                         headers=headers)
    assert r.status_code == 201, r.text
    return inspection_id, {f["item_key"]: f["id"] for f in r.json()["findings"]}


async def test_the_notice_is_issued_once_and_downloaded_the_same_ever_after(client, demo, as_user, app):
    inspector, manager = await as_user("inspector"), await as_user("manager")
    await _certify("inspector", "GS-62010-0017")
    photo = await _photo(client, inspector)
    inspection_id, found = await _inspect(client, inspector, demo.sites[LZ],
                                          exits_clear={"note": "安全出口上锁", "photos": [photo, str(uuid.uuid4())]})
    url = f"/api/inspections/{inspection_id}/notice.pdf"
    # The inspected party receives the notice once it is issued; it does not issue it.
    r = await client.get(url, headers=manager)
    assert r.status_code == 409 and r.json()["code"] == "document_not_issued"
    assert await IssuedDocument.count() == 0
    await sign(client, inspector, inspection_id)

    r = await client.get(url, headers=inspector)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    year = document_year(factory.utcnow())
    number = f"城民改〔{year}〕第0001号"  # 城关区's bureau, its first notice of the year
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    assert f"rectification_notice-{year}-0001.pdf" in r.headers["content-disposition"]
    text = text_of(r.content)
    for expected in ("兰州市城关区民政局", "责令整改通知书", number, "兰州市城关区福寿园养老院", "兰州市检查员 王磊",
                     "执法证号 GS-62010-0017", "中华人民共和国消防法 第二十八条", "安全出口上锁", "照片待上传",
                     "被检查单位负责人（签收）"):
        assert expected in text, expected
    deadline = (await client.get(f"/api/findings/{found['exits_clear']}", headers=inspector)).json()["finding"][
        "deadline"]
    assert re.search(r"整改期限：\d{4}年\d{2}月\d{2}日前", text) and deadline
    reader = PdfReader(io.BytesIO(r.content))
    # The photo that arrived (the other is pending), the inspector's and the person in charge's signatures.
    assert sum(len(page.images) for page in reader.pages) == 3

    doc = await IssuedDocument.select().first()
    assert doc["number"] == number and doc["kind"] == "rectification_notice"
    assert doc["subject_type"] == "inspection" and doc["subject_id"] == inspection_id
    assert doc["authority"] == demo.regions["620102"] and doc["issued_by"] == demo.users["inspector"]
    assert doc["sha256"] == hashlib.sha256(r.content).hexdigest() == r.headers["x-document-sha256"]

    # Again, by anyone who sees the inspection: the stored bytes, never re-rendered, no second number.
    for headers in (inspector, manager, await as_user("supervisor"), await as_user("admin")):
        again = await client.get(url, headers=headers)
        assert again.status_code == 200 and again.content == r.content
    assert await IssuedDocument.count() == 1
    for name in ("inspector2", "manager2"):
        assert (await client.get(url, headers=await as_user(name))).status_code == 404
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.actor, AuditEvent.after).where(
        AuditEvent.entity_type == "document").order_by(AuditEvent.id).output(load_json=True)
    assert [(e["action"], e["actor"]) for e in events] == [("document.issue", demo.users["inspector"]),
                                                           ("document.store", demo.users["inspector"])]
    assert events[1]["after"]["sha256"] == doc["sha256"]

    # The stored PDF is evidence: the photo cleanup, long after, leaves it alone.
    await cleanup_photos(factory.utcnow() + timedelta(days=30), app.state.photo_store)
    assert (await client.get(url, headers=manager)).content == r.content


async def test_the_record_and_what_is_not_ready(client, demo, as_user):
    inspector = await as_user("inspector")
    await _certify("inspector", "GS-62010-0017")
    inspection_id, _ = await _inspect(client, inspector, demo.sites[LZ])
    await sign(client, inspector, inspection_id)
    r = await client.get(f"/api/inspections/{inspection_id}/record.pdf", headers=inspector)
    assert r.status_code == 200, r.text
    text = text_of(r.content)
    year = document_year(factory.utcnow())
    for expected in ("现场检查笔录", f"城民检〔{year}〕第0001号", "兰州市城关区民政局", "兰州市检查员 王磊",
                     "执法证号 GS-62010-0017", "兰州市城关区福寿园养老院", "检查结果：符合", "检查人员（签名）",
                     "被检查单位负责人（签名）"):
        assert expected in text, expected
    # Nothing found: no notice.
    r = await client.get(f"/api/inspections/{inspection_id}/notice.pdf", headers=inspector)
    assert r.status_code == 409 and r.json()["code"] == "no_findings"
    # A draft has no documents yet; a self-inspection never has.
    draft, _ = await _inspect(client, inspector, demo.sites[LZ], status="draft")
    r = await client.get(f"/api/inspections/{draft}/record.pdf", headers=inspector)
    assert r.status_code == 409 and r.json()["code"] == "document_not_ready"
    own, _ = await _inspect(client, await as_user("manager"), demo.sites[LZ])
    r = await client.get(f"/api/inspections/{own}/record.pdf", headers=inspector)
    assert r.status_code == 409 and r.json()["code"] == "document_not_applicable"
    assert (await client.get(f"/api/inspections/{uuid.uuid4()}/record.pdf", headers=inspector)).status_code == 404
    assert await IssuedDocument.count() == 1


async def test_concurrent_first_requests_issue_one_number_and_store_one_file(client, demo, as_user, app):
    inspector = await as_user("inspector")
    inspection_id, _ = await _inspect(client, inspector, demo.sites[LZ], night_staff_sufficient={"note": "夜班仅1人"})
    await sign(client, inspector, inspection_id)
    url = f"/api/inspections/{inspection_id}/notice.pdf"
    answers = await asyncio.gather(*[client.get(url, headers=inspector) for _ in range(6)])
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.content for a in answers}) == 1
    docs = await IssuedDocument.select().where(IssuedDocument.subject_id == inspection_id)
    assert len(docs) == 1 and docs[0]["serial"] == 1
    stored = [o.key for o in await app.state.photo_store.list() if o.key.startswith("documents/")]
    assert stored == [f"documents/{docs[0]['id']}/{docs[0]['sha256']}.pdf"]
    assert await AuditEvent.count().where(AuditEvent.action == "document.store") == 1


async def test_the_recheck_opinion_once_the_finding_is_closed(client, demo, as_user):
    inspector, manager, supervisor = await as_user("inspector"), await as_user("manager"), await as_user("supervisor")
    _, found = await _inspect(client, inspector, demo.sites[LZ], night_staff_sufficient={"note": "夜班仅1人"})
    fid = found["night_staff_sufficient"]
    url = f"/api/findings/{fid}/recheck.pdf"
    r = await client.post(f"/api/findings/{fid}/responses", json={"note": "已增配夜班护理员2名"}, headers=manager)
    assert r.status_code == 201, r.text
    r = await client.get(url, headers=inspector)
    assert r.status_code == 409 and r.json()["code"] == "document_not_ready"
    r = await client.post(f"/api/findings/{fid}/verification", json={"decision": "accept", "note": "排班表已核实"},
                          headers=inspector)
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text
    r = await client.get(url, headers=supervisor)
    assert r.status_code == 200, r.text
    text = text_of(r.content)
    for expected in ("整改复查意见书", f"城民复〔{document_year(factory.utcnow())}〕第0001号", "兰州市城关区民政局",
                     "已增配夜班护理员2名", "排班表已核实", "予以销号", "兰州市城关区福寿园养老院"):
        assert expected in text, expected
    assert (await client.get(url, headers=manager)).content == r.content
    assert (await client.get(url, headers=await as_user("manager2"))).status_code == 404


async def test_the_supervision_notice_of_a_confirmed_listing(client, demo, as_user):
    sup = await factory.supervisor("sup_lanzhou", demo.regions["620100"])
    assert sup
    deadline = factory.utcnow() - timedelta(days=10)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major", deadline=deadline)
    await escalate(deadline + timedelta(days=3))
    url = f"/api/findings/{fid}/supervision.pdf"
    lanzhou = await as_user("sup_lanzhou")
    r = await client.get(url, headers=lanzhou)
    assert r.status_code == 409 and r.json()["code"] == "document_not_ready"
    r = await client.post(f"/api/findings/{fid}/listing", json={"decision": "confirm", "reason": "逾期未整改"},
                          headers=lanzhou)
    assert r.status_code == 200, r.text
    # Numbered when confirmed; the first to ask (the manager here) gets it made, with that number.
    manager = await as_user("manager")
    r = await client.get(url, headers=manager)
    assert r.status_code == 200, r.text
    text = text_of(r.content)
    for expected in ("督办通知书", f"兰民督〔{document_year(factory.utcnow())}〕第0001号", "兰州市民政局", "挂牌督办",
                     "逾期未整改", "安全出口堵塞", "兰州市城关区福寿园养老院"):
        assert expected in text, expected
    assert await IssuedDocument.count() == 1
    assert (await client.get(url, headers=lanzhou)).content == r.content
    assert (await client.get(url, headers=await as_user("manager2"))).status_code == 404


async def test_concurrent_issuers_in_other_processes_share_one_number(client, demo):
    """Without the process's own lock (as from several app instances), the transaction lock per subject still
    gives every issuer the one number."""
    from xunjian.documents.service import issue_once

    async def issue():
        return await issue_once(None, authority_region_id=demo.regions["620102"], kind="inspection_record",
                                subject_type="inspection", subject_id="same-subject", now=factory.utcnow(),
                                site_id=demo.sites[LZ])

    docs = await asyncio.gather(*[issue() for _ in range(6)])
    assert {d.id for d in docs} == {docs[0].id} and docs[0].serial == 1
    assert await IssuedDocument.count() == 1


async def test_on_the_s3_store_the_pdf_is_stored_once_and_streamed_back(settings):
    """The same pipeline on the S3 store (moto's server mode): one object per document, the same bytes again."""
    from tests.api.test_photos_s3 import app_client

    with support.moto_server() as endpoint:
        bucket = f"xj-{uuid.uuid4().hex[:12]}"
        s3 = settings.with_(s3_endpoint=endpoint, s3_access_key="key", s3_secret_key="secret", s3_bucket=bucket)
        async with app_client(s3) as (app, client):
            assert app.state.photo_store.kind == "s3"
            from tests.conftest import login

            inspector = await login(client, "inspector")
            from xunjian.sites.tables import Site

            site = await Site.select(Site.id).where(Site.code == LZ).first()
            photo = await _photo(client, inspector)
            inspection_id, _ = await _inspect(client, inspector, site["id"],
                                              exits_clear={"note": "安全出口上锁", "photos": [photo]})
            await sign(client, inspector, inspection_id)
            url = f"/api/inspections/{inspection_id}/notice.pdf"
            first = await client.get(url, headers=inspector)
            assert first.status_code == 200, first.text
            assert "安全出口上锁" in text_of(first.content)
            # The finding's photo and the two signatures' handwriting, read from S3.
            assert sum(len(p.images) for p in PdfReader(io.BytesIO(first.content)).pages) == 3
            again = await client.get(url, headers=await login(client, "manager"))
            assert again.content == first.content
            doc = await IssuedDocument.select().where(IssuedDocument.subject_id == inspection_id).first()
            keys = [o.object_name for o in app.state.photo_store.client.list_objects(bucket, recursive=True)
                    if o.object_name.startswith("documents/")]
            assert keys == [f"documents/{doc['id']}/{doc['sha256']}.pdf"]
            assert hashlib.sha256(first.content).hexdigest() == doc["sha256"]


async def test_a_lost_file_is_said_so_not_made_again(client, demo, as_user, app):
    inspector = await as_user("inspector")
    inspection_id, _ = await _inspect(client, inspector, demo.sites[LZ])
    await sign(client, inspector, inspection_id)
    url = f"/api/inspections/{inspection_id}/record.pdf"
    assert (await client.get(url, headers=inspector)).status_code == 200
    doc = await IssuedDocument.select().first()
    await app.state.photo_store.delete(f"documents/{doc['id']}/{doc['sha256']}.pdf")
    r = await client.get(url, headers=inspector)
    assert r.status_code == 503 and r.json()["code"] == "document_file_missing"
    assert await IssuedDocument.count() == 1 and (await IssuedDocument.select().first())["sha256"] == doc["sha256"]


async def _inspect_in_pair(client, inspector, site_id: int, second: int) -> str:
    """A submitted eldercare inspection by the inspector and `second`, with one hazard (its photo still on its way)."""
    answers = all_compliant("eldercare_safety") | {"exits_clear": {"result": "noncompliant", "note": "安全出口上锁",
                                                                   "photos": [str(uuid.uuid4())]}}
    inspection_id = str(uuid.uuid4())
    r = await client.put(f"/api/inspections/{inspection_id}", headers=inspector,
                         json=payload(site_id, answers=answers, co_inspector_ids=[second]))
    assert r.status_code == 201, r.text
    return inspection_id


async def test_the_html_notice_names_every_inspector_and_the_issued_number(client, demo, as_user):
    from tests.api.test_inspectors import _second

    inspector, manager = await as_user("inspector"), await as_user("manager")
    await _certify("inspector", "GS-62010-0017")
    inspection_id = await _inspect_in_pair(client, inspector, demo.sites[LZ], await _second(demo))
    # The second inspector's number changes later: the notice keeps the one recorded with the inspection.
    await _certify("lz_second", "GS-62010-0100")
    html_url = f"/api/inspections/{inspection_id}/notice"
    html = (await client.get(html_url, headers=manager)).text
    assert "兰州市检查员 王磊（执法证号 GS-62010-0017）、兰州市检查员 赵刚（执法证号 GS-62010-0099）" in html
    assert "GS-62010-0100" not in html
    assert "尚未签发" in html and inspection_id.split("-")[0].upper() not in html

    await sign(client, inspector, inspection_id)
    r = await client.get(f"/api/inspections/{inspection_id}/notice.pdf", headers=inspector)
    assert r.status_code == 200, r.text
    number = f"城民改〔{document_year(factory.utcnow())}〕第0001号"
    text = text_of(r.content).replace("\n", "")  # a long field wraps
    assert "兰州市检查员 赵刚（执法证号" in text and "GS-62010-0099）" in text and number in text
    html = (await client.get(html_url, headers=manager)).text
    assert f"文号：{number}" in html and "尚未签发" not in html


def images_of(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


async def test_the_signatures_are_drawn_on_the_record_and_the_notice(client, demo, as_user):
    from tests.api.test_inspectors import _second

    inspector = await as_user("inspector")
    await _certify("inspector", "GS-62010-0017")
    second = await _second(demo)
    signed = await _inspect_in_pair(client, inspector, demo.sites[LZ], second)
    refused = await _inspect_in_pair(client, inspector, demo.sites[LZ], second)
    await sign(client, inspector, signed, site_name="张红")
    await sign(client, inspector, refused, site_name="刘强", refused_witness="社区干部 李明")
    for kind in ("record", "notice"):
        on_paper = await client.get(f"/api/inspections/{signed}/{kind}.pdf", headers=inspector)
        assert on_paper.status_code == 200, on_paper.text
        # Two inspectors' handwriting and the person in charge's (the finding's photo has not arrived).
        assert images_of(on_paper.content) == 3, kind
        text = text_of(on_paper.content).replace("\n", "")
        for expected in ("兰州市检查员 王磊（执法证号", "GS-62010-0017", "兰州市检查员 赵刚（执法证号", "GS-62010-0099",
                         "张红"):
            assert expected in text, (kind, expected)
        assert "拒签" not in text

        refusal = await client.get(f"/api/inspections/{refused}/{kind}.pdf", headers=inspector)
        assert refusal.status_code == 200, refusal.text
        assert images_of(refusal.content) == 3, kind  # two signatures and the photo of the scene
        text = text_of(refusal.content).replace("\n", "")
        assert "刘强" in text and "拒签" in text and "见证人：社区干部 李明" in text and "现场照片" in text, kind


async def test_the_record_and_the_notice_wait_for_every_signature_and_its_image(client, demo, as_user):
    """Issued once and never re-rendered, a record taken before its signatures would stay unsigned for ever: each
    of the inspection's documents answers 409 signatures_missing, naming who has still to sign, until every
    inspector and the site have signed (or the site refused) and every signature's image has arrived."""
    from tests.api.test_inspectors import _second

    inspector = await as_user("inspector")
    second = await _second(demo)
    inspection_id = await _inspect_in_pair(client, inspector, demo.sites[LZ], second)
    urls = [f"/api/inspections/{inspection_id}/{kind}.pdf" for kind in ("record", "notice")]

    async def missing() -> list[dict]:
        bodies = []
        for url in urls:
            r = await client.get(url, headers=inspector)
            assert r.status_code == 409 and r.json()["code"] == "signatures_missing", r.text
            bodies.append(r.json()["details"])
        assert bodies[0] == bodies[1]
        return bodies[0]

    details = await missing()
    assert details["missing"] == [
        {"signer": "inspector", "user_id": demo.users["inspector"], "name": "兰州市检查员 王磊"},
        {"signer": "inspector", "user_id": second, "name": "兰州市检查员 赵刚"},
        {"signer": "site"}]
    await put_signature(client, inspector, inspection_id, {
        "signer": "inspector", "user_id": demo.users["inspector"],
        "photo_id": await handwriting(client, inspector, "王磊")})
    await put_signature(client, inspector, inspection_id, {
        "signer": "inspector", "user_id": second, "photo_id": await handwriting(client, inspector, "赵刚")})
    assert (await missing())["missing"] == [{"signer": "site"}]
    # The person in charge signs; the phone sends the signature before its image (the outbox's order may differ).
    late = str(uuid.uuid4())
    await put_signature(client, inspector, inspection_id, {"signer": "site", "name": "张红", "photo_id": late})
    details = await missing()
    assert details["missing"] == [] and len(details["images_pending"]) == 1
    assert await IssuedDocument.count() == 0  # no number was taken while waiting

    from xunjian.inspections.demo import handwriting_png
    r = await client.put(f"/api/photos/{late}", content=handwriting_png("张红"),
                         headers={**inspector, "Content-Type": "image/png"})
    assert r.status_code == 201, r.text
    for url in urls:
        r = await client.get(url, headers=inspector)
        assert r.status_code == 200, r.text
        assert images_of(r.content) == 3 and "张红" in text_of(r.content)
    numbers = [d["serial"] for d in await IssuedDocument.select(IssuedDocument.serial)]
    assert numbers == [1, 1]  # the first record and the first notice of the year: nothing was skipped
