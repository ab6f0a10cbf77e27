"""Screenshots: :class:`RawImage`, :class:`PreparedImage`, :func:`prepare_image`, and the one
conversion of any image a plugin holds into a call's image source plus attached bytes. The core
checks and prepares every image; nothing here decodes or validates pixels."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Tuple, Union

from . import _native

__all__ = ["ImageInput", "PreparedImage", "RawImage", "prepare_image"]

_PIXEL_FORMATS = {"rgba": "rgba8", "bgra": "bgra8"}


class RawImage:
    """Raw 8-bit RGBA or BGRA pixels as a host app reads them back from its viewport::

        renderiq.RawImage(pixels, 1920, 1080, pixel_format="bgra", bottom_up=True)

    ``data`` is any bytes-like object (bytes, bytearray, memoryview, array.array, a NumPy
    array): ``height`` rows of ``width * 4`` bytes, ``stride`` bytes apart (default
    ``width * 4``). Other buffers than ``bytes`` are copied once. The geometry is checked by the
    core (:class:`ValidationError`, also a ``ValueError``).
    """

    __slots__ = ("data", "width", "height", "stride", "pixel_format", "bottom_up")
    data: bytes
    width: int
    height: int
    stride: int
    pixel_format: str
    bottom_up: bool

    def __init__(
        self,
        data: Any,
        width: int,
        height: int,
        stride: Optional[int] = None,
        pixel_format: str = "rgba",
        bottom_up: bool = False,
    ) -> None:
        if str(pixel_format).lower() not in _PIXEL_FORMATS:
            raise ValueError(f'pixel_format must be "rgba" or "bgra", not {pixel_format!r}')
        data = data if isinstance(data, bytes) else memoryview(data).tobytes()
        stride = _native.check_raw(width, height, stride or 0, len(data))
        values = (data, width, height, stride, str(pixel_format).lower(), bool(bottom_up))
        for name, value in zip(self.__slots__, values):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a RawImage is immutable; make a new one")

    def __repr__(self) -> str:
        return (f"RawImage(width={self.width}, height={self.height}, stride={self.stride}, "
                f"pixel_format={self.pixel_format!r}, bottom_up={self.bottom_up})")


class PreparedImage:
    """An encoded image ready to upload, from :func:`prepare_image`: ``data`` (JPEG, PNG or
    WebP bytes without metadata), ``width``, ``height``, ``mime_type`` and ``format``."""

    __slots__ = ("data", "width", "height", "mime_type", "format")

    def __init__(self, data: bytes, info: Dict[str, Any]) -> None:
        for name, value in zip(self.__slots__, (data, info["width"], info["height"], info["mimeType"], info["format"])):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a PreparedImage is immutable")

    def __bytes__(self) -> bytes:
        return self.data  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"PreparedImage(width={self.width}, height={self.height}, mime_type={self.mime_type!r}, <{len(self)} bytes>)"


#: What ``create_render`` accepts as the screenshot: a file path, encoded PNG/JPEG/WebP bytes
#: (any buffer), raw pixels, or an image already prepared with :func:`prepare_image`.
ImageInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, RawImage, PreparedImage]


def image_source(image: ImageInput) -> Tuple[Dict[str, Any], Any]:
    """The call's ``image`` field and the bytes attached beside it."""
    if isinstance(image, RawImage):
        source = {"kind": "raw", "width": image.width, "height": image.height, "stride": image.stride,
                  "pixelFormat": _PIXEL_FORMATS[image.pixel_format], "bottomUp": image.bottom_up}
        return source, image.data
    if isinstance(image, PreparedImage):
        return {"kind": "bytes"}, image.data
    if isinstance(image, (str, os.PathLike)):
        path = os.fspath(image)
        if not isinstance(path, str):
            raise TypeError("image paths must be str paths, not bytes paths")
        return {"kind": "file", "path": path}, None
    try:
        memoryview(image)
    except TypeError:
        raise TypeError(
            "image must be a file path (str or os.PathLike), encoded image bytes, a renderiq.RawImage "
            f"or a renderiq.PreparedImage, not {type(image).__name__}"
        ) from None
    return {"kind": "bytes"}, image


def prepare_image(
    image: ImageInput,
    max_edge: Optional[int] = None,
    format: Optional[str] = None,
    quality: Optional[int] = None,
    max_bytes: Optional[int] = None,
) -> PreparedImage:
    """Decodes, orients, down-scales and encodes a screenshot for upload exactly as
    ``create_render`` does (the ``prepare_image`` call; ``None`` keeps the core's defaults:
    2048 px, ``"jpeg"``, quality 85, 10 MiB)::

        prepared = renderiq.prepare_image("view.png", max_edge=1024, format="png")
    """
    source, data = image_source(image)
    prepare = {"maxEdge": max_edge, "format": format, "jpegQuality": quality, "maxBytes": max_bytes}
    call = {"call": "prepare_image", "image": source, "prepare": {k: v for k, v in prepare.items() if v is not None}}
    blob, info = _native.prepare_image(json.dumps(call), data)
    return PreparedImage(blob, json.loads(info))
