#!/usr/bin/env python3
"""The Python binding against the pure-Python way, side by side in one run.

1. Screenshot preparation, what every render upload does with a 4K viewport capture:
   3840x2160 8-bit pixels -> down-scaled to a 2048 px edge (2048x1152) with a Catmull-Rom
   (Pillow's BICUBIC) filter -> JPEG quality 85, 4:2:0 chroma subsampling.
   `renderiq.prepare_image(renderiq.RawImage(...))` against Pillow, on the same pixels:
   - RGBA top-down (most toolkits); Pillow both ways round (resize RGBA then drop alpha, as a
     general pipeline must; or drop alpha first, its fastest order for an opaque capture);
   - BGRA bottom-up (Blender/OpenGL read-backs, Windows DIBs); Pillow decodes it with its
     "BGRA" raw mode and a negative orientation.
   Issue 15's target: at least 4x Pillow's fastest order (drop alpha first) on one thread, with
   the JPEG's size within 1% of Pillow's at the same quality; the script exits with status 1
   otherwise.
2. Webhook verification of a 1 KiB Renderiq event: a reused `renderiq.webhooks.Webhook` against
   a reused pure-Python `standardwebhooks.Webhook`, signature only and signature + parse (the
   typed `WebhookEvent`: the body parsed by serde into Rust structs, its `data`/`payload`
   Python objects built when first read; vs `json.loads`'s dict); then, for information, the
   same with the event's `payload` dict read too. Issue 15's targets: signature >= 4x,
   signature + parse >= 5x; the script exits with status 1 when a ratio is below its target
   (`--webhooks-only` runs this part alone).

Both sides run on the calling thread. Times are medians (for screenshots, the best of 3 rounds
that alternate the pipelines); "ratio" is Pillow (or standardwebhooks) time divided by the
binding's time.

    python bench/python_bench.py [--iterations 15] [--webhook-iterations 20000] [--webhooks-only]

Needs a release build of the binding (`maturin build --release` + pip install, or
`maturin develop --release`), Pillow and standardwebhooks.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import time
from typing import Callable, List, Optional, Tuple

try:
    import standardwebhooks
    from PIL import Image, ImageDraw
    import PIL
except ImportError as e:
    sys.exit(f"{e.name} is not installed: pip install pillow standardwebhooks")

import renderiq
from renderiq import _native, webhooks

SIZE = (3840, 2160)
OUT = (2048, 1152)
QUALITY = 85


def synthetic_capture() -> Image.Image:
    """A viewport-like 4K frame: sky gradient, ground, hard-edged shapes and thin lines."""
    w, h = SIZE
    sky = Image.linear_gradient("L").resize((w, h))
    img = Image.merge("RGB", (sky.point(lambda v: 120 + v // 3), sky.point(lambda v: 160 + v // 4), sky.point(lambda v: 230)))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, h * 2 // 3, w, h), fill=(96, 104, 92))
    for i in range(40):
        x = (i * 397) % (w - 400)
        y = h // 3 + (i * 211) % (h // 3)
        draw.rectangle((x, y, x + 300, y + 260), fill=(200 - i * 3, 190 - i * 2, 180), outline=(20, 20, 20), width=3)
    for i in range(0, w, 64):
        draw.line((i, h * 2 // 3, w // 2, h), fill=(60, 60, 60), width=1)
    return img.convert("RGBA")


def median_seconds(fn: Callable[[], object], iterations: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(iterations):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=QUALITY, subsampling="4:2:0")
    return out.getvalue()


def bench_images(iterations: int) -> List[Tuple[str, float, float]]:
    capture = synthetic_capture()
    rgba = capture.tobytes()
    # BGRA, bottom row first.
    r, g, b, a = capture.transpose(Image.Transpose.FLIP_TOP_BOTTOM).split()
    bgra = Image.merge("RGBA", (b, g, r, a)).tobytes()
    w, h = SIZE

    def ours(data: bytes, fmt: str, bottom_up: bool) -> Callable[[], object]:
        raw = renderiq.RawImage(data, w, h, pixel_format=fmt, bottom_up=bottom_up)

        def run() -> object:
            p = renderiq.prepare_image(raw, max_edge=2048, format="jpeg", quality=QUALITY)
            assert (p.width, p.height) == OUT
            return p

        return run

    def pillow_rgba_first() -> bytes:
        img = Image.frombuffer("RGBA", SIZE, rgba, "raw", "RGBA", 0, 1)
        return jpeg(img.resize(OUT, Image.Resampling.BICUBIC).convert("RGB"))

    def pillow_rgb_first() -> bytes:
        img = Image.frombuffer("RGBA", SIZE, rgba, "raw", "RGBA", 0, 1)
        return jpeg(img.convert("RGB").resize(OUT, Image.Resampling.BICUBIC))

    def pillow_bgra_bottom_up() -> bytes:
        img = Image.frombuffer("RGBA", SIZE, bgra, "raw", "BGRA", 0, -1)
        return jpeg(img.convert("RGB").resize(OUT, Image.Resampling.BICUBIC))

    # Rounds alternate the pipelines and each keeps its best median: on a machine shared with
    # other work, a burst of load then slows one round, not one side.
    pipelines = [ours(rgba, "rgba", False), ours(bgra, "bgra", True), pillow_rgba_first, pillow_rgb_first, pillow_bgra_bottom_up]
    rounds = [[median_seconds(fn, iterations) for fn in pipelines] for _ in range(SCREENSHOT_ROUNDS)]
    t_rgba, t_bgra, p_rgba, p_rgb, p_bgra = (min(times) for times in zip(*rounds))
    global screenshot_size_ratio
    screenshot_size_ratio = len(ours(rgba, "rgba", False)().data) / len(pillow_rgb_first())
    return [
        ("4K RGBA -> 2048 JPEG q85 vs Pillow (resize RGBA first)", t_rgba, p_rgba),
        (SCREENSHOT_FASTEST, t_rgba, p_rgb),
        ("4K BGRA bottom-up -> 2048 JPEG q85 vs Pillow", t_bgra, p_bgra),
    ]


SCREENSHOT_FASTEST = "4K RGBA -> 2048 JPEG q85 vs Pillow (drop alpha first)"
#: Issue 15's screenshot targets: Pillow's fastest order / ours, and the JPEG size's distance
#: from Pillow's at the same quality.
SCREENSHOT_TARGET = 4.0
SCREENSHOT_SIZE_TOLERANCE = 0.01
#: Rounds of the screenshot pipelines, each keeping its best median.
SCREENSHOT_ROUNDS = 3
#: Our JPEG's size / Pillow's (drop alpha first), set by :func:`bench_images`.
screenshot_size_ratio: Optional[float] = None


def screenshot_shortfalls(rows: List[Tuple[str, float, float]]) -> List[str]:
    """The screenshot targets missed in ``rows``, described (none when the part did not run)."""
    missed = [
        f"{name}: {theirs / ours:.2f}x, target {SCREENSHOT_TARGET:.1f}x"
        for name, ours, theirs in rows
        if name == SCREENSHOT_FASTEST and theirs / ours < SCREENSHOT_TARGET
    ]
    if screenshot_size_ratio is not None:
        print(f"screenshot JPEG size vs Pillow's at q{QUALITY}: {screenshot_size_ratio:.4f}")
        if abs(screenshot_size_ratio - 1) > SCREENSHOT_SIZE_TOLERANCE:
            missed.append(f"JPEG size {screenshot_size_ratio:.4f} x Pillow's, allowed 1 +- {SCREENSHOT_SIZE_TOLERANCE}")
    return missed


def bench_webhooks(iterations: int) -> List[Tuple[str, float, float]]:
    render = {
        "id": "rnd_0123456789abcdef", "status": "completed", "progress": 100, "prompt": "",
        "style": "photorealistic", "quality": "high", "aspectRatio": "16:9", "projectId": None,
        "creditsCost": 10, "inputUrl": "https://cdn.renderiq.io/in/0123456789abcdef.jpg",
        "outputUrl": "https://cdn.renderiq.io/out/0123456789abcdef.png", "error": None,
        "platform": "blender", "createdAt": "2026-01-02T03:04:05.123Z",
        "updatedAt": "2026-01-02T03:04:09Z", "completedAt": "2026-01-02T03:04:09Z",
    }
    event = {"type": "render.completed", "timestamp": "2026-01-02T03:04:09Z", "data": render}
    base = len(json.dumps(event).encode())
    render["prompt"] = "p" * (1024 - base)
    body = json.dumps(event).encode()
    assert len(body) == 1024, len(body)

    secret = webhooks.generate_secret()
    now = int(time.time())
    headers = webhooks.signature_headers(secret, "msg_bench", now, body)
    ours = webhooks.Webhook(secret)
    theirs = standardwebhooks.Webhook(secret)

    def per_call(fn: Callable[[], object]) -> float:
        fn()
        best = []
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(iterations):
                fn()
            best.append((time.perf_counter() - t) / iterations)
        return statistics.median(best)

    event = ours.verify(body, headers)
    assert event.data is not None and event.data.prompt == render["prompt"] and event.payload == theirs.verify(body, headers)
    theirs_parsed = per_call(lambda: theirs.verify(body, headers))
    return [
        (
            WEBHOOK_SIGNATURE,
            per_call(lambda: ours.verify_signature(body, headers)),
            per_call(lambda: theirs.verify(body, headers, json_parse=False)),
        ),
        (WEBHOOK_PARSE, per_call(lambda: ours.verify(body, headers)), theirs_parsed),
        (
            "  ... and read event.data (the typed Render, built on first use)",
            per_call(lambda: ours.verify(body, headers).data),
            theirs_parsed,
        ),
        (
            "  ... and read event.payload (dict, parsed on first use)",
            per_call(lambda: ours.verify(body, headers).payload),
            theirs_parsed,
        ),
    ]


WEBHOOK_SIGNATURE = "verify 1 KiB signature vs standardwebhooks (json_parse=False)"
WEBHOOK_PARSE = "verify 1 KiB + parse (typed WebhookEvent vs dict)"
#: Issue 15's webhook targets: the least ratio (standardwebhooks time / ours) of each row.
WEBHOOK_TARGETS = {WEBHOOK_SIGNATURE: 4.0, WEBHOOK_PARSE: 5.0}


def webhook_shortfalls(rows: List[Tuple[str, float, float]]) -> List[str]:
    """The webhook rows whose ratio is below :data:`WEBHOOK_TARGETS`, described."""
    return [
        f"{name}: {theirs / ours:.2f}x, target {WEBHOOK_TARGETS[name]:.1f}x"
        for name, ours, theirs in rows
        if name in WEBHOOK_TARGETS and theirs / ours < WEBHOOK_TARGETS[name]
    ]


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:8.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:8.2f} us"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--webhook-iterations", type=int, default=20000)
    parser.add_argument("--webhooks-only", action="store_true", help="skip the screenshot part")
    args = parser.parse_args()

    print(f"renderiq {renderiq.__version__} ({'DEBUG build: numbers are meaningless' if _native.DEBUG_BUILD else 'release build'}), "
          f"Pillow {PIL.__version__}, standardwebhooks, Python {platform.python_version()}, {platform.machine()}")
    if _native.DEBUG_BUILD:
        print("warning: build the binding with --release before benchmarking", file=sys.stderr)
    rows = ([] if args.webhooks_only else bench_images(args.iterations)) + bench_webhooks(args.webhook_iterations)
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'renderiq':>11}  {'pure Python':>11}  ratio")
    for name, ours, theirs in rows:
        print(f"{name:<{width}}  {fmt(ours)}  {fmt(theirs)}  {theirs / ours:5.1f}x")
    shortfalls = screenshot_shortfalls(rows) + webhook_shortfalls(rows)
    for line in shortfalls:
        print(f"BELOW TARGET: {line}", file=sys.stderr)
    if shortfalls:
        sys.exit(1)


if __name__ == "__main__":
    main()
