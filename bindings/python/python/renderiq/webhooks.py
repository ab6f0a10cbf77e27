"""Verify (and sign) webhook deliveries: `Standard Webhooks <https://www.standardwebhooks.com>`_.

Every delivery carries ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``
(``v1,<base64 HMAC-SHA256>``, several during a key rotation) headers. Verify the **raw** body
bytes, before any JSON parsing::

    from renderiq import webhooks

    @app.post("/renderiq")
    def receive():
        try:
            event = webhooks.verify(SECRET, request.get_data(), request.headers)
        except renderiq.WebhookVerificationError:
            abort(400)
        if event.type == "render.completed":
            ...  # event.data is the render
        # any other correctly signed body is accepted too: event.data is None, event.payload
        # holds the JSON

Interoperable with the ``standardwebhooks`` package in both directions. Signature comparison is
constant-time; timestamps further than ``tolerance`` seconds from now are rejected (replays).
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping, Optional, Tuple, Union

from . import _native
from ._models import WebhookEvent
from ._native import generate_secret

__all__ = [
    "DEFAULT_TOLERANCE",
    "Webhook",
    "WebhookEvent",
    "generate_secret",
    "sign",
    "signature_headers",
    "verify",
    "verify_signature",
]

#: Seconds a delivery's timestamp may be from now, either way (5 minutes).
DEFAULT_TOLERANCE = 300

Body = Union[bytes, bytearray, memoryview, str]
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]
Now = Union[None, int, float, datetime]


def _unix(now: Now) -> Optional[int]:
    if now is None:
        return None
    if isinstance(now, datetime):
        return int(now.timestamp())
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError(f"now must be unix seconds or a datetime, not {type(now).__name__}")
    return int(now)


def _timestamp(timestamp: Union[int, float, datetime]) -> int:
    value = _unix(timestamp)
    assert value is not None
    return value


#: One webhook's signing secret; reuse it for every delivery (it keeps the secret decoded and
#: the HMAC keyed). ``Webhook(secret, *, tolerance=300)``; ``verify(body, headers, *, now=None)``
#: returns the :class:`WebhookEvent`, ``verify_signature`` checks only, ``sign(msg_id,
#: timestamp, body)`` gives the ``webhook-signature`` value. Implemented in Rust (the arguments
#: are read there, the event is built there): see ``help(Webhook)``.
Webhook = _native.Webhook


def verify(
    secret: str,
    body: Body,
    headers: Headers,
    *,
    now: Now = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> WebhookEvent:
    """Verifies a delivery with ``secret`` and returns its :class:`WebhookEvent`.

    ``headers`` is any mapping (a ``dict``, Flask's/Django's request headers) or ``(name,
    value)`` pairs; names are matched case-insensitively. ``now`` (unix seconds or a
    ``datetime``) replaces the system clock, for tests and replays.

    Raises :class:`renderiq.WebhookVerificationError` (see :meth:`Webhook.verify`).
    """
    return Webhook(secret, tolerance=tolerance).verify(body, headers, now=now)


def verify_signature(
    secret: str,
    body: Body,
    headers: Headers,
    *,
    now: Now = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> None:
    """Like :func:`verify` for any Standard Webhooks payload: checks, parses nothing."""
    Webhook(secret, tolerance=tolerance).verify_signature(body, headers, now=now)


def sign(secret: str, msg_id: str, timestamp: Union[int, float, datetime], body: Body) -> str:
    """The ``webhook-signature`` header value (``v1,<base64 HMAC-SHA256>``) of a delivery."""
    return Webhook(secret).sign(msg_id, timestamp, body)


def signature_headers(
    secret: str, msg_id: str, timestamp: Union[int, float, datetime], body: Body
) -> "dict[str, str]":
    """The three headers to send with a delivery (for tests and for relaying)."""
    ts = _timestamp(timestamp)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
    }
