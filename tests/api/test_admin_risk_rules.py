"""Risk rules versions: stored at start-up, one active, served from memory, picked up by other instances."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

from xunjian.audit.tables import AuditEvent
from xunjian.checklists.rules import canonical_hash
from xunjian.risk import rules as R
from xunjian.risk import service as risk
from xunjian.risk import versions
from xunjian.risk.tables import RiskRules, SiteRisk


# Version 2 is shipped and active (rules per site kind); these tests upload and ship a version 3 over it.
def _v3(thresholds: dict | None = None) -> dict:
    doc = copy.deepcopy(risk.current_rules())
    doc["version"] = 3
    doc["description"] = "stricter"
    doc["default"]["thresholds"] = thresholds or {"yellow": 0.5, "orange": 1.0, "red": 2.0}
    return doc


async def _store(doc: dict, source: str = "uploaded") -> None:
    await RiskRules.insert(RiskRules(version=doc["version"], description=doc["description"], content=doc,
                                     content_hash=canonical_hash(doc), source=source,
                                     created_at=datetime.now(timezone.utc)))


async def test_start_up_stores_the_shipped_rules_and_makes_them_active(client):
    rows = await RiskRules.select(RiskRules.version, RiskRules.source, RiskRules.active, RiskRules.activated_by)
    assert rows == [{"version": 1, "source": "shipped", "active": False, "activated_by": None},
                    {"version": 2, "source": "shipped", "active": True, "activated_by": None}]
    assert risk.current_rules()["version"] == 2


async def test_current_rules_reads_neither_disk_nor_database(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("read per call")

    monkeypatch.setattr(R, "load_rules", refuse)
    monkeypatch.setattr(RiskRules, "select", refuse)
    assert risk.current_rules()["version"] == 2


async def test_an_activation_elsewhere_is_picked_up_by_refresh_and_by_every_job_run(client, demo, as_user):
    await _store(_v3())
    # Another instance activated version 3: this one still answers with 2 until it checks.
    await versions.set_active(3, "admin", datetime.now(timezone.utc))
    assert risk.current_rules()["version"] == 2
    run = await client.post("/api/admin/jobs/risk/run", headers=await as_user("admin"))
    assert run.status_code == 200 and run.json()["status"] == "ok", run.text
    assert risk.current_rules()["version"] == 3
    assert {r["rules_version"] for r in await SiteRisk.select(SiteRisk.rules_version)} == {3}


async def test_the_refresher_checks_the_active_version_on_its_own(client, monkeypatch):
    import asyncio

    await _store(_v3())
    monkeypatch.setattr(versions, "REFRESH_SECONDS", 0.01)
    task = asyncio.create_task(versions._refresh_forever())
    try:
        await versions.set_active(3, "admin", datetime.now(timezone.utc))
        for _ in range(200):
            if risk.current_rules()["version"] == 3:
                break
            await asyncio.sleep(0.01)
        assert risk.current_rules()["version"] == 3
    finally:
        task.cancel()


def _schemas_with_v3(tmp_path, doc: dict):
    import json
    import shutil

    from xunjian.config import REPO_DIR

    folder = tmp_path / "schemas"
    shutil.copytree(REPO_DIR / "schemas", folder)
    (folder / "risk-rules" / "v3.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


async def _start(settings):
    from xunjian.app import create_app

    from ..conftest import running

    async with running(create_app(settings)):
        return {r["version"]: r for r in await RiskRules.select(
            RiskRules.version, RiskRules.source, RiskRules.active, RiskRules.activated_by)}, risk.current_rules()


async def test_a_newly_shipped_version_becomes_active_at_start_unless_an_admin_chose(settings, tmp_path):
    rows, _ = await _start(settings)
    assert rows[2]["active"]
    shipped_v3 = settings.with_(schemas_dir=_schemas_with_v3(tmp_path, _v3()))
    rows, rules = await _start(shipped_v3)
    assert rows[3]["active"] and rows[3]["source"] == "shipped" and not rows[2]["active"] and rules["version"] == 3
    # An admin goes back to version 1 (the old layout, still readable): restarts keep it.
    rows, _ = await _start(settings)
    await _activate_as_admin(settings, 1)
    rows, rules = await _start(shipped_v3)
    assert rows[1]["active"] and rows[1]["activated_by"] == "admin" and rules["version"] == 1


async def _activate_as_admin(settings, version: int) -> None:
    from xunjian.app import create_app

    from ..conftest import running

    async with running(create_app(settings)):
        await versions.set_active(version, "admin", datetime.now(timezone.utc))


async def test_start_up_never_overwrites_an_uploaded_version(settings, tmp_path):
    await _start(settings)
    uploaded = _v3()

    from xunjian.app import create_app

    from ..conftest import running

    async with running(create_app(settings)):
        await _store(uploaded)
    other = _v3({"yellow": 9, "orange": 10, "red": 11})
    rows, rules = await _start(settings.with_(schemas_dir=_schemas_with_v3(tmp_path, other)))
    assert rows[3]["source"] == "uploaded" and not rows[3]["active"] and rules["version"] == 2
    stored = await _content(settings, 3)
    assert stored["default"]["thresholds"] == uploaded["default"]["thresholds"]


async def _content(settings, version: int) -> dict:
    from xunjian.app import create_app

    from ..conftest import running

    async with running(create_app(settings)):
        row = await RiskRules.select(RiskRules.content).where(RiskRules.version == version) \
            .output(load_json=True).first()
    return row["content"]


# ---------------------------------------------------------------- administration

async def _post_rules(client, headers, doc) -> object:
    return await client.post("/api/admin/risk-rules", content=json.dumps(doc).encode(),
                             headers={**headers, "Content-Type": "application/json"})


async def _tiers() -> dict[int, str]:
    return {r["site"]: r["tier"] for r in await SiteRisk.select(SiteRisk.site, SiteRisk.tier)}


async def _world(demo) -> None:
    """Open findings at a few sites, so that lower thresholds move them and not others."""
    from datetime import timedelta

    from tests.integration.jobs import factory

    now = factory.utcnow()
    inspector = demo.users["inspector"]
    for code in ("YL-620102-001", "YL-620103-002"):
        await factory.finding(demo.sites[code], inspector, grade="general", deadline=now + timedelta(days=10))
    await risk.rate_sites(now)


async def test_upload_dry_run_then_activation_does_what_the_dry_run_said(client, demo, as_user):
    admin = await as_user("admin")
    await _world(demo)
    r = await _post_rules(client, admin, _v3({"yellow": 1, "orange": 3, "red": 200}))
    assert r.status_code == 201 and r.json()["active"] is False and r.json()["source"] == "uploaded", r.text
    listed = (await client.get("/api/admin/risk-rules", headers=admin)).json()["items"]
    assert [(i["version"], i["active"]) for i in listed] == [(1, False), (2, True), (3, False)]
    assert listed[2]["description"] == "stricter" and listed[1]["created_at"]
    assert (await client.get("/api/admin/risk-rules/3", headers=admin)).json()["default"]["thresholds"]["red"] == 200

    before = await _tiers()
    r = await client.post("/api/admin/risk-rules/3/dry-run", headers=admin)
    assert r.status_code == 200, r.text
    dry = r.json()
    assert dry["version"] == 3 and dry["sites_rated"] == len(before)
    assert await _tiers() == before and risk.current_rules()["version"] == 2  # nothing written
    assert await RiskRules.count().where(RiskRules.active == True) == 1  # noqa: E712
    assert dry["sites_changing"] > 0 and sum(dry["transitions"].values()) == dry["sites_changing"]
    assert sum(r["changing"] for r in dry["by_region"]) == dry["sites_changing"]
    assert 0 < len(dry["examples"]) <= 10 and {"site_id", "site_name", "from", "to"} == set(dry["examples"][0])

    r = await client.post("/api/admin/risk-rules/3/activate", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 3 and r.json()["sites_changed"] == dry["sites_changing"]
    after = await _tiers()
    moved: dict[str, int] = {}
    for site, tier in after.items():
        if before.get(site) != tier:
            key = f"{before.get(site, 'unrated')}->{tier}"
            moved[key] = moved.get(key, 0) + 1
    assert moved == dry["transitions"]
    for example in dry["examples"]:
        assert (before[example["site_id"]], after[example["site_id"]]) == (example["from"], example["to"])
    assert risk.current_rules()["version"] == 3
    assert {r["rules_version"] for r in await SiteRisk.select(SiteRisk.rules_version)} == {3}
    board = (await client.get("/api/risk/board", headers=await as_user("supervisor"))).json()
    for tier in ("blue", "yellow", "orange", "red"):
        assert board["counts"][tier] == sum(t == tier for t in after.values())
    events = await AuditEvent.select(AuditEvent.action).where(AuditEvent.entity_type == "risk_rules")
    assert sorted(e["action"] for e in events) == ["risk_rules.activate", "risk_rules.upload"]


async def test_activation_that_stops_rating_a_kind_reports_those_sites_as_unrated_like_the_dry_run(
        client, demo, as_user):
    """Activation counts its moves off its own rating (not a second dry run): sites of a kind the new rules no
    longer rate leave the board as "->unrated", exactly as the dry run said."""
    admin = await as_user("admin")
    await _world(demo)
    doc = _v3({"yellow": 1, "orange": 3, "red": 200})
    doc["rated_kinds"] = [k for k in doc["rated_kinds"] if k != "rescue_station"]
    doc["kinds"].pop("rescue_station", None)
    r = await _post_rules(client, admin, doc)
    assert r.status_code == 201, r.text
    before = await _tiers()
    dry = (await client.post("/api/admin/risk-rules/3/dry-run", headers=admin)).json()
    gone = {k: n for k, n in dry["transitions"].items() if k.endswith("->unrated")}
    assert sum(gone.values()) == sum(1 for code in demo.sites if code.startswith("JZ-")) > 0, dry
    r = await client.post("/api/admin/risk-rules/3/activate", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["transitions"] == dry["transitions"] and r.json()["sites_changed"] == dry["sites_changing"]
    after = await _tiers()
    assert len(before) - len(after) == sum(gone.values())


async def test_uploads_are_validated_with_json_paths_and_versions_only_rise(client, demo, as_user):
    admin = await as_user("admin")
    bad = _v3()
    bad["default"]["thresholds"]["red"] = "high"
    bad["default"]["findings"]["weights"]["major"] = -1
    del bad["default"]["lateness"]
    r = await _post_rules(client, admin, bad)
    assert r.status_code == 422 and r.json()["code"] == "rules_invalid", r.text
    paths = {d["path"] for d in r.json()["details"]}
    assert {"$.default.thresholds.red", "$.default.findings.weights.major", "$.default"} <= paths
    r = await _post_rules(client, admin, _v3({"yellow": 50, "orange": 40, "red": 70}))
    assert r.status_code == 422
    assert r.json()["details"] == [{"path": "$.default.thresholds", "message": "thresholds must rise yellow ≤ orange ≤ red"}]
    assert (await _post_rules(client, admin, _v3())).status_code == 201
    assert (await _post_rules(client, admin, _v3())).status_code == 200
    r = await _post_rules(client, admin, _v3({"yellow": 2, "orange": 3, "red": 4}))
    assert r.status_code == 409 and r.json()["code"] == "version_exists"
    r = await _post_rules(client, admin, dict(copy.deepcopy(risk.current_rules()), version=2, description="x"))
    assert r.status_code == 409
    for name, body in {"deep": b"[" * 50_000 + b"]" * 50_000, "big": json.dumps(dict(_v3(), version=2**70)).encode(),
                       "past int32": json.dumps(dict(_v3(), version=2**40)).encode(), "list": b"[]",
                       "not json": b"{", "huge": b'{"a": "' + b"x" * 600_000 + b'"}'}.items():
        r = await client.post("/api/admin/risk-rules", content=body,
                              headers={**admin, "Content-Type": "application/json"})
        assert 400 <= r.status_code < 500 and set(r.json()) == {"code", "message", "details"}, (name, r.text[:200])
    assert await RiskRules.count() == 3
    for path in ("/api/admin/risk-rules/9", "/api/admin/risk-rules/9/dry-run", "/api/admin/risk-rules/9/activate"):
        method = client.get if path.endswith("/9") else client.post
        assert (await method(path, headers=admin)).status_code == 404, path
