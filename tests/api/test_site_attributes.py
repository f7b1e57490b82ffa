"""Site attributes per kind (issue 15): the site form and the import are checked against
schemas/site-attributes.schema.json, the import has a column per attribute with dry-run errors for bad values, and
the risk rating shows the inherent factors they give."""

from __future__ import annotations

from tests.api.test_admin_sites_import import HEADER, csv_bytes, post_import

COLUMNS = HEADER + ["消防验收", "二层以上失能老人数", "等级评定", "建筑高度（米）", "销量等级", "销售即开票"]


def eldercare(code: str, fire: str, immobile, grade, height=None) -> list:
    return [code, f"养老院 {code}", "养老机构", "城关区", "测试路1号", 36.05, 103.82, "运营方", 80, None, "民办",
            fire, immobile, grade, height, None, None]


def outlet(code: str, volume, instant, fire=None) -> list:
    return [code, f"投注站 {code}", "福利彩票投注站", "城关区", "测试路2号", 36.05, 103.82, "业主", None, "FC1",
            None, fire, None, None, None, volume, instant]


async def test_import_fills_the_attributes_the_rating_reads_and_dry_run_names_bad_values(client, demo, as_user):
    from xunjian.risk import service as risk
    from xunjian.sites.tables import Site

    admin = await as_user("admin")
    bad = [eldercare("YL-A-1", "不知道", -1, "六级"), outlet("FC-A-1", "很高", "也许"),
           eldercare("YL-A-2", "未验收", 12.5, 3), outlet("FC-A-2", "低", "否", fire="未验收")]
    r = await post_import(client, admin, csv_bytes(COLUMNS, bad), dry_run=True, content_type="text/csv")
    assert r.status_code == 200, r.text
    got = {(e["row"], e["column"], e["code"]) for e in r.json()["errors"]}
    assert got == {(2, "消防验收", "unknown_fire_acceptance"), (2, "二层以上失能老人数", "out_of_range"),
                   (2, "等级评定", "unknown_grade"), (3, "销量等级", "unknown_sales_volume_class"),
                   (3, "销售即开票", "unknown_yes_no"), (5, "消防验收", "not_for_kind"),
                   (4, "二层以上失能老人数", "invalid_number")}, r.json()["errors"]
    good = [eldercare("YL-A-1", "未验收", 30, "三级", 27), eldercare("YL-A-2", "passed", 0, 5, 6),
            outlet("FC-A-1", "高", "是")]
    r = await post_import(client, admin, csv_bytes(COLUMNS, good), dry_run=False, content_type="text/csv")
    assert r.status_code == 200 and r.json()["errors"] == [] and r.json()["created"] == 3, r.text
    rows = {s["code"]: s for s in await Site.select(Site.id, Site.code, Site.attributes)
            .where(Site.code.is_in(["YL-A-1", "YL-A-2", "FC-A-1"])).output(load_json=True)}
    assert rows["YL-A-1"]["attributes"] == {"fire_acceptance": "none", "immobile_residents_upstairs": 30,
                                            "grade": "3", "building_height_m": 27.0}
    assert rows["FC-A-1"]["attributes"] == {"licence": "FC1", "sales_volume_class": "high", "instant_tickets": True}
    # Re-importing the same file changes nothing; the export writes the labels back.
    r = await post_import(client, admin, csv_bytes(COLUMNS, good), dry_run=True, content_type="text/csv")
    assert r.json()["unchanged"] == 3, r.text
    exported = (await client.get("/api/admin/sites/export.csv?q=YL-A-1", headers=admin)).text
    assert "未验收" in exported and "三级" in exported

    # The rating shows each inherent factor with its contribution.
    await risk.rate_sites(risk.datetime.now(risk.timezone.utc))
    supervisor = await as_user("supervisor")
    risky = (await client.get(f"/api/risk/sites/{rows['YL-A-1']['id']}", headers=supervisor)).json()
    safe = (await client.get(f"/api/risk/sites/{rows['YL-A-2']['id']}", headers=supervisor)).json()
    f = {x["factor"]: x for x in risky["factors"]}
    assert (f["fire_acceptance"]["value"], f["fire_acceptance"]["contribution"]) == ("none", 15.0)
    assert (f["immobile_upstairs"]["value"], f["immobile_upstairs"]["contribution"]) == (30.0, 9.0)
    assert risky["own_score"] > safe["own_score"]
    out = {x["factor"]: x for x in (await client.get(f"/api/risk/sites/{rows['FC-A-1']['id']}",
                                                     headers=supervisor)).json()["factors"]}
    assert (out["sales_volume"]["contribution"], out["instant_tickets"]["value"]) == (6.0, "true")


async def test_the_site_form_is_checked_against_the_kinds_schema(client, demo, as_user):
    admin = await as_user("admin")
    body = {"kind": "lottery_outlet", "code": "FC-F-1", "name": "投注站", "region_id": demo.regions["620102"],
            "lat": 36.05, "lng": 103.82}
    for attributes, field in (({"fire_acceptance": "none"}, "attributes.fire_acceptance"),
                              ({"instant_tickets": "yes"}, "attributes.instant_tickets"),
                              ({"sales_volume_class": "huge"}, "attributes.sales_volume_class")):
        r = await client.post("/api/admin/sites", json={**body, "attributes": attributes}, headers=admin)
        assert r.status_code in (400, 422) and field in {d["field"] for d in r.json()["details"]}, r.text
    r = await client.post("/api/admin/sites", json={**body, "attributes": {"instant_tickets": True}}, headers=admin)
    assert r.status_code == 201, r.text
    site = r.json()["id"]
    r = await client.patch(f"/api/admin/sites/{site}", json={"attributes": {"sales_volume_class": "low",
                                                                            "grade": "3"}}, headers=admin)
    assert r.status_code in (400, 422) and r.json()["details"][0]["field"] == "attributes.grade", r.text
    r = await client.patch(f"/api/admin/sites/{site}", json={"attributes": {"sales_volume_class": "low"}},
                           headers=admin)
    assert r.status_code == 200 and r.json()["attributes"] == {"sales_volume_class": "low"}, r.text
