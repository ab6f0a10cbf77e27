"""Webhook signing and verification: the shared vectors, interop with the `standardwebhooks`
package in both directions, every failure, and a real delivery from the reference server."""

import json
import queue
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
import standardwebhooks

import renderiq
from renderiq import webhooks
from renderiq._generated import Platform, Quality, RenderStatus

from conftest import VECTORS, Server

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DATA = json.loads(VECTORS.read_text())

RENDER_WIRE = {
    "id": "rnd_1",
    "status": "completed",
    "progress": 100,
    "prompt": "dusk",
    "style": "photorealistic",
    "quality": "high",
    "aspectRatio": "16:9",
    "projectId": None,
    "creditsCost": 10,
    "inputUrl": "http://127.0.0.1/cdn/in.jpg",
    "outputUrl": "http://127.0.0.1/cdn/out.png",
    "error": None,
    "platform": "blender",
    "createdAt": "2026-01-02T03:04:05.123456789Z",
    "updatedAt": "2026-01-02T03:04:09Z",
    "completedAt": "2026-01-02T03:04:09.5Z",
}
EVENT_BODY = json.dumps(
    {"type": "render.completed", "timestamp": "2026-01-02T03:04:09Z", "data": RENDER_WIRE}
).encode()


@pytest.mark.parametrize("vector", DATA["sign"], ids=lambda v: v["msg_id"])
def test_signing_matches_the_vectors(vector: dict) -> None:
    sig = webhooks.sign(vector["secret"], vector["msg_id"], vector["timestamp"], vector["payload"].encode())
    assert sig == vector["signature"]


@pytest.mark.parametrize("vector", [v for v in DATA["verify"] if v["valid"]], ids=lambda v: v["name"])
def test_every_valid_vector_verifies_through_verify_with_its_payload(vector: dict) -> None:
    headers = {
        "webhook-id": vector["msg_id"],
        "webhook-timestamp": str(vector["timestamp"]),
        "webhook-signature": vector["signature_header"],
    }
    event = webhooks.verify(vector["secret"], vector["payload"].encode(), headers, now=vector["timestamp"])
    assert event.data is None and event.type is None
    assert event.payload == json.loads(vector["payload"])


def test_signed_bodies_without_an_id_or_of_an_unknown_type_verify() -> None:
    ts = 1_700_000_000
    no_id = {k: v for k, v in RENDER_WIRE.items() if k != "id"}
    unknown = {"type": "account.updated", "timestamp": "2026-01-02T03:04:09Z", "data": {"plan": "pro"}, "extra": 1}
    for wire in ({"type": "render.completed", "timestamp": "2026-01-02T03:04:09Z", "data": no_id}, unknown):
        body = json.dumps(wire).encode()
        event = webhooks.verify(SECRET, body, good_headers(ts, body), now=ts)
        assert event.type == wire["type"]
        assert event.timestamp == datetime(2026, 1, 2, 3, 4, 9, tzinfo=timezone.utc)
        assert event.data is None
        assert event.payload == wire
    newer = json.dumps({"type": "render.upscaled", "timestamp": "2026-01-02T03:04:09Z", "data": RENDER_WIRE}).encode()
    event = webhooks.verify(SECRET, newer, good_headers(ts, newer), now=ts)
    assert event.type == "render.upscaled" and event.data is not None and event.data.id == "rnd_1"


@pytest.mark.parametrize("vector", DATA["verify"], ids=lambda v: v["name"])
def test_verification_matches_the_vectors(vector: dict) -> None:
    headers = {
        "webhook-id": vector["msg_id"],
        "webhook-timestamp": str(vector["timestamp"]),
        "webhook-signature": vector["signature_header"],
    }
    body = vector["payload"].encode()
    if vector["valid"]:
        webhooks.verify_signature(vector["secret"], body, headers, now=vector["timestamp"])
    else:
        with pytest.raises(renderiq.WebhookVerificationError) as info:
            webhooks.verify_signature(vector["secret"], body, headers, now=vector["timestamp"])
        assert info.value.code == "WEBHOOK_BAD_SIGNATURE"
        assert info.value.kind == "webhook_verification"


def test_deliveries_signed_by_standardwebhooks_verify_here() -> None:
    secret = webhooks.generate_secret()
    now = datetime.now(tz=timezone.utc)
    signature = standardwebhooks.Webhook(secret).sign("msg_interop_1", now, EVENT_BODY.decode())
    headers = {
        "Webhook-Id": "msg_interop_1",
        "Webhook-Timestamp": str(int(now.timestamp())),
        "Webhook-Signature": signature,
    }
    event = webhooks.verify(secret, EVENT_BODY, headers)
    assert isinstance(event, renderiq.WebhookEvent)
    assert event.type == "render.completed"
    assert isinstance(event.data, renderiq.Render)
    assert event.data.id == "rnd_1" and event.data.credits_cost == 10
    assert event.data.created_at == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)
    assert event.data.completed_at == datetime(2026, 1, 2, 3, 4, 9, 500000, tzinfo=timezone.utc)


def test_deliveries_signed_here_verify_with_standardwebhooks() -> None:
    secret = webhooks.generate_secret()
    now = int(time.time())
    headers = webhooks.signature_headers(secret, "msg_interop_2", now, EVENT_BODY)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert standardwebhooks.Webhook(secret).verify(EVENT_BODY, headers) == json.loads(EVENT_BODY)
    # and a rotation header with a decoy first
    decoy = webhooks.sign(webhooks.generate_secret(), "msg_interop_2", now, EVENT_BODY)
    headers["webhook-signature"] = f"{decoy} {headers['webhook-signature']}"
    standardwebhooks.Webhook(secret).verify(EVENT_BODY, headers)
    webhooks.verify(secret, EVENT_BODY, headers)


def good_headers(now: int, body: bytes = EVENT_BODY) -> Dict[str, str]:
    return webhooks.signature_headers(SECRET, "msg_1", now, body)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_named(missing: str) -> None:
    headers = good_headers(1_700_000_000)
    del headers[missing]
    with pytest.raises(renderiq.WebhookVerificationError) as info:
        webhooks.verify(SECRET, EVENT_BODY, headers, now=1_700_000_000)
    assert info.value.code == "WEBHOOK_MISSING_HEADER"
    assert missing in str(info.value)


def test_stale_future_and_malformed_timestamps_are_rejected() -> None:
    ts = 1_700_000_000
    with pytest.raises(renderiq.WebhookVerificationError) as old:
        webhooks.verify(SECRET, EVENT_BODY, good_headers(ts), now=ts + 301)
    assert old.value.code == "WEBHOOK_TIMESTAMP_TOO_OLD"
    with pytest.raises(renderiq.WebhookVerificationError) as new:
        webhooks.verify(SECRET, EVENT_BODY, good_headers(ts), now=ts - 301)
    assert new.value.code == "WEBHOOK_TIMESTAMP_TOO_NEW"
    webhooks.verify(SECRET, EVENT_BODY, good_headers(ts), now=ts + 3000, tolerance=3600)
    headers = good_headers(ts)
    headers["webhook-timestamp"] = "yesterday"
    with pytest.raises(renderiq.WebhookVerificationError) as bad:
        webhooks.verify(SECRET, EVENT_BODY, headers, now=ts)
    assert bad.value.code == "WEBHOOK_INVALID_TIMESTAMP"


def test_tampered_body_is_rejected_and_accepted_inputs_vary() -> None:
    ts = 1_700_000_000
    with pytest.raises(renderiq.WebhookVerificationError) as info:
        webhooks.verify(SECRET, EVENT_BODY + b" ", good_headers(ts), now=ts)
    assert info.value.code == "WEBHOOK_BAD_SIGNATURE"
    when = datetime.fromtimestamp(ts, tz=timezone.utc)
    pairs = [(k.upper(), v) for k, v in good_headers(ts).items()]
    hook = webhooks.Webhook(SECRET)
    assert hook.verify(EVENT_BODY.decode(), pairs, now=when + timedelta(seconds=10)).type == "render.completed"
    hook.verify_signature(bytearray(EVENT_BODY), pairs, now=ts)
    hook.verify_signature(memoryview(EVENT_BODY), pairs, now=ts)
    assert "MfKQ9r8" not in repr(hook)
    with pytest.raises(TypeError, match="body"):
        hook.verify_signature(12, pairs, now=ts)  # type: ignore[arg-type]


# ---- a real delivery ----------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Tuple[str, "queue.Queue[Tuple[bytes, Dict[str, str]]]"]]:
    got: "queue.Queue[Tuple[bytes, Dict[str, str]]]" = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.put((body, dict(self.headers.items())))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hooks/renderiq", got
    httpd.shutdown()


def test_a_real_delivery_from_the_server_verifies(
    client: renderiq.Client, png_file: Path, receiver: Tuple[str, "queue.Queue[Tuple[bytes, Dict[str, str]]]"]
) -> None:
    url, got = receiver
    created = client.register_webhook(url, events=["render.completed"])
    assert created.secret.startswith("whsec_") and created.secret not in repr(created)
    assert [w.id for w in client.webhooks()] == [created.webhook.id]
    render = client.render(png_file, quality="standard", timeout=60)
    body, headers = got.get(timeout=30)
    event = webhooks.verify(created.secret, body, headers)
    assert event.type == "render.completed"
    assert event.data.id == render.id and event.data.status == "completed"
    standardwebhooks.Webhook(created.secret).verify(body, headers)
    client.delete_webhook(created.webhook)
    assert client.webhooks() == []


# ---- the reusable verifier and the event it builds ------------------------------------------


def test_a_reused_webhook_verifies_many_deliveries_and_builds_the_typed_event_in_rust() -> None:
    hook = webhooks.Webhook(SECRET, tolerance=60)
    assert webhooks.Webhook is renderiq._native.Webhook
    ts = 1_700_000_000
    for n in range(3):
        body = json.dumps({"type": "render.completed", "timestamp": "2026-01-02T03:04:09Z",
                           "data": dict(RENDER_WIRE, id=f"rnd_{n}", platform="rhino")}).encode()
        event = hook.verify(body, good_headers(ts, body), now=ts + 60)
        assert type(event) is renderiq.WebhookEvent and type(event.data) is renderiq.Render
        assert event.data.id == f"rnd_{n}"
        assert event.data.status is RenderStatus.COMPLETED
        assert event.data.quality is Quality.HIGH
        assert event.data.platform is Platform.RHINO
        assert event.data.is_terminal and event.data.progress == 100 and event.data.project_id is None
        # the same values the wire model reader gives, field by field
        assert event.data == renderiq.Render._from_wire(json.loads(body)["data"])
        assert event.timestamp == event.data.completed_at.replace(microsecond=0)
        assert event.payload == json.loads(body)
    with pytest.raises(renderiq.WebhookVerificationError) as late:
        hook.verify(body, good_headers(ts, body), now=ts + 61)
    assert late.value.code == "WEBHOOK_TIMESTAMP_TOO_OLD"


def test_webhook_event_is_frozen_compared_by_value_and_reads_its_payload_once() -> None:
    ts = 1_700_000_000
    event = webhooks.verify(SECRET, EVENT_BODY, good_headers(ts), now=ts)
    same = renderiq.WebhookEvent(event.type, event.timestamp, event.data, json.loads(EVENT_BODY))
    assert event == same and repr(event) == repr(same)
    assert event.payload is event.payload
    # each field is built once and kept: a second read is the same object
    assert event.data is event.data and event.timestamp is event.timestamp
    assert event.type == "render.completed" and type(event.type) is str
    with pytest.raises(AttributeError):
        event.type = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        event.data.id = "x"  # type: ignore[misc]
    other = renderiq.WebhookEvent(type="ping", timestamp=None, data=None)
    assert other.payload is None and other != event


def test_headers_as_pairs_bytes_or_a_mapping_object_and_every_time_form() -> None:
    ts = 1_700_000_000
    hook = webhooks.Webhook(SECRET)
    good = good_headers(ts)

    class Headers:  # a framework's header object: a mapping with items(), not a dict
        def items(self):  # type: ignore[no-untyped-def]
            return [(" " + k.title(), v) for k, v in good.items()] + [("Host", "example.com")]

    hook.verify_signature(EVENT_BODY, Headers(), now=ts)
    hook.verify_signature(EVENT_BODY, [[k.encode(), v.encode()] for k, v in good.items()], now=float(ts) + 0.9)
    hook.verify_signature(EVENT_BODY, good, now=datetime.fromtimestamp(ts, tz=timezone.utc))
    # a signature list split over two header lines
    first, second = f"v1,{'A' * 43}=", good["webhook-signature"]
    pairs = [(k, v) for k, v in good.items() if k != "webhook-signature"]
    hook.verify_signature(EVENT_BODY, pairs + [("webhook-signature", first), ("Webhook-Signature", second)], now=ts)
    for bad in (5, [("webhook-id",)], [(1, "x")], dict(good, **{"webhook-id": 7}),
                dict(good, **{"webhook-id": "msg_\ud800"})):
        with pytest.raises(TypeError, match="headers"):
            hook.verify_signature(EVENT_BODY, bad, now=ts)  # type: ignore[arg-type]
    # values are read as they are, non-ASCII text included; other headers' values are not read
    non_ascii = {"webhook-id": "msg_ümlaut", "webhook-timestamp": str(ts)}
    non_ascii["webhook-signature"] = hook.sign(non_ascii["webhook-id"], ts, EVENT_BODY)
    hook.verify_signature(EVENT_BODY, dict(non_ascii, **{"x-long-header-name": 1}), now=ts)
    with pytest.raises(renderiq.WebhookVerificationError):
        hook.verify_signature(EVENT_BODY, dict(non_ascii, **{"webhook-id": "msg_umlaut"}), now=ts)
    with pytest.raises(TypeError, match="now"):
        hook.verify_signature(EVENT_BODY, good, now=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="now"):
        hook.verify_signature(EVENT_BODY, good, now="1700000000")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="secret"):
        webhooks.Webhook(b"whsec_x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tolerance"):
        webhooks.Webhook(SECRET, tolerance=-1)
    assert hook.sign("msg_1", datetime.fromtimestamp(ts, tz=timezone.utc), EVENT_BODY) == good["webhook-signature"]
