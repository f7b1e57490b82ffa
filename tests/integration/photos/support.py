"""Images and an S3-protocol server for the photo tests (unit, integration and API)."""

from __future__ import annotations

import contextlib
import io
import socket
import struct
import zlib

from PIL import Image

GPS = {1: "N", 2: (36.0, 3.0, 28.5), 3: "E", 4: (103.0, 50.0, 12.0)}  # 兰州, about 36.0579 N 103.8367 E


def jpeg(size=(400, 200), color=(200, 30, 30), *, exif: bytes | None = None, quality=90, **kw) -> bytes:
    im = Image.new("RGB", size, color)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, **({"exif": exif} if exif else {}), **kw)
    return buf.getvalue()


def two_tone_jpeg(orientation: int = 6, gps: dict | None = GPS) -> bytes:
    """Stored landscape, left half red and right half blue, with an orientation tag (6: turn 90° clockwise to view,
    so the viewer sees a portrait picture, red on top) and GPS."""
    im = Image.new("RGB", (400, 200), (220, 20, 20))
    im.paste((20, 20, 220), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    exif[0x8769] = {0x9003: "2026:11:20 09:30:00", 0x9011: "+08:00"}
    if gps:
        exif[0x8825] = gps
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    return buf.getvalue()


def png(size=(300, 300), mode="RGBA") -> bytes:
    im = Image.new(mode, size, (10, 120, 200, 128) if mode == "RGBA" else 0)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def webp(size=(300, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 160, 60)).save(buf, "WEBP")
    return buf.getvalue()


def gif() -> bytes:
    buf = io.BytesIO()
    Image.new("P", (50, 50)).save(buf, "GIF")
    return buf.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
TEXT = b"this is not a picture, just some text sent as image/jpeg\n"


def bomb_png(width=10_000, height=10_000) -> bytes:
    """A 100-megapixel PNG of a few kilobytes: every row is zeros, compressed as one stream."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + 1-bit pixels
    raw = zlib.compress(row * height, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def truncated_jpeg() -> bytes:
    data = jpeg((1200, 900), quality=95)
    return data[: len(data) * 2 // 3]


def jpeg_with_bad_gps() -> bytes:
    """GPS values that cannot be a position: a latitude reference 'Q', 75 minutes, a longitude of 1000°."""
    exif = Image.Exif()
    exif[0x8825] = {1: "Q", 2: (36.0, 75.0, 1.0), 3: "E", 4: (1000.0, 0.0, 0.0)}
    return jpeg(exif=exif.tobytes())


def jpeg_with_broken_gps_pointer() -> bytes:
    """An EXIF block whose GPS IFD pointer leads far outside the block."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 1) + struct.pack(">HHII", 0x8825, 4, 1, 0x7FFFFF00) \
        + b"\x00\x00\x00\x00"
    return jpeg(exif=b"Exif\x00\x00" + tiff)


def app_markers(data: bytes) -> list[int]:
    """The JPEG segment markers before the image data (APP1 = EXIF/XMP, APP2 = ICC…)."""
    assert data[:2] == b"\xff\xd8"
    i, out = 2, []
    while i < len(data):
        assert data[i] == 0xFF
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan
            break
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        out.append(marker)
        i += 2 + length
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def moto_server():
    """A real S3-protocol server process (moto's server mode) on a free port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
