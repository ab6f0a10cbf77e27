//! Webhooks: registering them, and the deliveries they receive.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Render;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Webhook event types.
pub mod events {
    /// A render completed.
    pub const RENDER_COMPLETED: &str = "render.completed";
    /// A render failed.
    pub const RENDER_FAILED: &str = "render.failed";
    /// A render was cancelled.
    pub const RENDER_CANCELLED: &str = "render.cancelled";
    /// Every event type.
    pub const ALL: [&str; 3] = [RENDER_COMPLETED, RENDER_FAILED, RENDER_CANCELLED];
}

/// `POST /webhooks/register` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegisterWebhookRequest {
    /// HTTPS (or loopback HTTP) URL receiving deliveries.
    pub url: String,
    /// Event types, see [`events`].
    pub events: Vec<String>,
}

/// `GET /webhooks/callback-secret` answer: the `whsec_…` secret that signs deliveries to a
/// render's own `callbackUrl` (one per user; registered webhooks use their own secrets).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallbackSecret {
    /// `whsec_…` signing secret; verify callback deliveries with it.
    pub secret: String,
}

impl fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackSecret")
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A registered webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Webhook id.
    pub id: String,
    /// Delivery URL.
    pub url: String,
    /// Subscribed event types.
    pub events: Vec<String>,
    /// `false` once disabled after repeated failures.
    pub active: bool,
    /// Consecutive failed deliveries.
    pub failure_count: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last delivery attempt.
    #[serde(default)]
    pub last_delivery_at: Option<DateTime<Utc>>,
}

/// `POST /webhooks/register` answer: the signing secret, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhook {
    /// `whsec_…` signing secret.
    pub secret: String,
    /// The webhook.
    pub webhook: Webhook,
}

impl fmt::Debug for CreatedWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedWebhook")
            .field("secret", &"<redacted>")
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// A render event's delivery body (Standard Webhooks payload shape), as the server sends it.
/// A receiver reads deliveries as an [`Event`], which also takes bodies of any other shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// Event type, see [`events`].
    #[serde(rename = "type")]
    pub kind: String,
    /// When the event happened.
    #[serde(deserialize_with = "super::time::deserialize")]
    pub timestamp: DateTime<Utc>,
    /// The render the event is about.
    pub data: Render,
}

/// A verified webhook delivery, typed as far as its body allows.
///
/// A correctly signed delivery is never refused for its content: a Renderiq render event
/// becomes [`Event::Render`]; any other JSON body (an event type this SDK does not know, a
/// render without an `id`, a test ping) is kept whole as [`Event::Other`]. Unknown fields are
/// ignored. Serialises back to the body's own shape.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::Event;
///
/// let event: Event = serde_json::from_str(r#"{"type":"account.updated","data":{}}"#).unwrap();
/// assert_eq!(event.kind(), Some("account.updated"));
/// assert!(event.render().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Event {
    /// A render event: its `data` is a [`Render`]. `kind` may be a type this SDK does not know.
    Render(Box<WebhookEvent>),
    /// Any other JSON body, as received.
    Other(serde_json::Value),
}

impl Event {
    /// Reads a parsed JSON body: a render event when it has that shape, else the body itself.
    ///
    /// ```
    /// use renderiq_sdk::types::Event;
    ///
    /// let event = Event::from_json(serde_json::json!({"test": 2432232314u64}));
    /// assert_eq!(event.kind(), None);
    /// ```
    pub fn from_json(value: serde_json::Value) -> Self {
        match WebhookEvent::deserialize(&value) {
            Ok(event) => Self::Render(Box::new(event)),
            Err(_) => Self::Other(value),
        }
    }

    /// The event type (`"render.completed"`, …): the body's `type` when it is a string.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Self::Render(e) => Some(&e.kind),
            Self::Other(v) => v.get("type").and_then(serde_json::Value::as_str),
        }
    }

    /// When the event happened: the body's `timestamp` when it is an RFC 3339 time.
    pub fn timestamp(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Render(e) => Some(e.timestamp),
            Self::Other(v) => v
                .get("timestamp")
                .and_then(serde_json::Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The render event, when the body is one.
    pub fn render_event(&self) -> Option<&WebhookEvent> {
        match self {
            Self::Render(e) => Some(e),
            Self::Other(_) => None,
        }
    }

    /// The render the event is about, when the body is a render event.
    pub fn render(&self) -> Option<&Render> {
        self.render_event().map(|e| &e.data)
    }
}
