"""Risk ratings on a real database: the set-based job equals rules.score site by site, ratings keep history,
one site re-rates at once, the nightly snapshot feeds the trend."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from xunjian.risk import rules as R
from xunjian.risk import service as risk
from xunjian.risk.tables import RiskRating, RiskSnapshot, SiteRisk
from xunjian.sites.tables import Site

from . import factory

LZ = "YL-620102-001"


async def _random_world(demo, seed: int) -> None:
    rnd = random.Random(seed)
    now = factory.utcnow()
    sites = [s for code, s in demo.sites.items() if not code.startswith("XC-")]
    for site in sites:
        for _ in range(rnd.randint(0, 3)):
            await factory.inspection(site, demo.users["inspector"],
                                     submitted_at=now - timedelta(days=rnd.uniform(1, 500)),
                                     answered=rnd.randint(5, 40), noncompliant=rnd.randint(0, 5),
                                     self_inspection=rnd.random() < 0.2)
        for _ in range(rnd.randint(0, 4)):
            await factory.finding(
                site, demo.users["inspector"], grade=rnd.choice(["general", "general", "major"]),
                deadline=now + timedelta(days=rnd.uniform(-40, 20)),
                status=rnd.choice(["open", "open", "responded", "closed"]), escalation_level=rnd.randint(0, 3),
                self_reported=rnd.random() < 0.3, risk_weight=rnd.choice([1.0, 1.0, 1.5, 0.5]))
    await Site.update({Site.created_at: now - timedelta(days=400)}).where(Site.id.is_in(sites[::2]))
    # Attributes as institutions fill them in: the full-care share counts numbers only, capped at 100%.
    eldercare = [s for code, s in demo.sites.items() if code.startswith("YL-")]
    odd = [{"residents": "120", "full_care_residents": 30}, {"residents": 0, "full_care_residents": 3},
           {"full_care_residents": 5}, {"residents": True, "full_care_residents": 1},
           {"residents": 50, "full_care_residents": 80}, {"residents": 40.0, "full_care_residents": 10.5}]
    for site, attributes in zip(rnd.sample(eldercare, min(len(odd), len(eldercare))), odd):
        await Site.update({Site.attributes: attributes}).where(Site.id == site)
    # Inherent factors (rules v2): valid values, values the rules give no points, wrong types, missing ones.
    inherent = [{"building_type": "brick_wood", "building_height_m": 30, "immobile_residents_upstairs": 50,
                 "fire_acceptance": "none", "grade": "2", "complaints_12m": 3, "residents": 90,
                 "full_care_residents": 20},
                {"building_type": "reinforced_concrete", "building_height_m": 10, "fire_acceptance": "passed",
                 "grade": 5, "complaints_12m": True},
                {"fire_acceptance": "unknown", "building_height_m": "high", "immobile_residents_upstairs": -4}]
    for site, attributes in zip(rnd.sample(eldercare, min(len(inherent), len(eldercare))), inherent):
        await Site.update({Site.attributes: attributes}).where(Site.id == site)
    outlets = [s for code, s in demo.sites.items() if code.startswith("FC-")]
    for site, attributes in zip(outlets, [{"sales_volume_class": "high", "instant_tickets": True},
                                          {"sales_volume_class": "low", "instant_tickets": False},
                                          {"instant_tickets": "yes"}]):
        await Site.update({Site.attributes: attributes}).where(Site.id == site)


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_set_based_job_equals_the_rules_site_by_site(client, demo, seed):
    await _random_world(demo, seed)
    now = factory.utcnow()
    rules = risk.current_rules()
    rated = await risk.rate_sites(now, rules=rules)
    rows = await SiteRisk.select()
    assert rated == len(rows) == sum(1 for c in demo.sites if not c.startswith("XC-"))  # patrol zones are not rated
    tiers = set()
    for row in rows:
        facts = await risk.site_facts(row["site"], now, rules)
        expected = R.score(facts, rules, now)
        tiers.add(expected.tier)
        assert row["tier"] == expected.tier, row["site"]
        assert risk.live_score(row, now, rules) == pytest.approx(expected.score, abs=0.011)
        got = {f["factor"]: f for f in await risk.current_factors(row["site"])}
        assert list(got) == list(R.factor_names(rules, facts.kind))
        for f in expected.factors:
            assert got[f.factor]["value"] == (pytest.approx(f.value, abs=0.011) if f.value is not None else None)
            assert got[f.factor]["contribution"] == pytest.approx(f.contribution, abs=0.011)
        assert row["open_findings"] == sum(f.count for f in facts.findings)
    assert len(tiers) >= 2  # the data exercised more than one tier


async def test_ratings_keep_history_only_when_they_change(client, demo):
    now = factory.utcnow()
    await risk.rate_sites(now)
    first = await RiskRating.count()
    assert first == await SiteRisk.count()
    await risk.rate_sites(now)
    assert await RiskRating.count() == first  # nothing changed: no new history
    await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major", deadline=now + timedelta(days=20))
    await risk.rate_sites(now + timedelta(minutes=1))
    history = await RiskRating.select(RiskRating.tier, RiskRating.trigger).where(
        RiskRating.site == demo.sites[LZ]).order_by(RiskRating.id)
    assert [h["tier"] for h in history] == ["blue", "red"]  # rules v2: an eldercare major hazard makes it red


async def test_rerate_site_at_once_matches_the_job(client, demo):
    now = factory.utcnow()
    await risk.rate_sites(now)
    site = demo.sites[LZ]
    fid = await factory.finding(site, demo.users["inspector"], grade="major", deadline=now - timedelta(days=5),
                                escalation_level=3)
    assert await risk.rerate_site(site, now) == "red"
    row = await SiteRisk.select().where(SiteRisk.site == site).output(load_json=True).first()
    assert row["tier"] == "red" and row["overdue_l3"] == 1 and row["open_major"] == 1
    last = await RiskRating.select().where(RiskRating.site == site).order_by(RiskRating.id, ascending=False) \
        .output(load_json=True).first()
    assert last["trigger"] == "finding" and last["tier"] == "red"
    from_rerate = row
    await risk.rate_sites(now)
    from_job = await SiteRisk.select().where(SiteRisk.site == site).output(load_json=True).first()
    assert (from_job["tier"], from_job["base_score"]) == (from_rerate["tier"], from_rerate["base_score"])
    # Closing the finding brings the site down at once.
    from xunjian.findings.tables import Finding

    await Finding.update({Finding.status: "closed"}).where(Finding.id == fid)
    assert await risk.rerate_site(site, now) == "blue"
    # A patrol zone is not rated.
    assert await risk.rerate_site(demo.sites["XC-620102-01"], now) is None


async def test_the_nightly_snapshot_counts_every_ancestor_region(client, demo):
    now = factory.utcnow()
    await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major", deadline=now + timedelta(days=9))
    await risk.rate_sites(now)
    rows = await RiskSnapshot.select().where(RiskSnapshot.day == risk.local_day(now))
    by: dict = {}
    for r in rows:
        by[(r["region"], r["tier"])] = by.get((r["region"], r["tier"]), 0) + r["sites"]
    province, lanzhou, chengguan = demo.regions["620000"], demo.regions["620100"], demo.regions["620102"]
    rated = await SiteRisk.count()
    assert sum(n for (region, _), n in by.items() if region == province) == rated
    assert by[(chengguan, "red")] == by[(lanzhou, "red")] == by[(province, "red")] == 1  # v2: eldercare major → red
    # Per kind too (the lottery centre's trend counts its outlets only).
    outlets = await SiteRisk.count().where(SiteRisk.site._.kind == "lottery_outlet")
    assert 0 < outlets < rated
    assert sum(r["sites"] for r in rows if r["region"] == province and r["kind"] == "lottery_outlet") == outlets
    assert {r["kind"] for r in rows if r["region"] == chengguan and r["tier"] == "red"} == {"eldercare"}
    await risk.rate_sites(now)  # a second run the same day replaces the day's snapshot
    assert await RiskSnapshot.count().where(RiskSnapshot.day == risk.local_day(now)) == len(rows)


async def test_deactivated_sites_leave_the_ratings(client, demo):
    now = factory.utcnow()
    await risk.rate_sites(now)
    await Site.update({Site.is_active: False}).where(Site.id == demo.sites[LZ])
    await risk.rate_sites(now)
    assert not await SiteRisk.exists().where(SiteRisk.site == demo.sites[LZ])


async def _rollup_vs_ratings() -> tuple[dict, dict]:
    from xunjian import db

    # Per kind as well: a scope of some kinds (the lottery centre's) is counted from these rows. The site's own kind,
    # joined here, not the copy the ratings keep.
    cols = "SUM(sites) AS n, SUM(overdue_l0) AS l0, SUM(overdue_l1) AS l1, SUM(overdue_l2) AS l2, SUM(overdue_l3) AS l3"
    rolled = {(r["region_path"], r["kind"], r["tier"]): (r["n"], r["l0"], r["l1"], r["l2"], r["l3"])
              for r in await db.fetch(f"SELECT region_path, kind, tier, {cols} FROM risk_rollup "
                                      "GROUP BY region_path, kind, tier HAVING SUM(sites) <> 0")}
    counted = {(r["region_path"], r["kind"], r["tier"]): (r["n"], r["l0"], r["l1"], r["l2"], r["l3"])
               for r in await db.fetch(
        f"SELECT sr.region_path, s.kind, sr.tier, {cols.replace('SUM(sites)', 'COUNT(*)')} FROM site_risk sr "
        "JOIN site s ON s.id = sr.site GROUP BY sr.region_path, s.kind, sr.tier")}
    return rolled, counted


async def test_the_board_roll_up_always_equals_the_ratings(client, demo, as_user):
    """The board counts from risk_rollup; whatever moves ratings (a full run, a finding re-rating its site, the
    escalation job's partial run, a deactivated site, concurrent re-ratings) keeps it equal to counting site_risk."""
    import asyncio

    from xunjian import db
    from xunjian.escalation.service import escalate

    await _random_world(demo, 3)
    now = factory.utcnow()
    await risk.rate_sites(now)
    rolled, counted = await _rollup_vs_ratings()
    assert rolled == counted and sum(v[0] for v in counted.values()) == await SiteRisk.count() > 0

    sites = [s for code, s in demo.sites.items() if not code.startswith("XC-")]
    for site in sites[:4]:
        await factory.finding(site, demo.users["inspector"], grade="major", deadline=now - timedelta(days=30))
        await risk.rerate_site(site, now)
    assert (await _rollup_vs_ratings())[0] == (await _rollup_vs_ratings())[1]

    assert (await escalate(now))["sites_rerated"] > 0  # a partial run over the escalated sites
    rolled, counted = await _rollup_vs_ratings()
    assert rolled == counted and any(v[4] for v in counted.values())  # level-3 overdue findings counted

    await Site.update({Site.is_active: False}).where(Site.id == sites[0])
    assert await risk.rerate_site(sites[0], now) is None
    rolled, counted = await _rollup_vs_ratings()
    assert rolled == counted

    # Concurrent re-ratings, each in its own transaction (on PostgreSQL truly in parallel): differences commute.
    for site in sites[4:12]:
        await factory.finding(site, demo.users["inspector"], grade="major", deadline=now - timedelta(days=2))

    async def rerate(site: int) -> None:
        async with db.write_transaction():
            await risk.rerate_site(site, now)

    await asyncio.gather(*(rerate(s) for s in sites[4:12]))
    rolled, counted = await _rollup_vs_ratings()
    assert rolled == counted

    # Full runs later on (time moves tiers; their differences are added), and one that drops a deactivated site.
    await risk.rate_sites(now + timedelta(days=30))
    rolled, counted = await _rollup_vs_ratings()
    assert rolled == counted
    await Site.update({Site.is_active: False}).where(Site.id == sites[1])
    await risk.rate_sites(now + timedelta(days=31))
    rolled, counted = await _rollup_vs_ratings()
    assert rolled == counted and not await SiteRisk.exists().where(SiteRisk.site == sites[1])

    # The board shows the same numbers.
    r = await client.get("/api/risk/board", headers=await as_user("admin"))
    assert r.json()["total"] == await SiteRisk.count()
    assert r.json()["counts"]["red"] == await SiteRisk.count().where(SiteRisk.tier == "red")



async def test_a_run_rewrites_only_the_ratings_that_changed(client, demo):
    now = factory.utcnow()
    quiet, busy = demo.sites[LZ], demo.sites["YL-620103-002"]
    for site in (quiet, busy):
        await factory.inspection(site, demo.users["inspector"], submitted_at=now - timedelta(days=1))
    await risk.rate_sites(now)
    await factory.finding(busy, demo.users["inspector"], deadline=now + timedelta(days=9))
    later = now + timedelta(hours=1)
    await risk.rate_sites(later)
    rated = {r["site"]: r["rated_at"] for r in await SiteRisk.select(SiteRisk.site, SiteRisk.rated_at)
             .where(SiteRisk.site.is_in([quiet, busy]))}
    assert rated[quiet] == now  # unchanged: not rewritten, still rated since the first run
    assert rated[busy] == later  # its new finding changed it


async def test_days_overdue_are_counted_live_and_capped_lateness_rewrites_nothing(client, demo, as_user):
    """Once a site's lateness points are capped only its days overdue grow: the nightly run leaves its rating alone,
    and readers count the days from the stored due date, so they are never a night (or a week) behind."""
    now = factory.utcnow()
    site = demo.sites[LZ]
    await factory.inspection(site, demo.users["inspector"], submitted_at=now - timedelta(days=500))
    await risk.rate_sites(now - timedelta(days=3))
    first = await SiteRisk.select().where(SiteRisk.site == site).first()
    stored = {f["factor"]: f for f in await risk.current_factors(site)}["inspection_overdue"]
    rules = risk.current_rules()
    assert stored["contribution"] == R.lateness_rules(rules)["max_points"]  # capped
    await risk.rate_sites(now - timedelta(days=2))
    again = await SiteRisk.select().where(SiteRisk.site == site).first()
    assert again["rated_at"] == first["rated_at"]  # not rewritten
    r = await client.get(f"/api/risk/sites/{site}", headers=await as_user("admin"))
    live = {f["factor"]: f for f in r.json()["factors"]}["inspection_overdue"]
    assert live["value"] == pytest.approx(stored["value"] + 3, abs=0.05)
    assert live["contribution"] == stored["contribution"]
    # The board's reasons and the CSV count the same way.
    board = (await client.get("/api/risk/board", headers=await as_user("admin"))).json()
    reasons = [x for s in board["red_orange"] if s["site_id"] == site for x in s["reasons"]]
    assert all(x["value"] == pytest.approx(live["value"], abs=0.05) for x in reasons
               if x["factor"] == "inspection_overdue")


async def test_every_change_of_a_rating_writes_its_history_row_and_readers_take_the_factors_from_it(
        client, demo, as_user):
    """site_risk keeps no factors: the history row written when a rating changed holds them. A change that leaves
    tier and score alone (a clean inspection moves the due date) still writes one; re-rating an unchanged site
    writes nothing."""
    now = factory.utcnow()
    site = demo.sites[LZ]
    await factory.finding(site, demo.users["inspector"], deadline=now + timedelta(days=9))
    await risk.rate_sites(now - timedelta(days=1))
    before = await SiteRisk.select().where(SiteRisk.site == site).first()
    rows = await RiskRating.count().where(RiskRating.site == site)
    assert await risk.rerate_site(site, now) == before["tier"]
    assert await RiskRating.count().where(RiskRating.site == site) == rows  # nothing changed, nothing written
    assert (await SiteRisk.select().where(SiteRisk.site == site).first())["rated_at"] == before["rated_at"]

    await factory.inspection(site, demo.users["inspector"], submitted_at=now - timedelta(hours=1))
    await risk.rerate_site(site, now, trigger="inspection")
    after = await SiteRisk.select().where(SiteRisk.site == site).first()
    assert after["inspection_due_at"] != before["inspection_due_at"] and after["rated_at"] == now
    latest = await RiskRating.select().where(RiskRating.site == site).order_by(RiskRating.id, ascending=False) \
        .output(load_json=True).first()
    assert (latest["rated_at"], latest["tier"]) == (now, after["tier"])
    assert latest["score"] == pytest.approx(risk.live_score(after, now), abs=0.011)
    page = (await client.get(f"/api/risk/sites/{site}", headers=await as_user("admin"))).json()
    assert page["rated_at"] is not None
    assert [(f["factor"], f["contribution"]) for f in page["factors"]] == [
        (f["factor"], f["contribution"]) for f in latest["factors"]]
    assert {f["factor"]: f["value"] for f in page["factors"]}["open_general"] == 1

    # A run over every site: each current rating has its history row, and the board's reasons come from it.
    await risk.rate_sites(now + timedelta(days=1))
    for row in await SiteRisk.select(SiteRisk.site, SiteRisk.rated_at):
        assert await RiskRating.exists().where(
            (RiskRating.site == row["site"]) & (RiskRating.rated_at == row["rated_at"])), row


async def test_the_passage_of_time_rewrites_only_ratings_whose_tier_it_changes(client, demo, as_user):
    """A late site's score rises with every day (lateness points), but that alone changes no stored rating: it keeps
    the score without them and readers add them, counted to the moment. A night rewrites only the sites whose tier
    the lateness moved. (Before, every late site under the cap was rewritten, with a history row, every night.)"""
    from xunjian.findings.tables import Finding

    await _random_world(demo, 4)
    t0 = factory.utcnow()
    t1 = t0 + timedelta(days=2)
    # No finding turns overdue in between: that would be a change of the site's data.
    await Finding.update({Finding.deadline: t1 + timedelta(days=1)}).where(
        (Finding.deadline > t0) & (Finding.deadline <= t1))
    rules = risk.current_rules()
    await risk.rate_sites(t0, rules=rules)
    before = {r["site"]: r for r in await SiteRisk.select()}
    history = await RiskRating.count()
    stats: dict = {}
    await risk.rate_sites(t1, rules=rules, stats=stats)
    after = {r["site"]: r for r in await SiteRisk.select()}
    moved = {s for s in after if after[s]["tier"] != before[s]["tier"]}
    assert stats["ratings_changed"] == len(moved) == await RiskRating.count() - history
    late = [s for s, r in after.items()
            if r["inspection_due_at"] is not None and r["inspection_due_at"] < t0
            and R.late_points(rules, R.days_overdue(r["inspection_due_at"], t1)) < R.lateness_rules(rules)["max_points"]]
    assert late  # the world has late sites whose points still grow
    for site in late:
        assert after[site]["rated_at"] == (t1 if site in moved else t0)
    # What readers show is the rating at the moment: the score and the lateness, as rules.score gives them.
    for site, row in after.items():
        expected = R.score(await risk.site_facts(site, t1, rules), rules, t1)
        assert row["tier"] == expected.tier
        assert risk.live_score(row, t1, rules) == pytest.approx(expected.score, abs=0.011)
    page = (await client.get(f"/api/risk/sites/{late[0]}", headers=await as_user("admin"))).json()
    expected = R.score(await risk.site_facts(late[0], factory.utcnow(), rules), rules, factory.utcnow())
    shown = {f["factor"]: f for f in page["factors"]}["inspection_overdue"]
    want = {f.factor: f for f in expected.factors}["inspection_overdue"]
    assert shown["value"] == pytest.approx(want.value, abs=0.05)
    assert shown["contribution"] == pytest.approx(want.contribution, abs=0.05)
    assert page["score"] == pytest.approx(expected.score, abs=0.05)


async def test_per_kind_rules_in_the_job_a_monthly_outlet_and_an_eldercare_sites_inherent_risk(client, demo):
    """Rules v2 in the set-based job: a lottery outlet last inspected 40 days ago is 10 days late against its monthly
    frequency (its own reason, not its own risk); an eldercare institution without fire acceptance and with
    residents who cannot move by themselves upstairs scores higher than its twin, with both factors shown."""
    await factory.clear_findings_and_inspections()
    now = factory.utcnow()
    outlet, home, twin = demo.sites["FC-62010201"], demo.sites[LZ], demo.sites["YL-620103-002"]
    await factory.inspection(outlet, demo.users["inspector"], submitted_at=now - timedelta(days=40))
    for site in (home, twin):
        await factory.inspection(site, demo.users["inspector"], submitted_at=now - timedelta(days=5))
    same = {"residents": 100, "full_care_residents": 20, "building_type": "reinforced_concrete"}
    await Site.update({Site.approved_beds: 0}).where(Site.id.is_in([twin, home]))
    await Site.update({Site.attributes: {**same, "fire_acceptance": "none", "immobile_residents_upstairs": 30}}) \
        .where(Site.id == home)
    await Site.update({Site.attributes: {**same, "fire_acceptance": "passed"}}).where(Site.id == twin)
    await risk.rate_sites(now)
    rows = {r["site"]: r for r in await SiteRisk.select().where(SiteRisk.site.is_in([outlet, home, twin]))}
    late = {f["factor"]: f for f in await risk.current_factors(outlet)}["inspection_overdue"]
    assert late["value"] == pytest.approx(10, abs=0.01) and late["contribution"] == pytest.approx(2.5)
    assert rows[outlet]["base_score"] == 0.0 and rows[outlet]["tier"] == "blue"
    got = {f["factor"]: f for f in await risk.current_factors(home)}
    assert (got["fire_acceptance"]["value"], got["fire_acceptance"]["contribution"]) == ("none", 15.0)
    assert (got["immobile_upstairs"]["value"], got["immobile_upstairs"]["contribution"]) == (30.0, 9.0)
    assert rows[home]["base_score"] == pytest.approx(rows[twin]["base_score"] + 24.0)
    assert (rows[twin]["tier"], rows[home]["tier"]) == ("blue", "yellow")
    # A single site's re-rating agrees with the job.
    await Site.update({Site.attributes: {**same, "fire_acceptance": "pending"}}).where(Site.id == home)
    assert await risk.rerate_site(home, now) == "yellow"  # 10 points pending + 2 of the full-care share
    await risk.rate_sites(now)
    assert (await SiteRisk.select().where(SiteRisk.site == home).first())["base_score"] == pytest.approx(
        rows[twin]["base_score"] + 10.0)
