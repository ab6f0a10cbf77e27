//! Shared helpers for the client's wiremock tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use renderiq_sdk::token_store::{Credential, MemoryStore, StoredSession, TokenStore};
use renderiq_sdk::{Client, RetryPolicy, Secret};
use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

pub const API: &str = "/api/plugins";

pub fn api(path: &str) -> String {
    format!("{API}/{path}")
}

/// A fast retry policy so tests do not sleep long.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .jitter(false)
}

pub fn client_with_store(server: &MockServer, store: Arc<dyn TokenStore>) -> Client {
    Client::builder()
        .base_url(server.uri())
        .platform(renderiq_sdk::Platform::Revit)
        .plugin("renderiq-revit", "2.0.1")
        .retry_policy(fast_retry())
        .shared_token_store(store)
        .no_proxy()
        .build()
        .unwrap()
}

/// A client whose store holds a session with `access` valid for `ttl` seconds (negative: expired).
pub async fn signed_in_client(
    server: &MockServer,
    access: &str,
    ttl: i64,
) -> (Client, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    store.save(&stored(access, "refresh-1", ttl)).unwrap();
    (client_with_store(server, store.clone()), store)
}

pub fn stored(access: &str, refresh: &str, ttl: i64) -> Credential {
    Credential::Session(StoredSession {
        access_token: Secret::new(access),
        refresh_token: Secret::new(refresh),
        expires_at: Utc::now() + chrono::Duration::seconds(ttl),
        email: Some("ada@example.com".into()),
    })
}

/// The session a store holds; panics when it holds nothing or an API key.
pub fn saved_session(store: &dyn TokenStore) -> StoredSession {
    match store.load().unwrap() {
        Some(Credential::Session(s)) => s,
        other => panic!("the store holds no session: {other:?}"),
    }
}

pub fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-request-id", "req_test")
        .set_body_json(json!({"success": true, "data": data}))
}

pub fn api_error(status: u16, code: &str, extra: Value) -> ResponseTemplate {
    let mut body =
        json!({"success": false, "error": format!("{code} happened"), "errorCode": code});
    if let (Some(obj), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    ResponseTemplate::new(status)
        .insert_header("x-request-id", "req_err")
        .set_body_json(body)
}

pub fn user_json() -> Value {
    json!({"id": "u_1", "email": "ada@example.com", "name": "Ada", "createdAt": "2026-01-01T00:00:00Z"})
}

pub fn session_json(access: &str, refresh: &str, ttl: i64) -> Value {
    let exp: DateTime<Utc> = Utc::now() + chrono::Duration::seconds(ttl);
    json!({
        "accessToken": access,
        "refreshToken": refresh,
        "tokenType": "Bearer",
        "expiresAt": exp.to_rfc3339(),
        "user": user_json(),
    })
}

pub fn credits_json(balance: i64) -> Value {
    json!({"balance": balance, "totalEarned": 100, "totalSpent": 100 - balance})
}

pub fn render_json(id: &str, status: &str, progress: u8) -> Value {
    let output = (status == "completed").then(|| format!("/cdn/outputs/{id}.png"));
    json!({
        "id": id,
        "status": status,
        "progress": progress,
        "prompt": "dusk",
        "style": "photorealistic",
        "quality": "high",
        "aspectRatio": "16:9",
        "projectId": null,
        "creditsCost": 10,
        "inputUrl": null,
        "outputUrl": output,
        "error": if status == "failed" { json!("generator exploded") } else { Value::Null },
        "platform": "revit",
        "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
        "completedAt": null,
    })
}

/// A small real PNG (a 64x48 gradient).
pub fn png_bytes() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(64, 48, |x, y| {
        image::Rgba([(x * 4) as u8, (y * 5) as u8, 128, 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn header<'a>(req: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

pub mod loopback;

/// Answers a render's status polls and records when each one arrived: `processing` for the
/// first `busy` polls, `completed` after.
/// Clones share the record.
#[derive(Clone)]
pub struct PollRecorder {
    busy: usize,
    arrivals: Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
}

impl PollRecorder {
    pub fn new(busy: usize) -> Self {
        Self {
            busy,
            arrivals: Arc::default(),
        }
    }

    /// A recorder answering every `GET` of render `r_1` on `server`.
    pub async fn mount(server: &MockServer, busy: usize) -> Self {
        let polls = Self::new(busy);
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path(api("renders/r_1")))
            .respond_with(polls.clone())
            .mount(server)
            .await;
        polls
    }

    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.arrivals.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    /// The time between each poll and the next.
    pub fn gaps(&self) -> Vec<Duration> {
        self.arrivals()
            .windows(2)
            .map(|w| w[1].duration_since(w[0]))
            .collect()
    }
}

impl wiremock::Respond for PollRecorder {
    fn respond(&self, _req: &wiremock::Request) -> ResponseTemplate {
        let mut arrivals = self.arrivals.lock().unwrap();
        arrivals.push(std::time::Instant::now());
        if arrivals.len() <= self.busy {
            ok(render_json("r_1", "processing", 10))
        } else {
            ok(render_json("r_1", "completed", 100))
        }
    }
}

pub fn health_json() -> Value {
    json!({"status":"ok","version":"1","database":"ok","longPoll":true,"time":"2026-01-01T00:00:00Z"})
}

/// Waits until `done()` holds, failing with `what` after a generous deadline.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after 30 s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
