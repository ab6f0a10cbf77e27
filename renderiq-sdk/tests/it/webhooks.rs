//! Webhook signing and verification, against the shared Standard Webhooks vectors and the
//! failure cases a receiver meets.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use renderiq_sdk::types::Event;
use renderiq_sdk::webhooks::{self, Webhook, DEFAULT_TOLERANCE};
use renderiq_sdk::{Error, ErrorKind};
use serde::Deserialize;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/standard-webhooks.json"
));

#[derive(Deserialize)]
struct Vectors {
    sign: Vec<SignVector>,
    verify: Vec<VerifyVector>,
}

#[derive(Deserialize)]
struct SignVector {
    secret: String,
    msg_id: String,
    timestamp: i64,
    payload: String,
    signature: String,
}

#[derive(Deserialize)]
struct VerifyVector {
    name: String,
    secret: String,
    msg_id: String,
    timestamp: i64,
    payload: String,
    signature_header: String,
    valid: bool,
}

fn vectors() -> Vectors {
    serde_json::from_str(VECTORS).expect("tests/vectors/standard-webhooks.json parses")
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"type":"render.completed"}"#;

/// Headers of a delivery signed by `webhook` at `timestamp`.
fn headers_for(webhook: &Webhook, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    webhooks::signature_headers(webhook, "msg_1", timestamp, body).to_vec()
}

fn as_pairs<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn code(e: &Error) -> &str {
    e.error_code().unwrap_or("<none>")
}

#[test]
fn every_sign_vector_produces_its_exact_signature() {
    let v = vectors();
    assert!(!v.sign.is_empty());
    for case in &v.sign {
        let webhook = Webhook::new(&case.secret).unwrap();
        let signature = webhook.sign(&case.msg_id, case.timestamp, case.payload.as_bytes());
        assert_eq!(signature, case.signature, "msg {}", case.msg_id);
    }
}

#[test]
fn every_verify_vector_gives_its_expected_result() {
    let v = vectors();
    assert!(!v.verify.is_empty());
    for case in &v.verify {
        let webhook = Webhook::new(&case.secret).unwrap();
        let timestamp = case.timestamp.to_string();
        let headers = [
            ("webhook-id", case.msg_id.as_str()),
            ("webhook-timestamp", timestamp.as_str()),
            ("webhook-signature", case.signature_header.as_str()),
        ];
        let result = webhook.verify_at(case.payload.as_bytes(), headers, case.timestamp);
        match (case.valid, result) {
            (true, Ok(verified)) => {
                assert_eq!(verified, case.payload.as_bytes(), "{}", case.name);
                // None of the vectors' bodies is a Renderiq event; each still reads as an event.
                assert_eq!(
                    webhooks::parse_event(verified).unwrap(),
                    Event::Other(serde_json::from_str(&case.payload).unwrap()),
                    "{}",
                    case.name
                );
            }
            (false, Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::WebhookVerification, "{}", case.name);
                assert_eq!(code(&e), "WEBHOOK_BAD_SIGNATURE", "{}", case.name);
            }
            (expected, got) => panic!(
                "vector {:?}: expected valid={expected}, got {got:?}",
                case.name
            ),
        }
    }
}

#[test]
fn signed_delivery_verifies_round_trip() {
    let webhook = Webhook::new(&webhooks::generate_secret()).unwrap();
    let headers = headers_for(&webhook, NOW, BODY);
    webhook.verify_at(BODY, as_pairs(&headers), NOW).unwrap();
}

#[test]
fn delivery_signed_now_verifies_against_the_system_clock() {
    let webhook = Webhook::new(SECRET).unwrap();
    let headers = headers_for(&webhook, chrono::Utc::now().timestamp(), BODY);
    webhook.verify(BODY, as_pairs(&headers)).unwrap();
}

#[test]
fn secret_without_whsec_prefix_is_the_same_key() {
    let with = Webhook::new(SECRET).unwrap();
    let bare = Webhook::new(SECRET.trim_start_matches("whsec_")).unwrap();
    assert_eq!(with.sign("m", 1, BODY), bare.sign("m", 1, BODY));
}

#[test]
fn empty_or_non_base64_secret_is_a_config_error() {
    for bad in ["", "whsec_", "whsec_***", "not base64 at all"] {
        let e = Webhook::new(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad:?}");
        assert_eq!(code(&e), "WEBHOOK_BAD_SECRET", "{bad:?}");
    }
}

#[test]
fn delivery_signed_with_another_secret_is_rejected() {
    let sender = Webhook::new(&webhooks::generate_secret()).unwrap();
    let receiver = Webhook::new(SECRET).unwrap();
    let headers = headers_for(&sender, NOW, BODY);
    let e = receiver
        .verify_at(BODY, as_pairs(&headers), NOW)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WebhookVerification);
    assert_eq!(code(&e), "WEBHOOK_BAD_SIGNATURE");
}

#[test]
fn tampered_body_is_rejected() {
    let webhook = Webhook::new(SECRET).unwrap();
    let headers = headers_for(&webhook, NOW, BODY);
    let tampered = br#"{"type":"render.completed "}"#;
    let e = webhook
        .verify_at(tampered, as_pairs(&headers), NOW)
        .unwrap_err();
    assert_eq!(code(&e), "WEBHOOK_BAD_SIGNATURE");
}

#[test]
fn changed_message_id_is_rejected() {
    let webhook = Webhook::new(SECRET).unwrap();
    let mut headers = headers_for(&webhook, NOW, BODY);
    headers[0].1 = "msg_2".into();
    let e = webhook
        .verify_at(BODY, as_pairs(&headers), NOW)
        .unwrap_err();
    assert_eq!(code(&e), "WEBHOOK_BAD_SIGNATURE");
}

#[test]
fn delivery_older_than_the_tolerance_is_rejected_as_too_old() {
    let webhook = Webhook::new(SECRET).unwrap();
    let sent = NOW - DEFAULT_TOLERANCE.as_secs() as i64 - 1;
    let headers = headers_for(&webhook, sent, BODY);
    let e = webhook
        .verify_at(BODY, as_pairs(&headers), NOW)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WebhookVerification);
    assert_eq!(code(&e), "WEBHOOK_TIMESTAMP_TOO_OLD");
}

#[test]
fn delivery_from_beyond_the_tolerance_in_the_future_is_rejected_as_too_new() {
    let webhook = Webhook::new(SECRET).unwrap();
    let sent = NOW + DEFAULT_TOLERANCE.as_secs() as i64 + 1;
    let headers = headers_for(&webhook, sent, BODY);
    let e = webhook
        .verify_at(BODY, as_pairs(&headers), NOW)
        .unwrap_err();
    assert_eq!(code(&e), "WEBHOOK_TIMESTAMP_TOO_NEW");
}

#[test]
fn delivery_at_the_edge_of_the_tolerance_is_accepted() {
    let webhook = Webhook::new(SECRET).unwrap();
    let edge = DEFAULT_TOLERANCE.as_secs() as i64;
    for sent in [NOW - edge, NOW + edge] {
        let headers = headers_for(&webhook, sent, BODY);
        webhook.verify_at(BODY, as_pairs(&headers), NOW).unwrap();
    }
}

#[test]
fn expired_delivery_is_rejected_even_with_a_valid_signature() {
    // The vector's signature is genuine, but it is years old.
    let webhook = Webhook::new(SECRET).unwrap();
    let headers = [
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        (
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
    ];
    let e = webhook
        .verify(br#"{"test": 2432232314}"#, headers)
        .unwrap_err();
    assert_eq!(code(&e), "WEBHOOK_TIMESTAMP_TOO_OLD");
}

#[test]
fn tolerance_setter_widens_and_narrows_the_window() {
    let headers_at = |w: &Webhook, t| headers_for(w, t, BODY);

    let wide = Webhook::new(SECRET)
        .unwrap()
        .tolerance(Duration::from_secs(3600));
    let hour_old = headers_at(&wide, NOW - 3600);
    wide.verify_at(BODY, as_pairs(&hour_old), NOW).unwrap();

    let narrow = Webhook::new(SECRET)
        .unwrap()
        .tolerance(Duration::from_secs(10));
    let eleven_s_old = headers_at(&narrow, NOW - 11);
    let e = narrow
        .verify_at(BODY, as_pairs(&eleven_s_old), NOW)
        .unwrap_err();
    assert_eq!(code(&e), "WEBHOOK_TIMESTAMP_TOO_OLD");
    let ten_s_ahead = headers_at(&narrow, NOW + 10);
    narrow.verify_at(BODY, as_pairs(&ten_s_ahead), NOW).unwrap();
}

#[test]
fn non_numeric_timestamp_is_rejected_as_invalid() {
    let webhook = Webhook::new(SECRET).unwrap();
    let sig = webhook.sign("msg_1", NOW, BODY);
    for bad in ["", "soon", "1.7e9", "2023-11-14T22:13:20Z"] {
        let headers = [
            ("webhook-id", "msg_1"),
            ("webhook-timestamp", bad),
            ("webhook-signature", sig.as_str()),
        ];
        let e = webhook.verify_at(BODY, headers, NOW).unwrap_err();
        assert_eq!(code(&e), "WEBHOOK_INVALID_TIMESTAMP", "{bad:?}");
    }
}

#[test]
fn each_missing_header_is_named_in_the_error() {
    let webhook = Webhook::new(SECRET).unwrap();
    let headers = headers_for(&webhook, NOW, BODY);
    for missing in [
        webhooks::HEADER_ID,
        webhooks::HEADER_TIMESTAMP,
        webhooks::HEADER_SIGNATURE,
    ] {
        let rest: Vec<_> = as_pairs(&headers)
            .into_iter()
            .filter(|(k, _)| *k != missing)
            .collect();
        let e = webhook.verify_at(BODY, rest, NOW).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WebhookVerification);
        assert_eq!(code(&e), "WEBHOOK_MISSING_HEADER");
        assert!(e.message().contains(missing), "{e}");
    }
    let e = webhook.verify_at(BODY, [], NOW).unwrap_err();
    assert_eq!(code(&e), "WEBHOOK_MISSING_HEADER");
}

#[test]
fn header_names_match_case_insensitively_among_other_headers() {
    let webhook = Webhook::new(SECRET).unwrap();
    let sig = webhook.sign("msg_1", NOW, BODY);
    let now = NOW.to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("WEBHOOK-ID", "msg_1"),
        ("Webhook-Timestamp", now.as_str()),
        ("User-Agent", "renderiq-webhooks"),
        ("webhook-Signature", sig.as_str()),
    ];
    webhook.verify_at(BODY, headers, NOW).unwrap();
}

#[test]
fn each_key_of_a_rotation_verifies_a_header_signed_with_both() {
    let old = Webhook::new(&webhooks::generate_secret()).unwrap();
    let new = Webhook::new(&webhooks::generate_secret()).unwrap();
    let both = format!(
        "{} {}",
        old.sign("msg_1", NOW, BODY),
        new.sign("msg_1", NOW, BODY)
    );
    let now = NOW.to_string();
    let headers = [
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", now.as_str()),
        ("webhook-signature", both.as_str()),
    ];
    old.verify_at(BODY, headers, NOW).unwrap();
    new.verify_at(BODY, headers, NOW).unwrap();

    let stranger = Webhook::new(&webhooks::generate_secret()).unwrap();
    assert_eq!(
        code(&stranger.verify_at(BODY, headers, NOW).unwrap_err()),
        "WEBHOOK_BAD_SIGNATURE"
    );
}

#[test]
fn unknown_versions_and_malformed_entries_are_skipped() {
    let webhook = Webhook::new(SECRET).unwrap();
    let good = webhook.sign("msg_1", NOW, BODY);
    let v2 = good.replacen("v1,", "v2,", 1);
    let list = format!("v1 garbage v1,!!!! {v2} v1,AAAA  {good}");
    let now = NOW.to_string();
    let headers = [
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", now.as_str()),
        ("webhook-signature", list.as_str()),
    ];
    webhook.verify_at(BODY, headers, NOW).unwrap();
}

#[test]
fn verify_header_map_reads_an_http_header_map() {
    use reqwest::header::{HeaderMap, HeaderValue};

    let webhook = Webhook::new(SECRET).unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut map = HeaderMap::new();
    for (name, value) in webhooks::signature_headers(&webhook, "msg_1", now, BODY) {
        map.insert(name, HeaderValue::from_str(&value).unwrap());
    }
    webhook.verify_header_map(BODY, &map).unwrap();
    map.remove(webhooks::HEADER_ID);
    assert_eq!(
        code(&webhook.verify_header_map(BODY, &map).unwrap_err()),
        "WEBHOOK_MISSING_HEADER"
    );
}

#[test]
fn debug_output_redacts_the_key() {
    let webhook = Webhook::from_bytes(b"super-secret-key-bytes");
    let dbg = format!("{webhook:?}");
    assert!(dbg.contains("<redacted>"), "{dbg}");
    assert!(!dbg.contains("super-secret"), "{dbg}");
    assert!(!dbg.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "{dbg}");
    let from_secret = format!("{:?}", Webhook::new(SECRET).unwrap());
    assert!(!from_secret.contains("MfKQ9r8"), "{from_secret}");
}

#[test]
fn generated_secrets_are_32_random_bytes_behind_whsec() {
    use base64::Engine as _;
    let a = webhooks::generate_secret();
    let b = webhooks::generate_secret();
    assert_ne!(a, b);
    let key = base64::engine::general_purpose::STANDARD
        .decode(a.strip_prefix("whsec_").unwrap())
        .unwrap();
    assert_eq!(key.len(), 32);
}

#[test]
fn signature_headers_name_the_three_standard_headers() {
    let webhook = Webhook::new(SECRET).unwrap();
    let [id, ts, sig] = webhooks::signature_headers(&webhook, "msg_9", NOW, BODY);
    assert_eq!(id, ("webhook-id", "msg_9".to_owned()));
    assert_eq!(ts, ("webhook-timestamp", NOW.to_string()));
    assert_eq!(sig, ("webhook-signature", webhook.sign("msg_9", NOW, BODY)));
}

#[test]
fn verified_render_event_is_typed() {
    let body = render_event_body("render.completed", "rnd_1");
    let webhook = Webhook::new(SECRET).unwrap();
    let headers = headers_for(&webhook, chrono::Utc::now().timestamp(), body.as_bytes());
    let event = webhook
        .verify_event(body.as_bytes(), as_pairs(&headers))
        .unwrap();
    let Event::Render(render_event) = &event else {
        panic!("not typed as a render event: {event:?}");
    };
    assert_eq!(
        render_event.kind,
        renderiq_sdk::types::events::RENDER_COMPLETED
    );
    assert_eq!(event.kind(), Some("render.completed"));
    assert_eq!(event.render().map(|r| r.id.as_str()), Some("rnd_1"));
    assert_eq!(
        event.timestamp().map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-01-01T12:00:00+00:00")
    );
    assert_eq!(event, webhooks::parse_event(body.as_bytes()).unwrap());
}

/// A render event's body; `kind` is its type, and an empty `id` leaves the render's id out.
fn render_event_body(kind: &str, id: &str) -> String {
    let mut body = serde_json::json!({
        "type": kind,
        "timestamp": "2025-01-01T12:00:00Z",
        "deliveryAttempt": 1,
        "data": {
            "id": id,
            "status": "completed",
            "progress": 100,
            "style": "photorealistic",
            "quality": "high",
            "aspectRatio": "16:9",
            "creditsCost": 10,
            "outputUrl": "http://127.0.0.1:8787/cdn/rnd_1.png",
            "platform": "blender",
            "createdAt": "2025-01-01T11:59:00Z",
            "updatedAt": "2025-01-01T12:00:00Z",
            "completedAt": "2025-01-01T12:00:00Z",
            "seed": 42
        }
    });
    if id.is_empty() {
        body["data"].as_object_mut().unwrap().remove("id");
    }
    body.to_string()
}

#[test]
fn signed_render_event_of_an_unknown_type_is_typed_with_its_type() {
    let body = render_event_body("render.upscaled", "rnd_2");
    let webhook = Webhook::new(SECRET).unwrap();
    let headers = headers_for(&webhook, NOW, body.as_bytes());
    let verified = webhook
        .verify_at(body.as_bytes(), as_pairs(&headers), NOW)
        .unwrap();
    let event = webhooks::parse_event(verified).unwrap();
    assert_eq!(event.kind(), Some("render.upscaled"));
    assert_eq!(event.render().map(|r| r.id.as_str()), Some("rnd_2"));
}

#[test]
fn signed_body_without_an_id_verifies_and_is_kept_whole() {
    let webhook = Webhook::new(SECRET).unwrap();
    for body in [
        render_event_body("render.completed", ""),
        r#"{"type":"account.updated","timestamp":"2025-01-01T12:00:00Z","data":{"plan":"pro"}}"#
            .to_owned(),
        r#"{"hello":"world"}"#.to_owned(),
        "[1,2,3]".to_owned(),
    ] {
        let headers = headers_for(&webhook, NOW, body.as_bytes());
        let verified = webhook
            .verify_at(body.as_bytes(), as_pairs(&headers), NOW)
            .unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(verified, body.as_bytes());
        let event = webhooks::parse_event(verified).unwrap();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(event, Event::Other(json.clone()), "{body}");
        assert!(event.render().is_none());
        // Written back, it is the body it was read from.
        assert_eq!(serde_json::to_value(&event).unwrap(), json);
    }
}

#[test]
fn signed_body_that_is_not_json_verifies_and_only_event_reading_refuses_it() {
    let webhook = Webhook::new(SECRET).unwrap();
    let body: &[u8] = b"\xffnot json";
    let headers = headers_for(&webhook, NOW, body);
    let verified = webhook.verify_at(body, as_pairs(&headers), NOW).unwrap();
    assert_eq!(verified, body);
    let e = webhooks::parse_event(verified).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(code(&e), "WEBHOOK_BAD_PAYLOAD");
    // JSON is UTF-8: a stray byte inside a string is refused too, real UTF-8 read as sent.
    let e = webhooks::parse_event(b"{\"type\":\"ping\",\"x\":\"\xff\"}").unwrap_err();
    assert_eq!(code(&e), "WEBHOOK_BAD_PAYLOAD");
    assert!(e.to_string().contains("UTF-8"), "{e}");
    let ping = webhooks::parse_event("{\"type\":\"pïng\"}".as_bytes()).unwrap();
    assert_eq!(ping.kind(), Some("pïng"));
}

#[test]
fn unverified_event_is_not_parsed() {
    let webhook = Webhook::new(SECRET).unwrap();
    let e = webhook
        .verify_event(b"{}", [("webhook-id", "m")])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WebhookVerification);
}

#[test]
fn event_json_gives_bindings_one_flat_shape_for_every_body() {
    let render = render_event_body("render.completed", "rnd_1");
    let view = webhooks::event_json(render.as_bytes()).unwrap();
    assert_eq!(view["type"], "render.completed");
    assert_eq!(view["timestamp"], "2025-01-01T12:00:00Z");
    assert_eq!(view["data"]["id"], "rnd_1");
    // The payload is the body as sent, fields the typed render leaves out included.
    assert_eq!(view["payload"]["data"]["seed"], 42);
    assert_eq!(view["payload"]["deliveryAttempt"], 1);

    let other = render_event_body("render.completed", "");
    let view = webhooks::event_json(other.as_bytes()).unwrap();
    assert_eq!(view["type"], "render.completed");
    assert!(view["data"].is_null());
    assert_eq!(
        view["payload"],
        serde_json::from_str::<serde_json::Value>(&other).unwrap()
    );

    let view = webhooks::event_json(b"[1]").unwrap();
    assert!(view["type"].is_null() && view["timestamp"].is_null() && view["data"].is_null());
    assert_eq!(
        code(&webhooks::event_json(b"nope").unwrap_err()),
        "WEBHOOK_BAD_PAYLOAD"
    );
}
