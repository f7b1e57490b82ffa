"""Photo pipeline benchmark (run by hand; prints figures, asserts nothing about time).

    .venv/bin/python tests/benchmarks/bench_photos.py [--photos 8] [--rounds 3] [--threads 2]

12-megapixel JPEGs (4000x3000, photo-like content) go through xunjian.photos.imaging.process: validation, EXIF,
upright sRGB display copy (1600 px) and thumbnail (320 px). The same photos run with JPEG draft decoding and with a
full decode, each mode in a fresh process. Peak memory per upload: how far the peak RSS (VmHWM, reset before each
photo) rises above the RSS before it; with threads, the same over the whole parallel run. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "backend"))


def make_photos(n: int) -> list[bytes]:
    """Photo-like content: smooth gradients, a soft texture and fine sensor-like grain (about 4–5 MB at quality 90,
    like a phone's 12 MP picture), half of them stored sideways (orientation 6), all with GPS EXIF."""
    from PIL import Image

    photos = []
    size = (4000, 3000)
    for i in range(n):
        texture = Image.effect_noise((1000, 750), 50 + 3 * i).resize(size, Image.Resampling.BICUBIC)
        grain = Image.effect_noise(size, 8)
        channels = (Image.linear_gradient("L").resize(size), texture,
                    Image.radial_gradient("L").resize(size).rotate(15 * i))
        im = Image.merge("RGB", [Image.blend(c, grain, 0.15) for c in channels])
        exif = Image.Exif()
        exif[0x0112] = 6 if i % 2 else 1
        exif[0x8825] = {1: "N", 2: (36.0, 3.0, 28.5), 3: "E", 4: (103.0, 50.0, 12.0)}
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=90, exif=exif.tobytes())
        photos.append(buf.getvalue())
    return photos


def _decode(data: bytes, draft: bool) -> float:
    from PIL import Image

    t = time.perf_counter()
    with Image.open(io.BytesIO(data)) as im:
        if draft:
            im.draft("RGB", (1600, 1200))
        im.load()
    return time.perf_counter() - t


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def _reset_peak() -> float:
    """Reset the peak RSS (Linux: 5 > /proc/self/clear_refs) and return the current RSS."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mib("VmRSS")


def _run(mode: str, photos: list[bytes], rounds: int, threads: int, out) -> None:
    from xunjian.photos import imaging

    draft = mode == "draft"
    imaging.process(photos[0], 50_000_000, draft=draft)  # warm up (codecs, colour profiles)
    per_photo, decode, peak = [], [], 0.0
    for _ in range(rounds):
        for data in photos:
            before = _reset_peak()
            t = time.perf_counter()
            imaging.process(data, 50_000_000, draft=draft)
            per_photo.append(time.perf_counter() - t)
            peak = max(peak, _status_mib("VmHWM") - before)
            decode.append(_decode(data, draft))
    before = _reset_peak()
    t = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda d: imaging.process(d, 50_000_000, draft=draft), photos * rounds))
    parallel = len(photos) * rounds / (time.perf_counter() - t)
    out.send({"per_photo": per_photo, "decode": decode, "peak_mib": peak,
              "peak_parallel_mib": _status_mib("VmHWM") - before, "parallel_per_s": parallel})


def measure(mode: str, photos: list[bytes], rounds: int, threads: int) -> dict:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_run, args=(mode, photos, rounds, threads, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    photos = make_photos(args.photos)
    mean_mb = statistics.mean(len(p) for p in photos) / 1e6
    print(f"{args.photos} JPEGs of 4000x3000 (12 MP), mean {mean_mb:.1f} MB, {args.rounds} rounds each; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    results = {mode: measure(mode, photos, args.rounds, args.threads) for mode in ("draft", "full")}
    print(f"{'mode':<6} {'median ms':>10} {'p95 ms':>8} {'photos/s':>9} {f'photos/s ({args.threads} thr)':>17} "
          f"{'peak MiB/upload':>16} {'peak MiB (thr)':>15}")
    for mode, r in results.items():
        times = sorted(r["per_photo"])
        median = statistics.median(times) * 1000
        p95 = times[int(len(times) * 0.95) - 1] * 1000
        print(f"{mode:<6} {median:>10.1f} {p95:>8.1f} {1000 / median:>9.2f} {r['parallel_per_s']:>17.2f} "
              f"{r['peak_mib']:>16.1f} {r['peak_parallel_mib']:>15.1f}")
    med = {mode: {k: statistics.median(r[k]) for k in ("per_photo", "decode")} for mode, r in results.items()}
    print(f"decode alone (open + load): draft {med['draft']['decode'] * 1000:.1f} ms, "
          f"full {med['full']['decode'] * 1000:.1f} ms: draft decoding is "
          f"{med['full']['decode'] / med['draft']['decode']:.2f}x faster")
    print(f"whole pipeline (validate, EXIF, display + thumbnail, encode): draft is "
          f"{med['full']['per_photo'] / med['draft']['per_photo']:.2f}x faster than with a full decode")


if __name__ == "__main__":
    main()
