"""The Renderiq client: every method builds one call of the core's call surface and decodes
its result. The simple calls' methods are generated (``_calls.py``); the ones with an image, a
wait with progress or bytes are here."""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Union

from . import _native
from ._calls import Calls, _id
from ._image import ImageInput, PreparedImage, image_source
from ._models import Page, Progress, Render
from ._native import EncryptedFileStore
from ._operation import Operation

__all__ = ["Client", "DEFAULT_BASE_URL", "ImageInput", "TokenStore"]

DEFAULT_BASE_URL = "https://renderiq.io"

#: ``"keychain"`` (the OS keychain), ``"memory"`` (nothing persisted) or an
#: :class:`EncryptedFileStore`.
TokenStore = Union[str, EncryptedFileStore]

RenderRef = Union[str, Render]


def _camel(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """``{"aspect_ratio": "16:9", "style": None}`` -> ``{"aspectRatio": "16:9"}``."""
    return {re.sub(r"_(\w)", lambda m: m.group(1).upper(), k): v for k, v in fields.items() if v is not None}


def _ms(seconds: Any) -> Any:
    """Seconds as whole milliseconds; anything else is left for the core to refuse."""
    ok = isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and math.isfinite(seconds)
    return round(seconds * 1000) if ok else seconds


def _wait(timeout: Optional[float], long_poll: bool) -> Dict[str, Any]:
    return _camel({"timeout_ms": None if timeout is None else _ms(timeout), "long_poll": long_poll})


def _render_call(name: str, image: ImageInput, settings: Mapping[str, Any], wait: Any = None) -> Dict[str, Any]:
    source, data = image_source(image)
    call = {"call": name, "image": source, "settings": _camel(settings), "wait": wait}
    if isinstance(image, PreparedImage):
        call["prepare"] = {"format": image.format}  # already prepared: kept in its format
    return {"call": {k: v for k, v in call.items() if v is not None}, "data": data}


class Client(Calls):
    """A client of the Renderiq plugin API. Create one per plugin and share it; it is safe to use
    from several threads.

    Every method is one call of the SDK's call surface (the same calls in every language),
    made by :meth:`call` or, for the ``start_*`` methods, :meth:`start`. It blocks the calling
    thread until the server answered, **with the GIL released**; Ctrl-C
    (``KeyboardInterrupt``) cancels it. A host app's UI thread uses :meth:`start` or the
    ``start_*`` methods, which return an :class:`Operation` to poll from a timer.

    Errors are :class:`renderiq.RenderiqError` subclasses; every value is checked by the core
    (a wrong one raises :class:`ValidationError`, also a ``ValueError``, whose ``details`` name
    the field); a client option it refuses raises :class:`ConfigError`.

    Args:
        base_url: The server, e.g. ``"http://127.0.0.1:8787"`` for the reference server.
        platform: The host app: ``"blender"``, ``"rhino"``, ``"sketchup"``, ``"revit"``,
            ``"autocad"``, ``"archicad"`` or ``"other"``.
        plugin_name, plugin_version: Your plugin, sent with every request.
        token_store: Where the session is kept between runs: ``"keychain"`` (default), ``"memory"``,
            or an :class:`EncryptedFileStore`.
        api_key: Authenticate with an API key instead of signing in.
        timeout: Seconds one request may take (long-polls add their wait).
        connect_timeout: Seconds connecting may take.
        max_retries: Retries of transient failures (network, 429, 5xx), 0 to 10.
        proxy: Send every request through this proxy (``"http://proxy:3128"``); default the
            ``HTTPS_PROXY`` / ``NO_PROXY`` environment, which ``no_proxy=True`` ignores.
        root_certificate_pem: An extra root certificate to trust (PEM text), e.g. an office's
            TLS-inspecting proxy.

    Every option left out takes the core's default, the same in every language.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        platform: str = "other",
        plugin_name: str = "unknown",
        plugin_version: str = "0.0.0",
        token_store: TokenStore = "keychain",
        api_key: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        proxy: Optional[str] = None,
        no_proxy: Optional[bool] = None,
        root_certificate_pem: Optional[str] = None,
    ) -> None:
        store = None if isinstance(token_store, str) else token_store  # an EncryptedFileStore
        config = _camel({
            "base_url": base_url, "platform": platform, "plugin_name": plugin_name,
            "plugin_version": plugin_version, "sdk_language": "python",
            "sdk_language_version": "{}.{}.{}".format(*sys.version_info[:3]),
            "timeout_ms": None if timeout is None else _ms(timeout), "max_retries": max_retries,
            "connect_timeout_ms": None if connect_timeout is None else _ms(connect_timeout),
            "api_key": api_key, "token_store": token_store if store is None else None,
            "proxy": proxy, "no_proxy": no_proxy, "root_certificate_pem": root_certificate_pem,
        })
        self._native = _native.Client(json.dumps(config), store)

    @property
    def base_url(self) -> str:
        """The server this client talks to."""
        return self._native.base_url

    def __repr__(self) -> str:
        return f"renderiq.Client({self.base_url!r})"

    # ---- the one call surface -----------------------------------------------------------------

    def call(self, call: Mapping[str, Any], data: Any = None) -> Any:
        """Makes any call of the SDK's call surface and returns its result as decoded JSON (the
        API's camelCase objects; ``None`` for calls without a result)::

            client.call({"call": "credits"})["balance"]
            client.call({"call": "render", "image": {"kind": "bytes"},
                         "settings": {"prompt": "dusk"}}, data=png_bytes)

        ``data`` (any bytes-like object) is attached to the call's image instead of base64 in
        the JSON. Ctrl-C cancels, withdrawing a render it created while that is still pending.
        """
        return json.loads(self._native.call(_call_json(call), data))

    def start(self, call: Mapping[str, Any], data: Any = None, decode: Callable[[Any], Any] = lambda v: v) -> Operation[Any]:
        """Starts any call in the background, like :meth:`call`, and returns its
        :class:`Operation` at once (its result is ``decode`` of the decoded JSON). Cancelling a
        call that creates a render withdraws the render while it is still pending (credits
        refunded)."""
        return Operation(self._native.start(_call_json(call), data), decode)

    # ---- the calls with an image, a wait or bytes (the others are generated: _calls.py) --------

    def create_render(self, image: ImageInput, **settings: Any) -> Render:
        """Prepares the screenshot (down-scaled to 2048 px, JPEG, no metadata) and creates a
        render; returns it in the ``pending`` state. Retried with one idempotency key, so it is
        created and charged at most once::

            client.create_render("view.png", prompt="dusk", quality="high", aspect_ratio="16:9")

        ``image`` is a file path, encoded PNG/JPEG/WebP bytes (any buffer), a :class:`RawImage`
        or a :class:`PreparedImage`. The settings (``prompt``, ``style``, ``quality``:
        ``"standard"`` 5 credits / ``"high"`` 10 / ``"ultra"`` 20, ``aspect_ratio``,
        ``project_id``, ``callback_url``, ``idempotency_key``) left out take the user's defaults.
        Raises :class:`ImageError`, :class:`InsufficientCreditsError`, :class:`RateLimitError`
        or :class:`ValidationError`.
        """
        return Render._from_wire(self.call(**_render_call("create_render", image, settings)))

    get_render = Calls.retrieve_render  # the name before the one vocabulary

    def renders(self, *, status: Optional[str] = None, project_id: Optional[str] = None,
                page_size: Optional[int] = None) -> Iterator[Render]:
        """Every render matching the filters, newest first: the first page is fetched now (so a
        wrong filter raises here), the others as the iterator is read."""
        first = self.list_renders(limit=page_size, status=status, project_id=project_id)

        def pages(page: Page[Render]) -> Iterator[Render]:
            while True:
                yield from page.items
                if not page.has_more:
                    return
                page = self.list_renders(page=page.page + 1, limit=page_size, status=status, project_id=project_id)

        return pages(first)

    def wait_for_render(self, render: RenderRef, *, timeout: Optional[float] = None,
                        on_progress: Optional[Callable[[Progress], Any]] = None, long_poll: bool = True) -> Render:
        """Follows a render until it completes (default timeout: the core's 10 minutes).

        ``on_progress(progress)`` is called **on this thread** whenever the core's progress
        version moves; an exception raised by it, or Ctrl-C, cancels the wait and propagates.
        ``long_poll=False`` polls with a growing interval instead of the server's long-poll.
        Raises :class:`RenderFailedError`, :class:`CancelledError` or :class:`TimeoutError`
        (the render keeps running).
        """
        call = {"call": "wait_for_render", "id": _id(render), "wait": _wait(timeout, long_poll)}
        return self._follow(call, None, on_progress)

    def render(self, image: ImageInput, *, timeout: Optional[float] = None,
               on_progress: Optional[Callable[[Progress], Any]] = None, long_poll: bool = True,
               **settings: Any) -> Render:
        """Creates a render and waits for it (the ``render`` call): the whole "Render" button.
        Takes :meth:`create_render`'s settings and :meth:`wait_for_render`'s options. Ctrl-C,
        or an exception from ``on_progress``, withdraws the render while it is still pending."""
        return self._follow(**_render_call("render", image, settings, _wait(timeout, long_poll)), on_progress=on_progress)

    def _follow(self, call: Mapping[str, Any], data: Any, on_progress: Optional[Callable[[Progress], Any]]) -> Render:
        """Starts a render call and waits for it on this thread, reporting each new progress
        version that has a render to ``on_progress``. Ctrl-C or an exception from
        ``on_progress`` cancels it (withdrawing a render it created that is still pending)."""
        if on_progress is not None and not callable(on_progress):
            raise TypeError("on_progress must be callable, e.g. lambda p: print(p.percent)")
        op = self.start(call, data, Render._from_wire)
        seen = None
        try:
            while True:
                done = op.wait(None if on_progress is None else 0.05)
                p = op.progress
                if on_progress is not None and p.render is not None and p.version != seen:
                    seen = p.version
                    on_progress(p)
                if done:
                    return op.result()
        except BaseException:
            if op.cancel():
                op.wait(30)  # the core withdraws a pending render before the operation ends
            raise

    def download_render(self, render: RenderRef, path: Union[None, str, "os.PathLike[str]"] = None) -> Any:
        """Downloads a completed render's image: its bytes, or with ``path`` writes the file
        (the ``download_render`` call) and returns the path as a :class:`pathlib.Path`."""
        if path is None:
            return self._native.download(_id(render))
        return Path(self.call({"call": "download_render", "id": _id(render), "path": os.fspath(path)})["path"])

    def start_render(self, image: ImageInput, *, timeout: Optional[float] = None, long_poll: bool = True,
                     **settings: Any) -> Operation[Render]:
        """Starts :meth:`render` in the background; ``result()`` is the completed render."""
        return self.start(**_render_call("render", image, settings, _wait(timeout, long_poll)), decode=Render._from_wire)

    def start_create_render(self, image: ImageInput, **settings: Any) -> Operation[Render]:
        """Starts :meth:`create_render` in the background; ``result()`` is the new render."""
        return self.start(**_render_call("create_render", image, settings), decode=Render._from_wire)

    def start_wait_for_render(self, render: RenderRef, *, timeout: Optional[float] = None,
                              long_poll: bool = True) -> Operation[Render]:
        """Starts :meth:`wait_for_render` in the background; ``result()`` is the ended render."""
        call = {"call": "wait_for_render", "id": _id(render), "wait": _wait(timeout, long_poll)}
        return self.start(call, decode=Render._from_wire)



def _call_json(call: Mapping[str, Any]) -> str:
    if not isinstance(call, Mapping):
        raise TypeError(f'call must be a mapping such as {{"call": "me"}}, not {type(call).__name__}')
    return json.dumps(dict(call))
