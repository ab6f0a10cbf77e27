//! The SDK's retry loop against the real reference server, through a loopback HTTP proxy in the
//! test that can lose a reply after the server acted, and that sees (and can rewrite) the
//! server's 429s: a lost reply to a render creation is retried with the same `Idempotency-Key`
//! and charges once; a real 429 is waited out for at least its `Retry-After`, in seconds or as an
//! HTTP date.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use renderiq_sdk::token_store::MemoryStore;
use renderiq_sdk::{Client, CreateRender, RetryPolicy, Screenshot};
use renderiq_server::Clock;
use support::fault_proxy::{read_message, Head};
use support::{Account, TestServer, PASSWORD};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// One request that went through the proxy.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    path: String,
    idempotency_key: Option<String>,
    /// The server's status (also when the reply was not passed on).
    status: u16,
    /// When the request reached the proxy.
    arrived: Instant,
    /// When the reply was passed on; `None` when it was dropped.
    forwarded: Option<Instant>,
    /// The `Retry-After` passed on, if any.
    retry_after: Option<String>,
}

impl Exchange {
    fn is_create(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/api/plugins/renders")
    }
}

/// What the proxy does besides forwarding.
#[derive(Clone, Default)]
struct Rules {
    /// Read the server's reply to the first render creation, then close the connection
    /// without passing it on.
    drop_first_create_reply: bool,
    /// On a 429, move this (stopped) server clock past `Retry-After` before passing it on, so
    /// that the retry, once it comes, is let through.
    advance_on_429: Option<Clock>,
    /// Rewrite `Retry-After: N` into an IMF-fixdate at least N seconds ahead.
    retry_after_as_date: bool,
}

/// A loopback HTTP/1.1 proxy in front of the server: one upstream connection per request.
struct Proxy {
    url: String,
    log: Arc<Mutex<Vec<Exchange>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr, rules: Rules) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
        let dropped = Arc::new(Mutex::new(false));
        let shared = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let (rules, log, dropped) = (rules.clone(), shared.clone(), dropped.clone());
                tokio::spawn(async move {
                    serve_connection(client, upstream, rules, log, dropped).await;
                });
            }
        });
        Self { url, log }
    }

    fn log(&self) -> Vec<Exchange> {
        self.log.lock().unwrap().clone()
    }

    fn creations(&self) -> Vec<Exchange> {
        self.log().into_iter().filter(Exchange::is_create).collect()
    }
}

async fn serve_connection(
    mut client: TcpStream,
    upstream: SocketAddr,
    rules: Rules,
    log: Arc<Mutex<Vec<Exchange>>>,
    dropped: Arc<Mutex<bool>>,
) {
    let mut pending = Vec::new();
    loop {
        let Some(request) = read_message(&mut client, &mut pending, false).await else {
            return;
        };
        let arrived = Instant::now();
        let head = Head::parse(&request);
        let (method, path) = {
            let mut parts = head.start.split(' ');
            (
                parts.next().unwrap_or_default().to_owned(),
                parts.next().unwrap_or_default().to_owned(),
            )
        };
        let mut server = TcpStream::connect(upstream).await.unwrap();
        server.write_all(&request).await.unwrap();
        let mut rest = Vec::new();
        let response = read_message(&mut server, &mut rest, method == "HEAD")
            .await
            .expect("the server answers");
        let mut reply = Head::parse(&response);
        let status: u16 = reply
            .start
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut exchange = Exchange {
            idempotency_key: head.header("idempotency-key").map(str::to_owned),
            method,
            path,
            status,
            arrived,
            forwarded: None,
            retry_after: None,
        };
        if rules.drop_first_create_reply && exchange.is_create() {
            let first = !std::mem::replace(&mut *dropped.lock().unwrap(), true);
            if first {
                // The server has acted and answered; the client never hears of it.
                log.lock().unwrap().push(exchange);
                return;
            }
        }
        let mut bytes = response.clone();
        if status == 429 {
            let secs: u64 = reply
                .header("retry-after")
                .and_then(|v| v.trim().parse().ok())
                .expect("a 429 from the server carries Retry-After in seconds");
            if let Some(clock) = &rules.advance_on_429 {
                clock.advance(Duration::from_secs(secs));
            }
            if rules.retry_after_as_date {
                // Rounded up to the next whole second, so the date is at least `secs` ahead.
                let now = chrono::Utc::now();
                let next_second = now.timestamp() + 1;
                let at = chrono::DateTime::from_timestamp(next_second + secs as i64, 0).unwrap();
                reply.set_header(
                    "retry-after",
                    &at.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
                );
                bytes = reply.with_body(&response);
            }
        }
        exchange.retry_after = Head::parse(&bytes).header("retry-after").map(str::to_owned);
        if client.write_all(&bytes).await.is_err() {
            return;
        }
        exchange.forwarded = Some(Instant::now());
        log.lock().unwrap().push(exchange);
    }
}

/// A client of the server through `base_url`, signed in as `email`, retries on, no jitter.
async fn sdk_client(base_url: &str, email: &str) -> Client {
    let client = Client::builder()
        .base_url(base_url)
        .token_store(MemoryStore::new())
        .retry_policy(
            RetryPolicy::default()
                .max_retries(2)
                .initial_backoff(Duration::from_millis(100))
                .jitter(false),
        )
        .no_proxy()
        .build()
        .unwrap();
    client.sign_in(email, PASSWORD).await.unwrap();
    client
}

fn render_request() -> CreateRender {
    CreateRender::new(Screenshot::encoded(support::png(64, 48))).prompt("retried")
}

#[tokio::test]
async fn a_render_creation_whose_reply_was_lost_is_retried_with_its_key_and_charged_once() {
    let server = TestServer::start().await;
    server.add_user("lost@example.com", 100).await;
    let proxy = Proxy::start(
        server.server.as_ref().unwrap().addr,
        Rules {
            drop_first_create_reply: true,
            ..Rules::default()
        },
    )
    .await;
    let client = sdk_client(&proxy.url, "lost@example.com").await;

    let render = client.create_render(render_request()).await.unwrap();

    let creations = proxy.creations();
    assert_eq!(creations.len(), 2, "{creations:#?}");
    assert!(
        creations[0].forwarded.is_none() && (200..300).contains(&creations[0].status),
        "the server created the render, and its reply was lost: {creations:#?}"
    );
    let key = creations[0]
        .idempotency_key
        .clone()
        .expect("a creation carries an Idempotency-Key");
    assert_eq!(
        creations[1].idempotency_key.as_deref(),
        Some(key.as_str()),
        "the retry carries the same key"
    );
    assert!(creations[1].forwarded.is_some());

    let Account {
        render_ids: renders,
        charges,
        ..
    } = server.account("lost@example.com").await;
    assert_eq!(renders, vec![render.id.clone()], "exactly one render");
    assert_eq!(charges.len(), 1, "exactly one charge: {charges:?}");
    assert_eq!(charges[0]["referenceId"], render.id.as_str());
    let cost = -charges[0]["amount"].as_i64().unwrap();
    assert!(cost > 0);
    assert_eq!(client.credits().await.unwrap().balance, 100 - cost);
}

/// A server allowing one render creation a minute on a stopped clock, and a client through a
/// proxy that moves that clock past each 429's `Retry-After`: the second creation in the minute
/// gets a real 429, and the SDK succeeds by retrying no sooner than `Retry-After`.
async fn second_creation_in_a_minute(retry_after_as_date: bool) {
    let server = TestServer::start_with(|c| c.create_rate_limit = 1).await;
    let clock = server.config.clock.clone();
    clock.freeze();
    server.add_user("busy@example.com", 100).await;
    let proxy = Proxy::start(
        server.server.as_ref().unwrap().addr,
        Rules {
            advance_on_429: Some(clock.clone()),
            retry_after_as_date,
            ..Rules::default()
        },
    )
    .await;
    let client = sdk_client(&proxy.url, "busy@example.com").await;
    let first = client.create_render(render_request()).await.unwrap();
    // 3 s left in the minute: the server answers the next creation 429, Retry-After: 3.
    clock.advance(Duration::from_secs(57));

    let second = client.create_render(render_request()).await.unwrap();

    let creations = proxy.creations();
    let statuses: Vec<u16> = creations.iter().map(|c| c.status).collect();
    assert_eq!(statuses.len(), 3, "{creations:#?}");
    assert_eq!(statuses[1], 429, "{creations:#?}");
    assert!((200..300).contains(&statuses[2]), "{creations:#?}");
    let waited = creations[2].arrived - creations[1].forwarded.unwrap();
    assert!(
        waited >= Duration::from_secs(3),
        "retried {waited:?} after a 429 with Retry-After 3 s: {creations:#?}"
    );
    assert_eq!(
        creations[1].idempotency_key, creations[2].idempotency_key,
        "the retry carries the same key"
    );
    let Account {
        render_ids: renders,
        charges,
        ..
    } = server.account("busy@example.com").await;
    assert_eq!(renders.len(), 2, "{renders:?}");
    assert!(renders.contains(&first.id) && renders.contains(&second.id));
    assert_eq!(charges.len(), 2, "{charges:?}");
}

#[tokio::test]
async fn a_real_429_is_retried_after_its_retry_after_in_seconds() {
    second_creation_in_a_minute(false).await;
}

#[tokio::test]
async fn a_real_429_is_retried_after_its_retry_after_as_an_http_date() {
    second_creation_in_a_minute(true).await;
}
