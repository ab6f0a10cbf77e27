"""The values the API returns, as small frozen classes with snake_case attributes.

Each class is built from the wire JSON (camelCase ``dict``) that the native layer hands over, by
its ``_from_wire`` class method. Unknown wire fields are ignored, so a newer server does not
break an older plugin. Times are timezone-aware :class:`datetime.datetime` objects in UTC.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Generic, Mapping, Optional, Tuple, TypeVar

__all__ = [
    "ApiKey",
    "CreatedApiKey",
    "CreatedWebhook",
    "CreditTransaction",
    "Credits",
    "Health",
    "Page",
    "Progress",
    "Project",
    "Render",
    "Settings",
    "User",
    "Webhook",
    "WebhookEvent",
]

T = TypeVar("T")

_FRACTION = re.compile(r"\.(\d+)")


def _dt(value: Optional[str]) -> Optional[datetime]:
    """Parses an RFC 3339 time (``2026-01-02T03:04:05.123456789Z``) on every Python from 3.9."""
    if value is None:
        return None
    if sys.version_info >= (3, 11):
        # Accepts "Z" and any number of fraction digits.
        parsed = datetime.fromisoformat(value)
    else:
        # Older versions accept neither "Z" nor more than 6 fraction digits (chrono sends 9).
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _req_dt(value: str) -> datetime:
    parsed = _dt(value)
    assert parsed is not None
    return parsed


@dataclass(frozen=True)
class User:
    """A signed-in user."""

    id: str
    email: str
    name: Optional[str]
    created_at: datetime

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "User":
        return cls(
            id=d["id"],
            email=d["email"],
            name=d.get("name"),
            created_at=_req_dt(d["createdAt"]),
        )


@dataclass(frozen=True)
class Render:
    """A render job.

    ``status`` is one of ``"pending"``, ``"processing"``, ``"completed"``, ``"failed"``,
    ``"cancelled"``; ``progress`` is 0-100; ``output_url`` is set once completed.
    """

    id: str
    status: str
    progress: int
    prompt: Optional[str]
    style: str
    quality: str
    aspect_ratio: str
    project_id: Optional[str]
    credits_cost: int
    input_url: Optional[str]
    output_url: Optional[str]
    error: Optional[str]
    platform: str
    created_at: datetime
    updated_at: datetime
    completed_at: Optional[datetime]
    _wire: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        """``True`` once the render completed, failed or was cancelled."""
        return self.status in ("completed", "failed", "cancelled")

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "Render":
        return cls(
            id=d["id"],
            status=d["status"],
            progress=int(d.get("progress") or 0),
            prompt=d.get("prompt"),
            style=d["style"],
            quality=d["quality"],
            aspect_ratio=d["aspectRatio"],
            project_id=d.get("projectId"),
            credits_cost=int(d["creditsCost"]),
            input_url=d.get("inputUrl"),
            output_url=d.get("outputUrl"),
            error=d.get("error"),
            platform=d.get("platform") or "other",
            created_at=_req_dt(d["createdAt"]),
            updated_at=_req_dt(d["updatedAt"]),
            completed_at=_dt(d.get("completedAt")),
            _wire=dict(d),
        )


@dataclass(frozen=True)
class Progress:
    """How far an operation got: ``percent`` (0-100), ``stage`` (``"preparing"``,
    ``"uploading"``, ``"pending"``, ``"processing"``, ``"completed"``, ...), the ``render`` as
    last seen (``None`` before it was created) and ``version``, which counts the changes: a
    poller that saw a version has seen everything up to it."""

    percent: int
    stage: Optional[str]
    render: Optional[Render]
    version: int = 0

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "Progress":
        r = d.get("render")
        return cls(
            percent=int(d.get("percent") or 0),
            stage=d.get("stage"),
            render=Render._from_wire(r) if r is not None else None,
            version=int(d.get("version") or 0),
        )


@dataclass(frozen=True)
class Project:
    """A project renders can be filed under."""

    id: str
    name: str
    slug: str
    description: Optional[str]
    platform: str
    created_at: datetime

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "Project":
        return cls(
            id=d["id"],
            name=d["name"],
            slug=d["slug"],
            description=d.get("description"),
            platform=d.get("platform") or "other",
            created_at=_req_dt(d["createdAt"]),
        )


@dataclass(frozen=True)
class Credits:
    """The credit balance."""

    balance: int
    total_earned: int
    total_spent: int

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "Credits":
        return cls(balance=d["balance"], total_earned=d["totalEarned"], total_spent=d["totalSpent"])


@dataclass(frozen=True)
class CreditTransaction:
    """One entry of the credit ledger; ``type`` is ``"grant"``, ``"spend"`` or ``"refund"``."""

    id: str
    amount: int
    type: str
    reference_id: Optional[str]
    description: Optional[str]
    balance_after: int
    created_at: datetime

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "CreditTransaction":
        return cls(
            id=d["id"],
            amount=d["amount"],
            type=d["type"],
            reference_id=d.get("referenceId"),
            description=d.get("description"),
            balance_after=d["balanceAfter"],
            created_at=_req_dt(d["createdAt"]),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results."""

    items: Tuple[T, ...]
    page: int
    limit: int
    total: int
    has_more: bool


@dataclass(frozen=True)
class Settings:
    """The user's defaults for new renders."""

    default_style: str
    default_quality: str
    default_aspect_ratio: str
    default_project_id: Optional[str]
    notify_on_complete: bool

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "Settings":
        return cls(
            default_style=d["defaultStyle"],
            default_quality=d["defaultQuality"],
            default_aspect_ratio=d["defaultAspectRatio"],
            default_project_id=d.get("defaultProjectId"),
            notify_on_complete=bool(d["notifyOnComplete"]),
        )


@dataclass(frozen=True)
class ApiKey:
    """An API key as listed (its secret is never listed)."""

    id: str
    name: str
    prefix: str
    scopes: Tuple[str, ...]
    last_used_at: Optional[datetime]
    expires_at: Optional[datetime]
    created_at: datetime

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "ApiKey":
        return cls(
            id=d["id"],
            name=d["name"],
            prefix=d["prefix"],
            scopes=tuple(d.get("scopes") or ()),
            last_used_at=_dt(d.get("lastUsedAt")),
            expires_at=_dt(d.get("expiresAt")),
            created_at=_req_dt(d["createdAt"]),
        )


@dataclass(frozen=True)
class CreatedApiKey:
    """A new API key: ``key`` is shown this once (and never in ``repr``)."""

    key: str = field(repr=False)
    api_key: ApiKey = field()

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "CreatedApiKey":
        return cls(key=d["key"], api_key=ApiKey._from_wire(d["apiKey"]))


@dataclass(frozen=True)
class Webhook:
    """A registered webhook endpoint."""

    id: str
    url: str
    events: Tuple[str, ...]
    active: bool
    failure_count: int
    created_at: datetime
    last_delivery_at: Optional[datetime]

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "Webhook":
        return cls(
            id=d["id"],
            url=d["url"],
            events=tuple(d.get("events") or ()),
            active=bool(d["active"]),
            failure_count=int(d.get("failureCount") or 0),
            created_at=_req_dt(d["createdAt"]),
            last_delivery_at=_dt(d.get("lastDeliveryAt")),
        )


@dataclass(frozen=True)
class CreatedWebhook:
    """A new webhook: ``secret`` (``whsec_...``) is shown this once (and never in ``repr``)."""

    secret: str = field(repr=False)
    webhook: Webhook = field()

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "CreatedWebhook":
        return cls(secret=d["secret"], webhook=Webhook._from_wire(d["webhook"]))


@dataclass(frozen=True)
class Health:
    """Server health."""

    status: str
    version: str
    database: str
    long_poll: bool
    time: datetime

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "Health":
        return cls(
            status=d["status"],
            version=d["version"],
            database=d["database"],
            long_poll=bool(d.get("longPoll")),
            time=_req_dt(d["time"]),
        )


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook delivery. For a Renderiq render event, ``type``
    (``"render.completed"``, ``"render.failed"``, ``"render.cancelled"``, or a newer type),
    ``timestamp`` and ``data`` (the render) are set. Any other correctly signed body is kept
    too: ``data`` is ``None``, and ``type`` and ``timestamp`` are read from the body when it has
    them. ``payload`` is the whole JSON body as sent."""

    type: Optional[str]
    timestamp: Optional[datetime]
    data: Optional[Render]
    payload: Any = None

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> "WebhookEvent":
        data = d.get("data")
        return cls(
            type=d.get("type"),
            timestamp=_dt(d.get("timestamp")),
            data=None if data is None else Render._from_wire(data),
            payload=d.get("payload"),
        )
