"""The Pillow pipeline: decide the format from the content, refuse bombs and broken files, read EXIF time and GPS,
and make the display copy and thumbnail (upright, sRGB, no metadata). Blocking: callers run it in a thread."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image, ImageCms, UnidentifiedImageError

from . import rules

# Between 1x and 2x Image.MAX_IMAGE_PIXELS Pillow only warns: make that an error everywhere in the process.
warnings.simplefilter("error", Image.DecompressionBombWarning)

DISPLAY_MAX = 1600
THUMB_MAX = 320
JPEG_QUALITY = {"display": 82, "thumb": 75}

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(Exception):
    """The bytes are not an acceptable image. `kind` picks the HTTP answer."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "unsupported" | "too_many_pixels" | "corrupt" | "empty"
        self.message = message


@dataclass
class Processed:
    content_type: str
    width: int
    height: int
    display: bytes
    thumb: bytes
    taken_at: datetime | None = None
    gps: tuple[float, float] | None = None
    exif: dict = field(default_factory=dict)


def process(data: bytes, max_pixels: int, *, draft: bool = True) -> Processed:
    """Validate and derive. Raises ImageRejected for anything a client must fix."""
    if not data:
        raise ImageRejected("empty", "The body is empty")
    try:
        im = Image.open(io.BytesIO(data), formats=list(rules.FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("too_many_pixels", f"The image has more than {max_pixels} pixels") from None
    except UnidentifiedImageError:
        raise ImageRejected("unsupported", "Only JPEG, PNG and WebP images are accepted") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected("corrupt", f"The image cannot be read: {exc}") from None
    with im:
        width, height = im.size
        # Pillow's warning band (1x–2x MAX_IMAGE_PIXELS) is refused here too, even where a caller has reset the
        # warning filters (pytest does, per test).
        if width < 1 or height < 1 or width * height > min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels):
            raise ImageRejected("too_many_pixels", f"The image has more than {max_pixels} pixels")
        if getattr(im, "n_frames", 1) > 1:
            raise ImageRejected("unsupported", "Animated images are not accepted")
        content_type = rules.FORMATS[im.format]
        exif = _exif(im)
        try:
            if draft and im.format == "JPEG":
                # Decode at the smallest DCT scale that is still at least the display size: far less work and memory.
                im.draft("RGB", _fit(width, height, DISPLAY_MAX))
            im.load()  # the whole stream: truncated or corrupt data fails here, not at open()
            display_im = _display_base(im, exif.get("orientation", 1))
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
            raise ImageRejected("corrupt", f"The image cannot be decoded: {exc}") from None
    display = _jpeg(display_im, JPEG_QUALITY["display"], progressive=True)  # shows early on a slow connection
    display_im.thumbnail((THUMB_MAX, THUMB_MAX), Image.Resampling.LANCZOS, reducing_gap=2.0)
    thumb = _jpeg(display_im, JPEG_QUALITY["thumb"])
    if exif.get("orientation", 1) >= 5:  # stored turned by 90°: report the size as seen
        width, height = height, width
    return Processed(content_type=content_type, width=width, height=height, display=display, thumb=thumb,
                     taken_at=exif.pop("_taken_at", None), gps=exif.pop("_gps", None), exif=exif)


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    """The size of the display copy: draft() keeps a DCT scale only while both sides stay at least this large."""
    scale = min(1.0, box / max(width, height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _exif(im: Image.Image) -> dict:
    """Time, GPS and a few descriptive tags. Malformed EXIF yields less, never an error."""
    out: dict = {}
    try:
        exif = im.getexif()
    except Exception:  # any parser error in a hostile EXIF block: the upload goes on without it
        return out
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:
        sub = {}
    try:
        out["_taken_at"] = rules.exif_time(sub.get(0x9003) or exif.get(0x0132), sub.get(0x9011) or sub.get(0x9010))
    except Exception:
        out["_taken_at"] = None
    try:
        out["_gps"] = rules.gps_position(dict(exif.get_ifd(_GPS_IFD)))
    except Exception:
        out["_gps"] = None
    for name, tag in (("make", 0x010F), ("model", 0x0110), ("software", 0x0131)):
        try:
            text = rules.exif_text(exif.get(tag))
        except Exception:
            text = None
        if text:
            out[name] = text
    orientation = exif.get(0x0112)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        out["orientation"] = orientation
    return out


# EXIF orientation → the transposition that shows the picture as taken (as ImageOps.exif_transpose does).
_ORIENT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _display_base(im: Image.Image, orientation: int) -> Image.Image:
    """The display copy: at most DISPLAY_MAX, upright, RGB in sRGB, detached from the file and its metadata.

    Scaling comes first so that turning and colour conversion work on the small image."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode not in ("RGB", "RGBA", "L", "LA"):
        im = im.convert("RGB")
    small = im.resize(_fit(*im.size, DISPLAY_MAX), Image.Resampling.LANCZOS, reducing_gap=2.0) \
        if max(im.size) > DISPLAY_MAX else im.copy()
    if orientation in _ORIENT:
        small = small.transpose(_ORIENT[orientation])
    if small.mode in ("RGBA", "LA"):
        rgba = small.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, (255, 255, 255))
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    else:
        rgb = small.convert("RGB")
    icc = im.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            rgb = ImageCms.profileToProfile(rgb, source, _SRGB, outputMode="RGB") or rgb
        except Exception:  # a broken or non-RGB (grey, CMYK) profile: keep the values as they are
            pass
    rgb.info = {}
    return rgb


def _jpeg(im: Image.Image, quality: int, progressive: bool = False) -> bytes:
    buf = io.BytesIO()
    # No exif=, icc_profile= or xmp=: the derivative carries pixels only.
    im.save(buf, "JPEG", quality=quality, optimize=not progressive, progressive=progressive)
    return buf.getvalue()
