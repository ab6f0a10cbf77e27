//! Standard Webhooks signing and verification over the core's `webhooks` module.

use std::sync::Arc;
use std::time::Duration;

use crate::error::RenderiqError;

/// One webhook's signing key (`whsec_…`), able to sign and verify deliveries.
#[derive(uniffi::Object)]
pub struct Webhook {
    inner: renderiq_sdk::webhooks::Webhook,
}

/// One HTTP header of a delivery.
#[derive(uniffi::Record)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[uniffi::export]
impl Webhook {
    /// `tolerance_secs`: how far a delivery's timestamp may be from now (the core's default
    /// when `None`).
    #[uniffi::constructor(default(tolerance_secs = None))]
    pub fn new(secret: String, tolerance_secs: Option<u64>) -> Result<Arc<Self>, RenderiqError> {
        let mut inner = renderiq_sdk::webhooks::Webhook::new(&secret)?;
        if let Some(secs) = tolerance_secs {
            inner = inner.tolerance(Duration::from_secs(secs));
        }
        Ok(Arc::new(Self { inner }))
    }

    /// The `webhook-signature` value for one delivery: `v1,<base64 HMAC-SHA256>`.
    pub fn sign(&self, msg_id: String, timestamp: i64, body: Vec<u8>) -> String {
        self.inner.sign(&msg_id, timestamp, &body)
    }

    /// Verifies a delivery's signature and timestamp; throws the `WebhookVerification`
    /// variant. `now` is unix seconds (default: the clock).
    #[uniffi::method(default(now = None))]
    pub fn verify(
        &self,
        body: Vec<u8>,
        headers: Vec<Header>,
        now: Option<i64>,
    ) -> Result<(), RenderiqError> {
        let pairs = headers.iter().map(|h| (h.name.as_str(), h.value.as_str()));
        match now {
            Some(now) => self.inner.verify_at(&body, pairs, now),
            None => self.inner.verify(&body, pairs),
        }
        .map(drop)
        .map_err(RenderiqError::from)
    }

    /// Verifies a delivery as `verify` does, then reads its body as an event: JSON text
    /// `{"type", "timestamp", "data" (the render of a render event, else null), "payload" (the
    /// whole body, unknown fields kept)}`. A correctly signed body that is not JSON throws the
    /// `Decode` variant (`WEBHOOK_BAD_PAYLOAD`).
    #[uniffi::method(default(now = None))]
    pub fn verify_event(
        &self,
        body: Vec<u8>,
        headers: Vec<Header>,
        now: Option<i64>,
    ) -> Result<String, RenderiqError> {
        self.verify(body.clone(), headers, now)?;
        let event = renderiq_sdk::webhooks::event_json(&body)?;
        crate::client::to_text(&event)
    }
}

/// A new `whsec_…` secret from 32 random bytes.
#[uniffi::export]
pub fn generate_webhook_secret() -> String {
    renderiq_sdk::webhooks::generate_secret()
}
