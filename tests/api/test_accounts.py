from datetime import datetime, timedelta, timezone

from tests.conftest import DEMO_PASSWORD, login
from xunjian.accounts.service import principal_cache


async def _login(client, username, password=DEMO_PASSWORD, ip=None):
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_login_returns_token_user_and_httponly_cookie(client, demo):
    r = await _login(client, "inspector")
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["username"] == "inspector" and body["user"]["role"] == "inspector"
    assert set(body["user"]) == {"id", "username", "role", "display_name"}
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("xj_session=")][0]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert body["token"] not in str(await _session_rows())  # stored hashed


async def _session_rows():
    from xunjian.accounts.tables import UserSession

    return await UserSession.select(UserSession.token_hash)


async def test_wrong_passwords_are_throttled_with_retry_after(client, demo):
    for _ in range(5):
        r = await _login(client, "inspector", "wrong-password")
        assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    r = await _login(client, "inspector", "wrong-password")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["code"] == "too_many_requests"
    # Even the right password waits until the window has passed: the attacker learns nothing.
    assert (await _login(client, "inspector")).status_code == 429
    # Other accounts from the same client are not locked out yet.
    assert (await _login(client, "inspector2")).status_code == 200


async def test_per_client_throttle_across_accounts(client, demo, settings):
    for i in range(settings.login_max_failures_per_client):
        r = await _login(client, f"nobody{i}", "wrong-password")
        assert r.status_code == 401
    r = await _login(client, "inspector")
    assert r.status_code == 429 and "retry-after" in r.headers


async def test_throttle_window_expires(client, demo, settings):
    from xunjian.accounts.tables import LoginThrottle

    for _ in range(5):
        await _login(client, "manager", "wrong-password")
    assert (await _login(client, "manager")).status_code == 429
    past = datetime.now(timezone.utc) - timedelta(seconds=settings.login_window_seconds + 1)
    await LoginThrottle.update({LoginThrottle.window_start: past}).where(LoginThrottle.key == "user:manager")
    await LoginThrottle.update({LoginThrottle.window_start: past}).where(LoginThrottle.key.like("ip:%"))
    assert (await _login(client, "manager")).status_code == 200


async def test_logout_revokes_the_token(client, demo):
    headers = await login(client, "inspector")
    assert (await client.get("/api/me", headers=headers)).status_code == 200
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
    r = await client.get("/api/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "session_expired"


async def test_expired_and_idle_sessions_are_refused(client, demo, settings):
    from xunjian.accounts.tables import UserSession

    headers = await login(client, "inspector")
    now = datetime.now(timezone.utc)
    await UserSession.update({UserSession.expires_at: now - timedelta(seconds=1)}, force=True)
    principal_cache.clear()  # as another app instance would see it once its few-second cache has lapsed
    assert (await client.get("/api/me", headers=headers)).status_code == 401

    headers = await login(client, "inspector")
    idle = timedelta(minutes=settings.session_idle_minutes + 1)
    await UserSession.update({UserSession.last_seen_at: now - idle}).where(UserSession.expires_at > now)
    principal_cache.clear()
    assert (await client.get("/api/me", headers=headers)).status_code == 401


async def test_deactivated_user_loses_sessions_and_cannot_log_in(client, demo, as_user):
    headers = await login(client, "inspector2")
    admin = await as_user("admin")
    r = await client.post(f"/api/admin/users/{demo.users['inspector2']}/deactivate", headers=admin)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert (await client.get("/api/me", headers=headers)).status_code == 401
    assert (await _login(client, "inspector2")).status_code == 401


async def test_password_reset_by_admin(client, demo, as_user):
    old = await login(client, "manager")
    admin = await as_user("admin")
    r = await client.post(f"/api/admin/users/{demo.users['manager']}/password", headers=admin,
                          json={"new_password": "brand-new-pass"})
    assert r.status_code == 204
    assert (await client.get("/api/me", headers=old)).status_code == 401
    assert (await _login(client, "manager")).status_code == 401
    assert (await _login(client, "manager", "brand-new-pass")).status_code == 200


async def test_manager_cannot_change_own_role_or_scope(client, demo, as_user):
    headers = await as_user("manager")
    for body in ({"role": "admin"}, {"region_ids": [1]}, {"site_ids": [demo.sites["YL-620502-004"]]},
                 {"display_name": "x", "role": "supervisor"}):
        r = await client.patch("/api/me", headers=headers, json=body)
        assert r.status_code == 422, body
        assert set(r.json()) == {"code", "message", "details"}
    r = await client.patch(f"/api/admin/users/{demo.users['manager']}", headers=headers, json={"role": "admin"})
    assert r.status_code == 403
    me = (await client.get("/api/me", headers=headers)).json()
    assert me["role"] == "manager" and me["site_ids"] == [demo.sites["YL-620102-001"]]
    assert (await client.get(f"/api/sites/{demo.sites['YL-620502-004']}", headers=headers)).status_code == 404


async def test_cookie_auth_needs_csrf_header_for_unsafe_requests(client, demo):
    r = await _login(client, "inspector")
    csrf = r.json()["csrf_token"]
    token = r.json()["token"]
    client.cookies.set("xj_session", token)
    try:
        assert (await client.get("/api/me")).status_code == 200  # safe: the cookie is enough
        r = await client.patch("/api/me", json={"display_name": "王磊"})
        assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
        r = await client.patch("/api/me", json={"display_name": "王磊"}, headers={"X-CSRF-Token": "0" * 64})
        assert r.status_code == 403
        r = await client.patch("/api/me", json={"display_name": "王磊"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and r.json()["display_name"] == "王磊"
    finally:
        client.cookies.clear()


async def test_admin_creates_users_with_validated_links(client, demo, as_user):
    admin = await as_user("admin")
    r = await client.post("/api/admin/users", headers=admin, json={
        "username": "mgr3", "password": "short", "role": "manager", "site_ids": [demo.sites["YL-620103-002"]]})
    assert r.status_code == 422 and r.json()["details"]["field"] == "password"
    r = await client.post("/api/admin/users", headers=admin, json={
        "username": "mgr3", "password": "long-enough-1", "role": "manager", "region_ids": [1]})
    assert r.status_code == 422
    r = await client.post("/api/admin/users", headers=admin, json={
        "username": "mgr3", "password": "long-enough-1", "role": "manager", "site_ids": [999999]})
    assert r.status_code == 422
    r = await client.post("/api/admin/users", headers=admin, json={
        "username": "mgr3", "password": "long-enough-1", "role": "manager", "site_ids": [demo.sites["YL-620103-002"]]})
    assert r.status_code == 201, r.text
    r2 = await client.post("/api/admin/users", headers=admin, json={
        "username": "mgr3", "password": "long-enough-1", "role": "manager", "site_ids": [demo.sites["YL-620103-002"]]})
    assert r2.status_code == 409
    headers = await login(client, "mgr3", "long-enough-1")
    sites = (await client.get("/api/sites", headers=headers)).json()
    assert [s["code"] for s in sites["items"]] == ["YL-620103-002"]
    listing = (await client.get("/api/admin/users", headers=admin)).json()["items"]
    assert "mgr3" in {u["username"] for u in listing}
    assert all("password" not in k for u in listing for k in u)


async def test_admin_actions_are_audited(client, demo, as_user):
    from xunjian.audit.tables import AuditEvent

    admin = await as_user("admin")
    await client.patch(f"/api/admin/users/{demo.users['inspector']}", headers=admin, json={"display_name": "新名字"})
    events = await AuditEvent.select().where(AuditEvent.action == "user.update")
    assert len(events) == 1 and events[0]["actor_name"] == "admin"
