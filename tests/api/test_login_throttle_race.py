"""Item 2 of issue 12: concurrent wrong passwords for one account must not all be verified."""

import asyncio
from datetime import datetime, timedelta, timezone

from tests.conftest import DEMO_PASSWORD


async def _login(client, username, password):
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_sixty_concurrent_wrong_passwords_are_throttled(client, demo, settings):
    from xunjian.accounts.tables import LoginThrottle

    responses = await asyncio.gather(*[_login(client, "inspector", f"wrong-{i}") for i in range(60)])
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= settings.login_max_failures
    refused = [r for r in responses if r.status_code == 429]
    assert len(refused) >= 60 - settings.login_max_failures
    assert all(int(r.headers["retry-after"]) > 0 and r.json()["code"] == "too_many_requests" for r in refused)
    # The right password waits as well until the window has passed.
    assert (await _login(client, "inspector", DEMO_PASSWORD)).status_code == 429
    past = datetime.now(timezone.utc) - timedelta(seconds=settings.login_window_seconds + 1)
    await LoginThrottle.update({LoginThrottle.window_start: past}).where(LoginThrottle.key == "user:inspector")
    assert (await _login(client, "inspector", DEMO_PASSWORD)).status_code == 200


async def test_a_success_clears_the_accounts_count(client, demo, settings):
    for _ in range(settings.login_max_failures - 1):
        assert (await _login(client, "manager", "wrong-password")).status_code == 401
    assert (await _login(client, "manager", DEMO_PASSWORD)).status_code == 200
    for _ in range(settings.login_max_failures):
        assert (await _login(client, "manager", "wrong-password")).status_code == 401
    assert (await _login(client, "manager", "wrong-password")).status_code == 429
