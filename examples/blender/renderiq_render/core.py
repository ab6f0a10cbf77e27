"""The add-on's logic without Blender: settings, the client, and the render job the
``bpy.app.timers`` function drives. Importable (and tested) without ``bpy``.

A :class:`RenderJob` is a small state machine advanced by :meth:`RenderJob.tick`, which never
blocks and returns what a ``bpy.app.timers`` function returns: the seconds until it wants to be
called again, or ``None`` when it is finished::

    capturing -> rendering --(op.done)--> downloading --(file written)--> done
                    |                          |
                    +--> failed / cancelled <--+
"""

from __future__ import annotations

import concurrent.futures
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, Tuple

#: Seconds between two polls of a running render.
POLL_INTERVAL = 0.25

ASPECT_RATIOS = ("1:1", "4:3", "3:2", "16:9", "9:16", "21:9")
STYLES = ("photorealistic", "sketch", "watercolor", "clay", "night", "blueprint")
QUALITIES = ("standard", "high", "ultra")

PLUGIN_NAME = "renderiq-blender"
PLUGIN_VERSION = "0.1.0"


def nearest_aspect_ratio(width: int, height: int) -> str:
    """The API's aspect ratio closest to a ``width`` x ``height`` frame."""
    if width <= 0 or height <= 0:
        return "16:9"
    target = width / height

    def distance(ratio: str) -> float:
        w, h = (int(x) for x in ratio.split(":"))
        return abs(w / h - target)

    return min(ASPECT_RATIOS, key=distance)


def token_store_choice(preference: str) -> str:
    """``"keychain"`` or ``"memory"``; the environment variable ``RENDERIQ_TOKEN_STORE`` wins
    (headless runs and CI have no keychain)."""
    env = os.environ.get("RENDERIQ_TOKEN_STORE", "").strip().lower()
    if env in ("keychain", "memory"):
        return env
    return "memory" if preference.upper() == "MEMORY" else "keychain"


class ClientCache:
    """One ``renderiq.Client`` for the add-on, rebuilt when the server or store changes."""

    def __init__(self, platform: str = "blender") -> None:
        self.platform = platform
        self._key: Optional[Tuple[str, str]] = None
        self._client: Any = None

    def get(self, server_url: str, token_store: str) -> Any:
        import renderiq

        key = (server_url.strip(), token_store)
        if self._client is None or self._key != key:
            self._client = renderiq.Client(
                key[0],
                platform=self.platform,
                plugin_name=PLUGIN_NAME,
                plugin_version=PLUGIN_VERSION,
                token_store=token_store,
            )
            self._key = key
        return self._client

    def reset(self) -> None:
        self._client, self._key = None, None


class RenderJob:
    """One render: upload the captured view, follow it, download the result.

    ``on_done(render, path)`` and ``on_error(exc)`` are called from :meth:`tick`, so on
    Blender's main thread, where touching ``bpy.data`` is allowed.
    """

    def __init__(
        self,
        client: Any,
        image_path: str,
        *,
        prompt: Optional[str] = None,
        style: Optional[str] = None,
        quality: Optional[str] = None,
        aspect_ratio: Optional[str] = None,
        output_dir: Optional[str] = None,
        on_done: Optional[Callable[[Any, Path], None]] = None,
        on_error: Optional[Callable[[BaseException], None]] = None,
        timeout: float = 600.0,
    ) -> None:
        self.client = client
        self.image_path = image_path
        self.settings = dict(prompt=prompt or None, style=style, quality=quality, aspect_ratio=aspect_ratio)
        self.output_dir = Path(output_dir or tempfile.gettempdir())
        self.on_done = on_done
        self.on_error = on_error
        self.timeout = timeout
        self.state = "capturing"
        self.status = "Capturing the view"
        self.percent = 0
        self.render: Any = None
        self.result_path: Optional[Path] = None
        self.error: Optional[BaseException] = None
        self._op: Any = None
        self._pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._download: Optional["concurrent.futures.Future[Any]"] = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def start(self) -> None:
        """Starts the background render; returns at once."""
        # The SDK long-polls for each change, so the panel's percentage moves as the server
        # reports it, with no polling delay.
        self._op = self.client.start_render(self.image_path, timeout=self.timeout, **self.settings)
        self.state, self.status = "rendering", "Uploading"

    def cancel(self) -> None:
        if self._op is not None and not self._op.done():
            self._op.cancel()
        elif not self.finished:
            self._finish("cancelled", "Cancelled")

    def tick(self) -> Optional[float]:
        """Advances the job without blocking; the return value is ``bpy.app.timers``'s."""
        try:
            return self._step()
        except Exception as e:  # noqa: BLE001 - shown in the UI, never raised into Blender
            self._fail(e)
            return None

    def _step(self) -> Optional[float]:
        import renderiq

        if self.state == "rendering":
            if not self._op.done():
                p = self._op.progress
                # Each stage counts 0-100 on its own: the upload is the first half of the job's
                # percentage, the render on the server the second, so it never goes down.
                uploading = p.stage in (None, "preparing", "uploading")
                self.percent = p.percent // 2 if uploading else 50 + p.percent // 2
                self.status = f"{(p.stage or 'working').capitalize()} {p.percent}%"
                return POLL_INTERVAL
            try:
                self.render = self._op.result(timeout=0)
            except renderiq.CancelledError:
                self._finish("cancelled", "Cancelled")
                return None
            except renderiq.RenderiqError as e:
                self._fail(e)
                return None
            self.state, self.status, self.percent = "downloading", "Downloading the result", 100
            self.output_dir.mkdir(parents=True, exist_ok=True)
            target = self.output_dir / f"renderiq-{self.render.id}.png"
            # The download blocks with the GIL released; a worker thread keeps Blender's UI free.
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="renderiq")
            self._download = self._pool.submit(self.client.download_render, self.render, target)
            return POLL_INTERVAL / 2
        if self.state == "downloading":
            assert self._download is not None
            if not self._download.done():
                return POLL_INTERVAL / 2
            self.result_path = Path(self._download.result())
            self._finish("done", "Done")
            if self.on_done:
                self.on_done(self.render, self.result_path)
            return None
        return None

    def _fail(self, e: BaseException) -> None:
        self.error = e
        self._finish("failed", f"Failed: {e}")
        if self.on_error:
            self.on_error(e)

    def _finish(self, state: str, status: str) -> None:
        self.state, self.status = state, status
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
