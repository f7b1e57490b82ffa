"""A photo taken through the PWA reaches the server with its capture time and place, although the phone re-encodes
it (which drops the EXIF); a picture picked from the gallery is marked as such and carries no position of now."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone

import pytest

from .test_notifications_e2e import submit_major_hazard
from .test_pwa_offline import SITE_CODE, SITE_POS, camera_jpeg, db_rows, login, new_page, see

pytestmark = pytest.mark.e2e


def test_a_photo_keeps_its_capture_time_and_place_and_a_gallery_pick_is_marked(server, browser, tmp_path):
    site_id = db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0]
    finding_id = submit_major_hazard(server, site_id)
    fresh, old = tmp_path / "just-taken.jpg", tmp_path / "from-gallery.jpg"
    fresh.write_bytes(camera_jpeg(1600, 1200))
    old.write_bytes(camera_jpeg(1200, 900))
    three_days_ago = time.time() - 3 * 86400
    os.utime(old, (three_days_ago, three_days_ago))

    ctx, page = new_page(browser, server)  # the phone stands at the site (SITE_POS)
    login(page, "manager")
    page.goto(f"{server['base']}/#/finding/{finding_id}")
    page.wait_for_selector("#respond-form textarea")
    page.fill("#respond-form textarea", "已拆除门锁")
    before = time.time()
    page.set_input_files("#respond-form input[type=file]", str(fresh))
    page.wait_for_selector("#respond-form img[data-photo]")
    page.set_input_files("#respond-form input[type=file]", str(old))
    page.wait_for_function("() => document.querySelectorAll('#respond-form img[data-photo]').length === 2")
    page.click("#respond-form button[type=submit]")
    see(page, "#finding-status[data-status=responded]")

    (photos,) = db_rows(server, "SELECT photos FROM finding_response WHERE finding = ?", finding_id)[0]
    taken, picked = json.loads(photos)
    row = db_rows(server, "SELECT captured_at, captured_lat, captured_lng, origin FROM photo WHERE id = ?", taken)[0]
    at = datetime.fromisoformat(row[0]).astimezone(timezone.utc).timestamp()
    assert abs(at - fresh.stat().st_mtime) < 2 and at <= time.time() + 1 and at >= before - 60, row
    assert (row[1], row[2], row[3]) == (SITE_POS["latitude"], SITE_POS["longitude"], "camera")
    row = db_rows(server, "SELECT captured_at, captured_lat, origin FROM photo WHERE id = ?", picked)[0]
    assert abs(datetime.fromisoformat(row[0]).timestamp() - three_days_ago) < 2
    assert (row[1], row[2]) == (None, "gallery"), "a gallery pick has no position of now and says where it came from"

    # The finding shows the gallery pick as such.
    page.reload()
    see(page, "figure.gallery figcaption")
    assert page.locator("figure.gallery").count() == 1
    assert not page.errors, page.errors
    ctx.close()
