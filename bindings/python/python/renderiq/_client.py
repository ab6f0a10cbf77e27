"""The Renderiq client."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

from . import _bridge, _native
from ._models import (
    ApiKey,
    CreatedApiKey,
    CreatedWebhook,
    Credits,
    CreditTransaction,
    Health,
    Page,
    Progress,
    Project,
    Render,
    Settings,
    User,
    Webhook,
)
from ._native import EncryptedFileStore, PreparedImage, RawImage
from ._operation import Operation

__all__ = ["Client", "DEFAULT_BASE_URL", "ImageInput", "TokenStore"]

DEFAULT_BASE_URL = "https://renderiq.io"

#: What ``create_render`` accepts as the screenshot: a file path, encoded PNG/JPEG/WebP bytes,
#: raw pixels, or an image already prepared with :func:`renderiq.prepare_image`.
ImageInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, RawImage, PreparedImage]

#: ``"keychain"`` (the OS keychain), ``"memory"`` (nothing persisted) or an
#: :class:`EncryptedFileStore`.
TokenStore = Union[str, EncryptedFileStore]

ALL_EVENTS = ("render.completed", "render.failed", "render.cancelled")


class Client:
    """A client of the Renderiq plugin API. Create one per plugin and share it; it is safe to use
    from several threads.

    Every method blocks the calling thread until the server answered, **with the GIL released**,
    so other Python threads keep running. Ctrl-C (``KeyboardInterrupt``) cancels a call in
    progress. For a host app's UI thread, use :meth:`start` or the ``start_*`` methods, which
    return an :class:`Operation` to poll from a timer. :meth:`call` and :meth:`start` make any
    call of the SDK's one call surface (the same calls in every language).

    Errors are raised as subclasses of :class:`renderiq.RenderiqError`; a client option the core
    refuses (an unknown platform or token store, a negative ``max_retries``) raises
    :class:`ConfigError`; wrong argument types or values of the typed methods raise
    :class:`TypeError` / :class:`ValueError` before anything is sent.

    Args:
        base_url: The server, e.g. ``"http://127.0.0.1:8787"`` for the reference server.
        platform: The host app: ``"blender"``, ``"rhino"``, ``"sketchup"``, ``"revit"``,
            ``"autocad"``, ``"archicad"`` or ``"other"``.
        plugin_name, plugin_version: Your plugin, sent with every request.
        token_store: Where the session is kept between runs: ``"keychain"`` (default: Windows
            Credential Manager, macOS Keychain, Secret Service), ``"memory"``, or an
            :class:`EncryptedFileStore`.
        api_key: Authenticate with an API key instead of signing in.
        timeout: Seconds one request may take (long-polls add their wait).
        max_retries: Retries of transient failures (network, 429, 5xx).
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        platform: str = "other",
        plugin_name: str = "unknown",
        plugin_version: str = "0.0.0",
        token_store: TokenStore = "keychain",
        api_key: Optional[str] = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        self._native = _bridge.new_native_client(
            base_url, platform, plugin_name, plugin_version, token_store, api_key, timeout, max_retries
        )

    @property
    def base_url(self) -> str:
        """The server this client talks to."""
        return self._native.base_url

    def __repr__(self) -> str:
        return f"renderiq.Client({self.base_url!r})"

    # ---- the one call surface -----------------------------------------------------------------

    def call(self, call: Mapping[str, Any], data: Optional[bytes] = None) -> Any:
        """Makes any call of the SDK's one call surface and returns its result as decoded JSON
        (the API's camelCase objects; ``None`` for calls without a result)::

            client.call({"call": "credits"})["balance"]
            client.call({"call": "render", "image": {"kind": "bytes"},
                         "settings": {"prompt": "dusk"}}, data=png_bytes)

        ``call`` is a mapping with the call's name under ``"call"`` and its camelCase fields;
        ``data`` (any bytes-like object) is attached to the call's image instead of base64 in
        the JSON. Blocks with the GIL released; Ctrl-C cancels, withdrawing a render it created
        while that is still pending. Every value is checked by the core: a wrong one raises
        :class:`ValidationError` whose ``details`` name the field.
        """
        return json.loads(self._native.call(_call_json(call), data))

    def start(self, call: Mapping[str, Any], data: Optional[bytes] = None) -> "Operation[Any]":
        """Starts any call in the background, like :meth:`call`, and returns its
        :class:`Operation` at once: poll ``done()`` and ``progress`` from a UI timer, read
        ``outcome()`` (the decoded JSON result), ``wait(timeout)`` or ``cancel()``. Cancelling a
        call that creates a render withdraws the render while it is still pending (credits
        refunded)."""
        return Operation(self._native.start(_call_json(call), data))

    # ---- auth ---------------------------------------------------------------------------------

    def sign_in(self, email: str, password: str) -> User:
        """Signs in and saves the session in the token store.

        Raises:
            AuthError: wrong email or password (``code == "INVALID_CREDENTIALS"``).
            TokenStoreError: the session could not be saved.
        """
        return User._from_wire(self._native.sign_in(email, password))

    def use_api_key(self, key: str) -> None:
        """Uses an API key for every further request and saves it in the token store."""
        self._native.use_api_key(key)

    def is_signed_in(self) -> bool:
        """``True`` when a session or API key is available (in memory or in the token store)."""
        return self._native.is_signed_in()

    def me(self) -> User:
        """The signed-in user. Raises :class:`AuthError` when not signed in."""
        return User._from_wire(self._native.me())

    def sign_out(self) -> None:
        """Revokes the session on the server (best effort) and clears the token store."""
        self._native.sign_out()

    # ---- renders ------------------------------------------------------------------------------

    def create_render(
        self,
        image: ImageInput,
        *,
        prompt: Optional[str] = None,
        style: Optional[str] = None,
        quality: Optional[str] = None,
        aspect_ratio: Optional[str] = None,
        project_id: Optional[str] = None,
        callback_url: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Render:
        """Prepares the screenshot (down-scaled to 2048 px, JPEG, no metadata) and creates a
        render; returns it in the ``pending`` state. Settings left ``None`` take the user's
        defaults. Retried on transient failures with one idempotency key, so it is created and
        charged at most once.

        Args:
            image: A file path, encoded PNG/JPEG/WebP bytes, a :class:`RawImage` of viewport
                pixels, or a :class:`PreparedImage`.
            quality: ``"standard"`` (5 credits), ``"high"`` (10) or ``"ultra"`` (20).

        Raises:
            ImageError: the screenshot cannot be read or decoded.
            InsufficientCreditsError: with ``required_credits`` and ``available_credits``.
            RateLimitError: with ``retry_after`` in seconds.
            ValidationError: a setting the server rejected (``details`` names it).
        """
        fields = _bridge.render_fields(
            prompt=prompt,
            style=style,
            quality=quality,
            aspect_ratio=aspect_ratio,
            project_id=project_id,
            callback_url=callback_url,
            idempotency_key=idempotency_key,
        )
        return Render._from_wire(self._native.create_render(image, fields))

    def get_render(self, render_id: Union[str, Render]) -> Render:
        """The render's current state. Raises :class:`NotFoundError` for an unknown id."""
        return Render._from_wire(self._native.retrieve_render(_bridge.render_id(render_id)))

    def cancel_render(self, render: Union[str, Render]) -> Render:
        """Cancels a render that has not started processing; its credits are refunded.
        Raises :class:`ConflictError` when it is already processing or done."""
        return Render._from_wire(self._native.cancel_render(_bridge.render_id(render)))

    def renders(
        self,
        *,
        status: Optional[str] = None,
        project_id: Optional[str] = None,
        page_size: int = 20,
    ) -> Iterator[Render]:
        """Every render matching the filters, newest first, fetching pages lazily as the
        iterator is read."""
        _bridge.check_choice("status", status, _bridge.STATUSES)
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            raise TypeError("page_size must be an int")
        native = self._native.renders(status, project_id, page_size)
        return (Render._from_wire(wire) for wire in native)

    def list_renders(
        self,
        *,
        page: int = 1,
        limit: int = 20,
        status: Optional[str] = None,
        project_id: Optional[str] = None,
    ) -> Page[Render]:
        """One page of renders (``page`` starts at 1); :meth:`renders` iterates all pages."""
        _bridge.check_choice("status", status, _bridge.STATUSES)
        return _bridge.page(Render, self._native.list_renders(page, limit, status, project_id))

    def wait_for_render(
        self,
        render: Union[str, Render],
        *,
        timeout: float = 600.0,
        on_progress: Optional[Callable[[Progress], Any]] = None,
        long_poll: bool = True,
    ) -> Render:
        """Follows a render until it completes (long-poll, or polling with backoff).

        ``on_progress(progress)`` is called **on this thread** whenever the status or percentage
        changes. An exception raised by it, or Ctrl-C, cancels the wait and propagates.
        With ``long_poll=True`` (the default) each request is held by the server until the
        render moves or ends, so every percentage is reported as it happens;
        ``long_poll=False`` polls with a growing interval instead.

        Raises:
            RenderFailedError: the render failed (its credits were refunded).
            CancelledError: the render was cancelled.
            TimeoutError: still running after ``timeout`` seconds (it keeps running).
        """
        seconds = _bridge.check_seconds("timeout", timeout)
        wire = self._native.wait_for_render(
            _bridge.render_id(render), seconds, _bridge.progress_callback(on_progress), bool(long_poll)
        )
        return Render._from_wire(wire)

    def render(
        self,
        image: ImageInput,
        *,
        prompt: Optional[str] = None,
        style: Optional[str] = None,
        quality: Optional[str] = None,
        aspect_ratio: Optional[str] = None,
        project_id: Optional[str] = None,
        callback_url: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        timeout: float = 600.0,
        on_progress: Optional[Callable[[Progress], Any]] = None,
        long_poll: bool = True,
    ) -> Render:
        """:meth:`create_render` then :meth:`wait_for_render`: the whole "Render" button, for
        scripts. Returns the completed render."""
        created = self.create_render(
            image,
            prompt=prompt,
            style=style,
            quality=quality,
            aspect_ratio=aspect_ratio,
            project_id=project_id,
            callback_url=callback_url,
            idempotency_key=idempotency_key,
        )
        return self.wait_for_render(created, timeout=timeout, on_progress=on_progress, long_poll=long_poll)

    def download_render(
        self,
        render: Union[str, Render],
        path: Union[None, str, "os.PathLike[str]"] = None,
    ) -> Any:
        """Downloads a completed render's output image.

        Returns the bytes, or, with ``path``, writes them there (atomically) and returns the
        :class:`pathlib.Path`. A render id is looked up first.

        Raises:
            ValidationError: the render has no output yet (wait for it first).
        """
        if isinstance(render, str):
            render = self.get_render(render)
        elif not isinstance(render, Render):
            raise TypeError(f"expected a render id (str) or a renderiq.Render, not {type(render).__name__}")
        elif not render._wire:  # built by hand, not returned by the API
            render = self.get_render(render.id)
        if path is None:
            return self._native.download_render(render._wire)
        target = Path(os.fspath(path))
        self._native.download_render_to(render._wire, target)
        return target

    # ---- background operations ----------------------------------------------------------------

    def start_render(
        self,
        image: ImageInput,
        *,
        prompt: Optional[str] = None,
        style: Optional[str] = None,
        quality: Optional[str] = None,
        aspect_ratio: Optional[str] = None,
        project_id: Optional[str] = None,
        callback_url: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        timeout: float = 600.0,
        long_poll: bool = True,
    ) -> "Operation[Render]":
        """Starts :meth:`render` (create, then wait) in the background and returns at once.

        Poll the :class:`Operation` from a UI timer; its ``progress`` goes through
        ``preparing``, ``uploading``, ``pending``, ``processing``; ``result()`` is the completed
        :class:`Render`. ``cancel()`` also withdraws the render on the server while it is still
        pending, which refunds its credits.
        """
        fields = _bridge.render_fields(
            prompt=prompt,
            style=style,
            quality=quality,
            aspect_ratio=aspect_ratio,
            project_id=project_id,
            callback_url=callback_url,
            idempotency_key=idempotency_key,
        )
        seconds = _bridge.check_seconds("timeout", timeout)
        return Operation(self._native.start_render(image, fields, seconds, bool(long_poll)))

    def start_create_render(
        self,
        image: ImageInput,
        *,
        prompt: Optional[str] = None,
        style: Optional[str] = None,
        quality: Optional[str] = None,
        aspect_ratio: Optional[str] = None,
        project_id: Optional[str] = None,
        callback_url: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> "Operation[Render]":
        """Starts :meth:`create_render` in the background; ``result()`` is the new render."""
        fields = _bridge.render_fields(
            prompt=prompt,
            style=style,
            quality=quality,
            aspect_ratio=aspect_ratio,
            project_id=project_id,
            callback_url=callback_url,
            idempotency_key=idempotency_key,
        )
        return Operation(self._native.start_create_render(image, fields))

    def start_wait_for_render(
        self, render: Union[str, Render], *, timeout: float = 600.0, long_poll: bool = True
    ) -> "Operation[Render]":
        """Starts :meth:`wait_for_render` in the background; ``result()`` is the completed
        render."""
        seconds = _bridge.check_seconds("timeout", timeout)
        return Operation(self._native.start_wait_for_render(_bridge.render_id(render), seconds, bool(long_poll)))

    # ---- projects, credits, settings ----------------------------------------------------------

    def projects(self) -> List[Project]:
        """The user's projects."""
        return [Project._from_wire(p) for p in self._native.projects()]

    def create_project(self, name: str, description: Optional[str] = None) -> Project:
        """Creates a project; the server derives a unique slug from the name."""
        return Project._from_wire(self._native.create_project(name, description))

    def credits(self) -> Credits:
        """The credit balance."""
        return Credits._from_wire(self._native.credits())

    def credit_transactions(self, *, page: int = 1, limit: int = 20) -> Page[CreditTransaction]:
        """One page of the credit ledger, newest first."""
        return _bridge.page(CreditTransaction, self._native.credit_transactions(page, limit))

    def settings(self) -> Settings:
        """The user's defaults for new renders."""
        return Settings._from_wire(self._native.settings())

    def update_settings(
        self,
        *,
        default_style: Optional[str] = None,
        default_quality: Optional[str] = None,
        default_aspect_ratio: Optional[str] = None,
        default_project_id: Optional[str] = None,
        notify_on_complete: Optional[bool] = None,
    ) -> Settings:
        """Changes the given settings (``None`` leaves one as it is) and returns all of them."""
        _bridge.check_choice("default_quality", default_quality, _bridge.QUALITIES)
        wire = self._native.update_settings(
            default_style,
            default_quality.lower() if default_quality else None,
            default_aspect_ratio,
            default_project_id,
            notify_on_complete,
        )
        return Settings._from_wire(wire)

    # ---- API keys and webhooks ----------------------------------------------------------------

    def create_api_key(
        self,
        name: str,
        scopes: Sequence[str],
        *,
        expires_at: Optional[datetime] = None,
    ) -> CreatedApiKey:
        """Creates an API key; its ``key`` is shown only this once."""
        if isinstance(scopes, str):
            raise TypeError("scopes must be a list of scope names, e.g. ['renders:create']")
        when = None
        if expires_at is not None:
            if not isinstance(expires_at, datetime):
                raise TypeError("expires_at must be a datetime")
            if expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=timezone.utc)
            when = expires_at.isoformat()
        return CreatedApiKey._from_wire(self._native.create_api_key(name, list(scopes), when))

    def api_keys(self) -> List[ApiKey]:
        """The user's API keys (without their secrets)."""
        return [ApiKey._from_wire(k) for k in self._native.api_keys()]

    def revoke_api_key(self, key: Union[str, ApiKey]) -> None:
        """Revokes an API key (by id or :class:`ApiKey`)."""
        self._native.revoke_api_key(_bridge.object_id(key, "API key"))

    def register_webhook(self, url: str, events: Iterable[str] = ALL_EVENTS) -> CreatedWebhook:
        """Registers a webhook; its ``secret`` (``whsec_...``) is shown only this once. Verify
        deliveries with :func:`renderiq.webhooks.verify`."""
        if isinstance(events, str):
            raise TypeError("events must be a list of event types, e.g. ['render.completed']")
        return CreatedWebhook._from_wire(self._native.register_webhook(url, list(events)))

    def webhooks(self) -> List[Webhook]:
        """The user's webhooks."""
        return [Webhook._from_wire(w) for w in self._native.webhooks()]

    def delete_webhook(self, webhook: Union[str, Webhook]) -> None:
        """Deletes a webhook (by id or :class:`Webhook`)."""
        self._native.delete_webhook(_bridge.object_id(webhook, "webhook"))

    def health(self) -> Health:
        """Server health; needs no sign-in."""
        return Health._from_wire(self._native.health())


def _call_json(call: Mapping[str, Any]) -> str:
    if not isinstance(call, Mapping):
        raise TypeError(f'call must be a mapping such as {{"call": "me"}}, not {type(call).__name__}')
    return json.dumps(dict(call))
