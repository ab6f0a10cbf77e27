"""`prepare_image` and `RawImage`: what plugins hand over becomes an upload-ready image."""

import array
import io

import pytest
from PIL import Image

import renderiq

from conftest import png_bytes


def decode(prepared: renderiq.PreparedImage) -> Image.Image:
    return Image.open(io.BytesIO(prepared.data))


def test_a_4k_capture_is_scaled_to_2048_jpeg() -> None:
    raw = renderiq.RawImage(bytes(3840 * 2160 * 4), 3840, 2160)
    prepared = renderiq.prepare_image(raw)
    assert (prepared.width, prepared.height) == (2048, 1152)
    assert prepared.mime_type == "image/jpeg" and prepared.format == "jpeg"
    assert decode(prepared).size == (2048, 1152)
    assert bytes(prepared) == prepared.data and len(prepared) == len(prepared.data)


def test_bgra_bottom_up_rows_come_out_upright_and_rgb() -> None:
    # 2x2: top row red, bottom row blue, stored bottom-up as BGRA.
    red, blue = bytes((0, 0, 255, 255)), bytes((255, 0, 0, 255))
    data = blue * 2 + red * 2
    raw = renderiq.RawImage(data, 2, 2, pixel_format="bgra", bottom_up=True)
    img = decode(renderiq.prepare_image(raw, format="png")).convert("RGB")
    assert img.getpixel((0, 0)) == (255, 0, 0)
    assert img.getpixel((1, 1)) == (0, 0, 255)


def test_any_buffer_is_accepted_for_raw_pixels() -> None:
    pixels = array.array("I", [0xFF00FF00] * 16)  # 4x4, 4 bytes per item
    raw = renderiq.RawImage(pixels, 4, 4)
    assert raw.data == pixels.tobytes()
    assert renderiq.prepare_image(raw, format="png").width == 4
    mutable = bytearray(64)
    raw = renderiq.RawImage(mutable, 4, 4)
    mutable[0] = 7
    assert raw.data[0] == 0, "other buffers are copied once"


def test_formats_max_edge_and_byte_budget() -> None:
    src = png_bytes(1000, 500)
    png = renderiq.prepare_image(src, max_edge=400, format="png")
    assert (png.width, png.height) == (400, 200) and png.data.startswith(b"\x89PNG")
    webp = renderiq.prepare_image(src, format="webp")
    assert webp.mime_type == "image/webp" and (webp.width, webp.height) == (1000, 500)
    small = renderiq.prepare_image(src, quality=40, max_bytes=50_000)
    assert len(small.data) <= 50_000
    assert renderiq.prepare_image(png_bytes(10, 10)).width == 10, "never up-scaled"


def test_path_input(tmp_path) -> None:
    path = tmp_path / "in.png"
    path.write_bytes(png_bytes(30, 20))
    assert renderiq.prepare_image(path).width == 30
    assert renderiq.prepare_image(str(path)).height == 20


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        renderiq.prepare_image(png_bytes(), max_edge=0)
    with pytest.raises(ValueError):
        renderiq.prepare_image(png_bytes(), quality=101)
    with pytest.raises(ValueError):
        renderiq.prepare_image(png_bytes(), max_bytes=0)
    with pytest.raises(TypeError):
        renderiq.prepare_image(3.5)  # type: ignore[arg-type]
