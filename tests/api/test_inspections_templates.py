"""Templates at start-up and through /api/checklists."""

import json
import uuid
import shutil
from datetime import datetime, timezone

import pytest

from xunjian.app import create_app
from xunjian.checklists.service import set_active
from xunjian.checklists.tables import ChecklistTemplate
from xunjian.errors import ConfigError
from xunjian.config import REPO_DIR

from ..conftest import running


async def test_checklists_list_current_versions_and_pinned_ones(client, demo, as_user):
    headers = await as_user("manager")
    listed = (await client.get("/api/checklists", headers=headers)).json()
    by_key = {c["key"]: c for c in listed}
    assert set(by_key) == {"eldercare_safety", "lottery_outlet_audit", "street_patrol", "rescue_station_audit"}
    assert by_key["eldercare_safety"]["check_items"] >= 55 and by_key["eldercare_safety"]["versions"] == [1, 2, 3, 4]
    assert by_key["rescue_station_audit"]["site_kind"] == "rescue_station"
    current = (await client.get("/api/checklists/eldercare_safety", headers=headers)).json()
    assert current["version"] == 4 and current["template"]["title"] == "养老机构安全隐患排查检查表"
    pinned = await client.get("/api/checklists/eldercare_safety/4", headers=headers)
    assert pinned.json() == current
    first = (await client.get("/api/checklists/eldercare_safety/1", headers=headers)).json()
    assert first["version"] == 1 and "住人建筑" in json.dumps(first["template"], ensure_ascii=False)
    assert (await client.get("/api/checklists/eldercare_safety/5", headers=headers)).status_code == 404
    assert (await client.get("/api/checklists/nothing", headers=headers)).status_code == 404


async def test_a_new_version_becomes_current_once_activated_and_the_old_stays_readable(client, demo, as_user):
    headers = await as_user("inspector")
    doc = (await client.get("/api/checklists/lottery_outlet_audit", headers=headers)).json()["template"]
    doc = dict(doc, version=3, title="福利彩票投注站检查表（2027版）")
    await ChecklistTemplate.insert(ChecklistTemplate(key=doc["key"], version=3, title=doc["title"],
                                                     site_kind=doc["site_kind"], content=doc, content_hash="x"))
    assert (await client.get("/api/checklists/lottery_outlet_audit", headers=headers)).json()["version"] == 2
    await set_active(doc["key"], 3, "admin", datetime.now(timezone.utc))
    assert (await client.get("/api/checklists/lottery_outlet_audit", headers=headers)).json()["version"] == 3
    old = (await client.get("/api/checklists/lottery_outlet_audit/1", headers=headers)).json()
    assert old["template"]["title"] == "福利彩票投注站检查表"
    listed = {c["key"]: c for c in (await client.get("/api/checklists", headers=headers)).json()}
    assert listed["lottery_outlet_audit"]["versions"] == [1, 2, 3]


def _schemas_with(tmp_path, name: str, doc: dict):
    folder = tmp_path / "schemas"
    shutil.copytree(REPO_DIR / "schemas", folder)
    (folder / "checklists" / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


async def start_error(app) -> str:
    """The ConfigError that stopped the app's start (the lifespan runs in a task group, which wraps it)."""
    with pytest.raises(BaseException) as err:
        async with running(app):
            pass
    exc = err.value
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    assert isinstance(exc, ConfigError), repr(exc)
    return str(exc)


async def test_the_app_refuses_to_start_with_a_broken_template(settings, tmp_path):
    doc = json.loads((REPO_DIR / "schemas/checklists/lottery_outlet_audit.json").read_text(encoding="utf-8"))
    doc["key"] = "lottery_broken"
    del doc["sections"][1]["items"][3]["basis"]
    app = create_app(settings.with_(schemas_dir=_schemas_with(tmp_path, "zz_broken.json", doc)))
    message = await start_error(app)
    assert "zz_broken.json: $.sections[1].items[3]: 'basis' is a required property" in message


async def test_a_changed_template_needs_a_new_version(settings, tmp_path):
    app = create_app(settings)
    async with running(app):
        pass
    doc = json.loads((REPO_DIR / "schemas/checklists/lottery_outlet_audit.json").read_text(encoding="utf-8"))
    doc["title"] = "改了标题但没有改版本"
    folder = _schemas_with(tmp_path, "lottery_outlet_audit.json", doc)
    message = await start_error(create_app(settings.with_(schemas_dir=folder)))
    assert "lottery_outlet_audit version 2 differs from the stored one" in message


async def test_a_rescue_station_is_inspected_with_its_own_template(client, demo, as_user):
    from .checklist_answers import all_compliant, payload

    headers = await as_user("inspector")
    station = demo.sites["JZ-620100"]
    answers = all_compliant("rescue_station_audit")
    answers["rooms_by_sex"] = {"result": "noncompliant", "note": "男女混住一室", "photos": [str(uuid.uuid4())]}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=headers,
                         json=payload(station, "rescue_station_audit", answers=answers))
    assert r.status_code == 201, r.text
    (finding,) = r.json()["findings"]
    assert finding["grade"] == "major" and finding["item_key"] == "rooms_by_sex"
    # An eldercare checklist does not fit a rescue station.
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=headers, json=payload(station))
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "template_key"
