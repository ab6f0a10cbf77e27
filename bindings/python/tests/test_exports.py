"""The public surface is pinned: a name added or removed is a deliberate change here."""

import ast
import builtins
from pathlib import Path

import renderiq
from renderiq import _generated, _native, webhooks

PACKAGE = Path(renderiq.__file__).parent

PUBLIC = {
    "Client",
    "DEFAULT_BASE_URL",
    "EncryptedFileStore",
    "Operation",
    "PreparedImage",
    "RawImage",
    "prepare_image",
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
    "webhooks",
    "SDK_VERSION",
    "__version__",
}

ERRORS = {
    "auth": "AuthError",
    "permission_denied": "PermissionDeniedError",
    "not_found": "NotFoundError",
    "invalid_input": "ValidationError",
    "insufficient_credits": "InsufficientCreditsError",
    "rate_limited": "RateLimitError",
    "conflict": "ConflictError",
    "server": "ServerError",
    "render_failed": "RenderFailedError",
    "network": "NetworkError",
    "timeout": "TimeoutError",
    "cancelled": "CancelledError",
    "image": "ImageError",
    "webhook_verification": "WebhookVerificationError",
    "token_store": "TokenStoreError",
    "config": "ConfigError",
    "decode": "DecodeError",
}

CLIENT_METHODS = {
    "call", "start",
    "sign_in", "use_api_key", "is_signed_in", "me", "sign_out",
    "create_render", "retrieve_render", "get_render", "cancel_render", "renders", "list_renders",
    "wait_for_render", "render", "download_render",
    "start_render", "start_create_render", "start_wait_for_render",
    "projects", "create_project", "credits", "credit_transactions", "settings", "update_settings",
    "create_api_key", "api_keys", "revoke_api_key",
    "register_webhook", "webhooks", "delete_webhook", "callback_secret", "health", "base_url",
}


def test_all_is_pinned_and_every_name_exists():
    assert set(renderiq.__all__) == PUBLIC
    assert len(renderiq.__all__) == len(PUBLIC), "no duplicates"
    for name in renderiq.__all__:
        assert hasattr(renderiq, name), name


def test_webhooks_module_exports_are_pinned():
    assert set(webhooks.__all__) == {
        "DEFAULT_TOLERANCE", "Webhook", "WebhookEvent", "generate_secret", "sign",
        "signature_headers", "verify", "verify_signature",
    }


def test_client_methods_are_pinned():
    public = {n for n in dir(renderiq.Client) if not n.startswith("_")}
    assert public == CLIENT_METHODS


def test_every_error_kind_maps_to_its_class_once():
    assert {k: c.__name__ for k, c in _generated.ERROR_TYPES.items()} == ERRORS
    for name in ERRORS.values():
        cls = getattr(renderiq, name)
        assert issubclass(cls, renderiq.RenderiqError)
        assert cls.__module__ == "renderiq"
    # one parent in every language (the core's error table); Python adds built-in second bases
    assert renderiq.RenderFailedError.__bases__ == (renderiq.RenderiqError,)
    assert issubclass(renderiq.ValidationError, ValueError)
    assert issubclass(renderiq.TimeoutError, builtins.TimeoutError)
    assert renderiq.TimeoutError is not builtins.TimeoutError


def test_errors_raised_by_user_code_have_the_attributes_too():
    e = renderiq.RateLimitError("slow down")
    for attr in ("kind", "hint", "code", "status", "request_id", "details", "retry_after",
                 "required_credits", "available_credits", "message"):
        assert getattr(e, attr) is None
    assert str(e) == "slow down"


def test_package_is_typed_and_the_stub_covers_the_native_module():
    assert (PACKAGE / "py.typed").is_file()
    stub = ast.parse((PACKAGE / "_native.pyi").read_text())
    stubbed = {
        node.name for node in stub.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))
    } | {
        t.id for node in stub.body if isinstance(node, (ast.AnnAssign, ast.Assign))
        for t in ([node.target] if isinstance(node, ast.AnnAssign) else node.targets)
        if isinstance(t, ast.Name)
    }
    native = {n for n in dir(_native) if not n.startswith("_") or n == "__version__"}
    assert native - stubbed == set(), "native names without a stub"


def test_native_classes_are_frozen_and_named_for_their_module():
    for cls in (_native.Client, _native.CallOperation, _native.EncryptedFileStore, _native.Webhook):
        assert cls.__module__ == "renderiq._native"
    raw = renderiq.RawImage(bytes(16), 2, 2)
    try:
        raw.width = 3  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("RawImage must be immutable")
