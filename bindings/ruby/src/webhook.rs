//! `Renderiq::Native.webhook_verify` and `.webhook_sign`: Standard Webhooks, from the core.
//!
//! Short CPU-bound calls (one HMAC-SHA256), so they keep the GVL.

use std::collections::HashMap;

use magnus::{Error, RString, Ruby};
use renderiq_sdk::webhooks::{self, Webhook};

use crate::error;

/// `webhook_verify(secret, body, headers, now, read_event)`: checks the delivery at `now`
/// (unix seconds; the clock when nil) and answers the core's event JSON when `read_event`
/// (`{"type", "timestamp", "data", "payload"}`), else nil. Raises
/// `Renderiq::WebhookVerificationError`, `ConfigError` (bad secret) or, when reading the
/// event, `DecodeError` for a body that is not JSON.
pub fn verify(
    ruby: &Ruby,
    secret: String,
    body: RString,
    headers: HashMap<String, String>,
    now: Option<i64>,
    read_event: bool,
) -> Result<Option<String>, Error> {
    let w = Webhook::new(&secret).map_err(|e| error::raise(ruby, &e))?;
    let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    // SAFETY: the bytes are only read during this call, which runs no Ruby code.
    let payload = unsafe { body.as_slice() };
    let verified = match now {
        Some(now) => w.verify_at(payload, pairs, now),
        None => w.verify(payload, pairs),
    };
    let event = |body| webhooks::event_json(body).map(|e| Some(e.to_string()));
    verified
        .and_then(|body| if read_event { event(body) } else { Ok(None) })
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
    let w = Webhook::new(&secret).map_err(|e| error::raise(ruby, &e))?;
    // SAFETY: as in `verify`.
    Ok(w.sign(&msg_id, timestamp, unsafe { body.as_slice() }))
}
