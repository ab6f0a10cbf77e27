//! Webhook signing and verification.

use std::ffi::c_char;

use renderiq_sdk::webhooks::{self, Webhook};

use crate::error::{guard, FfiError, RenderiqError};
use crate::memory::{bytes_arg, clear, opt_str_arg, put_json, put_string, str_arg};

/// Verifies a webhook delivery (Standard Webhooks) and optionally reads its event. A correctly
/// signed delivery is never refused for its body.
///
/// `secret` is the `whsec_…` secret shown when the webhook was registered. `body` / `body_len`
/// are the raw request body bytes, exactly as received (verify before any JSON parsing).
/// `webhook_id`, `webhook_timestamp` and `webhook_signature` are the values of the
/// `webhook-id`, `webhook-timestamp` and `webhook-signature` headers; NULL means the header is
/// absent (answered with `RENDERIQ_ERROR_WEBHOOK_VERIFICATION`, API code
/// `WEBHOOK_MISSING_HEADER`). `now_unix` is the current time in unix seconds for the 5-minute
/// tolerance check, or 0 for the system clock.
///
/// On success `*out_event_json` (may be NULL, which skips reading the body) receives the event
/// JSON, freed with `renderiq_string_free`: `{"type": "render.completed", "timestamp": …,
/// "data": {…Render…}, "payload": {…the body…}}`. For any other JSON body (an unknown event
/// type, a render without an `id`) `data` is null, `type` and `timestamp` are the body's or
/// null, and `payload` is the body as sent.
///
/// Errors: `RENDERIQ_ERROR_WEBHOOK_VERIFICATION` with API code
/// `WEBHOOK_BAD_SIGNATURE`, `WEBHOOK_TIMESTAMP_TOO_OLD`, `WEBHOOK_TIMESTAMP_TOO_NEW`,
/// `WEBHOOK_INVALID_TIMESTAMP` or `WEBHOOK_MISSING_HEADER`; `RENDERIQ_ERROR_CONFIG` (code
/// `WEBHOOK_BAD_SECRET`) for a malformed secret; `RENDERIQ_ERROR_DECODE` (code
/// `WEBHOOK_BAD_PAYLOAD`) only when `out_event_json` is given and the verified body is not
/// JSON at all.
#[no_mangle]
pub unsafe extern "C" fn renderiq_webhook_verify(
    secret: *const c_char,
    body: *const u8,
    body_len: usize,
    webhook_id: *const c_char,
    webhook_timestamp: *const c_char,
    webhook_signature: *const c_char,
    now_unix: i64,
    out_event_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_event_json);
    guard(out_error, || {
        let webhook = Webhook::new(str_arg(secret, "secret")?)?;
        let payload = bytes_arg(body, body_len, "body")?;
        let mut headers: [(&str, &str); 3] = [("", ""); 3];
        let mut n = 0;
        for (name, value, arg) in [
            (webhooks::HEADER_ID, webhook_id, "webhook_id"),
            (
                webhooks::HEADER_TIMESTAMP,
                webhook_timestamp,
                "webhook_timestamp",
            ),
            (
                webhooks::HEADER_SIGNATURE,
                webhook_signature,
                "webhook_signature",
            ),
        ] {
            if let Some(v) = opt_str_arg(value, arg)? {
                headers[n] = (name, v);
                n += 1;
            }
        }
        let headers = &headers[..n];
        let verified = if now_unix == 0 {
            webhook.verify(payload, headers.iter().copied())?
        } else {
            webhook.verify_at(payload, headers.iter().copied(), now_unix)?
        };
        if !out_event_json.is_null() {
            put_json(out_event_json, &webhooks::event_json(verified)?)?;
        }
        Ok(())
    })
}

/// Signs a delivery as the server does: `*out_signature` (required) receives the
/// `webhook-signature` header value `v1,<base64 HMAC-SHA256>` of `"{msg_id}.{timestamp}.{body}"`,
/// freed with `renderiq_string_free`. For tests and for forwarding deliveries.
#[no_mangle]
pub unsafe extern "C" fn renderiq_webhook_sign(
    secret: *const c_char,
    msg_id: *const c_char,
    timestamp: i64,
    body: *const u8,
    body_len: usize,
    out_signature: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_signature);
    guard(out_error, || {
        if out_signature.is_null() {
            return Err(FfiError::null("`out_signature`"));
        }
        let webhook = Webhook::new(str_arg(secret, "secret")?)?;
        let msg_id = str_arg(msg_id, "msg_id")?;
        let payload = bytes_arg(body, body_len, "body")?;
        put_string(out_signature, webhook.sign(msg_id, timestamp, payload));
        Ok(())
    })
}
