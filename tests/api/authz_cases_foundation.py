"""Authorization cases of the foundation: auth, self-service, administration, regions, sites, health."""

import itertools

from tests.api.authz import ROLES, Case
from tests.conftest import DEMO_PASSWORD

ALL = {role: 200 for role in ROLES}


def only_admin(ok: int) -> dict[str, int]:
    return {"admin": ok, "supervisor": 403, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
            "lottery": 403}


_counter = itertools.count(1)


async def setup(client, demo, as_user):
    from xunjian.accounts.schemas import UserCreate
    from xunjian.accounts.service import create_user

    n = next(_counter)
    user = await create_user(None, UserCreate(username=f"temp{n}", password="temp-password-1", role="inspector",
                                              region_ids=[demo.regions["620100"]]))
    return {"temp_user": str(user.id), "n": str(n), "prefecture": str(demo.regions["620100"])}


CASES = [
    Case("GET", "/healthz", ALL),
    Case("GET", "/readyz", ALL),
    Case("POST", "/api/auth/login", ALL, body={"username": "inspector", "password": DEMO_PASSWORD}),
    Case("POST", "/api/auth/logout", {r: 204 for r in ALL}),
    Case("GET", "/api/me", ALL),
    Case("PATCH", "/api/me", ALL, body={"display_name": "测试"}),
    Case("POST", "/api/me/password", {r: 204 for r in ALL},
         body={"current_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD}),
    Case("GET", "/api/admin/users", only_admin(200)),
    # `privacy` (an admin too) runs after `admin` with the same body: the record exists by then.
    Case("POST", "/api/admin/users", {**only_admin(201), "privacy": 409},
         body={"username": "newinspector", "password": "new-password-1", "role": "inspector", "region_ids": [1]}),
    Case("GET", "/api/admin/users/{temp_user}", only_admin(200)),
    Case("PATCH", "/api/admin/users/{temp_user}", only_admin(200), body={"display_name": "改名"}),
    Case("POST", "/api/admin/users/{temp_user}/password", only_admin(204), body={"new_password": "another-pass-1"}),
    Case("POST", "/api/admin/users/{temp_user}/deactivate", only_admin(200)),
    Case("GET", "/api/regions", ALL),
    Case("POST", "/api/admin/regions", {**only_admin(201), "privacy": 409},
         body={"code": "620124", "name": "测试县", "level": "county", "parent_id": 2}),
    Case("GET", "/api/sites", ALL),
    Case("GET", "/api/sites/{site_lz}",
         {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 200, "manager2": 404,
          "lottery": 404}),
    Case("GET", "/api/sites/{site_ts}",
         {"admin": 200, "supervisor": 200, "inspector": 404, "inspector2": 200, "manager": 404, "manager2": 200,
          "lottery": 404}),
    Case("GET", "/api/sites/{site_fc}", {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404,
                                         "manager": 404, "manager2": 404, "lottery": 200}),
    Case("POST", "/api/admin/sites", {**only_admin(201), "privacy": 409},
         body={"kind": "rescue_station", "code": "JZ-TEST-1", "name": "测试救助站", "region_id": 2,
               "lat": 36.0, "lng": 103.8}),
    Case("PATCH", "/api/admin/sites/{site_lz}", only_admin(200), body={"address": "新地址 1 号"}),
]
