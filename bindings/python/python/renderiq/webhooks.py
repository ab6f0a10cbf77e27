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


def _body(body: Body) -> bytes:
    """The raw body as bytes: ``bytes`` as it is, ``str`` as UTF-8, any other buffer copied."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    try:
        return bytes(memoryview(body))
    except TypeError:
        raise TypeError(f"body must be the raw request body as bytes (or str), not {type(body).__name__}") from None


def _text(value: Union[str, bytes]) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise TypeError("header names and values must be str (or bytes)")
    return value


def _headers(headers: Headers) -> "list[tuple[str, str]]":
    """``(name, value)`` pairs from a mapping (a dict, Flask's or Django's headers) or pairs."""
    try:
        pairs = list(headers.items() if hasattr(headers, "items") else headers)  # type: ignore[union-attr]
        return [(_text(k), _text(v)) for k, v in pairs]
    except (TypeError, ValueError):
        raise TypeError("headers must be a mapping of header names to values") from None


class Webhook:
    """One webhook's signing secret (``whsec_...``, as shown at registration); reuse it for
    every delivery.

    Raises :class:`renderiq.ConfigError` (``code == "WEBHOOK_BAD_SECRET"``) for a secret that is
    not ``whsec_`` + base64. The secret never appears in ``repr`` or error messages.
    """

    __slots__ = ("_native",)

    def __init__(self, secret: str, *, tolerance: float = DEFAULT_TOLERANCE) -> None:
        if not isinstance(secret, str):
            raise TypeError("secret must be the whsec_... string shown at registration")
        self._native = _native.Webhook(secret, float(tolerance))

    def verify(self, body: Body, headers: Headers, *, now: Now = None) -> WebhookEvent:
        """Verifies a delivery and returns it as a :class:`WebhookEvent`. A correctly signed
        delivery is never refused for its body: an event type this SDK does not know, or a body
        that is no render event at all, comes back with ``data=None`` and the JSON in
        ``payload``.

        Raises:
            WebhookVerificationError: ``code`` is ``WEBHOOK_MISSING_HEADER``,
                ``WEBHOOK_INVALID_TIMESTAMP``, ``WEBHOOK_TIMESTAMP_TOO_OLD``,
                ``WEBHOOK_TIMESTAMP_TOO_NEW`` or ``WEBHOOK_BAD_SIGNATURE``.
            DecodeError: the verified body is not JSON at all (``code`` is
                ``WEBHOOK_BAD_PAYLOAD``); :meth:`verify_signature` accepts any body.
        """
        raw = _body(body)
        self._native.verify(raw, _headers(headers), _unix(now))
        return WebhookEvent._from_wire(_native.parse_event(raw))

    def verify_signature(self, body: Body, headers: Headers, *, now: Now = None) -> None:
        """Verifies the signature and timestamp only (for any Standard Webhooks payload)."""
        self._native.verify(_body(body), _headers(headers), _unix(now))

    def sign(self, msg_id: str, timestamp: Union[int, float, datetime], body: Body) -> str:
        """The ``webhook-signature`` value for a delivery: ``v1,<base64>``."""
        return self._native.sign(msg_id, _timestamp(timestamp), _body(body))

    def __repr__(self) -> str:
        return "renderiq.webhooks.Webhook(secret=<redacted>)"


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
