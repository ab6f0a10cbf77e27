"""The result classes: the generated models (``_generated.py``, from the core's wire types),
plus the two pieces Python adds: :attr:`Render.is_terminal` and a :class:`WebhookEvent` that
also holds deliveries that are not render events."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import datetime
from typing import Any, Optional, Tuple

from ._generated import (
    ApiKey,
    CreatedApiKey,
    CreatedWebhook,
    CreditTransaction,
    Credits,
    Health,
    Page,
    Progress,
    Project,
    Render,
    RenderStatus,
    Settings,
    User,
    Webhook,
)

__all__ = [
    "ApiKey", "CreatedApiKey", "CreatedWebhook", "CreditTransaction", "Credits", "Health", "Page",
    "Progress", "Project", "Render", "Settings", "User", "Webhook", "WebhookEvent",
]

_ENDED = (RenderStatus.COMPLETED, RenderStatus.FAILED, RenderStatus.CANCELLED)
Render.is_terminal = property(  # type: ignore[attr-defined]
    lambda self: self.status in _ENDED, doc="``True`` once the render completed, failed or was cancelled."
)


class WebhookEvent:
    """A verified webhook delivery. For a render event, ``type`` (``"render.completed"``,
    ``"render.failed"``, ``"render.cancelled"`` or a newer type), ``timestamp`` and ``data``
    (the :class:`Render`) are set. Any other correctly signed body is kept too: ``data`` is
    ``None``, and ``type`` and ``timestamp`` are read from it when it has them. ``payload`` is
    the whole JSON body as sent.

    Immutable, compared and printed by its four fields, like the other models. Verification
    (``renderiq.webhooks``) parses the body into typed Rust structs and builds this object
    without calling ``__init__``; ``timestamp``, ``data`` and ``payload`` become Python objects
    the first time they are read."""

    __slots__ = ("type", "_timestamp", "_data", "_payload", "_parsed")

    type: Optional[str]

    def __init__(
        self, type: Optional[str], timestamp: Optional[datetime], data: Optional[Render], payload: Any = None
    ) -> None:
        for name, value in (("type", type), ("_timestamp", timestamp), ("_data", data), ("_payload", payload),
                            ("_parsed", None)):
            object.__setattr__(self, name, value)

    # A verified delivery sets only ``type`` and ``_parsed``, the native parsed event, which
    # builds each of the three below when first asked and keeps it.

    @property
    def timestamp(self) -> Optional[datetime]:
        """When the event happened (UTC)."""
        parsed = self._parsed
        return self._timestamp if parsed is None else parsed.timestamp()

    @property
    def data(self) -> Optional[Render]:
        """The render of a render event, else ``None``."""
        parsed = self._parsed
        return self._data if parsed is None else parsed.render()

    @property
    def payload(self) -> Any:
        """The whole JSON body as sent (``dict``, ``list``, ...), fields this SDK does not know
        included."""
        parsed = self._parsed
        return self._payload if parsed is None else parsed.payload()

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _fields(self) -> Tuple[Any, ...]:
        return (self.type, self.timestamp, self.data, self.payload)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"WebhookEvent(type={self.type!r}, timestamp={self.timestamp!r}, data={self.data!r}, "
                f"payload={self.payload!r})")

    def __reduce__(self) -> Any:
        return (WebhookEvent, self._fields())
