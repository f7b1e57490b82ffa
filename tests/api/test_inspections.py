import asyncio
import uuid
from datetime import datetime, timedelta

from xunjian.findings.tables import Finding
from xunjian.inspections.tables import Inspection

from .checklist_answers import all_compliant, payload, template


def _eldercare_with_two_hazards(photo: str) -> dict:
    answers = all_compliant("eldercare_safety")
    answers["exits_clear"] = {"result": "noncompliant", "note": "二楼东侧安全出口上锁", "photos": [photo]}
    answers["floors_clear"] = {"result": "noncompliant", "note": "一楼走廊地面积水"}
    return answers


async def test_two_noncompliant_items_yield_two_findings_with_grades_and_deadlines(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    inspection_id = uuid.uuid4()
    body = payload(site, answers=_eldercare_with_two_hazards(str(uuid.uuid4())),
                   checkin={"lat": 36.0580, "lng": 103.8415})
    r = await client.put(f"/api/inspections/{inspection_id}", json=body, headers=headers)
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["status"] == "submitted" and data["template_version"] == template("eldercare_safety").version and data["self_inspection"] is False
    assert data["checks_noncompliant"] == 2 and data["checkin_far"] is False and data["checkin_distance_m"] < 100
    submitted = datetime.fromisoformat(data["submitted_at"])
    by_item = {f["item_key"]: f for f in data["findings"]}
    assert set(by_item) == {"exits_clear", "floors_clear"}
    assert by_item["exits_clear"]["grade"] == "major"
    assert by_item["floors_clear"]["grade"] == "general"
    assert datetime.fromisoformat(by_item["exits_clear"]["deadline"]) == submitted + timedelta(days=30)
    assert datetime.fromisoformat(by_item["floors_clear"]["deadline"]) == submitted + timedelta(days=15)

    listed = (await client.get(f"/api/findings?inspection={inspection_id}", headers=headers)).json()
    assert listed["total"] == 2
    major = next(f for f in listed["items"] if f["grade"] == "major")
    assert major["title"] == "占用、堵塞、封闭疏散通道、安全出口" and major["basis"] == "中华人民共和国消防法 第二十八条"
    assert major["description"] == "二楼东侧安全出口上锁" and major["status"] == "open"


async def test_replay_is_200_identical_and_different_content_is_409(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    inspection_id = uuid.uuid4()
    body = payload(site, answers=_eldercare_with_two_hazards(str(uuid.uuid4())))
    first = await client.put(f"/api/inspections/{inspection_id}", json=body, headers=headers)
    again = await client.put(f"/api/inspections/{inspection_id}", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    changed = dict(body, remarks="补充说明")
    r = await client.put(f"/api/inspections/{inspection_id}", json=changed, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "inspection_conflict"
    assert await Finding.count().where(Finding.inspection == inspection_id) == 2


async def test_another_scopes_inspection_id_answers_taken_and_nothing_about_it(client, demo, as_user):
    inspection_id = uuid.uuid4()
    body = payload(demo.sites["YL-620102-001"], answers=_eldercare_with_two_hazards(str(uuid.uuid4())))
    assert (await client.put(f"/api/inspections/{inspection_id}", json=body,
                             headers=await as_user("inspector"))).status_code == 201
    theirs = payload(demo.sites["YL-620502-004"], answers=_eldercare_with_two_hazards(str(uuid.uuid4())))
    r = await client.put(f"/api/inspections/{inspection_id}", json=theirs, headers=await as_user("inspector2"))
    assert r.status_code == 409 and r.json()["code"] == "inspection_conflict"
    assert r.json()["details"] is None
    assert "submitted" not in r.text and "兰州" not in r.text
    assert (await Inspection.select(Inspection.site).where(Inspection.id == inspection_id).first())["site"] == \
        demo.sites["YL-620102-001"]
    # Within the caller's scope the status still explains the conflict.
    mine = dict(body, remarks="补充说明")
    r = await client.put(f"/api/inspections/{inspection_id}", json=mine, headers=await as_user("inspector"))
    assert r.status_code == 409 and r.json()["details"] == {"status": "submitted"}


async def test_five_concurrent_identical_puts_make_one_inspection_and_two_findings(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    inspection_id = uuid.uuid4()
    body = payload(site, answers=_eldercare_with_two_hazards(str(uuid.uuid4())))
    responses = await asyncio.gather(*[
        client.put(f"/api/inspections/{inspection_id}", json=body, headers=headers) for _ in range(5)
    ])
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.content for r in responses}) == 1
    assert await Inspection.count().where(Inspection.id == inspection_id) == 1
    assert await Finding.count().where(Finding.inspection == inspection_id) == 2


async def test_concurrent_submissions_of_one_draft_create_findings_once(client, demo, as_user, monkeypatch):
    from xunjian.inspections import service

    link = service.link_photos

    async def slow_link(*args, **kwargs):
        # Widen the window inside the submitting transaction, where a second submission would slip in.
        await asyncio.sleep(0.05)
        return await link(*args, **kwargs)

    monkeypatch.setattr(service, "link_photos", slow_link)
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    inspection_id = uuid.uuid4()
    answers = _eldercare_with_two_hazards(str(uuid.uuid4()))
    draft = payload(site, answers={"exits_clear": answers["exits_clear"]}, status="draft")
    assert (await client.put(f"/api/inspections/{inspection_id}", json=draft, headers=headers)).status_code == 201
    assert await Finding.count().where(Finding.inspection == inspection_id) == 0
    final = payload(site, answers=answers, extra_findings=[{"title": "院内堆放大量纸箱", "grade": "general"}])
    responses = await asyncio.gather(*[
        client.put(f"/api/inspections/{inspection_id}", json=final, headers=headers) for _ in range(5)
    ])
    assert {r.status_code for r in responses} == {200}
    assert await Finding.count().where(Finding.inspection == inspection_id) == 3


async def test_draft_is_updatable_and_may_be_incomplete(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    inspection_id = uuid.uuid4()
    r = await client.put(f"/api/inspections/{inspection_id}", headers=headers,
                         json=payload(site, answers={"approved_beds": 180}, status="draft"))
    assert r.status_code == 201 and r.json()["status"] == "draft" and r.json()["submitted_at"] is None
    r = await client.put(f"/api/inspections/{inspection_id}", headers=headers,
                         json=payload(site, answers={"approved_beds": 180, "residents_present": 140}, status="draft"))
    assert r.status_code == 200 and r.json()["answers"]["residents_present"] == 140
    r = await client.put(f"/api/inspections/{inspection_id}", headers=headers,
                         json=payload(site, answers={"approved_beds": 180}, status="submitted"))
    assert r.status_code == 422
    names = {d["item"] for d in r.json()["details"]}
    assert {"residents_present", "exits_clear", "has_canteen"} <= names
    r = await client.put(f"/api/inspections/{inspection_id}", headers=headers, json=payload(site))
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["findings"] == []


async def test_unknown_item_and_wrong_type_are_422_naming_the_item(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    before = await Inspection.count()
    answers = all_compliant("eldercare_safety")
    answers["no_such_item"] = {"result": "compliant"}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 422
    assert r.json()["details"] == [{"item": "no_such_item", "message": "no such item in this template version"}]

    answers = all_compliant("eldercare_safety")
    answers["approved_beds"] = "一百八十"
    answers["exits_clear"] = {"result": "maybe"}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 422
    assert {d["item"] for d in r.json()["details"]} == {"approved_beds", "exits_clear"}
    assert await Inspection.count() == before


async def test_deadline_may_be_shortened_never_lengthened(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    answers = all_compliant("eldercare_safety")
    answers["lighting_ok"] = {"result": "noncompliant", "deadline_days": 16}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 422 and r.json()["details"][0]["item"] == "lighting_ok.deadline_days"
    answers["lighting_ok"] = {"result": "noncompliant", "deadline_days": 3}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 201
    finding = r.json()["findings"][0]
    assert (datetime.fromisoformat(finding["deadline"]) - datetime.fromisoformat(r.json()["submitted_at"])).days == 3


async def test_hidden_item_answered_and_photo_required(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    answers = all_compliant("eldercare_safety")
    answers["has_canteen"] = "no"  # hides the canteen items answered by all_compliant
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 422
    assert {d["item"] for d in r.json()["details"]} == {"canteen_licensed", "food_handlers_certified",
                                                        "incoming_goods_checked", "food_samples_kept", "kitchen_clean"}
    answers = all_compliant("eldercare_safety")
    answers["building_safe"] = {"result": "noncompliant"}  # a major item: a photo is required
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 422 and r.json()["details"][0]["item"] == "building_safe.photos"


async def test_far_checkin_is_flagged_not_refused_and_device_time_kept(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    body = payload(site, checkin={"lat": 36.10, "lng": 103.84, "accuracy_m": 12},
                   device_started_at="2026-11-01T09:00:00+08:00", device_submitted_at="2026-11-01T10:30:00+08:00")
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=body, headers=headers)
    assert r.status_code == 201
    data = r.json()
    assert data["checkin_far"] is True and data["checkin_distance_m"] > 4000
    assert datetime.fromisoformat(data["device_submitted_at"]) == datetime.fromisoformat("2026-11-01T02:30:00+00:00")
    assert datetime.fromisoformat(data["submitted_at"]) > datetime.fromisoformat(data["device_submitted_at"])


async def test_template_must_fit_the_site_and_exist(client, demo, as_user):
    headers = await as_user("inspector")
    outlet = demo.sites["FC-62010201"]
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(outlet), headers=headers)
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "template_key"
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(outlet, "lottery_outlet_audit"),
                         headers=headers)
    assert r.status_code == 201
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=headers,
                         json=payload(outlet, "lottery_outlet_audit", version=9))
    assert r.status_code == 422


async def test_self_inspection_by_manager_marks_findings_self_reported(client, demo, as_user):
    headers = await as_user("manager")
    site = demo.sites["YL-620102-001"]
    answers = all_compliant("eldercare_safety")
    answers["medicines_in_order"] = {"result": "noncompliant", "note": "发现两盒过期药品"}
    inspection_id = uuid.uuid4()
    r = await client.put(f"/api/inspections/{inspection_id}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 201 and r.json()["self_inspection"] is True
    listed = (await client.get("/api/findings?self_reported=true", headers=headers)).json()
    assert [f["item_key"] for f in listed["items"]] == ["medicines_in_order"]
    # The manager of another institution cannot inspect this one, nor see it.
    other = await as_user("manager2")
    assert (await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site), headers=other)).status_code == 404
    assert (await client.get(f"/api/inspections/{inspection_id}", headers=other)).status_code == 404


async def test_notice_is_printable_html_under_the_csp(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    inspection_id = uuid.uuid4()
    await client.put(f"/api/inspections/{inspection_id}", headers=headers,
                     json=payload(site, answers=_eldercare_with_two_hazards(str(uuid.uuid4()))))
    r = await client.get(f"/api/inspections/{inspection_id}/notice", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "整改通知书" in html and "兰州市城关区福寿园养老院" in html and "王磊" in html
    assert "占用、堵塞、封闭疏散通道、安全出口" in html and "重大隐患" in html and "一般隐患" in html
    assert "照片待上传" in html  # the photo has not arrived yet
    assert "<script>" not in html and "<style" not in html and "style=" not in html
    assert '<link rel="stylesheet" href="/css/notice.css">' in html
    assert '<script type="module" src="/js/notice.js"></script>' in html and 'id="print"' in html
    assert "window.print()" in (await client.get("/js/notice.js")).text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    css = await client.get("/css/notice.css")
    assert css.status_code == 200 and "size: A4" in css.text
    other = await as_user("manager2")
    assert (await client.get(f"/api/inspections/{inspection_id}/notice", headers=other)).status_code == 404


async def test_every_change_to_an_inspection_is_audited(client, demo, as_user):
    from xunjian.audit.service import events_for

    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    inspection_id = uuid.uuid4()
    draft = payload(site, answers={"approved_beds": 180}, status="draft")
    await client.put(f"/api/inspections/{inspection_id}", json=draft, headers=headers)
    await client.put(f"/api/inspections/{inspection_id}", json=draft, headers=headers)  # a replay changes nothing
    await client.put(f"/api/inspections/{inspection_id}", json=payload(site), headers=headers)
    events = await events_for("inspection", inspection_id)
    assert [e["action"] for e in events] == ["inspection.create", "inspection.submit"]
    assert events[0]["before"] is None and events[1]["before"]["status"] == "draft"
    assert events[1]["after"]["status"] == "submitted" and events[1]["actor_name"] == "inspector"
    assert all(e["client_addr"] == "127.0.0.1" for e in events)


async def test_notice_shows_thumbnails_of_uploaded_photos(client, demo, as_user):
    from tests.integration.photos import support

    headers = await as_user("inspector")
    photo = str(uuid.uuid4())
    r = await client.put(f"/api/photos/{photo}", content=support.jpeg((640, 480)),
                         headers={**headers, "Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    inspection_id = uuid.uuid4()
    await client.put(f"/api/inspections/{inspection_id}", headers=headers,
                     json=payload(demo.sites["YL-620102-001"], answers=_eldercare_with_two_hazards(photo)))
    manager = await as_user("manager")
    html = (await client.get(f"/api/inspections/{inspection_id}/notice", headers=manager)).text
    src = html.split('<img src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert src.startswith(f"/api/photos/{photo}/file/")
    thumb = await client.get(src, headers=manager)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    # The manager may see the finding's photo through the photo API too (it is linked to the finding).
    assert (await client.get(f"/api/photos/{photo}", headers=manager)).status_code == 200
    assert (await client.get(f"/api/photos/{photo}", headers=await as_user("manager2"))).status_code == 404


async def test_night_staff_too_few_for_the_residents_cannot_be_answered_compliant(client, demo, as_user):
    headers = await as_user("inspector")
    site = demo.sites["YL-620102-001"]
    answers = all_compliant("eldercare_safety") | {"residents_present": 61, "night_staff": 2}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 422
    assert [d["item"] for d in r.json()["details"]] == ["night_staff_sufficient"]
    answers["night_staff_sufficient"] = {"result": "noncompliant", "note": "夜班仅2人"}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=answers), headers=headers)
    assert r.status_code == 201, r.text
    assert [f["item_key"] for f in r.json()["findings"]] == ["night_staff_sufficient"]
