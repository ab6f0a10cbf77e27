//! `Renderiq::Native.webhook_verify`, `.webhook_event` and `.webhook_sign`: Standard Webhooks,
//! from the core.
//!
//! These are short CPU-bound calls (one HMAC-SHA256), so they keep the GVL: releasing and taking
//! it back would cost more than the work.

use std::collections::HashMap;
use std::time::Duration;

use magnus::{Error, RString, Ruby};
use renderiq_sdk::webhooks::{self, Webhook};

use crate::error;

fn webhook(ruby: &Ruby, secret: &str, tolerance_secs: Option<u64>) -> Result<Webhook, Error> {
    let w = Webhook::new(secret).map_err(|e| error::raise(ruby, &e))?;
    Ok(match tolerance_secs {
        Some(s) => w.tolerance(Duration::from_secs(s)),
        None => w,
    })
}

/// `webhook_verify(secret, body, headers, now, tolerance_secs)`: `true` for any correctly signed
/// body (it is not read), or raises
/// `Renderiq::WebhookVerificationError` (or `ConfigError` for a malformed secret). `headers`
/// is a Hash of String names to String values; `now` (unix seconds) defaults to the clock.
pub fn verify(
    ruby: &Ruby,
    secret: String,
    body: RString,
    headers: HashMap<String, String>,
    now: Option<i64>,
    tolerance_secs: Option<u64>,
) -> Result<bool, Error> {
    let w = webhook(ruby, &secret, tolerance_secs)?;
    let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    // SAFETY: the bytes are only read during this call, which calls no Ruby code that could
    // modify or free the string.
    let payload = unsafe { body.as_slice() };
    let result = match now {
        Some(now) => w.verify_at(payload, pairs, now),
        None => w.verify(payload, pairs),
    };
    result.map(|_| true).map_err(|e| error::raise(ruby, &e))
}

/// `webhook_event(secret, body, headers, now)`: verifies as `webhook_verify` does, then answers
/// the core's event JSON (`{"type", "timestamp", "data": render or null, "payload": the body}`),
/// the same document the C ABI gives the Fiddle backend. A correctly signed body is never
/// refused for its shape; only one that is not JSON raises `Renderiq::DecodeError`.
pub fn event(
    ruby: &Ruby,
    secret: String,
    body: RString,
    headers: HashMap<String, String>,
    now: Option<i64>,
) -> Result<String, Error> {
    let w = webhook(ruby, &secret, None)?;
    let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    // SAFETY: as in `verify`.
    let payload = unsafe { body.as_slice() };
    let verified = match now {
        Some(now) => w.verify_at(payload, pairs, now),
        None => w.verify(payload, pairs),
    };
    verified
        .and_then(webhooks::event_json)
        .map(|event| event.to_string())
        .map_err(|e| error::raise(ruby, &e))
}

/// `webhook_sign(secret, msg_id, timestamp, body)`: the `webhook-signature` header value.
pub fn sign(
    ruby: &Ruby,
    secret: String,
    msg_id: String,
    timestamp: i64,
    body: RString,
) -> Result<String, Error> {
    let w = webhook(ruby, &secret, None)?;
    // SAFETY: as in `verify`.
    let payload = unsafe { body.as_slice() };
    Ok(w.sign(&msg_id, timestamp, payload))
}
