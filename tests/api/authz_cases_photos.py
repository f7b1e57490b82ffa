"""Authorization cases of the photos domain: upload, metadata with short-lived URLs, the local store's signed files."""

import uuid
from urllib.parse import urlsplit

from tests.api.authz import ROLES, Case
from tests.integration.photos import support

PHOTO = support.jpeg((64, 48))


async def setup(client, demo, as_user):
    from xunjian.photos.links import link_photos

    inspector = await as_user("inspector")
    values = {"new_photo": str(uuid.uuid4())}
    for name, site, restricted in [("photo_lz", "YL-620102-001", False), ("photo_ts", "YL-620502-004", False),
                                   ("photo_person", "XC-620102-01", True)]:
        photo_id = uuid.uuid4()
        r = await client.put(f"/api/photos/{photo_id}", content=PHOTO, headers={**inspector,
                                                                               "Content-Type": "image/jpeg"})
        assert r.status_code == 201, r.text
        await link_photos(demo.users["inspector"], [photo_id], "finding" if not restricted else "encounter", name,
                          demo.sites[site], restricted=restricted)
        values[name] = str(photo_id)
        if name == "photo_lz":
            url = urlsplit(r.json()["urls"]["display"])
            values["display_lz"] = url.path.rsplit("/", 1)[-1] + "?" + url.query
    values["uploaded_lz"] = values["photo_lz"]
    return values


CASES = [
    Case("PUT", "/api/photos/{new_photo}", {r: 201 for r in ROLES}, content=PHOTO,
         headers={"Content-Type": "image/jpeg"}),
    # Same id, same bytes: only the uploader (or someone whose scope holds the photo) gets the replay.
    Case("PUT", "/api/photos/{uploaded_lz}", {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 409,
                                              "manager": 200, "manager2": 409, "lottery": 409},
         content=PHOTO, headers={"Content-Type": "image/jpeg"}),
    Case("GET", "/api/photos/{photo_lz}",
         {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 200, "manager2": 404,
          "lottery": 404}),
    Case("GET", "/api/photos/{photo_ts}",
         {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 200, "manager": 404, "manager2": 200,
          "lottery": 404}),
    # A photo of a person met on a patrol: an admin without the personal-data grant gets 404.
    Case("GET", "/api/photos/{photo_person}",
         {"admin": 404, "privacy": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 404, "manager2": 404,
          "lottery": 404}),
    # The signed URL is the permission (issued only to those who may see the photo); a session is needed as well.
    Case("GET", "/api/photos/{photo_lz}/file/{display_lz}", {r: 200 for r in ROLES}),
    Case("GET", "/api/photos/{photo_lz}/file/display.jpg", {r: 422 for r in ROLES}),  # no signature
]
