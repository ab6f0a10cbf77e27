"""The end-to-end scenario every binding runs against the reference server: sign in, create
renders from a file, from encoded bytes and from raw pixels, wait with progress, download."""

import io
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

import renderiq

from conftest import Server, png_bytes


def bgra_with_padded_stride(width: int, height: int, pad: int) -> bytes:
    """Left half red, right half blue, as BGRA rows padded with 0xEE garbage bytes."""
    row = bytearray()
    for x in range(width):
        row += bytes((0, 0, 255, 255)) if x < width // 2 else bytes((255, 0, 0, 255))
    row += b"\xee" * pad
    return bytes(row) * height


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (loopback test server)
        return resp.read()


def test_full_scenario(server: Server, tmp_path: Path, png_file: Path) -> None:
    email, password = server.add_user(credits=100)
    client = server.client(platform="blender", plugin_name="scenario", plugin_version="1.2.3")

    health = client.health()
    assert health.status == "ok"

    assert client.is_signed_in() is False
    user = client.sign_in(email, password)
    assert user.email == email
    assert client.is_signed_in() is True
    assert client.me().id == user.id
    assert client.credits().balance == 100

    # 1. From a file, waiting with progress reported on this thread.
    created = client.create_render(png_file, prompt="dusk, warm light", style="photorealistic",
                                   quality="standard", aspect_ratio="16:9")
    assert created.status in ("pending", "processing")
    assert created.credits_cost == 5
    assert created.quality == "standard" and created.aspect_ratio == "16:9"
    seen = []
    done = client.wait_for_render(created, timeout=60, on_progress=seen.append)
    assert done.status == "completed" and done.is_terminal
    assert done.output_url and done.completed_at is not None
    assert seen, "the progress callback was called"
    assert all(isinstance(p, renderiq.Progress) for p in seen)
    assert seen[-1].render is not None and seen[-1].render.status == "completed"
    assert seen[-1].percent == 100
    percents = [p.percent for p in seen]
    assert percents == sorted(percents), percents

    output = client.download_render(done)
    assert output.startswith(b"\x89PNG")
    written = client.download_render(done.id, tmp_path / "out.png")
    assert written == tmp_path / "out.png"
    assert written.read_bytes() == output
    Image.open(io.BytesIO(output)).verify()

    # 2. From encoded bytes.
    from_bytes = client.create_render(png_bytes(80, 60, (200, 30, 30)), quality="standard")
    from_bytes = client.wait_for_render(from_bytes.id, timeout=60)
    assert from_bytes.status == "completed"

    # 3. From raw BGRA pixels whose rows are padded: the upload is the right way round.
    width, height, pad = 120, 50, 24
    raw = renderiq.RawImage(bgra_with_padded_stride(width, height, pad), width, height,
                            stride=width * 4 + pad, pixel_format="bgra")
    from_raw = client.create_render(raw, quality="high", prompt="raw pixels")
    assert from_raw.credits_cost == 10
    uploaded = Image.open(io.BytesIO(fetch(from_raw.input_url))).convert("RGB")
    assert uploaded.size == (width, height)
    left, right = uploaded.getpixel((5, height // 2)), uploaded.getpixel((width - 5, height // 2))
    assert left[0] > 200 and left[2] < 60, f"left half should be red, got {left}"
    assert right[2] > 200 and right[0] < 60, f"right half should be blue, got {right}"
    from_raw = client.wait_for_render(from_raw, timeout=60)
    assert from_raw.status == "completed"

    # Credits were charged once per render; the ledger shows the spends.
    assert client.credits().balance == 100 - 5 - 5 - 10
    ledger = client.credit_transactions(limit=10)
    assert [t.type for t in ledger.items].count("spend") == 3

    # The renders iterate lazily across pages, newest first.
    listed = list(client.renders(page_size=2))
    assert [r.id for r in listed] == [from_raw.id, from_bytes.id, done.id]
    assert [r.id for r in client.renders(status="completed", page_size=1)][:1] == [from_raw.id]
    page = client.list_renders(page=2, limit=2)
    assert page.page == 2 and page.total == 3 and not page.has_more and len(page.items) == 1

    client.sign_out()
    assert client.is_signed_in() is False
    with pytest.raises(renderiq.AuthError):
        client.me()


def test_render_helper_creates_and_waits(client: renderiq.Client, png_file: Path) -> None:
    render = client.render(str(png_file), quality="standard", timeout=60)
    assert render.status == "completed"
    assert client.get_render(render.id) == render


def test_prepared_image_and_memoryview_uploads(client: renderiq.Client) -> None:
    prepared = renderiq.prepare_image(png_bytes(300, 200), max_edge=150, format="png")
    assert (prepared.width, prepared.height) == (150, 100)
    assert client.create_render(prepared, quality="standard").status in ("pending", "processing")
    view = memoryview(bytearray(png_bytes(20, 20)))
    assert client.create_render(view, quality="standard").credits_cost == 5


def test_idempotency_key_creates_and_charges_once(client: renderiq.Client, png_file: Path) -> None:
    before = client.credits().balance
    a = client.create_render(png_file, quality="standard", idempotency_key="scenario-key-1")
    b = client.create_render(png_file, quality="standard", idempotency_key="scenario-key-1")
    assert a.id == b.id
    assert client.credits().balance == before - 5
