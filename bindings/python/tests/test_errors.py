"""Every exception class, raised for real, with its fields."""

import builtins
import socket
from pathlib import Path

import pytest

import renderiq
from renderiq import webhooks

from conftest import PASSWORD, Server, png_bytes


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_wrong_password_is_an_auth_error_with_the_api_fields(server: Server) -> None:
    email, _ = server.add_user()
    client = server.client()
    with pytest.raises(renderiq.AuthError) as info:
        client.sign_in(email, "wrong password")
    e = info.value
    assert e.kind == "auth"
    assert e.code == "INVALID_CREDENTIALS"
    assert e.status == 401
    assert e.request_id
    assert e.message and e.message in str(e)
    assert e.request_id in str(e)
    assert "wrong password" not in str(e)


def test_calls_without_a_session_raise_auth_required(server: Server) -> None:
    with pytest.raises(renderiq.AuthError) as info:
        server.client().credits()
    assert info.value.code == "AUTH_REQUIRED"


def test_insufficient_credits_carry_required_and_available(server: Server, png_file: Path) -> None:
    client = server.signed_in(credits=3)
    with pytest.raises(renderiq.InsufficientCreditsError) as info:
        client.create_render(png_file, quality="standard")
    e = info.value
    assert (e.kind, e.code, e.status) == ("insufficient_credits", "INSUFFICIENT_CREDITS", 402)
    assert e.required_credits == 5
    assert e.available_credits == 3
    assert client.credits().balance == 3


def test_unknown_render_is_not_found(client: renderiq.Client) -> None:
    with pytest.raises(renderiq.NotFoundError) as info:
        client.get_render("no-such-render")
    assert (info.value.status, info.value.code, info.value.kind) == (404, "NOT_FOUND", "not_found")


def test_validation_errors_from_the_sdk_and_from_the_server(client: renderiq.Client, png_file: Path) -> None:
    with pytest.raises(renderiq.ValidationError) as info:
        client.create_render(png_file, prompt="x" * 2001)
    assert info.value.status is None, "rejected before sending"
    assert info.value.details == {"prompt": "too long"}

    with pytest.raises(renderiq.ValidationError) as info:
        client.create_render(png_file, aspect_ratio="7:3", quality="standard")
    assert info.value.status == 400
    assert info.value.code == "INVALID_INPUT"
    assert info.value.details, "the server names the field"


def test_rate_limit_carries_retry_after(limited_server: Server, png_file: Path) -> None:
    client = limited_server.signed_in(credits=100, max_retries=0)
    client.create_render(png_file, quality="standard")
    with pytest.raises(renderiq.RateLimitError) as info:
        client.create_render(png_file, quality="standard")
    e = info.value
    assert (e.kind, e.code, e.status) == ("rate_limited", "RATE_LIMIT_EXCEEDED", 429)
    assert e.retry_after is not None and 0 < e.retry_after <= 60
    assert client.credits().balance == 95, "the refused render was not charged"


def test_failed_render_raises_render_failed_and_refunds(client: renderiq.Client, png_file: Path) -> None:
    before = client.credits().balance
    render = client.create_render(png_file, prompt="please [fail]", quality="standard")
    with pytest.raises(renderiq.RenderFailedError) as info:
        client.wait_for_render(render, timeout=60)
    e = info.value
    assert not isinstance(e, renderiq.ServerError), "one parent in every language: RenderiqError"
    assert e.kind == "render_failed" and e.code == "RENDER_FAILED"
    assert e.details["status"] == "failed" and e.details["id"] == render.id
    assert client.get_render(render.id).error
    assert client.credits().balance == before


def test_short_wait_on_a_slow_render_times_out(slow_server: Server, png_file: Path) -> None:
    client = slow_server.signed_in()
    render = client.create_render(png_file, quality="standard")
    with pytest.raises(renderiq.TimeoutError) as info:
        client.wait_for_render(render, timeout=0.5)
    assert info.value.kind == "timeout"
    assert isinstance(info.value, builtins.TimeoutError)
    assert "still running" in str(info.value)


def test_pending_render_cancelled_on_the_server_ends_the_wait(slow_server: Server, png_file: Path) -> None:
    client = slow_server.signed_in(credits=100)
    client.create_render(png_file, quality="standard")  # occupies the only worker
    queued = client.create_render(png_file, quality="standard")
    assert queued.status == "pending"
    cancelled = client.cancel_render(queued)
    assert cancelled.status == "cancelled"
    with pytest.raises(renderiq.CancelledError) as info:
        client.wait_for_render(queued, timeout=10)
    assert info.value.kind == "cancelled"
    assert client.credits().balance == 95, "the cancelled render was refunded"
    with pytest.raises(renderiq.ConflictError) as conflict:
        client.cancel_render(queued)
    assert conflict.value.status == 409


def test_reused_idempotency_key_with_another_body_conflicts(client: renderiq.Client, png_file: Path) -> None:
    client.create_render(png_file, quality="standard", idempotency_key="conflict-key")
    with pytest.raises(renderiq.ConflictError) as info:
        client.create_render(png_file, quality="high", idempotency_key="conflict-key")
    assert (info.value.status, info.value.code) == (409, "IDEMPOTENCY_CONFLICT")


def test_closed_port_is_a_network_error() -> None:
    client = renderiq.Client(f"http://127.0.0.1:{closed_port()}", token_store="memory", max_retries=0)
    with pytest.raises(renderiq.NetworkError) as info:
        client.health()
    assert info.value.kind == "network" and info.value.status is None


def test_api_key_without_the_scope_is_permission_denied(client: renderiq.Client, server: Server) -> None:
    created = client.create_api_key("read-only", scopes=["renders:read"])
    assert created.key and created.key not in repr(created)
    keyed = server.client(api_key=created.key)
    keyed.renders(page_size=1)  # allowed
    with pytest.raises(renderiq.PermissionDeniedError) as info:
        keyed.credits()
    assert (info.value.status, info.value.code) == (403, "INSUFFICIENT_SCOPE")


def test_bad_images_raise_image_error(client: renderiq.Client, tmp_path: Path) -> None:
    with pytest.raises(renderiq.ImageError):
        client.create_render(b"this is not an image", quality="standard")
    with pytest.raises(renderiq.ImageError) as info:
        client.create_render(tmp_path / "missing.png", quality="standard")
    assert "missing.png" in str(info.value)
    with pytest.raises(renderiq.ImageError):
        renderiq.prepare_image(b"\x89PNG but truncated")


def test_bad_configuration_raises_config_error() -> None:
    with pytest.raises(renderiq.ConfigError) as info:
        renderiq.Client("not a url", token_store="memory")
    assert "base URL" in str(info.value)
    with pytest.raises(renderiq.ConfigError) as info:
        webhooks.Webhook("whsec_not base64!!")
    assert info.value.code == "WEBHOOK_BAD_SECRET"


def test_token_file_sealed_with_another_passphrase_is_a_token_store_error(server: Server, tmp_path: Path) -> None:
    path = tmp_path / "session.rqts"
    email, password = server.add_user()
    server.client(token_store=renderiq.EncryptedFileStore(path, passphrase="pass-R1ght-9")).sign_in(email, password)
    wrong = server.client(token_store=renderiq.EncryptedFileStore(path, passphrase="pass-Wr0ng-9"))
    with pytest.raises(renderiq.TokenStoreError) as info:
        wrong.me()
    assert info.value.kind == "token_store"
    assert "R1ght" not in str(info.value) and "Wr0ng" not in str(info.value)


def test_verified_body_that_is_not_json_is_a_decode_error() -> None:
    secret = webhooks.generate_secret()
    headers = webhooks.signature_headers(secret, "msg_1", 1_700_000_000, b"hello")
    with pytest.raises(renderiq.DecodeError) as info:
        webhooks.verify(secret, b"hello", headers, now=1_700_000_000)
    assert info.value.code == "WEBHOOK_BAD_PAYLOAD"
    webhooks.verify_signature(secret, b"hello", headers, now=1_700_000_000)


def test_bad_arguments_raise_type_and_value_errors(client: renderiq.Client, png_file: Path) -> None:
    # Values are checked by the core: ValidationError, which is also a ValueError.
    with pytest.raises(renderiq.ValidationError, match="best"):
        client.create_render(png_file, quality="best")
    with pytest.raises(ValueError, match="standard"):
        client.create_render(png_file, quality="best")
    with pytest.raises(TypeError, match="image must be"):
        client.create_render(123)  # type: ignore[arg-type]
    with pytest.raises(renderiq.ValidationError, match="expected a string"):
        client.create_render(png_file, prompt=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="-1000"):
        client.wait_for_render("abc", timeout=-1)
    with pytest.raises(TypeError, match="on_progress"):
        client.wait_for_render("abc", on_progress=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="done"):
        client.renders(status="done")
    with pytest.raises(renderiq.ConfigError, match="disk"):
        renderiq.Client("http://127.0.0.1:1", token_store="disk")
    with pytest.raises(renderiq.ConfigError):
        renderiq.Client("http://127.0.0.1:1", token_store="memory", max_retries=-1)
    with pytest.raises(TypeError, match="token_store"):
        renderiq.Client("http://127.0.0.1:1", token_store=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs at least"):
        renderiq.RawImage(bytes(10), 4, 4)
    with pytest.raises(ValueError, match="stride"):
        renderiq.RawImage(bytes(64), 4, 4, stride=8)
    with pytest.raises(ValueError, match="pixel_format"):
        renderiq.RawImage(bytes(64), 4, 4, pixel_format="argb")
    with pytest.raises(TypeError, match="bytes-like"):
        renderiq.RawImage("pixels", 1, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="give a passphrase"):
        renderiq.EncryptedFileStore("x.rqts")
    with pytest.raises(renderiq.ValidationError, match="format") as info:
        renderiq.prepare_image(png_bytes(), format="gif")
    assert "format" in info.value.details
