//! `Renderiq::Native.webhook_verify` and `.webhook_sign`: Standard Webhooks, from the core.
//!
//! Short CPU-bound calls (one HMAC-SHA256 of the body), so they keep the GVL. What costs more
//! than the HMAC is kept out of the per-call path: the headers are read straight from the Ruby
//! hash (only the three delivery headers are copied), and the keyed [`Webhook`] of the last
//! secret seen is kept per thread, so a receiver verifying with one secret decodes and keys it
//! once.

use std::cell::RefCell;

use magnus::prelude::*;
use magnus::r_hash::ForEach;
use magnus::{Error, RArray, RHash, RString, Ruby, Symbol, Value};
use renderiq_sdk::webhooks::{self, Webhook};

use crate::error;

thread_local! {
    /// The secret last verified with on this thread, and its keyed webhook.
    static LAST: RefCell<Option<(Vec<u8>, Webhook)>> = const { RefCell::new(None) };
}

/// Runs `f` with the webhook of `secret`: the cached one when the secret is the last one seen
/// on this thread, else a new one (which then replaces it).
fn with_webhook<T>(
    ruby: &Ruby,
    secret: RString,
    f: impl FnOnce(&Webhook) -> T,
) -> Result<T, Error> {
    // SAFETY: the bytes are only read during this call, which runs no Ruby code.
    let secret = unsafe { secret.as_slice() };
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((cached, webhook)) = last.as_ref() {
            if cached.as_slice() == secret {
                return Ok(f(webhook));
            }
        }
        let text = std::str::from_utf8(secret).unwrap_or("\u{fffd}");
        let webhook = Webhook::new(text).map_err(|e| error::raise(ruby, &e))?;
        let result = f(&webhook);
        if let Some((mut old, _)) = last.replace((secret.to_vec(), webhook)) {
            old.fill(0);
        }
        Ok(result)
    })
}

/// `webhook_verify(secret, body, headers, now, read_event)`: checks the delivery at `now`
/// (unix seconds; the clock when nil) and answers the core's event JSON when `read_event`
/// (`{"type", "timestamp", "data", "payload"}`), else nil. `headers` is a Hash of request
/// headers in any case, or a Rack environment (`HTTP_WEBHOOK_ID`); a value may be an Array of
/// values. Raises `Renderiq::WebhookVerificationError`, `ConfigError` (bad secret),
/// `TypeError` (a delivery header that is not a String) or, when reading the event,
/// `DecodeError` for a body that is not JSON.
pub fn verify(
    ruby: &Ruby,
    secret: RString,
    body: RString,
    headers: RHash,
    now: Option<i64>,
    read_event: bool,
) -> Result<Option<String>, Error> {
    let found = delivery_headers(ruby, headers)?;
    let pairs = found.iter().map(|(k, v)| (*k, v.as_str()));
    // SAFETY: the bytes are only read during this call, which runs no Ruby code.
    let payload = unsafe { body.as_slice() };
    let verified = with_webhook(ruby, secret, |w| match now {
        Some(now) => w.verify_at(payload, pairs, now).map(drop),
        None => w.verify(payload, pairs).map(drop),
    })?;
    let event = || webhooks::event_json(payload).map(|e| Some(e.to_string()));
    verified
        .and_then(|()| if read_event { event() } else { Ok(None) })
        .map_err(|e| error::raise(ruby, &e))
}

/// The delivery headers of `headers`, as `(name, value)`; other entries are skipped unread.
fn delivery_headers(ruby: &Ruby, headers: RHash) -> Result<Vec<(&'static str, String)>, Error> {
    let mut found = Vec::with_capacity(3);
    headers.foreach(|key: Value, value: Value| {
        if let Some(name) = header_name(key)? {
            push_values(ruby, name, value, &mut found)?;
        }
        Ok(ForEach::Continue)
    })?;
    Ok(found)
}

/// Which delivery header a hash key (a String, a Symbol or anything with `to_s`) names.
fn header_name(key: Value) -> Result<Option<&'static str>, Error> {
    if let Some(s) = RString::from_value(key) {
        // SAFETY: read at once, no Ruby code runs meanwhile.
        return Ok(std::str::from_utf8(unsafe { s.as_slice() })
            .ok()
            .and_then(webhooks::header_name));
    }
    let name: RString = match Symbol::from_value(key) {
        Some(sym) => return Ok(webhooks::header_name(&sym.name()?)),
        None => key.funcall("to_s", ())?,
    };
    Ok(webhooks::header_name(&name.to_string()?))
}

/// One header's value, or each value of an Array.
fn push_values(
    ruby: &Ruby,
    name: &'static str,
    value: Value,
    found: &mut Vec<(&'static str, String)>,
) -> Result<(), Error> {
    if let Some(list) = RArray::from_value(value) {
        for item in list.into_iter() {
            push_values(ruby, name, item, found)?;
        }
        return Ok(());
    }
    let Some(s) = RString::from_value(value) else {
        return Err(Error::new(
            ruby.exception_type_error(),
            format!("header {name} must be a String, got {}", value.class()),
        ));
    };
    // SAFETY: copied at once, no Ruby code runs meanwhile.
    found.push((
        name,
        String::from_utf8_lossy(unsafe { s.as_slice() }).into_owned(),
    ));
    Ok(())
}

/// `webhook_sign(secret, msg_id, timestamp, body)`: the `webhook-signature` header value.
pub fn sign(
    ruby: &Ruby,
    secret: RString,
    msg_id: String,
    timestamp: i64,
    body: RString,
) -> Result<String, Error> {
    // SAFETY: as in `verify`.
    with_webhook(ruby, secret, |w| {
        w.sign(&msg_id, timestamp, unsafe { body.as_slice() })
    })
}
