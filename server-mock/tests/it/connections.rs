//! The accept loop's limits on real loopback connections: slow or silent clients are closed,
//! stalled bodies fail, the connection cap holds further clients back until a slot frees, the
//! peer address reaches handlers, a stop lets the request in hand finish, and long-polls beyond
//! the per-user cap answer at once.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::routing::get;
use renderiq_server::serve::{self, Limits};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Reads until the server closes the connection (or fails it); panics if that takes 10 s.
async fn assert_closed_by_server(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    got
}

async fn server_with_one_second_timeouts() -> TestServer {
    TestServer::start_with(|c| {
        c.header_read_timeout_seconds = 1;
        c.request_body_timeout_seconds = 1;
    })
    .await
}

#[tokio::test]
async fn a_request_line_that_never_ends_is_closed() {
    let server = server_with_one_second_timeouts().await;
    let addr = server.server.as_ref().unwrap().addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /api/plugins/hea").await.unwrap();
    let answer = assert_closed_by_server(&mut stream).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let server = server_with_one_second_timeouts().await;
    let addr = server.server.as_ref().unwrap().addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let answer = assert_closed_by_server(&mut stream).await;
    assert!(answer.is_empty(), "{answer:?}");
}

#[tokio::test]
async fn a_partial_http2_preface_is_closed() {
    let server = server_with_one_second_timeouts().await;
    let addr = server.server.as_ref().unwrap().addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The start of the HTTP/2 preface keeps the protocol sniffing waiting for more.
    stream.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
    assert_closed_by_server(&mut stream).await;
}

#[tokio::test]
async fn a_kept_alive_connection_serves_requests_and_is_closed_once_idle() {
    let server = server_with_one_second_timeouts().await;
    let addr = server.server.as_ref().unwrap().addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /api/plugins/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);
    // No next request: the idle connection is closed after the header timeout.
    assert_closed_by_server(&mut stream).await;
}

#[tokio::test]
async fn a_stalled_request_body_fails_the_request() {
    let server = server_with_one_second_timeouts().await;
    let addr = server.server.as_ref().unwrap().addr;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /api/plugins/auth/signin HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
        )
        .await
        .unwrap();
    let answer = assert_closed_by_server(&mut stream).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    assert!(answer.contains("\"success\":false"), "{answer}");
}

/// A bare server on `serve::serve`.
struct Bare {
    addr: SocketAddr,
    shutdown: CancellationToken,
    /// Lets the request held in `/held` finish.
    release: Arc<Notify>,
    /// Notified when a request has entered `/held`.
    entered: Arc<Notify>,
    join: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// A bare server on `serve::serve` with a route answering the peer address and a route held
/// until `release` is notified.
async fn bare_server(limits: Limits) -> Bare {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let release = Arc::new(Notify::new());
    let entered = Arc::new(Notify::new());
    let (held, arrived) = (release.clone(), entered.clone());
    let app = axum::Router::new()
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        )
        .route(
            "/held",
            get(move || {
                let (held, arrived) = (held.clone(), arrived.clone());
                async move {
                    arrived.notify_one();
                    held.notified().await;
                    "finished"
                }
            }),
        );
    let shutdown = CancellationToken::new();
    let join = tokio::spawn(serve::serve(listener, app, limits, shutdown.clone()));
    Bare {
        addr,
        shutdown,
        release,
        entered,
        join,
    }
}

fn limits(max_connections: usize) -> Limits {
    Limits {
        header_read_timeout: Duration::from_secs(30),
        request_body_timeout: Duration::from_secs(30),
        max_connections,
    }
}

#[tokio::test]
async fn handlers_see_the_peer_address() {
    let Bare {
        addr,
        shutdown,
        join,
        ..
    } = bare_server(limits(8)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let local = stream.local_addr().unwrap();
    stream
        .write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = String::from_utf8(assert_closed_by_server(&mut stream).await).unwrap();
    assert!(answer.ends_with(&local.to_string()), "{answer}");
    shutdown.cancel();
    join.await.unwrap().unwrap();
}

#[tokio::test]
async fn clients_beyond_the_connection_cap_wait_for_a_free_slot() {
    let Bare {
        addr,
        shutdown,
        join,
        ..
    } = bare_server(limits(2)).await;
    // Two silent connections take both slots (the header timeout is 30 s here).
    let first = TcpStream::connect(addr).await.unwrap();
    let _second = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let http = client();
    let third = tokio::spawn(async move {
        http.get(format!("http://{addr}/peer"))
            .send()
            .await
            .map(|r| r.status())
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!third.is_finished(), "served beyond the cap");
    drop(first);
    let status = tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .expect("served once a slot was free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    shutdown.cancel();
    join.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_stop_lets_the_request_in_hand_finish() {
    let Bare {
        addr,
        shutdown,
        release,
        entered,
        join,
    } = bare_server(limits(8)).await;
    let http = client();
    let request = tokio::spawn(async move {
        let resp = http.get(format!("http://{addr}/held")).send().await?;
        resp.text().await
    });
    tokio::time::timeout(Duration::from_secs(10), entered.notified())
        .await
        .expect("the request reached the handler");
    shutdown.cancel();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!join.is_finished(), "stopped under a request in hand");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after the stop"
    );
    release.notify_one();
    assert_eq!(request.await.unwrap().unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(10), join)
        .await
        .expect("stopped once the request finished")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn long_polls_beyond_the_per_user_cap_answer_at_once() {
    let server = TestServer::start_with(|c| {
        c.max_waiters_per_user = 1;
        // The render stays processing for the whole test.
        c.render_delay_ms = 600_000;
    })
    .await;
    server.config.clock.freeze(); // a long-poll ends only through its render, never its deadline
    let user = server.user(100).await;
    let created = server.create_render(&user.token, &[]).await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let path = format!("/renders/{id}?wait=30");
    let first = {
        let (http, url, token) = (server.http.clone(), server.url(&path), user.token.clone());
        tokio::spawn(async move { http.get(url).bearer_auth(token).send().await })
    };
    let running = server.server.as_ref().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while running.held_long_polls(&user.id) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first long-poll never arrived"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!first.is_finished(), "the first long-poll is held");
    // The second long-poll of the same user answers at once with the current state.
    let second = tokio::time::timeout(
        Duration::from_secs(10),
        server.get(Some(&user.token), &path),
    )
    .await
    .expect("answered at once");
    assert_eq!(second.data()["id"], id.as_str());
    assert!(!first.is_finished(), "the first long-poll is still held");
    // Another user has a place of their own.
    let other = server.user(100).await;
    let theirs = server.create_render(&other.token, &[]).await;
    let their_path = format!("/renders/{}?wait=30", theirs.data()["id"].as_str().unwrap());
    let held = tokio::time::timeout(
        Duration::from_millis(500),
        server.get(Some(&other.token), &their_path),
    )
    .await;
    assert!(held.is_err(), "another user's long-poll is held too");
    first.abort();
}
