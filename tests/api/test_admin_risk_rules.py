"""Risk rules versions: stored at start-up, one active, served from memory, picked up by other instances."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

from xunjian.checklists.rules import canonical_hash
from xunjian.risk import rules as R
from xunjian.risk import service as risk
from xunjian.risk import versions
from xunjian.risk.tables import RiskRules, SiteRisk


def _v2(thresholds: dict | None = None) -> dict:
    doc = copy.deepcopy(risk.current_rules())
    doc["version"] = 2
    doc["description"] = "stricter"
    doc["thresholds"] = thresholds or {"yellow": 0.5, "orange": 1.0, "red": 2.0}
    return doc


async def _store(doc: dict, source: str = "uploaded") -> None:
    await RiskRules.insert(RiskRules(version=doc["version"], description=doc["description"], content=doc,
                                     content_hash=canonical_hash(doc), source=source,
                                     created_at=datetime.now(timezone.utc)))


async def test_start_up_stores_the_shipped_rules_and_makes_them_active(client):
    rows = await RiskRules.select(RiskRules.version, RiskRules.source, RiskRules.active, RiskRules.activated_by)
    assert rows == [{"version": 1, "source": "shipped", "active": True, "activated_by": None}]
    assert risk.current_rules()["version"] == 1


async def test_current_rules_reads_neither_disk_nor_database(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("read per call")

    monkeypatch.setattr(R, "load_rules", refuse)
    monkeypatch.setattr(RiskRules, "select", refuse)
    assert risk.current_rules()["version"] == 1


async def test_an_activation_elsewhere_is_picked_up_by_refresh_and_by_every_job_run(client, demo, as_user):
    await _store(_v2())
    # Another instance activated version 2: this one still answers with 1 until it checks.
    await versions.set_active(2, "admin", datetime.now(timezone.utc))
    assert risk.current_rules()["version"] == 1
    run = await client.post("/api/admin/jobs/risk/run", headers=await as_user("admin"))
    assert run.status_code == 200 and run.json()["status"] == "ok", run.text
    assert risk.current_rules()["version"] == 2
    assert {r["rules_version"] for r in await SiteRisk.select(SiteRisk.rules_version)} == {2}


async def test_the_refresher_checks_the_active_version_on_its_own(client, monkeypatch):
    import asyncio

    await _store(_v2())
    monkeypatch.setattr(versions, "REFRESH_SECONDS", 0.01)
    task = asyncio.create_task(versions._refresh_forever())
    try:
        await versions.set_active(2, "admin", datetime.now(timezone.utc))
        for _ in range(200):
            if risk.current_rules()["version"] == 2:
                break
            await asyncio.sleep(0.01)
        assert risk.current_rules()["version"] == 2
    finally:
        task.cancel()


def _schemas_with_v2(tmp_path, doc: dict):
    import json
    import shutil

    from xunjian.config import REPO_DIR

    folder = tmp_path / "schemas"
    shutil.copytree(REPO_DIR / "schemas", folder)
    (folder / "risk-rules" / "v2.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


async def _start(settings):
    from xunjian.app import create_app

    from ..conftest import running

    async with running(create_app(settings)):
        return {r["version"]: r for r in await RiskRules.select(
            RiskRules.version, RiskRules.source, RiskRules.active, RiskRules.activated_by)}, risk.current_rules()


async def test_a_newly_shipped_version_becomes_active_at_start_unless_an_admin_chose(settings, tmp_path):
    rows, _ = await _start(settings)
    assert rows[1]["active"]
    shipped_v2 = settings.with_(schemas_dir=_schemas_with_v2(tmp_path, _v2()))
    rows, rules = await _start(shipped_v2)
    assert rows[2]["active"] and rows[2]["source"] == "shipped" and not rows[1]["active"] and rules["version"] == 2
    # An admin goes back to version 1: restarts keep it.
    rows, _ = await _start(settings)
    await _activate_as_admin(settings, 1)
    rows, rules = await _start(shipped_v2)
    assert rows[1]["active"] and rows[1]["activated_by"] == "admin" and rules["version"] == 1


async def _activate_as_admin(settings, version: int) -> None:
    from xunjian.app import create_app

    from ..conftest import running

    async with running(create_app(settings)):
        await versions.set_active(version, "admin", datetime.now(timezone.utc))


async def test_start_up_never_overwrites_an_uploaded_version(settings, tmp_path):
    await _start(settings)
    uploaded = _v2()

    from xunjian.app import create_app

    from ..conftest import running

    async with running(create_app(settings)):
        await _store(uploaded)
    other = _v2({"yellow": 9, "orange": 10, "red": 11})
    rows, rules = await _start(settings.with_(schemas_dir=_schemas_with_v2(tmp_path, other)))
    assert rows[2]["source"] == "uploaded" and not rows[2]["active"] and rules["version"] == 1
    stored = await _content(settings, 2)
    assert stored["thresholds"] == uploaded["thresholds"]


async def _content(settings, version: int) -> dict:
    from xunjian.app import create_app

    from ..conftest import running

    async with running(create_app(settings)):
        row = await RiskRules.select(RiskRules.content).where(RiskRules.version == version) \
            .output(load_json=True).first()
    return row["content"]
