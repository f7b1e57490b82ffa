import io

import pytest
from PIL import Image

from tests.integration.photos import support
from xunjian.photos import imaging

LIMIT = 50_000_000


def rejected(data: bytes, limit: int = LIMIT) -> str:
    with pytest.raises(imaging.ImageRejected) as info:
        imaging.process(data, limit)
    return info.value.kind


def test_hostile_inputs_are_rejected_by_kind():
    assert rejected(support.bomb_png()) == "too_many_pixels"
    assert rejected(support.truncated_jpeg()) == "corrupt"
    assert rejected(support.TEXT) == "unsupported"
    assert rejected(support.SVG) == "unsupported"
    assert rejected(support.gif()) == "unsupported"
    assert rejected(b"") == "empty"
    # Pillow's own hard limit (2x MAX_IMAGE_PIXELS) and its warning band both end as a refusal, whatever our limit.
    assert rejected(support.bomb_png(20_000, 10_000), limit=10**10) == "too_many_pixels"
    assert rejected(support.bomb_png(10_000, 9_500), limit=10**10) == "too_many_pixels"


def test_own_pixel_limit():
    data = support.jpeg((1000, 1000))
    assert rejected(data, limit=999_999) == "too_many_pixels"
    assert imaging.process(data, 1_000_000).width == 1000


def test_format_comes_from_content_not_name():
    assert imaging.process(support.png(), LIMIT).content_type == "image/png"
    assert imaging.process(support.webp(), LIMIT).content_type == "image/webp"
    assert imaging.process(support.jpeg(), LIMIT).content_type == "image/jpeg"


def test_derivatives_are_upright_bounded_and_carry_no_metadata():
    p = imaging.process(support.two_tone_jpeg(orientation=6), LIMIT)
    assert p.gps == pytest.approx((36.0579167, 103.8366667))
    assert p.taken_at.isoformat() == "2026-11-20T01:30:00+00:00"
    assert p.exif == {"make": "TestCam", "orientation": 6}
    assert (p.width, p.height) == (200, 400)
    for data in (p.display, p.thumb):
        im = Image.open(io.BytesIO(data))
        assert im.format == "JPEG"
        assert im.height > im.width, "turned upright: portrait"
        top, bottom = im.getpixel((im.width // 2, 5)), im.getpixel((im.width // 2, im.height - 5))
        assert top[0] > 150 and top[2] < 80, top  # red on top
        assert bottom[2] > 150 and bottom[0] < 80, bottom
        assert not im.getexif() and "icc_profile" not in im.info and "xmp" not in im.info
        assert all(m == 0xE0 or not 0xE1 <= m <= 0xEF for m in support.app_markers(data))  # only JFIF APP0
    assert max(Image.open(io.BytesIO(p.thumb)).size) <= 320


def test_large_photo_is_scaled_to_display_and_thumb_sizes():
    p = imaging.process(support.jpeg((4000, 3000)), LIMIT)
    assert Image.open(io.BytesIO(p.display)).size == (1600, 1200)
    assert Image.open(io.BytesIO(p.thumb)).size == (320, 240)
    small = imaging.process(support.jpeg((640, 480)), LIMIT)
    assert Image.open(io.BytesIO(small.display)).size == (640, 480)  # never enlarged


def test_draft_decoding_gives_the_same_picture():
    data = support.two_tone_jpeg(orientation=1, gps=None)
    big = Image.open(io.BytesIO(data)).resize((4000, 2000))
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=90)
    fast = Image.open(io.BytesIO(imaging.process(buf.getvalue(), LIMIT).display))
    full = Image.open(io.BytesIO(imaging.process(buf.getvalue(), LIMIT, draft=False).display))
    assert fast.size == full.size == (1600, 800)
    for xy in [(100, 400), (1500, 400)]:
        assert all(abs(a - b) < 12 for a, b in zip(fast.getpixel(xy), full.getpixel(xy)))


@pytest.mark.parametrize("make", [support.jpeg_with_bad_gps, support.jpeg_with_broken_gps_pointer])
def test_malformed_gps_exif_never_fails(make):
    p = imaging.process(make(), LIMIT)
    assert p.gps is None and p.content_type == "image/jpeg"


def test_transparent_png_is_flattened_on_white():
    p = imaging.process(support.png(mode="RGBA"), LIMIT)
    r, g, b = Image.open(io.BytesIO(p.display)).getpixel((10, 10))
    assert r > 100 and b > 200  # half-transparent blue over white, not over black


def test_sixteen_bit_grey_png():
    buf = io.BytesIO()
    Image.new("I;16", (64, 64), 40000).save(buf, "PNG")
    p = imaging.process(buf.getvalue(), LIMIT)
    grey = Image.open(io.BytesIO(p.display)).getpixel((5, 5))
    assert 140 < grey[0] < 170


def test_colour_profile_is_applied_and_dropped():
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = support.jpeg(icc_profile=icc)
    assert Image.open(io.BytesIO(data)).info.get("icc_profile")
    p = imaging.process(data, LIMIT)
    for out in (p.display, p.thumb):
        assert "icc_profile" not in Image.open(io.BytesIO(out)).info
        assert 0xE2 not in support.app_markers(out)


def test_cmyk_jpeg_becomes_rgb():
    buf = io.BytesIO()
    Image.new("CMYK", (2400, 1800), (0, 255, 255, 0)).save(buf, "JPEG")
    p = imaging.process(buf.getvalue(), LIMIT)
    im = Image.open(io.BytesIO(p.display))
    assert im.mode == "RGB" and im.size == (1600, 1200)
