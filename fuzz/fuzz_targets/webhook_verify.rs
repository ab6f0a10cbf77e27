//! Webhook verification of untrusted deliveries (`renderiq_sdk::webhooks`).
//!
//! Input: four lines (secret, `webhook-id`, `webhook-timestamp`, `webhook-signature`), then the
//! body. Checks, besides "never panics":
//! - verifying the delivery as given answers the body itself or a verification error;
//! - a delivery signed with the key verifies, at its own time and within the tolerance;
//! - the same delivery with one body byte changed, another id or another key does not;
//! - a timestamp outside the tolerance is refused as too old / too new, with no overflow
//!   at the ends of `i64`;
//! - reading the body as an event never panics;
//! - the timestamp line read as one of the API's times (`types::time::parse_utc`, which a
//!   delivery's times go through) is the instant chrono's RFC 3339 parser reads, whenever the
//!   positional reader takes it;
//! - the timestamp line read as a `Retry-After` header never panics, and whole seconds are
//!   exactly that delay.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use renderiq_sdk::webhooks::{self, Webhook};
use renderiq_sdk::ErrorKind;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(5, |b| *b == b'\n');
    let secret = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let msg_id = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let timestamp = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let signature = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let payload = parts.next().unwrap_or_default();

    // 0. Header parsing: the timestamp line read as a server's `Retry-After` never panics, and a
    //    whole number of seconds is exactly that delay.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let after = renderiq_sdk::fuzzing::parse_retry_after(&timestamp, now);
    if let Ok(secs) = timestamp.trim().parse::<u64>() {
        assert_eq!(after, Some(Duration::from_secs(secs)));
    }

    // The secret as given (most inputs are refused), else its bytes as the raw key.
    let webhook = match Webhook::new(&secret) {
        Ok(w) => w,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Config);
            assert_eq!(e.error_code(), Some("WEBHOOK_BAD_SECRET"));
            Webhook::from_bytes(secret.as_bytes())
        }
    };
    let ts: i64 = timestamp.trim().parse().unwrap_or(0);

    // 1. The delivery exactly as given, at its own time and at both ends of time.
    let given = [
        ("webhook-id", msg_id.as_str()),
        ("webhook-timestamp", timestamp.as_str()),
        ("webhook-signature", signature.as_str()),
    ];
    for now in [ts, i64::MIN, i64::MAX, 0] {
        match webhook.verify_at(payload, given, now) {
            Ok(body) => assert_eq!(body, payload),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::WebhookVerification);
                let code = e.error_code().unwrap_or_default();
                assert!(
                    [
                        "WEBHOOK_MISSING_HEADER",
                        "WEBHOOK_INVALID_TIMESTAMP",
                        "WEBHOOK_TIMESTAMP_TOO_OLD",
                        "WEBHOOK_TIMESTAMP_TOO_NEW",
                        "WEBHOOK_BAD_SIGNATURE",
                    ]
                    .contains(&code),
                    "unexpected code {code}"
                );
            }
        }
    }

    // 2. Signed with the key: verifies, also beside other (garbage) signatures.
    let good = webhook.sign(&msg_id, ts, payload);
    let ts_text = ts.to_string();
    let signed = [
        ("Webhook-Id", msg_id.as_str()),
        ("webhook-timestamp", ts_text.as_str()),
        ("WEBHOOK-SIGNATURE", good.as_str()),
    ];
    assert_eq!(webhook.verify_at(payload, signed, ts).unwrap(), payload);
    let tolerance = webhooks::DEFAULT_TOLERANCE.as_secs() as i64;
    assert!(webhook
        .verify_at(payload, signed, ts.saturating_add(tolerance))
        .is_ok());
    let several = format!("{signature} {good}");
    let with_others = [
        ("webhook-id", msg_id.as_str()),
        ("webhook-timestamp", ts_text.as_str()),
        ("webhook-signature", several.as_str()),
    ];
    assert!(webhook.verify_at(payload, with_others, ts).is_ok());
    let headers = webhooks::signature_headers(&webhook, &msg_id, ts, payload);
    assert_eq!(headers[2].1, good);

    // 3. Tampered: a changed body byte, another id, another key: refused as bad signatures.
    let bad_signature = |result: renderiq_sdk::Result<&[u8]>| {
        let e = result.unwrap_err();
        assert_eq!(e.error_code(), Some("WEBHOOK_BAD_SIGNATURE"));
    };
    if !payload.is_empty() {
        let mut tampered = payload.to_vec();
        let i = usize::from(data[0]) % tampered.len();
        tampered[i] ^= 1 << (data.len() % 8);
        bad_signature(webhook.verify_at(&tampered, signed, ts));
    }
    let other_id = format!("{msg_id}x");
    let moved = [
        ("webhook-id", other_id.as_str()),
        ("webhook-timestamp", ts_text.as_str()),
        ("webhook-signature", good.as_str()),
    ];
    bad_signature(webhook.verify_at(payload, moved, ts));
    let mut other_key = secret.clone().into_bytes();
    other_key.push(0x5a);
    bad_signature(Webhook::from_bytes(&other_key).verify_at(payload, signed, ts));

    // 4. Outside the tolerance (where there is room in i64): too old or too new, never a panic.
    if let Some(later) = ts.checked_add(tolerance + 1) {
        let e = webhook.verify_at(payload, signed, later).unwrap_err();
        assert_eq!(e.error_code(), Some("WEBHOOK_TIMESTAMP_TOO_OLD"));
    }
    if let Some(earlier) = ts.checked_sub(tolerance + 1) {
        let e = webhook.verify_at(payload, signed, earlier).unwrap_err();
        assert_eq!(e.error_code(), Some("WEBHOOK_TIMESTAMP_TOO_NEW"));
    }
    let strict = webhook.clone().tolerance(Duration::ZERO);
    assert!(strict.verify_at(payload, signed, ts).is_ok());

    // 5. The body as an event.
    let _ = webhooks::parse_event(payload);
    let _ = webhooks::event_json(payload);

    // 6. The timestamp line as one of the API's times: what the positional reader takes, chrono
    //    reads as the same instant (a space may stand for the `T`).
    if let Some(t) = renderiq_sdk::types::time::parse_utc(&timestamp) {
        let rfc = timestamp.replacen(' ', "T", 1);
        let by_chrono = chrono::DateTime::parse_from_rfc3339(&rfc)
            .unwrap_or_else(|e| panic!("{timestamp:?} read as {t}, chrono refuses it: {e}"));
        assert_eq!(t, by_chrono, "{timestamp:?}");
    }
});
