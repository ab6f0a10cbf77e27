"""Projects, credits, settings, API keys, token stores, health: every other route."""

from pathlib import Path

import pytest

import renderiq

from conftest import Server


def test_projects_and_renders_filed_under_them(client: renderiq.Client, png_file: Path) -> None:
    assert client.projects() == []
    project = client.create_project("Villa Savoye", description="competition entry")
    assert project.name == "Villa Savoye" and project.slug and project.description == "competition entry"
    assert project.platform == "blender"
    assert [p.id for p in client.projects()] == [project.id]
    filed = client.create_render(png_file, quality="standard", project_id=project.id)
    client.create_render(png_file, quality="standard")
    assert [r.id for r in client.renders(project_id=project.id)] == [filed.id]


def test_settings_round_trip(client: renderiq.Client) -> None:
    s = client.settings()
    assert isinstance(s, renderiq.Settings)
    changed = client.update_settings(default_quality="ultra", default_style="sketch", notify_on_complete=False)
    assert changed.default_quality == "ultra" and changed.default_style == "sketch"
    assert changed.notify_on_complete is False
    assert client.settings() == changed
    with pytest.raises(TypeError):
        client.update_settings(theme="dark")  # type: ignore[call-arg]  # a keyword per setting
    assert client.callback_secret().startswith("whsec_")
    assert client.callback_secret() == client.callback_secret(), "one secret per account"
    with pytest.raises(ValueError):
        client.update_settings(default_quality="max")


def test_credits_and_ledger(client: renderiq.Client, png_file: Path) -> None:
    credits = client.credits()
    assert credits.balance == 1000 and credits.total_earned == 1000 and credits.total_spent == 0
    client.create_render(png_file, quality="ultra")
    assert client.credits().balance == 980
    ledger = client.credit_transactions(page=1, limit=5)
    assert isinstance(ledger, renderiq.Page)
    newest = ledger.items[0]
    assert newest.type == "spend" and newest.amount == -20 and newest.balance_after == 980


def test_api_keys_authenticate_and_can_be_revoked(client: renderiq.Client, server: Server) -> None:
    created = client.create_api_key("ci", scopes=["renders:read", "credits:read"])
    listed = client.api_keys()
    assert [k.id for k in listed] == [created.api_key.id]
    assert listed[0].scopes == ("renders:read", "credits:read")
    assert created.key.startswith(listed[0].prefix)

    keyed = server.client(api_key=created.key)
    assert keyed.is_signed_in()
    assert keyed.credits().balance == 1000
    other = server.client()
    other.use_api_key(created.key)
    assert other.credits().balance == 1000

    client.revoke_api_key(created.api_key)
    with pytest.raises(renderiq.AuthError):
        keyed.credits()
    assert client.api_keys() == []


def test_memory_store_keeps_the_session_for_this_client_only(server: Server) -> None:
    email, password = server.add_user()
    a = server.client(token_store="memory")
    a.sign_in(email, password)
    assert a.is_signed_in() and a.me().email == email
    b = server.client(token_store="memory")
    assert not b.is_signed_in()


def test_encrypted_file_store_round_trip(server: Server, tmp_path: Path) -> None:
    email, password = server.add_user()
    path = tmp_path / "nested" / "session.rqts"
    store = renderiq.EncryptedFileStore(path, passphrase="open sesame")
    assert "open sesame" not in repr(store)
    server.client(token_store=store).sign_in(email, password)
    assert path.is_file()
    raw = path.read_bytes()
    assert email.encode() not in raw, "the file is encrypted"

    # A new client (a new run of the host app) finds the session in the file.
    again = server.client(token_store=renderiq.EncryptedFileStore(str(path), passphrase="open sesame"))
    assert again.is_signed_in()
    assert again.me().email == email
    again.sign_out()
    assert not path.exists() or not server.client(
        token_store=renderiq.EncryptedFileStore(path, passphrase="open sesame")
    ).is_signed_in()

    keyed = renderiq.EncryptedFileStore(tmp_path / "k.rqts", key=bytes(range(32)))
    server.client(token_store=keyed).sign_in(email, password)
    assert server.client(token_store=renderiq.EncryptedFileStore(tmp_path / "k.rqts", key=bytes(range(32)))).is_signed_in()
    with pytest.raises(ValueError, match="32 bytes"):
        renderiq.EncryptedFileStore(tmp_path / "k.rqts", key=b"short")


def test_health_needs_no_session(server: Server) -> None:
    h = server.client().health()
    assert h.status == "ok" and h.database == "ok" and h.version
    assert h.long_poll is True
    assert h.time.tzinfo is not None
