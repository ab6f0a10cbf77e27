//! Signing and verifying webhook deliveries ([Standard Webhooks]).
//!
//! Every delivery carries three headers:
//!
//! - `webhook-id`: the message id, the same on every retry of one message;
//! - `webhook-timestamp`: when it was sent, in unix seconds;
//! - `webhook-signature`: a space-separated list of `v1,<base64 HMAC-SHA256>` signatures of
//!   `"{id}.{timestamp}.{body}"`. During a key rotation the sender signs with every active key;
//!   one valid signature is enough.
//!
//! The secret is shown once when the webhook is registered, as `whsec_<base64 key>`.
//!
//! Verify the **raw** body bytes, before any JSON parsing: re-serialising changes the bytes and
//! breaks the signature. Verification checks the headers and the signature only: a correctly
//! signed delivery is never refused for its body. [`Webhook::verify`] hands back the verified
//! bytes; [`Webhook::verify_event`] also reads them as an [`Event`], which takes any JSON body
//! (a Renderiq render event is typed, anything else is kept as JSON).
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com
//!
//! # Examples
//!
//! ```
//! use renderiq_sdk::webhooks::{self, Webhook};
//!
//! # fn main() -> renderiq_sdk::Result<()> {
//! let secret = webhooks::generate_secret();
//! let webhook = Webhook::new(&secret)?;
//!
//! // What the sender does:
//! let body = br#"{"hello":"world"}"#;
//! let now = chrono::Utc::now().timestamp();
//! let headers = webhooks::signature_headers(&webhook, "msg_1", now, body);
//!
//! // What the receiver does:
//! let verified = webhook.verify(body, headers.iter().map(|(k, v)| (*k, v.as_str())))?;
//! assert_eq!(verified, body);
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest as _, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::error::{Error, ErrorKind, Result};
use crate::types::{Event, WebhookEvent};

/// How far a delivery's `webhook-timestamp` may be from the receiver's clock, in either
/// direction, before it is rejected: 5 minutes, as Standard Webhooks recommends. This bounds
/// replay attacks and absorbs clock skew.
///
/// # Examples
///
/// ```
/// assert_eq!(renderiq_sdk::webhooks::DEFAULT_TOLERANCE.as_secs(), 300);
/// ```
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Name of the header carrying the message id.
///
/// # Examples
///
/// ```
/// assert_eq!(renderiq_sdk::webhooks::HEADER_ID, "webhook-id");
/// ```
pub const HEADER_ID: &str = "webhook-id";

/// Name of the header carrying the send time in unix seconds.
///
/// # Examples
///
/// ```
/// assert_eq!(renderiq_sdk::webhooks::HEADER_TIMESTAMP, "webhook-timestamp");
/// ```
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";

/// Name of the header carrying the signatures.
///
/// # Examples
///
/// ```
/// assert_eq!(renderiq_sdk::webhooks::HEADER_SIGNATURE, "webhook-signature");
/// ```
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// Prefix of a webhook secret.
const SECRET_PREFIX: &str = "whsec_";

/// The only signature scheme defined so far: HMAC-SHA256.
const SCHEME_V1: &str = "v1";

/// Length of an HMAC-SHA256 tag.
const SIGNATURE_LEN: usize = 32;

/// Longest base64 text of a tag: 32 bytes are 43 characters, 44 with `=` padding.
const SIGNATURE_BASE64_MAX_LEN: usize = 44;

/// Room for what [`SIGNATURE_BASE64_MAX_LEN`] characters may decode to, as `decode_slice`
/// estimates it (a whole number of 3-byte groups).
const MAX_DECODED_SIGNATURE_LEN: usize = 36;

/// Standard base64 that accepts input with or without `=` padding: secrets and signatures
/// copied by hand sometimes lose it.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

type HmacSha256 = Hmac<Sha256>;

/// One webhook's signing key, able to sign deliveries and verify them.
///
/// Build it once and reuse it: it keeps the HMAC-SHA256 state keyed with the secret (the
/// hashed inner and outer key pads), so each delivery only hashes its own bytes. Cheap to
/// clone; `Debug` prints the key as `<redacted>`.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::webhooks::Webhook;
///
/// let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let signature = webhook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
/// assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
/// ```
#[derive(Clone)]
pub struct Webhook {
    key: Key,
    tolerance: Duration,
}

/// The MAC keyed with the webhook's key (RFC 2104: a key longer than a SHA-256 block is
/// replaced by its hash, a shorter one padded with zeros, so keying cannot fail). Each tag
/// starts from a clone of it. Overwritten with a MAC keyed by zeros when dropped.
#[derive(Clone)]
struct Key(HmacSha256);

/// SHA-256's block size, the length of an HMAC-SHA256 key block.
const HMAC_BLOCK_LEN: usize = 64;

impl Key {
    fn new(raw: &[u8]) -> Self {
        let mut block = [0u8; HMAC_BLOCK_LEN];
        if raw.len() > HMAC_BLOCK_LEN {
            block[..SIGNATURE_LEN].copy_from_slice(&Sha256::digest(raw));
        } else {
            block[..raw.len()].copy_from_slice(raw);
        }
        let mac = <HmacSha256 as KeyInit>::new(&block.into());
        block.fill(0);
        Self(mac)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        // The keyed state stands for the key: leave a zero-keyed one in its place.
        self.0 = <HmacSha256 as KeyInit>::new(&[0u8; HMAC_BLOCK_LEN].into());
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("key", &format_args!("<redacted>"))
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl Webhook {
    /// A webhook from its secret: `whsec_<base64 key>` as shown at registration, or the bare
    /// base64 key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] with code `WEBHOOK_BAD_SECRET` when the secret is empty or not
    /// base64. The message never repeats the secret.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::webhooks::Webhook;
    ///
    /// assert!(Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    /// assert!(Webhook::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    /// let err = Webhook::new("whsec_not base64!").unwrap_err();
    /// assert_eq!(err.error_code(), Some("WEBHOOK_BAD_SECRET"));
    /// ```
    pub fn new(secret: &str) -> Result<Self> {
        let trimmed = secret.trim();
        let encoded = trimmed.strip_prefix(SECRET_PREFIX).unwrap_or(trimmed);
        if encoded.is_empty() {
            return Err(bad_secret("the webhook secret is empty"));
        }
        // The decode error names the offending byte, so it is deliberately not attached.
        let key = LENIENT_BASE64.decode(encoded).map_err(|_| {
            bad_secret("the webhook secret is not valid base64 after its `whsec_` prefix")
        })?;
        if key.is_empty() {
            return Err(bad_secret("the webhook secret is empty"));
        }
        Ok(Self::from_bytes(&key))
    }

    /// A webhook from the raw key bytes (the base64-decoded part of a `whsec_` secret).
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::webhooks::Webhook;
    ///
    /// let a = Webhook::from_bytes(b"0123456789abcdef0123456789abcdef");
    /// let b = Webhook::new("whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").unwrap();
    /// assert_eq!(a.sign("msg_1", 1, b"{}"), b.sign("msg_1", 1, b"{}"));
    /// ```
    pub fn from_bytes(key: &[u8]) -> Self {
        Self {
            key: Key::new(key),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Sets how far a delivery's timestamp may be from now, in either direction.
    ///
    /// Default is [`DEFAULT_TOLERANCE`] (5 minutes).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use renderiq_sdk::webhooks::Webhook;
    ///
    /// let webhook = Webhook::from_bytes(b"key").tolerance(Duration::from_secs(60));
    /// let sig = webhook.sign("msg_1", 1_000, b"{}");
    /// let headers = [("webhook-id", "msg_1"), ("webhook-timestamp", "1000"), ("webhook-signature", sig.as_str())];
    /// assert!(webhook.verify_at(b"{}", headers, 1_060).is_ok());
    /// assert!(webhook.verify_at(b"{}", headers, 1_061).is_err());
    /// ```
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Signs one delivery: `v1,<base64 HMAC-SHA256(key, "{msg_id}.{timestamp}.{payload}")>`,
    /// the value of the `webhook-signature` header.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::webhooks::Webhook;
    ///
    /// let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let sig = webhook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
    /// assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    /// ```
    pub fn sign(&self, msg_id: &str, timestamp: i64, payload: &[u8]) -> String {
        let tag = self.tag(msg_id, &timestamp.to_string(), payload);
        format!("{SCHEME_V1},{}", STANDARD.encode(tag))
    }

    /// Verifies a delivery against the system clock and returns its body. `headers` are
    /// `(name, value)` pairs; names are matched case-insensitively and other headers are
    /// ignored. The body is not read: any correctly signed body verifies.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WebhookVerification`] with code:
    /// - `WEBHOOK_MISSING_HEADER`: one of the three headers is absent (the message names it);
    /// - `WEBHOOK_INVALID_TIMESTAMP`: `webhook-timestamp` is not an integer;
    /// - `WEBHOOK_TIMESTAMP_TOO_OLD` / `WEBHOOK_TIMESTAMP_TOO_NEW`: it is further from now
    ///   than the [tolerance](Self::tolerance);
    /// - `WEBHOOK_BAD_SIGNATURE`: no `v1` signature in the header matches.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::webhooks::Webhook;
    ///
    /// let webhook = Webhook::from_bytes(b"key");
    /// let now = chrono::Utc::now().timestamp();
    /// let sig = webhook.sign("msg_1", now, b"{}");
    /// let now = now.to_string();
    /// let headers = [("Webhook-Id", "msg_1"), ("Webhook-Timestamp", now.as_str()), ("Webhook-Signature", sig.as_str())];
    /// assert_eq!(webhook.verify(b"{}", headers).unwrap(), b"{}");
    /// assert!(webhook.verify(b"{ }", headers).is_err());
    /// ```
    pub fn verify<'p, 'h, I>(&self, payload: &'p [u8], headers: I) -> Result<&'p [u8]>
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
    {
        self.verify_at(payload, headers, chrono::Utc::now().timestamp())
    }

    /// Verifies a delivery as if the time were `now` (unix seconds), for tests and replays, and
    /// returns its body.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify).
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::webhooks::Webhook;
    ///
    /// let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let headers = [
    ///     ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
    ///     ("webhook-timestamp", "1614265330"),
    ///     ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    /// ];
    /// let body = br#"{"test": 2432232314}"#;
    /// assert_eq!(webhook.verify_at(body, headers, 1614265330).unwrap(), body);
    /// let late = webhook.verify_at(body, headers, 1614265330 + 3600).unwrap_err();
    /// assert_eq!(late.error_code(), Some("WEBHOOK_TIMESTAMP_TOO_OLD"));
    /// ```
    pub fn verify_at<'p, 'h, I>(&self, payload: &'p [u8], headers: I, now: i64) -> Result<&'p [u8]>
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
    {
        let found = DeliveryHeaders::collect(headers);
        let msg_id = found.id.ok_or_else(|| missing(HEADER_ID))?;
        let timestamp_raw = found.timestamp.ok_or_else(|| missing(HEADER_TIMESTAMP))?;
        if found.first_signature.is_none() {
            return Err(missing(HEADER_SIGNATURE));
        }

        let timestamp_raw = timestamp_raw.trim();
        let timestamp: i64 = timestamp_raw.parse().map_err(|_| {
            verification_error(
                "WEBHOOK_INVALID_TIMESTAMP",
                format!("the `{HEADER_TIMESTAMP}` header is not a unix time in seconds"),
            )
        })?;
        self.check_timestamp(timestamp, now)?;

        // Sign exactly the timestamp text that was sent (it is what the sender signed).
        let expected = self.tag(msg_id, timestamp_raw, payload);
        let mut matched = Choice::from(0);
        let mut candidate = [0u8; MAX_DECODED_SIGNATURE_LEN];
        for entry in found.signatures().flat_map(str::split_ascii_whitespace) {
            let Some((version, encoded)) = entry.split_once(',') else {
                continue;
            };
            if version != SCHEME_V1 {
                continue; // a future scheme: not ours to judge
            }
            // 32 bytes are 43 base64 characters, 44 with padding; anything longer is no tag
            // (and would not fit the stack buffer).
            if encoded.len() > SIGNATURE_BASE64_MAX_LEN {
                continue;
            }
            let Ok(len) = LENIENT_BASE64.decode_slice(encoded, &mut candidate) else {
                continue;
            };
            if len != SIGNATURE_LEN {
                continue;
            }
            // Compare with every candidate, no early exit: the time taken says nothing about
            // which entry (if any) matched or how much of it did.
            matched |= expected.as_slice().ct_eq(&candidate[..SIGNATURE_LEN]);
        }
        if bool::from(matched) {
            Ok(payload)
        } else {
            Err(verification_error(
                "WEBHOOK_BAD_SIGNATURE",
                "no webhook signature matches: the body or headers were changed, or the secret \
                 is not this webhook's (check the `whsec_` secret shown at registration)",
            ))
        }
    }

    /// Verifies a delivery (against the system clock), then reads its body as an [`Event`]:
    /// a render event, or any other JSON body as it is.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify); then [`ErrorKind::Decode`] (code `WEBHOOK_BAD_PAYLOAD`)
    /// only when the verified body is not JSON at all.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use renderiq_sdk::types::Event;
    /// use renderiq_sdk::webhooks::Webhook;
    ///
    /// # fn handle(secret: &str, body: &[u8], headers: &[(&str, &str)]) -> renderiq_sdk::Result<()> {
    /// let webhook = Webhook::new(secret)?;
    /// match webhook.verify_event(body, headers.iter().copied())? {
    ///     Event::Render(event) => println!("{} for render {}", event.kind, event.data.id),
    ///     other => println!("{} event", other.kind().unwrap_or("untyped")),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn verify_event<'h, I>(&self, payload: &[u8], headers: I) -> Result<Event>
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
    {
        parse_event(self.verify(payload, headers)?)
    }

    /// [`verify`](Self::verify) for an `http` [`HeaderMap`](reqwest::header::HeaderMap), as
    /// axum, hyper and reqwest hand them over, returning the body. Header values that are not
    /// visible ASCII are ignored.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify).
    ///
    /// # Examples
    ///
    /// ```
    /// use reqwest::header::{HeaderMap, HeaderValue};
    /// use renderiq_sdk::webhooks::{self, Webhook};
    ///
    /// let webhook = Webhook::from_bytes(b"key");
    /// let now = chrono::Utc::now().timestamp();
    /// let mut map = HeaderMap::new();
    /// for (name, value) in webhooks::signature_headers(&webhook, "msg_1", now, b"{}") {
    ///     map.insert(name, HeaderValue::from_str(&value).unwrap());
    /// }
    /// webhook.verify_header_map(b"{}", &map).unwrap();
    /// ```
    pub fn verify_header_map<'p>(
        &self,
        payload: &'p [u8],
        headers: &reqwest::header::HeaderMap,
    ) -> Result<&'p [u8]> {
        self.verify(
            payload,
            headers
                .iter()
                .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
        )
    }

    fn check_timestamp(&self, timestamp: i64, now: i64) -> Result<()> {
        let tolerance = i128::from(self.tolerance.as_secs());
        let age = i128::from(now) - i128::from(timestamp);
        if age > tolerance {
            return Err(verification_error(
                "WEBHOOK_TIMESTAMP_TOO_OLD",
                format!(
                    "the webhook was sent {age} s ago, more than the {tolerance} s tolerance: it \
                     may be a replay; check this machine's clock if every delivery fails"
                ),
            ));
        }
        if -age > tolerance {
            return Err(verification_error(
                "WEBHOOK_TIMESTAMP_TOO_NEW",
                format!(
                    "the webhook's timestamp is {} s in the future, more than the {tolerance} s \
                     tolerance: check this machine's clock",
                    -age
                ),
            ));
        }
        Ok(())
    }

    fn tag(&self, msg_id: &str, timestamp: &str, payload: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut mac = self.key.0.clone();
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac.finalize().into_bytes().into()
    }
}

/// The three headers a delivery needs, picked out of everything the server received.
struct DeliveryHeaders<'h> {
    id: Option<&'h str>,
    timestamp: Option<&'h str>,
    /// The first `webhook-signature` value, and any further ones (a proxy may have split one
    /// list into several headers): one header, the usual case, needs no allocation.
    first_signature: Option<&'h str>,
    more_signatures: Vec<&'h str>,
}

impl<'h> DeliveryHeaders<'h> {
    fn collect<I>(headers: I) -> Self
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
    {
        let mut found = Self {
            id: None,
            timestamp: None,
            first_signature: None,
            more_signatures: Vec::new(),
        };
        for (name, value) in headers {
            let name = name.trim();
            if name.eq_ignore_ascii_case(HEADER_ID) {
                found.id.get_or_insert(value);
            } else if name.eq_ignore_ascii_case(HEADER_TIMESTAMP) {
                found.timestamp.get_or_insert(value);
            } else if name.eq_ignore_ascii_case(HEADER_SIGNATURE) {
                if found.first_signature.is_none() {
                    found.first_signature = Some(value);
                } else {
                    found.more_signatures.push(value);
                }
            }
        }
        found
    }

    /// Every `webhook-signature` value, in the order received.
    fn signatures(&self) -> impl Iterator<Item = &'h str> + '_ {
        self.first_signature
            .into_iter()
            .chain(self.more_signatures.iter().copied())
    }
}

/// Which of the three delivery headers a request header is, if any: its name compared without
/// regard to case or surrounding spaces, also in the CGI form that Rack and WSGI environments
/// use (`HTTP_WEBHOOK_ID`). For bindings that pick the delivery headers out of such an
/// environment before calling [`Webhook::verify`].
///
/// # Examples
///
/// ```
/// use renderiq_sdk::webhooks::{header_name, HEADER_ID, HEADER_SIGNATURE};
///
/// assert_eq!(header_name("Webhook-Id"), Some(HEADER_ID));
/// assert_eq!(header_name("HTTP_WEBHOOK_SIGNATURE"), Some(HEADER_SIGNATURE));
/// assert_eq!(header_name("content-type"), None);
/// ```
pub fn header_name(name: &str) -> Option<&'static str> {
    let name = name.trim();
    let cgi = name.len() > 5 && name.as_bytes()[..5].eq_ignore_ascii_case(b"HTTP_");
    let name = if cgi { &name[5..] } else { name };
    [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE]
        .into_iter()
        .find(|header| {
            header.len() == name.len()
                && header
                    .bytes()
                    .zip(name.bytes())
                    .all(|(h, n)| h == n.to_ascii_lowercase() || (cgi && h == b'-' && n == b'_'))
        })
}

/// A new webhook secret: `whsec_` followed by the base64 of 32 random bytes from the operating
/// system.
///
/// # Examples
///
/// ```
/// let secret = renderiq_sdk::webhooks::generate_secret();
/// assert!(secret.starts_with("whsec_"));
/// assert!(renderiq_sdk::webhooks::Webhook::new(&secret).is_ok());
/// ```
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let secret = format!("{SECRET_PREFIX}{}", STANDARD.encode(key));
    key.fill(0);
    secret
}

/// Reads a delivery body as an [`Event`], without verifying it: a render event when it has
/// that shape, any other JSON body as it is (see [`Event::from_json`]). Use
/// [`Webhook::verify_event`] for anything that arrived over the network.
///
/// # Errors
///
/// [`ErrorKind::Decode`] with code `WEBHOOK_BAD_PAYLOAD` when the body is not JSON.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::webhooks::parse_event;
///
/// let ping = parse_event(br#"{"type":"ping"}"#).unwrap();
/// assert_eq!(ping.kind(), Some("ping"));
/// let err = parse_event(b"not json").unwrap_err();
/// assert_eq!(err.kind(), renderiq_sdk::ErrorKind::Decode);
/// ```
pub fn parse_event(payload: &[u8]) -> Result<Event> {
    // JSON text is UTF-8 (RFC 8259): checked once for the whole body, so serde reads each
    // string in place without checking it again. Then a render event straight from the text,
    // the usual case; any other body through a JSON value, as `Event::from_json` reads it.
    let text = std::str::from_utf8(payload).map_err(|e| not_json(format!("not UTF-8: {e}"), e))?;
    if let Ok(event) = serde_json::from_str::<WebhookEvent>(text) {
        return Ok(Event::Render(Box::new(event)));
    }
    serde_json::from_str(text)
        .map(Event::from_json)
        .map_err(|e| not_json(e.to_string(), e))
}

/// `WEBHOOK_BAD_PAYLOAD`: a verified body that is not JSON.
fn not_json(why: String, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!(
            "the webhook body is not JSON ({why}); its signature is valid, so read the bytes \
             `verify` returned instead of parsing them as an event"
        ),
    )
    .with_code("WEBHOOK_BAD_PAYLOAD")
    .with_source(source)
}

/// A delivery body as the language bindings hand it over, one flat JSON object:
/// `{"type": …, "timestamp": …, "data": {…Render…}, "payload": …}`. `type` and `timestamp` are
/// the body's when it has them (else `null`); `data` is the render of a render event, `null`
/// for any other body; `payload` is the whole JSON body as sent, fields this SDK does not know
/// included.
///
/// # Errors
///
/// As [`parse_event`]: only a body that is not JSON.
///
/// # Examples
///
/// ```
/// let view = renderiq_sdk::webhooks::event_json(br#"{"type":"ping","n":1}"#).unwrap();
/// assert_eq!(view["type"], "ping");
/// assert!(view["data"].is_null());
/// assert_eq!(view["payload"]["n"], 1);
/// ```
pub fn event_json(payload: &[u8]) -> Result<serde_json::Value> {
    let event = parse_event(payload)?;
    let body = match &event {
        Event::Other(body) => body.clone(),
        // Parsed already, so this parses too; the typed event leaves out unknown fields.
        _ => serde_json::from_slice(payload).unwrap_or_default(),
    };
    Ok(serde_json::json!({
        "type": event.kind(),
        "timestamp": event.timestamp(),
        "data": event.render(),
        "payload": body,
    }))
}

/// The three headers to send with a delivery: `webhook-id`, `webhook-timestamp` and
/// `webhook-signature`, in that order.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::webhooks::{self, Webhook};
///
/// let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let headers = webhooks::signature_headers(&webhook, "msg_1", 1700000000, b"{}");
/// assert_eq!(headers[0], ("webhook-id", "msg_1".to_string()));
/// assert_eq!(headers[1], ("webhook-timestamp", "1700000000".to_string()));
/// assert!(headers[2].1.starts_with("v1,"));
/// ```
pub fn signature_headers(
    webhook: &Webhook,
    msg_id: &str,
    timestamp: i64,
    payload: &[u8],
) -> [(&'static str, String); 3] {
    [
        (HEADER_ID, msg_id.to_owned()),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (HEADER_SIGNATURE, webhook.sign(msg_id, timestamp, payload)),
    ]
}

fn bad_secret(message: &str) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("{message}: pass the `whsec_…` secret shown when the webhook was registered"),
    )
    .with_code("WEBHOOK_BAD_SECRET")
}

fn missing(header: &str) -> Error {
    verification_error(
        "WEBHOOK_MISSING_HEADER",
        format!(
            "the webhook delivery has no `{header}` header: pass every request header to verify, \
             unchanged"
        ),
    )
}

fn verification_error(code: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::WebhookVerification, message).with_code(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_check_does_not_overflow_at_the_extremes() {
        let w = Webhook::from_bytes(b"k").tolerance(Duration::MAX);
        assert!(w.check_timestamp(i64::MIN, i64::MAX).is_ok());
        let w = Webhook::from_bytes(b"k");
        let old = w.check_timestamp(i64::MIN, i64::MAX).unwrap_err();
        assert_eq!(old.error_code(), Some("WEBHOOK_TIMESTAMP_TOO_OLD"));
        let new = w.check_timestamp(i64::MAX, i64::MIN).unwrap_err();
        assert_eq!(new.error_code(), Some("WEBHOOK_TIMESTAMP_TOO_NEW"));
    }

    #[test]
    fn bad_secret_error_does_not_repeat_the_secret() {
        let err = Webhook::new("whsec_sup3r$ecret").unwrap_err();
        assert!(!err.to_string().contains("sup3r"), "{err}");
        assert!(!format!("{err:?}").contains("sup3r"), "{err:?}");
    }

    #[test]
    fn keys_of_every_length_sign_as_the_hmac_crate_keys_them() {
        for len in [0, 1, 32, 63, 64, 65, 200] {
            let raw: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut reference = <HmacSha256 as Mac>::new_from_slice(&raw).unwrap();
            reference.update(b"m.10.x");
            let expected: [u8; SIGNATURE_LEN] = reference.finalize().into_bytes().into();
            assert_eq!(
                Webhook::from_bytes(&raw).tag("m", "10", b"x"),
                expected,
                "key of {len} bytes"
            );
        }
    }

    #[test]
    fn signatures_without_padding_verify_and_overlong_entries_are_skipped() {
        let w = Webhook::from_bytes(b"k");
        let good = w.sign("m", 10, b"x");
        let unpadded = good.trim_end_matches('=');
        let overlong = format!("v1,{}", "A".repeat(4096));
        for header in [
            unpadded.to_owned(),
            format!("{overlong} {good}"),
            format!("v1,{} {good}", &good[3..46]),
        ] {
            let headers = [
                ("webhook-id", "m"),
                ("webhook-timestamp", "10"),
                ("webhook-signature", header.as_str()),
            ];
            w.verify_at(b"x", headers, 10).unwrap();
        }
        let headers = [
            ("webhook-id", "m"),
            ("webhook-timestamp", "10"),
            ("webhook-signature", overlong.as_str()),
        ];
        let err = w.verify_at(b"x", headers, 10).unwrap_err();
        assert_eq!(err.error_code(), Some("WEBHOOK_BAD_SIGNATURE"));
    }

    #[test]
    fn a_render_event_parses_typed_and_other_bodies_stay_json() {
        let render = r#"{"renderId":"rnd_1","status":"completed","style":"s","quality":"high",
            "aspectRatio":"1:1","creditsCost":1,"createdAt":"2026-01-01T00:00:00Z",
            "updatedAt":"2026-01-01T00:00:00Z","extra":{"nested":[1,2]}}"#;
        let body = format!(
            r#"{{"type":"render.completed","timestamp":"2026-01-01T00:00:00Z","data":{render}}}"#
        );
        let event = parse_event(body.as_bytes()).unwrap();
        assert_eq!(event.render().map(|r| r.id.as_str()), Some("rnd_1"));
        assert_eq!(
            event,
            Event::from_json(serde_json::from_str(&body).unwrap())
        );
        let other =
            parse_event(br#"{"type":"render.completed","data":{"status":"completed"}}"#).unwrap();
        assert!(other.render().is_none());
        assert_eq!(other.kind(), Some("render.completed"));
    }

    #[test]
    fn signature_split_across_header_lines_is_accepted() {
        let w = Webhook::from_bytes(b"k");
        let good = w.sign("m", 10, b"x");
        let headers = [
            ("webhook-id", "m"),
            ("webhook-timestamp", "10"),
            ("webhook-signature", "v1,AAAA"),
            ("webhook-signature", good.as_str()),
        ];
        w.verify_at(b"x", headers, 10).unwrap();
    }
}
