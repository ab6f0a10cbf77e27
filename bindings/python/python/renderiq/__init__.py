"""Renderiq SDK for Python: render CAD viewports with AI from Blender, Rhino or any Python 3.9+.

::

    import renderiq

    client = renderiq.Client("http://127.0.0.1:8787", platform="blender",
                             plugin_name="my-addon", plugin_version="1.0.0")
    client.sign_in("ada@example.com", "correct horse")
    render = client.create_render("view.png", prompt="dusk, warm light", quality="standard")
    done = client.wait_for_render(render, on_progress=lambda p: print(p.percent, p.stage))
    client.download_render(done, "render.png")

Every method is one call of the core's call surface (:meth:`Client.call`); blocking calls
release the GIL, and :meth:`Client.start` and the ``start_*`` methods return an
:class:`Operation` for UI threads to poll. Errors are
:class:`RenderiqError` subclasses carrying ``kind``, ``code``, ``status``, ``request_id``,
``details``, ``retry_after``, ``required_credits`` and ``available_credits``.

The package is a thin layer over a Rust core (``renderiq._native``); ``renderiq.webhooks``
verifies webhook deliveries.
"""

from __future__ import annotations

from . import webhooks
from ._client import DEFAULT_BASE_URL, Client
from ._generated import (
    AuthError,
    CancelledError,
    ConfigError,
    ConflictError,
    DecodeError,
    ImageError,
    InsufficientCreditsError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RenderFailedError,
    RenderiqError,
    ServerError,
    TimeoutError,
    TokenStoreError,
    ValidationError,
    WebhookVerificationError,
)
from ._models import (
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
    Settings,
    User,
    Webhook,
    WebhookEvent,
)
from ._native import SDK_VERSION, EncryptedFileStore, __version__
from ._image import PreparedImage, RawImage, prepare_image
from ._operation import Operation

__all__ = [
    # client
    "Client",
    "DEFAULT_BASE_URL",
    "EncryptedFileStore",
    "Operation",
    # images
    "PreparedImage",
    "RawImage",
    "prepare_image",
    # models
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
    # errors
    "AuthError",
    "CancelledError",
    "ConfigError",
    "ConflictError",
    "DecodeError",
    "ImageError",
    "InsufficientCreditsError",
    "NetworkError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RenderFailedError",
    "RenderiqError",
    "ServerError",
    "TimeoutError",
    "TokenStoreError",
    "ValidationError",
    "WebhookVerificationError",
    # modules and versions
    "webhooks",
    "SDK_VERSION",
    "__version__",
]
