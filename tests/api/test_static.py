from io import BytesIO

from PIL import Image


async def test_favicon_is_the_app_icon(client):
    # Browsers ask for /favicon.ico on their own, whatever the page links; a 404 there fills every log.
    r = await client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/")
    icon = Image.open(BytesIO(r.content))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
