#!/usr/bin/env python3
"""Side by side: renderiq-sdk's screenshot preparation against Pillow, on the same image.

The work is what every render upload does with a 4K viewport capture: 3840x2160 RGBA,
down-scaled to a 2048 px edge (2048x1152) with a bicubic (Catmull-Rom) filter, converted to RGB,
encoded as JPEG quality 85 with 4:2:0 chroma subsampling.

The Rust side runs the `prepare_bench` example in release mode; it also writes the synthetic
capture's raw RGBA pixels, which this script hands to Pillow, so both time the same pixels.
Pillow runs twice: in the order above (resize the RGBA image, then drop alpha; Pillow then
premultiplies alpha around the resize) and, as a fairer baseline for an opaque capture, dropping
alpha first. Both sides are single-threaded. "speed-up" is against the first Pillow row; PSNR
is measured against Pillow's un-encoded down-scale, to show the JPEGs are of like quality.

    python3 bench/screenshot_vs_pillow.py [--iterations 20] [--min-ratio 3] [--binary PATH]

Needs Pillow (`pip install pillow`) and cargo. Exits 1 when Pillow is missing, 2 when the Rust
side fails, 3 when `--min-ratio` is given and not reached.
"""

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = (3840, 2160)
OUT_SIZE = (2048, 1152)
QUALITY = 85

try:
    from PIL import Image, ImageChops, ImageStat, features
    import PIL
except ImportError:
    sys.exit("Pillow is not installed: run `pip install pillow` and try again")


def run_rust(binary, iterations, raw_path, jpeg_path):
    """Builds and runs the Rust example (or a prebuilt `binary` of it); returns its JSON result."""
    if binary:
        cmd = [binary]
    else:
        cmd = ["cargo", "run", "--quiet", "--release", "-p", "renderiq-sdk",
               "--example", "prepare_bench", "--"]
    cmd += ["--iterations", str(iterations), "--raw-out", raw_path, "--jpeg-out", jpeg_path]
    print("$ " + " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        print(f"the Rust benchmark failed (exit {done.returncode})", file=sys.stderr)
        sys.exit(2)
    return json.loads(done.stdout.strip().splitlines()[-1])


def pillow_rgba_first(capture):
    """The same work in Pillow: resize the RGBA capture (bicubic), drop alpha, JPEG q85 4:2:0."""
    small = capture.resize(OUT_SIZE, Image.Resampling.BICUBIC).convert("RGB")
    return save_jpeg(small)


def pillow_rgb_first(capture):
    """Pillow's fastest order for an opaque capture: drop alpha first, then resize and encode."""
    small = capture.convert("RGB").resize(OUT_SIZE, Image.Resampling.BICUBIC)
    return save_jpeg(small)


def save_jpeg(image):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, subsampling="4:2:0")
    return out.getvalue()


PILLOW_PIPELINES = [
    ("Pillow", "resize RGBA -> RGB -> JPEG", pillow_rgba_first),
    ("Pillow RGB", "RGB -> resize -> JPEG", pillow_rgb_first),
]


def time_pillow(prepare, capture, iterations):
    for _ in range(2):  # warm-up, like the Rust side
        jpeg = prepare(capture)
    start = time.perf_counter()
    for _ in range(iterations):
        jpeg = prepare(capture)
    return {"seconds_per_image": (time.perf_counter() - start) / iterations, "jpeg": jpeg}


def psnr(jpeg, reference):
    """PSNR in dB of a decoded JPEG against the reference RGB image."""
    decoded = Image.open(io.BytesIO(jpeg)).convert("RGB")
    rms = ImageStat.Stat(ImageChops.difference(decoded, reference)).rms
    mse = sum(r * r for r in rms) / len(rms)
    return float("inf") if mse == 0 else 10 * math.log10(255 * 255 / mse)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--binary", help="a prebuilt prepare_bench example to run instead of "
                        "`cargo run --release`")
    parser.add_argument("--min-ratio", type=float, default=None,
                        help="exit 3 unless Rust reaches this many times Pillow's throughput")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        raw_path = os.path.join(tmp, "capture.rgba")
        jpeg_path = os.path.join(tmp, "rust.jpg")
        rust = run_rust(args.binary, args.iterations, raw_path, jpeg_path)
        with open(jpeg_path, "rb") as f:
            rust["jpeg"] = f.read()
        with open(raw_path, "rb") as f:
            capture = Image.frombuffer("RGBA", SIZE, f.read(), "raw", "RGBA", 0, 1)
    pillow = [(name, how, time_pillow(fn, capture, args.iterations))
              for name, how, fn in PILLOW_PIPELINES]

    # Quality check: every JPEG against one reference down-scale (Pillow's, before encoding).
    reference = capture.resize(OUT_SIZE, Image.Resampling.BICUBIC).convert("RGB")
    rows = [("renderiq-sdk", "prepare(): scan, resize RGBA, JPEG", rust)] + pillow

    turbo = features.version("libjpeg_turbo") or "no"
    print()
    print(f"3840x2160 RGBA -> {OUT_SIZE[0]}x{OUT_SIZE[1]} bicubic (Catmull-Rom) -> JPEG "
          f"q{QUALITY} 4:2:0, {args.iterations} iterations, 1 thread each")
    print(f"Pillow {PIL.__version__} (libjpeg-turbo {turbo}), Python {sys.version.split()[0]}")
    print()
    print(f"{'':<14}{'ms/image':>10}{'images/s':>10}{'bytes':>9}{'PSNR dB':>9}"
          f"{'speed-up':>10}  pipeline")
    for name, how, result in rows:
        ips = 1 / result["seconds_per_image"]
        speedup = pillow[0][2]["seconds_per_image"] / result["seconds_per_image"]
        print(f"{name:<14}{result['seconds_per_image'] * 1e3:>10.1f}{ips:>10.1f}"
              f"{len(result['jpeg']):>9}{psnr(result['jpeg'], reference):>9.2f}"
              f"{speedup:>9.2f}x  {how}")

    best_pillow = min(r["seconds_per_image"] for _, _, r in pillow)
    ratio = best_pillow / rust["seconds_per_image"]
    print()
    print(f"renderiq-sdk throughput vs the faster Pillow pipeline: {ratio:.2f}x")
    print(f"renderiq-sdk output size vs Pillow: "
          f"{len(rust['jpeg']) / len(pillow[0][2]['jpeg']):.3f}")

    if args.min_ratio is not None and ratio < args.min_ratio:
        print(f"below the required {args.min_ratio}x", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
