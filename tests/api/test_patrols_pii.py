"""Personal data of people met on patrols, sealed at rest: the database holds no plaintext (read with plain SQL on
both engines), grant holders read it through the API, a wrong key stops the start, search by the exact name works,
`encrypt-existing` seals rows from before and re-seals after a rotation."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.api.test_patrols import ZONE_LZ, encounter, patrol_body, recent_start, submit
from tests.conftest import TEST_PII_KEY, assert_start_fails, running
from xunjian import db
from xunjian.errors import ConfigError
from xunjian.patrols import pii
from xunjian.patrols.crypto import new_key

SECRETS = ("王小明", "陇南市武都区", "右手有烫伤疤痕", "灰色棉衣", "桥洞下咳嗽发烧", "红色书包", "寻找走失家属",
           "已由其兄接回陇南")
TABLES = ("person_record", "encounter", "follow_up_case")


async def raw_rows(settings, table: str) -> list[dict]:
    """The rows as the database holds them, read past the app with the engine's own driver."""
    if settings.is_postgres:
        import asyncpg

        con = await asyncpg.connect(settings.database_url)
        try:
            return [dict(r) for r in await con.fetch(f'SELECT * FROM "{table}"')]
        finally:
            await con.close()
    con = sqlite3.connect(settings.sqlite_path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(f'SELECT * FROM "{table}"')]
    finally:
        con.close()


async def _record_people(client, demo, as_user) -> dict:
    supervisor, inspector = await as_user("supervisor"), await as_user("inspector")
    r = await client.post("/api/persons", json={
        "site_id": demo.sites[ZONE_LZ], "sex": "male", "age_band": "age_14_17", "name": "王小明",
        "hometown": "陇南市武都区", "notes": "右手有烫伤疤痕，自述患糖尿病", "features": ["灰色棉衣"]},
        headers=supervisor)
    assert r.status_code == 201, r.text
    person = r.json()
    started = recent_start()
    met = encounter(started + timedelta(minutes=5), age_band="age_14_17", is_minor=True, action="escorted",
                    details="桥洞下咳嗽发烧", features=["红色书包"], face_needed=True, face_reason="寻找走失家属")
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, [met]))
    assert r.status_code == 201, r.text
    case_id = r.json()["encounters"][0]["case"]["id"]
    r = await client.post(f"/api/follow-up-cases/{case_id}/close",
                          json={"outcome": "returned_home", "note": "已由其兄接回陇南"}, headers=inspector)
    assert r.status_code == 200, r.text
    return {"person": person, "encounter": met, "case_id": case_id}


async def test_the_database_holds_no_plaintext_and_grant_holders_read_it(client, demo, as_user, settings):
    made = await _record_people(client, demo, as_user)
    kid = pii.ring().kid
    for table in TABLES:
        rows = await raw_rows(settings, table)
        assert rows
        dump = repr(rows)
        assert not [s for s in SECRETS if s in dump], table
    person = (await raw_rows(settings, "person_record"))[0]
    assert person["name"].startswith(f"xj1:{kid}:") and person["hometown"].startswith(f"xj1:{kid}:")
    assert len(person["name_bidx"]) == 64 and person["sex"] == "male"  # what counts and filters need stays plain
    enc = (await raw_rows(settings, "encounter"))[0]
    assert enc["details"].startswith(f"xj1:{kid}:") and enc["face_reason"].startswith(f"xj1:{kid}:")
    assert enc["age_band"] == "age_14_17" and enc["action"] == "escorted"

    supervisor, privacy, admin = await as_user("supervisor"), await as_user("privacy"), await as_user("admin")
    for headers in (supervisor, privacy):
        p = (await client.get(f"/api/persons/{made['person']['id']}", headers=headers)).json()
        assert (p["name"], p["hometown"], p["notes"], p["features"]) == (
            "王小明", "陇南市武都区", "右手有烫伤疤痕，自述患糖尿病", ["灰色棉衣"])
        e = (await client.get(f"/api/encounters/{made['encounter']['id']}", headers=headers)).json()
        assert (e["details"], e["features"], e["face_reason"]) == ("桥洞下咳嗽发烧", ["红色书包"], "寻找走失家属")
        c = (await client.get(f"/api/follow-up-cases/{made['case_id']}", headers=headers)).json()
        assert c["outcome_note"] == "已由其兄接回陇南"
    assert (await client.get(f"/api/persons/{made['person']['id']}", headers=admin)).status_code == 404
    # Search: the exact name finds the record; the list answers the plaintext.
    found = (await client.get("/api/persons", params={"q": "王小明"}, headers=supervisor)).json()["items"]
    assert [p["name"] for p in found] == ["王小明"]
    assert (await client.get("/api/persons", params={"q": "小明"}, headers=supervisor)).json()["items"] == []
    # A changed name is sealed and indexed again.
    r = await client.patch(f"/api/persons/{made['person']['id']}", json={"name": "王晓明"}, headers=supervisor)
    assert r.status_code == 200 and r.json()["name"] == "王晓明"
    assert "王晓明" not in repr(await raw_rows(settings, "person_record"))
    found = (await client.get("/api/persons", params={"q": "王晓明"}, headers=supervisor)).json()["items"]
    assert [p["id"] for p in found] == [made["person"]["id"]]


async def test_a_wrong_key_fails_at_start_up(settings):
    from xunjian.app import create_app

    async with running(create_app(settings)):
        pass  # records the id of the tests' key
    await assert_start_fails(create_app(settings.with_(pii_key=new_key())),
                             "is not the key the personal data in this database was sealed with")
    with pytest.raises(ConfigError, match="32 bytes"):
        create_app(settings.with_(pii_key="c2hvcnQ="))
    # The right key as the previous one of a rotation: starts.
    async with running(create_app(settings.with_(pii_key=new_key(), pii_key_old=TEST_PII_KEY))):
        pass


async def test_encrypt_existing_seals_plain_rows_and_re_seals_after_a_rotation(client, demo, as_user, settings):
    made = await _record_people(client, demo, as_user)
    supervisor = await as_user("supervisor")
    # A record as written before encryption: plain values, no blind index.
    legacy = (await client.post("/api/persons", json={"site_id": demo.sites[ZONE_LZ], "sex": "female",
                                                      "age_band": "unknown"}, headers=supervisor)).json()
    await db.fetch("UPDATE person_record SET name = {}, hometown = {}, notes = {}, name_bidx = '' WHERE id = {}",
                   "李四", "定西", "旧记录", legacy["id"])
    await db.fetch("UPDATE encounter SET details = {}", "旧的自由文本")
    assert (await client.get(f"/api/persons/{legacy['id']}", headers=supervisor)).json()["name"] == "李四"
    assert (await client.get("/api/persons", params={"q": "李四"}, headers=supervisor)).json()["items"] == []

    old_kid = pii.ring().kid
    rotated = settings.with_(pii_key=new_key(), pii_key_old=TEST_PII_KEY)
    try:
        new_kid = pii.configure(rotated).kid
        await pii.check_keys()
        # Values under the previous key still open.
        p = (await client.get(f"/api/persons/{made['person']['id']}", headers=supervisor)).json()
        assert p["name"] == "王小明"
        counts = await pii.encrypt_existing()
        assert (counts["person_record"], counts["encounter"], counts["follow_up_case"]) == (2, 1, 1)
        assert counts["key_ids_forgotten"] == [old_kid]
        for table in TABLES:
            dump = repr(await raw_rows(settings, table))
            assert "李四" not in dump and "旧的自由文本" not in dump and f"xj1:{old_kid}:" not in dump
            assert f"xj1:{new_kid}:" in dump
        assert [r["kid"] for r in await raw_rows(settings, "pii_key")] == [new_kid]
        for q, person_id in (("李四", legacy["id"]), ("王小明", made["person"]["id"]), ("定西", legacy["id"])):
            found = (await client.get("/api/persons", params={"q": q}, headers=supervisor)).json()["items"]
            assert [f["id"] for f in found] == [person_id], q
        e = (await client.get(f"/api/encounters/{made['encounter']['id']}", headers=supervisor)).json()
        assert e["details"] == "旧的自由文本" and e["features"] == ["红色书包"]
        again = await pii.encrypt_existing()
        assert (again["person_record"], again["encounter"], again["follow_up_case"]) == (0, 0, 0)
        # The previous key alone no longer opens this database.
        pii.configure(settings)
        with pytest.raises(ConfigError, match="is not the key"):
            await pii.check_keys()
    finally:
        pii.configure(rotated)


def test_the_cli_makes_a_key_in_the_data_dir_and_encrypt_existing_is_idempotent(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNJIAN_")}
    env["XUNJIAN_DATA_DIR"] = str(tmp_path)

    def run(*args):
        result = subprocess.run([sys.executable, "-m", "xunjian.cli", *args], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("migrate")
    assert '"person_record": 0' in run("pii", "encrypt-existing")
    key_file = tmp_path / "pii_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    con = sqlite3.connect(tmp_path / "xunjian.sqlite3")
    try:
        assert key_file.read_text().strip() not in repr(con.execute("SELECT * FROM pii_key").fetchall())
    finally:
        con.close()
    assert len(run("pii", "new-key").strip()) == 44
