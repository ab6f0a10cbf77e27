"""The background operation handle, a future-like object a UI timer can poll."""

from __future__ import annotations

import concurrent.futures
from typing import Optional

from . import _native
from ._bridge import check_seconds
from ._models import Progress, Render

__all__ = ["Operation"]


class Operation:
    """A render operation running in the background: creating, waiting, or both.

    Returned by :meth:`Client.start_render`, :meth:`Client.start_create_render` and
    :meth:`Client.start_wait_for_render`. It is shaped like :class:`concurrent.futures.Future`,
    and every method but :meth:`result`/:meth:`exception` returns at once, so a host app's UI
    thread can poll it from a timer (``bpy.app.timers``, ``Rhino.RhinoApp.Idle``, ...)::

        op = client.start_render("view.png", prompt="dusk")

        def tick():
            if not op.done():
                show(op.progress.percent, op.progress.stage)
                return 0.5  # poll again in half a second
            render = op.result()  # raises the typed exception if it failed
            ...
            return None

    Cancelling (:meth:`cancel`) stops the work soon after; :meth:`result` then raises
    :class:`renderiq.CancelledError`.
    """

    __slots__ = ("_native",)

    def __init__(self, native: _native.Operation) -> None:
        self._native = native

    def done(self) -> bool:
        """``True`` once the operation finished: completed, failed or cancelled."""
        return self._native.done()

    @property
    def progress(self) -> Progress:
        """The latest :class:`Progress` (percent, stage, render as last seen)."""
        return Progress._from_wire(self._native.progress())

    def cancel(self) -> bool:
        """Asks the operation to stop; ``False`` when it had already finished."""
        return self._native.cancel()

    def cancelled(self) -> bool:
        """``True`` when the operation ended by cancellation."""
        return self._native.cancelled()

    def running(self) -> bool:
        """``True`` while the operation has not finished."""
        return not self._native.done()

    def result(self, timeout: Optional[float] = None) -> Render:
        """The finished render. Blocks (with the GIL released) up to ``timeout`` seconds
        (``None``: until done).

        Raises the operation's :class:`renderiq.RenderiqError` subclass if it failed
        (:class:`renderiq.CancelledError` if cancelled), or
        :class:`concurrent.futures.TimeoutError` if it is still running after ``timeout``
        (the operation goes on).
        """
        self._wait(timeout)
        return Render._from_wire(self._native.outcome())

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        """The exception the operation ended with, or ``None`` if it succeeded. Waits like
        :meth:`result`."""
        self._wait(timeout)
        try:
            self._native.outcome()
        except _native.RenderiqError as e:
            return e
        return None

    def _wait(self, timeout: Optional[float]) -> None:
        seconds = check_seconds("timeout", timeout, allow_none=True)
        if not self._native.wait(seconds):
            raise concurrent.futures.TimeoutError(
                f"the operation is still running after {timeout} s; poll done() or wait again"
            )

    def __repr__(self) -> str:
        p = self.progress
        state = "done" if self.done() else "running"
        return f"<renderiq.Operation {state} {p.percent}% stage={p.stage!r}>"
