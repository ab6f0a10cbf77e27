//! Creating POSTs other than render creation (API keys, webhooks, projects) carry no
//! idempotency key, so they are repeated only when the server certainly did not act: after a
//! refused connection or a 429. Never after a 5xx or a connection lost once the request was sent.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use renderiq_sdk::token_store::{MemoryStore, TokenStore};
use renderiq_sdk::{Client, ErrorKind, RetryPolicy};
use serde_json::{json, Value};
use support::*;
use tokio::io::AsyncReadExt;
use tracing::field::{Field, Visit};
use tracing::span;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

#[derive(Debug, Clone, Copy)]
enum Create {
    ApiKey,
    Webhook,
    Project,
}

const EVERY: [Create; 3] = [Create::ApiKey, Create::Webhook, Create::Project];

impl Create {
    fn route(self) -> &'static str {
        match self {
            Create::ApiKey => "keys",
            Create::Webhook => "webhooks/register",
            Create::Project => "projects",
        }
    }

    fn answer(self) -> Value {
        let at = "2026-01-01T00:00:00Z";
        match self {
            Create::ApiKey => json!({
                "key": "rq_live_new",
                "apiKey": {"id": "k_1", "name": "ci", "prefix": "rq_live_ne", "scopes": ["renders:read"], "createdAt": at},
            }),
            Create::Webhook => json!({
                "secret": "whsec_x",
                "webhook": {"id": "wh_1", "url": "https://example.com/hook", "events": ["render.completed"], "active": true, "failureCount": 0, "createdAt": at},
            }),
            Create::Project => {
                json!({"id": "p_1", "name": "Villa", "slug": "villa", "platform": "revit", "createdAt": at})
            }
        }
    }

    async fn call(self, client: &Client) -> renderiq_sdk::Result<()> {
        match self {
            Create::ApiKey => client
                .create_api_key("ci", &["renders:read"], None)
                .await
                .map(drop),
            Create::Webhook => client
                .register_webhook("https://example.com/hook", &["render.completed"])
                .await
                .map(drop),
            Create::Project => client.create_project("Villa", None).await.map(drop),
        }
    }
}

async fn posts_to(server: &MockServer, route: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method == wiremock::http::Method::POST && r.url.path() == api(route))
        .collect()
}

#[tokio::test]
async fn creating_posts_are_retried_after_a_429() {
    for what in EVERY {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(api(what.route())))
            .respond_with(api_error(429, "RATE_LIMIT_EXCEEDED", json!({})))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(api(what.route())))
            .respond_with(ok(what.answer()))
            .mount(&server)
            .await;
        let (client, _) = signed_in_client(&server, "a", 3600).await;
        what.call(&client)
            .await
            .unwrap_or_else(|e| panic!("{what:?}: {e}"));
        let posts = posts_to(&server, what.route()).await;
        assert_eq!(posts.len(), 2, "{what:?}: the 429 was retried once");
        assert_eq!(posts[0].body, posts[1].body, "{what:?}: the same request");
    }
}

#[tokio::test]
async fn creating_posts_are_not_retried_after_a_5xx() {
    for what in EVERY {
        for status in [500, 502, 503, 504] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .and(path(api(what.route())))
                .respond_with(api_error(status, "INTERNAL_ERROR", json!({})))
                .mount(&server)
                .await;
            let (client, _) = signed_in_client(&server, "a", 3600).await;
            let err = what.call(&client).await.unwrap_err();
            assert_eq!(err.status(), Some(status), "{what:?}: {err}");
            assert_eq!(
                posts_to(&server, what.route()).await.len(),
                1,
                "{what:?}: a {status} may mean the server acted; not repeated"
            );
        }
    }
}

/// Sends on `tx` each time the SDK logs that it will retry a request.
struct RetryEvents(tokio::sync::mpsc::UnboundedSender<()>);

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for RetryEvents {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target().starts_with("renderiq_sdk")
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        if message.0 == "retrying request" {
            let _ = self.0.send(());
        }
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

fn signed_in_client_at(base: String, max_retries: u32) -> Client {
    let store = Arc::new(MemoryStore::new());
    store.save(&stored("a", "refresh-1", 3600)).unwrap();
    Client::builder()
        .base_url(base)
        .retry_policy(
            RetryPolicy::default()
                .max_retries(max_retries)
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_secs(2))
                .jitter(false),
        )
        .shared_token_store(store)
        .no_proxy()
        .build()
        .unwrap()
}

#[tokio::test]
async fn creating_posts_are_retried_after_a_refused_connection() {
    for what in EVERY {
        // A socket bound to the port but not listening: connecting to it is refused, and the
        // port stays ours until the server starts listening on it.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        let client = signed_in_client_at(format!("http://{addr}"), 8);
        let (tx, mut retries) = tokio::sync::mpsc::unbounded_channel();
        let _log = tracing::subscriber::set_default(RetryEvents(tx));
        let call = what.call(&client);
        tokio::pin!(call);
        // Drive the call until it was refused and is about to retry, then start listening. (If
        // this side is slow, later attempts are refused too and retried again.)
        tokio::select! {
            r = &mut call => panic!("{what:?} ended before the server was up: {r:?}"),
            got = tokio::time::timeout(Duration::from_secs(30), retries.recv()) => {
                got.expect("a retry after the refused connection").unwrap();
            }
        }
        let listener = socket.listen(128).unwrap().into_std().unwrap();
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(method("POST"))
            .and(path(api(what.route())))
            .respond_with(ok(what.answer()))
            .mount(&server)
            .await;
        call.await.unwrap_or_else(|e| panic!("{what:?}: {e}"));
        assert_eq!(
            posts_to(&server, what.route()).await.len(),
            1,
            "{what:?}: sent once it could connect"
        );
    }
}

/// Accepts connections, reads what the client sends, and closes without answering: the server
/// may have acted on the request. Counts the connections.
async fn hang_up_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            // The head (and a short body) arrive in the first read or two; then hang up.
            let _ = tokio::time::timeout(Duration::from_millis(200), conn.read(&mut buf)).await;
            drop(conn);
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn creating_posts_are_not_retried_after_the_connection_drops_once_sent() {
    for what in EVERY {
        let (url, accepted) = hang_up_server().await;
        let client = signed_in_client_at(url, 2);
        let err = what.call(&client).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Network, "{what:?}: {err}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "{what:?}: not repeated");
    }
    // The same server does see the retries of a request that is safe to repeat.
    let (url, accepted) = hang_up_server().await;
    let client = signed_in_client_at(url, 2);
    client.projects().await.unwrap_err();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        3,
        "first attempt and 2 retries"
    );
}
