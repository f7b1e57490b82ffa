"""Signing an inspection through the API, as the PWA's signing screen does: each signature's handwriting is a PNG
uploaded through the photo pipeline by the inspector holding the phone, then recorded under a new UUID."""

from __future__ import annotations

import uuid

from xunjian.inspections.demo import handwriting_png


async def handwriting(client, headers, seed: str = "签名") -> str:
    photo_id = str(uuid.uuid4())
    r = await client.put(f"/api/photos/{photo_id}", content=handwriting_png(seed),
                         headers={**headers, "Content-Type": "image/png"})
    assert r.status_code == 201, r.text
    return photo_id


async def put_signature(client, headers, inspection_id: str, body: dict, expect: int = 201) -> dict:
    r = await client.put(f"/api/inspections/{inspection_id}/signatures/{uuid.uuid4()}", json=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def sign(client, headers, inspection_id: str, *, site_name: str = "张红", refused_witness: str | None = None,
               refusal_photo: bool = True) -> dict:
    """Every recorded inspector signs, then the site's person in charge signs (or refuses before a witness), all on
    the phone of the inspector `headers`. Returns the inspection as the last answer gives it."""
    inspection = (await client.get(f"/api/inspections/{inspection_id}", headers=headers)).json()
    for person in inspection["inspectors"]:
        photo = await handwriting(client, headers, person["name"])
        inspection = await put_signature(client, headers, inspection_id,
                                         {"signer": "inspector", "user_id": person["user_id"], "photo_id": photo})
    if refused_witness is None:
        body = {"signer": "site", "name": site_name, "photo_id": await handwriting(client, headers, site_name)}
    else:
        body = {"signer": "site", "name": site_name, "refused": True, "witness_name": refused_witness,
                "refusal_photo_id": await handwriting(client, headers, "现场") if refusal_photo else None}
    inspection = await put_signature(client, headers, inspection_id, body)
    assert inspection["signatures_complete"], inspection
    return inspection
