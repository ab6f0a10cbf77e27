#! python3
# r: renderiq
# venv: renderiq
"""Renderiq for Rhino 8: render the active viewport with Renderiq's AI renderer.

Run it from Rhino 8's ScriptEditor (or bind it to an alias with ``_-ScriptEditor _Run``). The
``# r: renderiq`` line above makes Rhino install the ``renderiq`` package from PyPI into the
``renderiq`` environment (``# venv:``) the first time; Rhino 8 runs CPython 3.9 and the
package's abi3 wheel supports it.

What it does: captures the active viewport with ``Rhino.Display.ViewCapture`` to PNG bytes,
starts a background render (``Client.start_render``), polls it from ``Rhino.RhinoApp.Idle``
without ever blocking Rhino's UI, then downloads the result and shows it in a window.

Settings come from environment variables (or edit the defaults below):
``RENDERIQ_URL`` (server), ``RENDERIQ_API_KEY`` (skip the sign-in prompt),
``RENDERIQ_TOKEN_STORE`` (``keychain`` by default, ``memory``).

Everything above ``main()`` is plain Python with no Rhino imports, so it is tested outside
Rhino against the reference server (``bindings/python/tests/test_rhino_example.py``).
"""

from __future__ import annotations

import concurrent.futures
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

SERVER_URL = os.environ.get("RENDERIQ_URL", "https://renderiq.io")
PROMPT = "photorealistic architectural render, soft daylight"
STYLE = "photorealistic"
QUALITY = "standard"
POLL_SECONDS = 0.3
ASPECT_RATIOS = ("1:1", "4:3", "3:2", "16:9", "9:16", "21:9")
STICKY_KEY = "renderiq.job"


def aspect_ratio_for(width: int, height: int) -> str:
    """The API aspect ratio nearest a viewport of ``width`` x ``height`` pixels."""
    if width <= 0 or height <= 0:
        return "16:9"
    target = width / height
    return min(ASPECT_RATIOS, key=lambda r: abs(int(r.split(":")[0]) / int(r.split(":")[1]) - target))


def make_client(api_key: Optional[str] = None, token_store: Optional[str] = None) -> Any:
    import renderiq

    return renderiq.Client(
        SERVER_URL,
        platform="rhino",
        plugin_name="renderiq-rhino-script",
        plugin_version="0.1.0",
        token_store=token_store or os.environ.get("RENDERIQ_TOKEN_STORE", "keychain"),
        api_key=api_key or os.environ.get("RENDERIQ_API_KEY") or None,
    )


class ViewportRender:
    """One render of a captured viewport, advanced by :meth:`poll` from Rhino's Idle event.

    :meth:`poll` never blocks: it returns ``True`` once the job finished (``state`` is
    ``"done"``, ``"failed"`` or ``"cancelled"``; ``result_path`` / ``error`` say how).
    """

    def __init__(
        self,
        client: Any,
        png: bytes,
        *,
        width: int,
        height: int,
        prompt: str = PROMPT,
        style: str = STYLE,
        quality: str = QUALITY,
        output_dir: Optional[str] = None,
    ) -> None:
        self.client = client
        self.png = png
        self.settings = dict(
            prompt=prompt, style=style, quality=quality, aspect_ratio=aspect_ratio_for(width, height)
        )
        self.output_dir = Path(output_dir or tempfile.gettempdir())
        self.state = "new"
        self.status = "Starting"
        self.render: Any = None
        self.result_path: Optional[Path] = None
        self.error: Optional[BaseException] = None
        self._op: Any = None
        self._download: Optional["concurrent.futures.Future[Any]"] = None
        self._pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._next_poll = 0.0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def start(self) -> None:
        # The PNG is prepared (scaled to 2048 px, JPEG) and uploaded in the background.
        self._op = self.client.start_render(self.png, **self.settings)
        self.state, self.status = "rendering", "Uploading"

    def cancel(self) -> None:
        if self._op is not None and not self._op.done():
            self._op.cancel()

    def poll(self) -> bool:
        """Advances the job if it is time to; ``True`` once finished. Never blocks."""
        if self.finished:
            return True
        now = time.monotonic()
        if now < self._next_poll:
            return False
        self._next_poll = now + POLL_SECONDS
        try:
            self._step()
        except Exception as e:  # noqa: BLE001 - shown to the user, never raised into Rhino
            self._end("failed", f"Renderiq failed: {e}", e)
        return self.finished

    def _step(self) -> None:
        import renderiq

        if self.state == "rendering":
            if not self._op.done():
                p = self._op.progress
                self.status = f"Renderiq: {p.stage or 'working'} {p.percent}%"
                return
            try:
                self.render = self._op.result(timeout=0)
            except renderiq.CancelledError as e:
                self._end("cancelled", "Renderiq: cancelled", e)
                return
            except renderiq.InsufficientCreditsError as e:
                self._end(
                    "failed",
                    f"Renderiq: not enough credits ({e.available_credits} of {e.required_credits})",
                    e,
                )
                return
            except renderiq.RenderiqError as e:
                self._end("failed", f"Renderiq failed: {e}", e)
                return
            self.output_dir.mkdir(parents=True, exist_ok=True)
            target = self.output_dir / f"renderiq-{self.render.id}.png"
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
            self._download = self._pool.submit(self.client.download_render, self.render, target)
            self.state, self.status = "downloading", "Renderiq: downloading"
        elif self.state == "downloading":
            assert self._download is not None
            if self._download.done():
                self.result_path = Path(self._download.result())
                self._end("done", f"Renderiq: done, {self.result_path}")

    def _end(self, state: str, status: str, error: Optional[BaseException] = None) -> None:
        self.state, self.status, self.error = state, status, error
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None


# ---- Rhino -------------------------------------------------------------------------------------


def capture_active_viewport() -> "tuple[bytes, int, int]":
    """PNG bytes of the active viewport as shown (no grid or axes), and its size."""
    import Rhino  # noqa: N813
    import scriptcontext as sc
    import System

    view = sc.doc.Views.ActiveView
    if view is None:
        raise RuntimeError("there is no active view to capture")
    size = view.ActiveViewport.Size
    capture = Rhino.Display.ViewCapture()
    capture.Width, capture.Height = size.Width, size.Height
    capture.ScaleScreenItems = False
    capture.DrawAxes = False
    capture.DrawGrid = False
    capture.DrawGridAxes = False
    capture.TransparentBackground = False
    bitmap = capture.CaptureToBitmap(view)
    if bitmap is None:
        raise RuntimeError("Rhino could not capture the viewport")
    stream = System.IO.MemoryStream()
    try:
        bitmap.Save(stream, System.Drawing.Imaging.ImageFormat.Png)
        return bytes(stream.ToArray()), size.Width, size.Height
    finally:
        stream.Dispose()
        bitmap.Dispose()


def sign_in_if_needed(client: Any) -> bool:
    """Asks for email and password (Eto dialog) unless a session or API key exists."""
    import Eto.Drawing as drawing
    import Eto.Forms as forms
    import Rhino
    import renderiq

    if client.is_signed_in():
        return True
    dialog = forms.Dialog[bool]()
    dialog.Title = "Sign in to Renderiq"
    dialog.Padding = drawing.Padding(10)
    email, password = forms.TextBox(), forms.PasswordBox()
    ok, cancel = forms.Button(Text="Sign in"), forms.Button(Text="Cancel")
    ok.Click += lambda s, e: dialog.Close(True)
    cancel.Click += lambda s, e: dialog.Close(False)
    layout = forms.DynamicLayout()
    layout.Spacing = drawing.Size(6, 6)
    layout.AddRow(forms.Label(Text="Email"), email)
    layout.AddRow(forms.Label(Text="Password"), password)
    layout.AddRow(None, ok, cancel)
    dialog.Content = layout
    dialog.DefaultButton, dialog.AbortButton = ok, cancel
    if not dialog.ShowModal(Rhino.UI.RhinoEtoApp.MainWindow):
        return False
    try:
        user = client.sign_in(email.Text, password.Text)
    except renderiq.RenderiqError as e:
        Rhino.UI.Dialogs.ShowMessage(str(e), "Renderiq")
        return False
    Rhino.RhinoApp.WriteLine(f"Renderiq: signed in as {user.email}")
    return True


def show_image(path: Path, title: str) -> None:
    import Eto.Drawing as drawing
    import Eto.Forms as forms
    import Rhino

    form = forms.Form()
    form.Title = title
    form.Content = forms.ImageView(Image=drawing.Bitmap(str(path)))
    form.Owner = Rhino.UI.RhinoEtoApp.MainWindow
    form.Show()


def main() -> None:
    import Rhino
    import scriptcontext as sc

    previous = sc.sticky.get(STICKY_KEY)
    if previous is not None and not previous.finished:
        Rhino.RhinoApp.WriteLine("Renderiq: a render is already running; cancelling it")
        previous.cancel()
    client = sc.sticky.get("renderiq.client") or make_client()
    sc.sticky["renderiq.client"] = client
    if not sign_in_if_needed(client):
        return
    png, width, height = capture_active_viewport()
    job = ViewportRender(client, png, width=width, height=height)
    job.start()
    sc.sticky[STICKY_KEY] = job
    Rhino.RhinoApp.WriteLine(f"Renderiq: rendering {width}x{height} as {job.settings['aspect_ratio']}")

    def on_idle(sender: Any, e: Any) -> None:
        last = job.status
        if job.poll():
            Rhino.RhinoApp.Idle -= on_idle
            Rhino.RhinoApp.WriteLine(job.status)
            if job.state == "done" and job.result_path is not None:
                show_image(job.result_path, f"Renderiq {job.render.id}")
        elif job.status != last:
            Rhino.RhinoApp.SetCommandPrompt(job.status)

    Rhino.RhinoApp.Idle += on_idle


if __name__ == "__main__":
    main()
