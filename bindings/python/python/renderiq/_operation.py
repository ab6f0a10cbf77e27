"""The background operation handle, a future-like object a UI timer can poll."""

from __future__ import annotations

import concurrent.futures
import json
from typing import Any, Callable, Generic, Optional, TypeVar

from . import _native
from ._generated import RenderiqError
from ._models import Progress

__all__ = ["Operation"]

T = TypeVar("T")


class Operation(Generic[T]):
    """A call running in the background, from :meth:`Client.start` or a ``start_*`` method.

    It is shaped like :class:`concurrent.futures.Future`, and every method but :meth:`result`,
    :meth:`exception` and :meth:`wait` returns at once, so a host app's UI thread can poll it
    from a timer (``bpy.app.timers``, ``Rhino.RhinoApp.Idle``, ...)::

        op = client.start_render("view.png", prompt="dusk")

        def tick():
            if not op.done():
                show(op.progress.percent, op.progress.stage)
                return 0.5  # poll again in half a second
            render = op.outcome()  # raises the typed exception if it failed
            ...
            return None

    Progress and outcome are the core's: this class only decodes them. Cancelling
    (:meth:`cancel`) stops the work soon after; :meth:`result` then raises
    :class:`renderiq.CancelledError`. Cancelling a call that creates a render withdraws the
    render while it is still pending, which refunds its credits.
    """

    __slots__ = ("_native", "_decode")

    def __init__(self, native: _native.CallOperation, decode: Callable[[Any], T] = lambda v: v) -> None:
        self._native = native
        self._decode = decode

    def done(self) -> bool:
        """``True`` once the operation finished: completed, failed or cancelled."""
        return self._native.done()

    def running(self) -> bool:
        """``True`` while the operation has not finished."""
        return not self._native.done()

    @property
    def progress(self) -> Progress:
        """The latest :class:`Progress` (percent, stage, render as last seen, and a version
        that grows with every change)."""
        return Progress._from_wire(self._native.progress())

    def cancel(self) -> bool:
        """Asks the operation to stop; ``False`` when it had already finished."""
        return self._native.cancel()

    def cancelled(self) -> bool:
        """``True`` when the operation ended by cancellation."""
        return self._native.cancelled()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Blocks (with the GIL released) until the operation finished or ``timeout`` seconds
        passed (``None``: until done); ``True`` when it finished. Ctrl-C raises
        :class:`KeyboardInterrupt` here and the operation goes on."""
        return self._native.wait(timeout)

    def outcome(self) -> Optional[T]:
        """``None`` while running; then the result, or raises the operation's
        :class:`renderiq.RenderiqError` subclass. Never blocks; can be asked again."""
        text = self._native.outcome()
        return None if text is None else self._decode(json.loads(text))

    def result(self, timeout: Optional[float] = None) -> T:
        """The result, waiting (GIL released) up to ``timeout`` seconds (``None``: until done).
        Raises the operation's :class:`renderiq.RenderiqError` subclass if it failed
        (:class:`renderiq.CancelledError` if cancelled), or
        :class:`concurrent.futures.TimeoutError` if it is still running (it goes on)."""
        if not self.wait(timeout):
            raise concurrent.futures.TimeoutError(
                f"the operation is still running after {timeout} s; poll done() or wait again"
            )
        return self.outcome()  # type: ignore[return-value]

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        """The exception the operation ended with, or ``None`` if it succeeded. Waits like
        :meth:`result`."""
        try:
            self.result(timeout)
        except RenderiqError as e:
            return e
        return None

    def __repr__(self) -> str:
        p = self.progress
        state = "done" if self.done() else "running"
        return f"<renderiq.Operation {state} {p.percent}% stage={p.stage!r}>"
