//! A webhook receiver: verifies every delivery, then hands on its event (typed when it is a
//! render event, the JSON body otherwise).
//!
//! Rules it follows, which every receiver should:
//!
//! - verify the **raw** body bytes (axum's [`Bytes`]), before parsing: re-serialised JSON no
//!   longer matches the signature;
//! - answer 401 to a delivery that does not verify, and never act on it;
//! - answer 2xx quickly once verified, so the sender does not retry, whatever the body holds
//!   (an event type this receiver does not know is still the sender's valid delivery);
//! - handle each `webhook-id` once: a retried delivery carries the same id.
//!
//! ```no_run
//! use renderiq_examples::receiver;
//! use renderiq_sdk::webhooks::Webhook;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let webhook = Webhook::new(&std::env::var("RENDERIQ_WEBHOOK_SECRET")?)?;
//! let app = receiver::app(webhook, |event| println!("{}", receiver::describe(event)));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use renderiq_sdk::types::Event;
use renderiq_sdk::webhooks::{self, Webhook, HEADER_ID};
use renderiq_sdk::ErrorKind;
use serde_json::{json, Value};

/// Path the receiver listens on.
pub const PATH: &str = "/webhooks/renderiq";

/// How many recent message ids are remembered to drop retried duplicates.
pub const REMEMBERED_IDS: usize = 10_000;

type Handler = Arc<dyn Fn(&Event) + Send + Sync>;

#[derive(Clone)]
struct Receiver {
    webhook: Webhook,
    handler: Handler,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// `true` the first time `id` is offered.
    fn first_time(&mut self, id: &str) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        if self.order.len() == REMEMBERED_IDS {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        self.ids.insert(id.to_owned());
        self.order.push_back(id.to_owned());
        true
    }
}

/// The receiver's routes: `POST /webhooks/renderiq`. `on_event` runs once per verified
/// delivery (duplicates are acknowledged without running it again); keep it quick, or hand the
/// event to a queue.
pub fn app(webhook: Webhook, on_event: impl Fn(&Event) + Send + Sync + 'static) -> Router {
    let state = Receiver {
        webhook,
        handler: Arc::new(on_event),
        seen: Arc::default(),
    };
    Router::new().route(PATH, post(receive)).with_state(state)
}

async fn receive(
    State(rx): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    let verified = match rx.webhook.verify_header_map(&body, &headers) {
        Ok(verified) => verified,
        Err(e) => {
            let status = if e.kind() == ErrorKind::WebhookVerification {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            eprintln!("rejected a delivery: {e}");
            return (
                status,
                Json(json!({ "error": e.message(), "code": e.error_code() })),
            );
        }
    };
    // Authentic, so acknowledged whatever it holds; a body that is not even JSON is handed on
    // as the text it is.
    let event = webhooks::parse_event(verified).unwrap_or_else(|_| {
        Event::Other(Value::String(
            String::from_utf8_lossy(verified).into_owned(),
        ))
    });
    // Verified, so the id header is present.
    let id = headers
        .get(HEADER_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let first = rx
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .first_time(id);
    if first {
        (rx.handler)(&event);
    }
    (
        StatusCode::OK,
        Json(json!({ "ok": true, "duplicate": !first })),
    )
}

/// One line describing an event, as the binary prints it.
pub fn describe(event: &Event) -> String {
    let when = event
        .timestamp()
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "-".to_owned());
    let kind = event.kind().unwrap_or("untyped");
    let Some(r) = event.render() else {
        return format!("{when} {kind} event (not a render event)");
    };
    let mut line = format!(
        "{when} {kind} render {} ({}, {} credits)",
        r.id, r.status, r.credits_cost
    );
    if let Some(url) = &r.output_url {
        line.push_str(&format!(" output {url}"));
    }
    if let Some(err) = &r.error {
        line.push_str(&format!(" error: {err}"));
    }
    line
}
