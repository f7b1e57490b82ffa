"""Which photos a record may refer to (photos/links.py): a link is a permission, so only one's own photos, and a
photo that is evidence of one site (or of a patrol) stays with it. The attacks of issue 12 and the flows that must
keep working, through the API."""

import uuid

from tests.api.checklist_answers import all_compliant, payload
from tests.api.test_patrols import ZONE_LZ, patrol_body, recent_start, submit, three_encounters
from tests.api.test_photos import upload
from tests.integration.photos import support
from xunjian.findings.tables import Finding, FindingResponse
from xunjian.inspections.tables import Inspection
from xunjian.photos.tables import PhotoLink

LZ = "YL-620102-001"  # 兰州 城关区, run by `manager`
LZ_OTHER = "YL-620103-002"  # 兰州 七里河区, also in `inspector`'s region
TS = "YL-620502-004"  # 天水, run by `manager2`, in `inspector2`'s region
# What a refusal must not tell: the other photo's site or owner.
LEAKS = ("兰州", "天水", "福寿园", "康乐", "王磊", "李娜", "张红", "马军", "火车站", LZ, TS, ZONE_LZ)


def _hazard(photos: list) -> dict:
    answers = all_compliant("eldercare_safety")
    answers["exits_clear"] = {"result": "noncompliant", "note": "安全出口上锁", "photos": [str(p) for p in photos]}
    return answers


async def put_inspection(client, headers, site_id, photos, status="submitted", inspection_id=None):
    inspection_id = inspection_id or uuid.uuid4()
    r = await client.put(f"/api/inspections/{inspection_id}", json=payload(site_id, answers=_hazard(photos),
                                                                            status=status), headers=headers)
    return inspection_id, r


async def new_photo(client, headers, photo_id=None):
    photo_id, r = await upload(client, headers, support.jpeg(), photo_id)
    assert r.status_code == 201, r.text
    return photo_id


async def status_of(client, as_user, photo_id, *users) -> dict:
    return {u: (await client.get(f"/api/photos/{photo_id}", headers=await as_user(u))).status_code for u in users}


def assert_refused(r, photo_id):
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "photo_not_usable"
    assert body["details"]["photo_id"] == str(photo_id) and body["details"]["field"]
    assert not any(word in r.text for word in LEAKS), r.text


async def test_an_inspector_cannot_read_another_regions_photo_by_putting_it_in_a_draft(client, demo, as_user):
    inspector, inspector2 = await as_user("inspector"), await as_user("inspector2")
    photo = await new_photo(client, inspector)
    _, r = await put_inspection(client, inspector, demo.sites[LZ], [photo])
    assert r.status_code == 201, r.text

    draft_id, r = await put_inspection(client, inspector2, demo.sites[TS], [photo], status="draft")
    assert_refused(r, photo)
    assert await Inspection.count().where(Inspection.id == draft_id) == 0, "the refused draft was written"
    assert await status_of(client, as_user, photo, "inspector2", "manager2") == {"inspector2": 404, "manager2": 404}


async def test_a_manager_cannot_read_another_managers_evidence_by_responding_with_it(client, demo, as_user):
    manager, manager2 = await as_user("manager"), await as_user("manager2")
    _, r = await put_inspection(client, await as_user("inspector"), demo.sites[LZ], [uuid.uuid4()])
    own_finding = r.json()["findings"][0]["id"]
    evidence = await new_photo(client, manager)
    r = await client.post(f"/api/findings/{own_finding}/responses", json={"note": "已拆除门锁", "photos": [str(evidence)]},
                          headers=manager)
    assert r.status_code == 201, r.text

    _, r = await put_inspection(client, await as_user("inspector2"), demo.sites[TS], [uuid.uuid4()])
    their_finding = r.json()["findings"][0]["id"]
    r = await client.post(f"/api/findings/{their_finding}/responses",
                          json={"note": "已整改", "photos": [str(evidence)]}, headers=manager2)
    assert_refused(r, evidence)
    assert (await Finding.select(Finding.status).where(Finding.id == their_finding).first())["status"] == "open"
    assert await FindingResponse.count().where(FindingResponse.finding == their_finding) == 0
    assert await status_of(client, as_user, evidence, "manager2", "inspector2") == {"manager2": 404, "inspector2": 404}


async def patrol_photo(client, demo, headers) -> uuid.UUID:
    """A photo of a minor met on a Lanzhou patrol, by the user of `headers`."""
    minor = await new_photo(client, headers)
    started = recent_start()
    encounters = three_encounters(started)
    encounters[0].update(photo_ids=[str(minor)], face_needed=True, face_reason="寻亲")
    _, r = await submit(client, headers, patrol_body(demo.sites[ZONE_LZ], started, encounters))
    assert r.status_code == 201, r.text
    return minor


async def test_a_restricted_patrol_photo_never_becomes_visible_to_an_institution(client, demo, as_user):
    inspector = await as_user("inspector")
    minor = await patrol_photo(client, demo, inspector)
    assert await status_of(client, as_user, minor, "supervisor", "manager") == {"supervisor": 200, "manager": 404}

    # Their own photo, but evidence of a patrol: it may not become an eldercare inspection's (unrestricted) photo.
    inspection_id, r = await put_inspection(client, inspector, demo.sites[LZ], [minor])
    assert_refused(r, minor)
    assert await Inspection.count().where(Inspection.id == inspection_id) == 0
    assert await Finding.count().where(Finding.site == demo.sites[LZ]) == 0
    assert await status_of(client, as_user, minor, "manager") == {"manager": 404}


async def test_another_users_patrol_photo_cannot_be_linked_either(client, demo, as_user):
    minor = await patrol_photo(client, demo, await as_user("supervisor"))
    _, r = await put_inspection(client, await as_user("inspector"), demo.sites[LZ], [minor])
    assert_refused(r, minor)
    assert await status_of(client, as_user, minor, "inspector", "manager") == {"inspector": 404, "manager": 404}


async def test_a_photo_that_is_one_sites_evidence_stays_with_that_site(client, demo, as_user):
    inspector = await as_user("inspector")
    photo = await new_photo(client, inspector)
    _, r = await put_inspection(client, inspector, demo.sites[LZ], [photo])
    assert r.status_code == 201, r.text
    # Again at the same site: the same evidence, fine. At another site (another institution's manager): refused.
    _, r = await put_inspection(client, inspector, demo.sites[LZ], [photo])
    assert r.status_code == 201, r.text
    _, r = await put_inspection(client, inspector, demo.sites[LZ_OTHER], [photo])
    assert_refused(r, photo)
    assert await PhotoLink.count().where((PhotoLink.photo_id == photo) & (PhotoLink.site_id != demo.sites[LZ])) == 0


async def test_own_photos_go_from_draft_to_submission_to_finding_and_response(client, demo, as_user):
    inspector, manager = await as_user("inspector"), await as_user("manager")
    photo = await new_photo(client, inspector)
    inspection_id, r = await put_inspection(client, inspector, demo.sites[LZ], [photo], status="draft")
    assert r.status_code == 201, r.text
    _, r = await put_inspection(client, inspector, demo.sites[LZ], [photo], inspection_id=inspection_id)
    assert r.status_code == 200, r.text
    finding = r.json()["findings"][0]
    links = await PhotoLink.select(PhotoLink.entity_type).where(PhotoLink.photo_id == photo)
    assert sorted(link["entity_type"] for link in links) == ["finding", "inspection"]
    assert await status_of(client, as_user, photo, "manager", "manager2") == {"manager": 200, "manager2": 404}

    evidence = await new_photo(client, manager)
    r = await client.post(f"/api/findings/{finding['id']}/responses", json={"note": "已拆除门锁",
                                                                            "photos": [str(evidence)]}, headers=manager)
    assert r.status_code == 201, r.text
    assert await status_of(client, as_user, evidence, "inspector", "supervisor", "manager2", "inspector2") == {
        "inspector": 200, "supervisor": 200, "manager2": 404, "inspector2": 404}


async def test_the_record_may_arrive_before_its_photo(client, demo, as_user):
    inspector = await as_user("inspector")
    photo = uuid.uuid4()
    _, r = await put_inspection(client, inspector, demo.sites[LZ], [photo])
    assert r.status_code == 201, r.text
    await new_photo(client, inspector, photo)
    assert await status_of(client, as_user, photo, "manager", "manager2") == {"manager": 200, "manager2": 404}


async def test_pre_linking_someone_elses_future_photo_id_grants_nothing(client, demo, as_user):
    inspector, inspector2 = await as_user("inspector"), await as_user("inspector2")
    photo = uuid.uuid4()
    _, r = await put_inspection(client, inspector2, demo.sites[TS], [photo], status="draft")
    assert r.status_code == 201, r.text  # an id nobody uploaded yet is not refused: offline records come first
    await new_photo(client, inspector, photo)
    # The owner's own record is not blocked by the stranger's link.
    _, r = await put_inspection(client, inspector, demo.sites[LZ], [photo])
    assert r.status_code == 201, r.text
    assert await status_of(client, as_user, photo, "inspector2", "manager2", "manager") == {
        "inspector2": 404, "manager2": 404, "manager": 200}


async def test_the_demo_links_its_photos_as_its_inspectors(client, demo, settings):
    from xunjian import demo as demo_module

    await demo_module.load(settings)
    links = await PhotoLink.select(PhotoLink.entity_type, PhotoLink.linked_by)
    assert {link["entity_type"] for link in links} == {"inspection", "finding"}
    assert {link["linked_by"] for link in links} == {demo.users["inspector"]}
