"""Thin internal wrapper between ``renderiq._native`` and the public API.

It knows the native layer's calling conventions (wire ``dict``\\ s in, render settings as a
``dict``, progress as a ``dict``) and turns them into the public model classes. Nothing here is
public; nothing here holds business logic (that lives in the Rust core).
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, Callable, Dict, Mapping, Optional, Type, TypeVar, Union

from . import _native
from ._models import Page, Progress, Render

M = TypeVar("M")

PYTHON_VERSION = "{}.{}.{}".format(*sys.version_info[:3])

QUALITIES = ("standard", "high", "ultra")
STATUSES = ("pending", "processing", "completed", "failed", "cancelled")


def model(cls: Type[M], wire: Mapping[str, Any]) -> M:
    return cls._from_wire(wire)  # type: ignore[attr-defined,no-any-return]


def page(cls: Type[M], wire: Mapping[str, Any]) -> "Page[M]":
    return Page(
        items=tuple(model(cls, item) for item in wire["items"]),
        page=wire["page"],
        limit=wire["limit"],
        total=wire["total"],
        has_more=bool(wire["hasMore"]),
    )


def render_id(render: Union[str, Render]) -> str:
    if isinstance(render, Render):
        return render.id
    if isinstance(render, str):
        return render
    raise TypeError(f"expected a render id (str) or a renderiq.Render, not {type(render).__name__}")


def object_id(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    ident = getattr(value, "id", None)
    if isinstance(ident, str):
        return ident
    raise TypeError(f"expected a {what} id (str) or a {what} object, not {type(value).__name__}")


def check_choice(name: str, value: Optional[str], choices: "tuple[str, ...]") -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if value.lower() not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def check_seconds(name: str, value: Any, *, allow_none: bool = False) -> Optional[float]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{name} must be a finite, non-negative number of seconds, not {value!r}")
    return float(value)


def render_fields(**fields: Optional[str]) -> Dict[str, Optional[str]]:
    check_choice("quality", fields.get("quality"), QUALITIES)
    for name, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return {k: v for k, v in fields.items() if v is not None}


def progress_callback(
    on_progress: Optional[Callable[[Progress], Any]],
) -> Optional[Callable[[Mapping[str, Any]], None]]:
    if on_progress is None:
        return None
    if not callable(on_progress):
        raise TypeError("on_progress must be callable, e.g. lambda p: print(p.percent)")

    def call(wire: Mapping[str, Any]) -> None:
        on_progress(Progress._from_wire(wire))

    return call


def new_native_client(
    base_url: str,
    platform: str,
    plugin_name: str,
    plugin_version: str,
    token_store: Any,
    api_key: Optional[str],
    timeout: float,
    max_retries: int,
) -> _native.Client:
    """The native client from the core's configuration JSON, which checks every value (a wrong
    one raises :class:`renderiq.ConfigError`)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    config: Dict[str, Any] = {
        "baseUrl": base_url,
        "platform": platform,
        "pluginName": str(plugin_name),
        "pluginVersion": str(plugin_version),
        "sdkLanguage": "python",
        "sdkLanguageVersion": PYTHON_VERSION,
        # Whole milliseconds; a negative or non-finite timeout is left for the core to refuse.
        "timeoutMs": round(timeout * 1000) if math.isfinite(timeout) else str(timeout),
        "maxRetries": max_retries,
    }
    if api_key is not None:
        config["apiKey"] = api_key
    store = None
    if isinstance(token_store, str):
        config["tokenStore"] = token_store
    else:
        store = token_store  # an EncryptedFileStore; anything else is a TypeError from the native layer
    return _native.Client(json.dumps(config), store)
