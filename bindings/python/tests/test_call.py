"""The one call surface: `Client.call` and `Client.start` against the reference server, and
errors whose hint names Python's own API."""

import time
from pathlib import Path

import pytest

import renderiq

from conftest import Server, png_bytes


def test_call_answers_decoded_json(client: renderiq.Client) -> None:
    assert client.call({"call": "credits"})["balance"] == 1000
    assert client.call({"call": "is_signed_in"}) is True
    page = client.call({"call": "list_renders"})
    assert page["limit"] == 20 and page["items"] == [], "the core's default page size"
    assert client.call({"call": "sign_out"}) is None
    assert client.call({"call": "is_signed_in"}) is False


def test_call_attaches_bytes_to_the_image(client: renderiq.Client) -> None:
    created = client.call(
        {"call": "create_render", "image": {"kind": "bytes"}, "settings": {"quality": "standard"}},
        png_bytes(),
    )
    assert created["status"] in ("pending", "processing") and created["creditsCost"] == 5
    done = client.call({"call": "wait_for_render", "id": created["id"]})
    assert done["status"] == "completed"
    # Raw BGRA with a stride and bottom-up rows, given as a bytearray.
    raw = bytearray([0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9, 255, 0, 0, 255, 255, 255, 255, 255])
    info = client.call(
        {"call": "prepare_image", "image": {"kind": "raw", "width": 2, "height": 2, "stride": 12,
                                            "pixelFormat": "bgra8", "bottomUp": True},
         "prepare": {"format": "png"}},
        raw,
    )
    assert (info["width"], info["height"], info["format"]) == (2, 2, "png")


def test_call_values_are_checked_by_the_core(client: renderiq.Client) -> None:
    with pytest.raises(renderiq.ValidationError) as info:
        client.call({"call": "list_renders", "limit": 500})
    assert "limit" in info.value.details and "limit" in str(info.value)
    with pytest.raises(renderiq.ValidationError) as info:
        client.call({"call": "no_such_call"})
    assert "create_render" in str(info.value), "the known calls are listed"
    with pytest.raises(renderiq.ValidationError):
        client.call({"call": "me"}, b"bytes for a call without an image")
    with pytest.raises(TypeError):
        client.call("me")  # type: ignore[arg-type]


def test_started_render_reports_progress_and_its_outcome_twice(client: renderiq.Client, png_file: Path) -> None:
    op = client.start({"call": "render", "image": {"kind": "file", "path": str(png_file)},
                       "settings": {"quality": "standard"}, "wait": {"longPoll": False}})
    assert isinstance(op, renderiq.Operation)
    versions = []
    deadline = time.monotonic() + 60
    while not op.done():
        assert op.outcome() is None or op.done(), "no outcome while running"
        versions.append(op.progress.version)
        assert time.monotonic() < deadline, "not done in 60 s"
        time.sleep(0.01)
    assert op.wait(0) is True
    render = op.outcome()
    assert render["status"] == "completed"
    assert op.outcome() == render == op.result(), "the outcome can be read again"
    final = op.progress
    assert final.percent == 100 and final.version > (versions[0] if versions else 0)
    assert versions == sorted(versions), "the version never goes back"
    assert op.cancel() is False and not op.cancelled()


def test_cancelling_a_started_render_withdraws_it(slow_server: Server, png_file: Path) -> None:
    client = slow_server.signed_in()
    client.create_render(png_file, quality="standard")  # keeps the only worker busy
    before = client.credits().balance
    op = client.start({"call": "render", "image": {"kind": "bytes"}, "settings": {"quality": "standard"}},
                      png_bytes())
    deadline = time.monotonic() + 10
    while op.progress.stage != "pending":
        assert time.monotonic() < deadline, f"never pending: {op.progress}"
        time.sleep(0.01)
    queued = op.progress.render
    assert op.cancel() is True
    assert op.wait(10) is True
    with pytest.raises(renderiq.CancelledError):
        op.outcome()
    assert op.cancelled()
    while client.get_render(queued.id).status == "pending":
        assert time.monotonic() < deadline, "still pending on the server"
        time.sleep(0.02)
    assert client.get_render(queued.id).status == "cancelled"
    assert client.credits().balance == before, "its credits were refunded"


def test_wait_times_out_without_ending_the_operation(slow_server: Server, png_file: Path) -> None:
    client = slow_server.signed_in()
    op = client.start({"call": "render", "image": {"kind": "file", "path": str(png_file)}})
    assert op.wait(0.01) is False and op.outcome() is None
    op.cancel()
    assert op.wait() is True


def test_hints_name_python_calls(server: Server) -> None:
    email, _ = server.add_user()
    client = server.client()
    with pytest.raises(renderiq.AuthError) as info:
        client.call({"call": "sign_in", "email": email, "password": "wrong"})
    assert "sign_in" in str(info.value) and "API key" not in str(info.value)
    assert info.value.hint and info.value.hint in str(info.value)
    with pytest.raises(renderiq.AuthError) as info:
        client.call({"call": "me"})
    assert "use_api_key" in info.value.hint
    signed_in = server.signed_in()
    with pytest.raises(renderiq.NotFoundError) as info:
        signed_in.call({"call": "retrieve_render", "id": "nope"})
    assert '"nope"' in str(info.value) and "list_renders" in str(info.value)
    assert info.value.status == 404 and info.value.kind == "not_found"
    created = signed_in.call({"call": "create_render", "image": {"kind": "bytes"}}, png_bytes())
    with pytest.raises(renderiq.TimeoutError) as info:
        signed_in.call({"call": "wait_for_render", "id": created["id"], "wait": {"timeoutMs": 1}})
    assert "wait_for_render" in info.value.hint
    assert "WaitOptions" not in str(info.value), "Python's own names, not Rust's"
