//! Outbound requests (issue 11): webhook and `callbackUrl` targets on internal addresses are
//! refused at registration and again at delivery (without connecting) unless the server runs with
//! `--allow-private-webhooks`; the per-user webhook limit; the delivery concurrency bound; no
//! redirect followed; no URL credentials in logs or recorded errors.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use support::receiver::Receiver;
use support::{eventually, test_config, TestServer};

const FLAG: &str = "--allow-private-webhooks";

/// A TCP listener on loopback that counts the connections it accepts (and closes them).
struct CountingListener {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

impl CountingListener {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Self { port, accepted }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

async fn register(server: &TestServer, token: &str, url: &str) -> support::Resp {
    server
        .post(
            Some(token),
            "/webhooks/register",
            json!({ "url": url, "events": ["render.completed"] }),
        )
        .await
}

/// Waits until every queued delivery has had its last attempt.
async fn outbox_drained(server: &TestServer) {
    let queued = || {
        server.query("SELECT COUNT(*) FROM webhook_outbox", &[])[0]
            .get::<i64>(0)
            .unwrap()
    };
    eventually(30, || (queued() == 0).then_some(())).await;
}

/// Creates a render and waits for its end (when its deliveries are queued).
async fn render_to_the_end(server: &TestServer, token: &str) {
    let render = server.create_render(token, &[]).await;
    let id = render.data()["id"].as_str().unwrap().to_owned();
    server.wait_for_render(token, &id).await;
}

/// Every recorded attempt: (url, attempt, success, error).
fn recorded(server: &TestServer) -> Vec<(String, u32, bool, Option<String>)> {
    server
        .query(
            "SELECT url, attempt, success, error FROM webhook_deliveries ORDER BY created_at",
            &[],
        )
        .iter()
        .map(|r| {
            (
                r.get(0).unwrap(),
                r.get(1).unwrap(),
                r.get(2).unwrap(),
                r.get(3).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn internal_webhook_targets_are_refused_at_registration_naming_the_flag() {
    let server = TestServer::start_with(|c| c.allow_private_webhooks = false).await;
    let user = server.user(0).await;
    for url in [
        "http://127.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::1]:8080/hook",
        "http://2130706433/hook",
        "http://0x7f.1/hook",
        "http://127.1/hook",
        "http://localhost/hook",
        "http://100.64.0.1/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
    ] {
        let resp = register(&server, &user.token, url).await;
        let body = resp.assert_error(400, "INVALID_INPUT");
        let reason = body["details"]["url"].as_str().unwrap_or_default();
        assert!(reason.contains(FLAG), "{url}: {body}");
    }
    assert!(
        server
            .get(Some(&user.token), "/webhooks")
            .await
            .data()
            .as_array()
            .unwrap()
            .is_empty(),
        "a refused webhook is not stored"
    );
    // A public address is accepted (registration does not connect to it).
    register(&server, &user.token, "https://93.184.216.34/hook")
        .await
        .data();
}

#[tokio::test]
async fn internal_callback_urls_are_refused_and_nothing_is_charged() {
    let server = TestServer::start_with(|c| c.allow_private_webhooks = false).await;
    let user = server.user(100).await;
    for url in [
        "http://169.254.169.254/",
        "http://2130706433/cb",
        "http://[::ffff:10.0.0.1]/cb",
        "http://localhost:9/cb",
    ] {
        let resp = server
            .create_render(&user.token, &[("callbackUrl", url)])
            .await;
        let body = resp.assert_error(400, "INVALID_INPUT");
        let reason = body["details"]["callbackUrl"].as_str().unwrap_or_default();
        assert!(reason.contains(FLAG), "{url}: {body}");
    }
    assert_eq!(server.balance(&user.token).await, 100);
}

#[tokio::test]
async fn with_the_flag_a_loopback_callback_is_delivered() {
    let server = TestServer::start().await; // test_config passes --allow-private-webhooks
    let user = server.user(100).await;
    let receiver = Receiver::start(0).await;
    server
        .create_render(&user.token, &[("callbackUrl", receiver.url.as_str())])
        .await
        .data();
    receiver.wait_for(1).await;
}

/// Webhooks registered while the flag was on (an IP literal and a name resolving to loopback),
/// and a callback on an IPv4-mapped literal, are refused at delivery by a server without it:
/// recorded as failed with the reason, not retried, and nothing connects to the target.
#[tokio::test]
async fn internal_targets_are_refused_at_delivery_without_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let listener = CountingListener::start().await;
    let literal = format!("http://127.0.0.1:{}/hook", listener.port);
    let named = format!("http://localhost:{}/hook", listener.port);
    let mapped = format!("http://[::ffff:127.0.0.1]:{}/cb", listener.port);

    let permissive = TestServer::start_on(test_config(dir.path())).await;
    let user = permissive.user(100).await;
    register(&permissive, &user.token, &literal).await.data();
    register(&permissive, &user.token, &named).await.data();
    permissive.stop().await;

    let mut config = test_config(dir.path());
    config.allow_private_webhooks = false;
    let strict = TestServer::start_on(config).await;
    let user = strict.sign_in(&user.email).await;
    let render = strict.create_render(&user.token, &[]).await;
    let render_id = render.data()["id"].as_str().unwrap().to_owned();
    strict.wait_for_render(&user.token, &render_id).await;
    outbox_drained(&strict).await;

    // A queued callback to an internal literal (as a render created under the flag leaves).
    strict.query(
        "INSERT INTO webhook_outbox
             (id, webhook_id, user_id, render_id, url, event_type, message_id, payload,
              attempts, next_attempt_at, created_at)
         VALUES ('job_test', NULL, ?1, ?2, ?3, 'render.completed', 'msg_test', ?4, 0, 0,
                 '2026-01-01T00:00:00Z')",
        &[&user.id, &render_id, &mapped, &b"{}".to_vec()],
    );
    outbox_drained(&strict).await;

    let attempts = recorded(&strict);
    assert_eq!(
        attempts.len(),
        3,
        "one attempt each, no retry: {attempts:?}"
    );
    for (url, attempt, success, error) in &attempts {
        let error = error.as_deref().unwrap_or_default();
        assert!(!success && *attempt == 1, "{url}: {attempts:?}");
        assert!(
            error.starts_with("refused:") && error.contains(FLAG),
            "{url}: {error}"
        );
    }
    assert_eq!(listener.accepted(), 0, "nothing connected to the target");
    let hooks = strict.get(Some(&user.token), "/webhooks").await;
    for hook in hooks.data().as_array().unwrap() {
        assert_eq!(hook["failureCount"], 1, "{hook}");
    }
}

#[tokio::test]
async fn a_user_has_at_most_twenty_webhooks() {
    let server = TestServer::start().await;
    assert_eq!(server.config.max_webhooks_per_user, 20, "the default");
    let (user, other) = (server.user(0).await, server.user(0).await);
    let mut first = None;
    for n in 0..20 {
        let resp = register(&server, &user.token, &format!("https://93.184.216.34/{n}")).await;
        first.get_or_insert(resp.data()["webhook"]["id"].as_str().unwrap().to_owned());
    }
    let resp = register(&server, &user.token, "https://93.184.216.34/20").await;
    let body = resp.assert_error(409, "CONFLICT");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("--max-webhooks-per-user"),
        "{body}"
    );
    // Another user is not affected; deleting one makes room.
    register(&server, &other.token, "https://93.184.216.34/x")
        .await
        .data();
    server
        .delete(Some(&user.token), &format!("/webhooks/{}", first.unwrap()))
        .await
        .data();
    register(&server, &user.token, "https://93.184.216.34/20")
        .await
        .data();
}

/// A receiver that holds each request and records the most requests it had in hand at once.
async fn slow_receiver(hold: Duration) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (in_flight, peak, done) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (f, p, d) = (in_flight.clone(), peak.clone(), done.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let (f, p, d) = (f.clone(), p.clone(), d.clone());
            async move {
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(hold).await;
                f.fetch_sub(1, Ordering::SeqCst);
                d.fetch_add(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, peak, done)
}

#[tokio::test]
async fn deliveries_run_under_the_concurrency_bound() {
    let server = TestServer::start_with(|c| c.webhook_concurrency = 2).await;
    let user = server.user(100).await;
    let (url, peak, done) = slow_receiver(Duration::from_millis(300)).await;
    for _ in 0..6 {
        register(&server, &user.token, &url).await.data();
    }
    server.create_render(&user.token, &[]).await.data();
    eventually(30, || (done.load(Ordering::SeqCst) == 6).then_some(())).await;
    outbox_drained(&server).await;
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "six deliveries, at most two in flight"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let target = CountingListener::start().await;
    let location = format!("http://127.0.0.1:{}/elsewhere", target.port);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let location = location.clone();
            async move { (StatusCode::TEMPORARY_REDIRECT, [("location", location)]) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    register(&server, &user.token, &url).await.data();
    render_to_the_end(&server, &user.token).await;
    outbox_drained(&server).await;
    let attempts = recorded(&server);
    assert!(!attempts.is_empty());
    for (_, _, success, error) in &attempts {
        assert!(!success, "{attempts:?}");
        assert!(error.as_deref().unwrap().contains("307"), "{attempts:?}");
    }
    assert_eq!(target.accepted(), 0, "the redirect was followed");
}

/// Everything this test binary logs.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("renderiq_server=debug")
            .with_ansi(false)
            .with_writer(move || Capture(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        logs
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn delivery_logs_and_errors_never_show_url_credentials_or_query() {
    let logs = captured_logs();
    let server = TestServer::start_with(|c| c.webhook_max_attempts = 2).await;
    let user = server.user(100).await;
    // A port nobody listens on: every attempt fails to connect.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://alice:hunter2@127.0.0.1:{port}/hook?token=s3cret");
    register(&server, &user.token, &url).await.data();
    render_to_the_end(&server, &user.token).await;
    outbox_drained(&server).await;

    let attempts = recorded(&server);
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    for (_, _, success, error) in &attempts {
        let error = error.as_deref().unwrap();
        assert!(!success);
        assert!(
            !error.contains("hunter2") && !error.contains("s3cret"),
            "{error}"
        );
    }
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let expected = format!("127.0.0.1:{port}/hook?<redacted>");
    assert!(
        logs.contains("webhook delivery failed") && logs.contains(&expected),
        "{logs}"
    );
    assert!(
        !logs.contains("hunter2") && !logs.contains("s3cret"),
        "{logs}"
    );
}
