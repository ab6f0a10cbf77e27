"""The result classes: the generated models (``_generated.py``, from the core's wire types),
plus the two pieces Python adds: :attr:`Render.is_terminal` and a :class:`WebhookEvent` that
also holds deliveries that are not render events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Optional

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
    parse_time,
)

__all__ = [
    "ApiKey", "CreatedApiKey", "CreatedWebhook", "CreditTransaction", "Credits", "Health", "Page",
    "Progress", "Project", "Render", "Settings", "User", "Webhook", "WebhookEvent",
]

_ENDED = (RenderStatus.COMPLETED, RenderStatus.FAILED, RenderStatus.CANCELLED)
Render.is_terminal = property(  # type: ignore[attr-defined]
    lambda self: self.status in _ENDED, doc="``True`` once the render completed, failed or was cancelled."
)


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook delivery. For a render event, ``type`` (``"render.completed"``,
    ``"render.failed"``, ``"render.cancelled"`` or a newer type), ``timestamp`` and ``data``
    (the :class:`Render`) are set. Any other correctly signed body is kept too: ``data`` is
    ``None``, and ``type`` and ``timestamp`` are read from it when it has them. ``payload`` is
    the whole JSON body as sent."""

    type: Optional[str]
    timestamp: Optional[datetime]
    data: Optional[Render]
    payload: Any = None

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> WebhookEvent:
        data, when = d.get("data"), d.get("timestamp")
        return cls(
            type=d.get("type"),
            timestamp=None if when is None else parse_time(when),
            data=None if data is None else Render._from_wire(data),
            payload=d.get("payload"),
        )
