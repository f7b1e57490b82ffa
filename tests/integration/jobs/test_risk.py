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


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_set_based_job_equals_the_rules_site_by_site(client, demo, seed):
    await _random_world(demo, seed)
    now = factory.utcnow()
    rules = risk.current_rules()
    rated = await risk.rate_sites(now, rules=rules)
    rows = await SiteRisk.select().output(load_json=True)
    assert rated == len(rows) == sum(1 for c in demo.sites if not c.startswith("XC-"))  # patrol zones are not rated
    tiers = set()
    for row in rows:
        facts = await risk.site_facts(row["site"], now, rules)
        expected = R.score(facts, rules, now)
        tiers.add(expected.tier)
        assert row["tier"] == expected.tier, row["site"]
        assert row["score"] == pytest.approx(expected.score, abs=0.011)
        got = {f["factor"]: f for f in row["factors"]}
        assert list(got) == list(R.FACTORS)
        for f in expected.factors:
            assert got[f.factor]["value"] == (pytest.approx(f.value, abs=0.011) if f.value is not None else None)
            assert got[f.factor]["contribution"] == pytest.approx(f.contribution, abs=0.011)
        assert row["open_findings"] == len(facts.findings)
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
    assert [h["tier"] for h in history] == ["blue", "orange"]


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
    assert (from_job["tier"], from_job["score"]) == (from_rerate["tier"], from_rerate["score"])
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
    by = {(r["region"], r["tier"]): r["sites"] for r in rows}
    province, lanzhou, chengguan = demo.regions["620000"], demo.regions["620100"], demo.regions["620102"]
    rated = await SiteRisk.count()
    assert sum(n for (region, _), n in by.items() if region == province) == rated
    assert by[(chengguan, "orange")] == by[(lanzhou, "orange")] == by[(province, "orange")] == 1
    await risk.rate_sites(now)  # a second run the same day replaces the day's snapshot
    assert await RiskSnapshot.count().where(RiskSnapshot.day == risk.local_day(now)) == len(rows)


async def test_deactivated_sites_leave_the_ratings(client, demo):
    now = factory.utcnow()
    await risk.rate_sites(now)
    await Site.update({Site.is_active: False}).where(Site.id == demo.sites[LZ])
    await risk.rate_sites(now)
    assert not await SiteRisk.exists().where(SiteRisk.site == demo.sites[LZ])
