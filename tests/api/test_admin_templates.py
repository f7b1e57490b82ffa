"""Checklist templates as an admin manages them: upload (validated, every error with its JSON path), the difference
from the version before, activation (new inspections pin the new version, started ones keep theirs), restarts."""

from __future__ import annotations

import copy
import json
import uuid

from xunjian.app import create_app
from xunjian.audit.tables import AuditEvent
from xunjian.checklists.tables import ChecklistTemplate

from ..conftest import running
from .checklist_answers import TEMPLATES, all_compliant, payload

KEY = "eldercare_safety"
SITE = "YL-620102-001"


def _v1(key: str = KEY) -> dict:
    """The current shipped version (version CUR)."""
    return json.loads((TEMPLATES / f"{key}.json").read_text(encoding="utf-8"))


CUR = _v1()["version"]
NEW = CUR + 1


def _v2() -> dict:
    """Version NEW: one check added to the first section of checks, one label changed, one item removed."""
    doc = _v1()
    doc["version"] = NEW
    checks = next(s for s in doc["sections"] if any(i["type"] == "check" for i in s["items"]))
    template = next(i for i in checks["items"] if i["type"] == "check")
    checks["items"].append(dict(copy.deepcopy(template), key="smoke_alarms_tested", label="烟感报警器每月测试"))
    doc["sections"][0]["items"][0]["label"] += "（新）"
    removed = next(i for i in checks["items"] if i["type"] == "check" and i["key"] != template["key"])
    checks["items"].remove(removed)
    return doc


async def _upload(client, headers, doc) -> object:
    return await client.post("/api/admin/checklists", content=json.dumps(doc, ensure_ascii=False).encode(),
                             headers={**headers, "Content-Type": "application/json"})


async def test_upload_lists_the_new_version_inactive_and_repeats_are_idempotent(client, demo, as_user):
    admin = await as_user("admin")
    r = await _upload(client, admin, _v2())
    assert r.status_code == 201, r.text
    assert r.json()["active"] is False and r.json()["source"] == "uploaded" and r.json()["uploaded_by"] == "admin"
    listed = {(i["key"], i["version"]): i for i in (await client.get("/api/admin/checklists", headers=admin)).json()
              ["items"]}
    assert listed[(KEY, CUR)]["active"] is True and listed[(KEY, CUR)]["source"] == "shipped"
    assert listed[(KEY, NEW)]["active"] is False and listed[(KEY, NEW)]["created_at"]
    # Not yet what inspectors get.
    inspector = await as_user("inspector")
    assert (await client.get(f"/api/checklists/{KEY}", headers=inspector)).json()["version"] == CUR
    assert (await _upload(client, admin, _v2())).status_code == 200
    other = _v2()
    other["title"] = "另一份内容"
    r = await _upload(client, admin, other)
    assert r.status_code == 409 and r.json()["code"] == "version_exists"
    higher = _v2()
    higher["version"] = NEW + 1
    assert (await _upload(client, admin, higher)).status_code == 201
    r = await _upload(client, admin, other)  # version NEW again, now below NEW + 1: "exists", the content differs
    assert r.status_code == 409
    audits = await AuditEvent.select(AuditEvent.action, AuditEvent.entity_id).where(
        AuditEvent.action == "checklist.upload")
    assert sorted(a["entity_id"] for a in audits) == [f"{KEY}/{NEW}", f"{KEY}/{NEW + 1}"]


async def test_a_version_not_above_the_stored_ones_is_refused(client, demo, as_user):
    admin = await as_user("admin")
    doc = _v2()
    doc["version"] = NEW + 3
    assert (await _upload(client, admin, doc)).status_code == 201
    doc["version"] = NEW + 2
    r = await _upload(client, admin, doc)
    assert r.status_code == 409 and r.json()["code"] == "version_not_higher"
    assert r.json()["details"] == {"highest": NEW + 3}


async def test_every_problem_is_reported_with_its_json_path(client, demo, as_user):
    admin = await as_user("admin")
    doc = _v2()
    doc["sections"][1]["items"][0]["grade"] = "catastrophic"
    del doc["sections"][2]["items"][0]["label"]
    r = await _upload(client, admin, doc)
    assert r.status_code == 422 and r.json()["code"] == "template_invalid", r.text
    paths = {d["path"] for d in r.json()["details"]}
    assert "$.sections[1].items[0].grade" in paths and "$.sections[2].items[0]" in paths
    # The engine's own checks, on a document the schema accepts: a key used twice.
    doc = _v2()
    doc["sections"][1]["items"][1]["key"] = doc["sections"][1]["items"][0]["key"]
    r = await _upload(client, admin, doc)
    assert r.status_code == 422
    assert r.json()["details"] == [{"path": "$.sections[1].items[1].key",
                                    "message": f"item key {doc['sections'][1]['items'][0]['key']!r} is used twice"}]
    assert await ChecklistTemplate.count().where(ChecklistTemplate.key == KEY) == CUR


async def test_hostile_uploads_are_4xx(client, demo, as_user):
    admin = await as_user("admin")
    headers = {**admin, "Content-Type": "application/json"}
    huge = _v2()
    huge["description"] = "长" * 300_000
    bodies = {
        "huge": json.dumps(huge).encode(),
        "deep": b"[" * 50_000 + b"]" * 50_000,
        "deep object": ('{"key": ' * 40 + "1" + "}" * 40).encode(),
        "big number": json.dumps(dict(_v2(), version=2**70)).encode(),
        "version past int32": json.dumps(dict(_v2(), version=2**40)).encode(),
        "not json": b"{nope",
        "a list": b"[1, 2]",
        "a string": b'"template"',
        "wrong types": json.dumps(dict(_v2(), sections="none", version="2")).encode(),
        "empty": b"",
    }
    for name, body in bodies.items():
        r = await client.post("/api/admin/checklists", content=body, headers=headers)
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text[:200])
        assert set(r.json()) == {"code", "message", "details"}, name
    assert (await client.post("/api/admin/checklists", content=bodies["huge"], headers=headers)).status_code == 413
    assert await ChecklistTemplate.count().where(ChecklistTemplate.key == KEY) == CUR


async def test_the_difference_from_the_version_before(client, demo, as_user):
    admin = await as_user("admin")
    v2 = _v2()
    assert (await _upload(client, admin, v2)).status_code == 201
    v3 = copy.deepcopy(v2)
    v3["version"] = NEW + 1
    v3["sections"].append({"key": "extra", "title": "补充检查", "items": [
        dict(copy.deepcopy(v2["sections"][1]["items"][0]), key="extra_check", label="补充项")]})
    assert (await _upload(client, admin, v3)).status_code == 201
    d = (await client.get(f"/api/admin/checklists/{KEY}/{NEW}/diff", headers=admin)).json()
    assert (d["key"], d["from_version"], d["to_version"]) == (KEY, CUR, NEW)
    checks = next(s for s in v2["sections"] if any(i["key"] == "smoke_alarms_tested" for i in s["items"]))
    assert d["added"] == [{"item": "smoke_alarms_tested", "title": "烟感报警器每月测试", "section": checks["key"]}]
    assert len(d["removed"]) == 1 and d["removed"][0]["section"] == checks["key"]
    first = v2["sections"][0]["items"][0]
    assert d["changed"] == [{"item": first["key"], "title": first["label"],
                             "changes": {"label": [first["label"].removesuffix("（新）"), first["label"]]}}]
    assert d["sections_added"] == [] and d["sections_removed"] == []
    d = (await client.get(f"/api/admin/checklists/{KEY}/{NEW + 1}/diff", headers=admin)).json()
    assert d["from_version"] == NEW and d["sections_added"] == [{"section": "extra", "title": "补充检查"}]
    assert [a["item"] for a in d["added"]] == ["extra_check"] and d["changed"] == []
    d = (await client.get(f"/api/admin/checklists/{KEY}/{NEW + 1}/diff?against={CUR}", headers=admin)).json()
    assert d["from_version"] == CUR and {a["item"] for a in d["added"]} == {"smoke_alarms_tested", "extra_check"}
    assert (await client.get(f"/api/admin/checklists/{KEY}/1/diff", headers=admin)).status_code == 404
    assert (await client.get(f"/api/admin/checklists/{KEY}/99/diff", headers=admin)).status_code == 404
    assert (await client.get(f"/api/admin/checklists/{KEY}/{NEW}/diff?against=0", headers=admin)).status_code == 422


async def test_activation_pins_new_inspections_and_started_ones_keep_their_version(client, demo, as_user):
    admin, inspector = await as_user("admin"), await as_user("inspector")
    site = demo.sites[SITE]
    v2 = _v2()
    assert (await _upload(client, admin, v2)).status_code == 201
    keys = {i["key"] for section in v2["sections"] for i in section["items"]}
    v2_answers = {**{k: v for k, v in all_compliant(KEY).items() if k in keys},
                  "smoke_alarms_tested": {"result": "compliant"}}
    # Before activation version 2 cannot be pinned.
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site, answers=v2_answers, version=NEW),
                         headers=inspector)
    assert r.status_code == 422, r.text
    # An inspection started (a draft) and one submitted on version CUR.
    draft_id, done_id = uuid.uuid4(), uuid.uuid4()
    draft = payload(site, status="draft", answers={})
    done = payload(site)
    assert (await client.put(f"/api/inspections/{draft_id}", json=draft, headers=inspector)).status_code == 201
    assert (await client.put(f"/api/inspections/{done_id}", json=done, headers=inspector)).status_code == 201

    r = await client.post(f"/api/admin/checklists/{KEY}/{NEW}/activate", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is True, r.text
    current = (await client.get(f"/api/checklists/{KEY}", headers=inspector)).json()
    assert current["version"] == NEW
    listed = {c["key"]: c for c in (await client.get("/api/checklists", headers=inspector)).json()}
    assert listed[KEY]["version"] == NEW and listed[KEY]["versions"] == list(range(1, NEW + 1))
    # A new inspection, as the PWA starts one, pins what it was given: version NEW, validated against it.
    new_id = uuid.uuid4()
    r = await client.put(f"/api/inspections/{new_id}", json=payload(site, answers=all_compliant(KEY),
                                                                     version=current["version"]), headers=inspector)
    assert r.status_code == 422 and "smoke_alarms_tested" in r.text  # CUR's answers lack the new check
    r = await client.put(f"/api/inspections/{new_id}", json=payload(site, answers=v2_answers, version=NEW),
                         headers=inspector)
    assert r.status_code == 201 and r.json()["template_version"] == NEW, r.text
    # The draft started on version CUR is finished on it; the submitted one replays against it.
    r = await client.put(f"/api/inspections/{draft_id}", json=payload(site, version=CUR), headers=inspector)
    assert r.status_code == 200 and r.json()["template_version"] == CUR, r.text
    r = await client.put(f"/api/inspections/{done_id}", json=done, headers=inspector)
    assert r.status_code == 200 and r.json()["template_version"] == CUR
    events = await AuditEvent.select(AuditEvent.actor_name, AuditEvent.before, AuditEvent.after).where(
        AuditEvent.action == "checklist.activate").output(load_json=True)
    assert events == [{"actor_name": "admin", "before": {"active_version": CUR}, "after": {"active_version": NEW}}]
    assert (await client.post(f"/api/admin/checklists/{KEY}/99/activate", headers=admin)).status_code == 404
    assert (await client.post("/api/admin/checklists/nothing/1/activate", headers=admin)).status_code == 404


async def test_a_restart_keeps_activations_and_uploads(client, demo, as_user, settings, tmp_path):
    import shutil

    from xunjian.config import REPO_DIR

    admin = await as_user("admin")
    v2 = _v2()
    assert (await _upload(client, admin, v2)).status_code == 201
    assert (await client.post(f"/api/admin/checklists/{KEY}/{NEW}/activate", headers=admin)).status_code == 200
    # A release ships its own version NEW (other content) and NEW + 1 of the same key.
    folder = tmp_path / "schemas"
    shutil.copytree(REPO_DIR / "schemas", folder)
    shipped = dict(_v1(), version=NEW, title="发行版新版")
    (folder / "checklists" / f"{KEY}.v{NEW}.json").write_text(json.dumps(shipped, ensure_ascii=False),
                                                              encoding="utf-8")
    (folder / "checklists" / f"{KEY}.v{NEW + 1}.json").write_text(
        json.dumps(dict(_v1(), version=NEW + 1), ensure_ascii=False), encoding="utf-8")
    second = create_app(settings.with_(schemas_dir=folder))
    async with running(second):
        rows = {r["version"]: r for r in await ChecklistTemplate.select(
            ChecklistTemplate.version, ChecklistTemplate.active, ChecklistTemplate.source, ChecklistTemplate.title)
            .where(ChecklistTemplate.key == KEY)}
    assert rows[NEW]["active"] and rows[NEW]["source"] == "uploaded" and rows[NEW]["title"] == v2["title"]
    assert rows[NEW + 1]["source"] == "shipped" and not rows[NEW + 1]["active"]  # waits for an admin


async def test_a_newly_shipped_version_becomes_active_while_no_admin_chose(settings, tmp_path):
    import shutil

    from xunjian.config import REPO_DIR

    async with running(create_app(settings)):
        pass
    folder = tmp_path / "schemas"
    shutil.copytree(REPO_DIR / "schemas", folder)
    (folder / "checklists" / f"{KEY}.v{NEW}.json").write_text(json.dumps(dict(_v1(), version=NEW), ensure_ascii=False),
                                                              encoding="utf-8")
    async with running(create_app(settings.with_(schemas_dir=folder))):
        active = await ChecklistTemplate.select(ChecklistTemplate.version).where(
            (ChecklistTemplate.key == KEY) & (ChecklistTemplate.active == True)).first()  # noqa: E712
    assert active == {"version": NEW}
