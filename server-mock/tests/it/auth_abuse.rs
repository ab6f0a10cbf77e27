//! Abuse of the unauthenticated session routes and of the session model (issue 11): sign-in
//! limited per email and per client address, the per-user ceiling across platforms, the refresh
//! grace window and its end, the bound on concurrent password hashing, and the 429s in the
//! OpenAPI document.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use renderiq_server::config::{DEFAULT_AUTH_RATE_LIMIT, DEFAULT_SIGN_IN_RATE_LIMIT};
use serde_json::{json, Value};
use support::{Resp, TestServer, PASSWORD};
use tower::ServiceExt as _;

/// Asserts a 429 in the error envelope with a `Retry-After` equal to the body's `retryAfter`;
/// returns the delay.
fn assert_limited(resp: &Resp) -> u64 {
    let body = resp.assert_error(429, "RATE_LIMIT_EXCEEDED");
    let retry_after: u64 = resp
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(body["retryAfter"], retry_after);
    retry_after
}

async fn sign_in(server: &TestServer, email: &str, password: &str) -> Resp {
    server
        .post(
            None,
            "/auth/signin",
            json!({ "email": email, "password": password }),
        )
        .await
}

/// A sign-out without a body (nothing to revoke).
async fn sign_out(server: &TestServer) -> Resp {
    server
        .send(server.http.post(server.url("/auth/signout")))
        .await
}

/// The server with the shipped sign-in limits on a stopped clock (no bucket refills unless the
/// test moves the clock).
async fn server_with_default_auth_limits(
    adjust: impl FnOnce(&mut renderiq_server::Config),
) -> TestServer {
    TestServer::start_with(|c| {
        c.auth_rate_limit = DEFAULT_AUTH_RATE_LIMIT;
        c.sign_in_rate_limit = DEFAULT_SIGN_IN_RATE_LIMIT;
        c.clock.freeze();
        adjust(c);
    })
    .await
}

#[tokio::test]
async fn wrong_passwords_for_one_email_are_refused_with_429_long_before_the_fortieth() {
    let server = server_with_default_auth_limits(|_| {}).await;
    server.add_user("ada@example.com", 0).await;
    let mut first_limited = None;
    for attempt in 1..=40 {
        let resp = sign_in(&server, "ada@example.com", "guess").await;
        if resp.status == 429 {
            assert_limited(&resp);
            first_limited = Some(attempt);
            break;
        }
        resp.assert_error(401, "INVALID_CREDENTIALS");
    }
    // The default lets a burst of 10 through, then one every 6 s.
    assert_eq!(first_limited, Some(11));

    // While limited, even the right password is refused, and a differently cased email is the
    // same email.
    let right = sign_in(&server, "ada@example.com", PASSWORD).await;
    let retry_after = assert_limited(&right);
    assert_eq!(retry_after, 6);
    assert_limited(&sign_in(&server, " ADA@example.com", PASSWORD).await);
    // Another email from the same address is not held back by Ada's limit.
    server.add_user("bo@example.com", 0).await;
    sign_in(&server, "bo@example.com", PASSWORD).await.data();

    // The limit passes: after the announced delay the right password signs in.
    server
        .config
        .clock
        .advance(Duration::from_secs(retry_after));
    sign_in(&server, "ada@example.com", PASSWORD).await.data();
}

#[tokio::test]
async fn many_emails_from_one_address_are_limited_by_the_address() {
    let server = server_with_default_auth_limits(|c| c.auth_rate_limit = 5).await;
    server.add_user("cy@example.com", 0).await;
    for n in 0..5 {
        sign_in(&server, &format!("nobody{n}@example.com"), "guess")
            .await
            .assert_error(401, "INVALID_CREDENTIALS");
    }
    assert_limited(&sign_in(&server, "cy@example.com", PASSWORD).await);
    // A forwarding header is not believed: the TCP peer is what counts.
    let forwarded = server
        .send(
            server
                .http
                .post(server.url("/auth/signin"))
                .header("x-forwarded-for", "203.0.113.9")
                .json(&json!({ "email": "cy@example.com", "password": PASSWORD })),
        )
        .await;
    assert_limited(&forwarded);
    // Refresh and sign-out have buckets of their own.
    server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": "rt_unknown" }),
        )
        .await
        .assert_error(401, "AUTH_REQUIRED");
    sign_out(&server).await.data();

    // Another client address (127.0.0.2 is loopback too) has its own budget.
    let other = renderiq_server::tls::client_builder()
        .unwrap()
        .no_proxy()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .unwrap();
    let resp = server
        .send(
            other
                .post(server.url("/auth/signin"))
                .json(&json!({ "email": "cy@example.com", "password": PASSWORD })),
        )
        .await;
    resp.data();
}

#[tokio::test]
async fn refreshes_and_sign_outs_are_limited_by_address() {
    let server = server_with_default_auth_limits(|c| c.auth_rate_limit = 2).await;
    let user = server.user(0).await;
    let mut refresh = user.refresh.clone();
    for _ in 0..2 {
        let resp = server
            .post(None, "/auth/refresh", json!({ "refreshToken": refresh }))
            .await;
        refresh = resp.data()["refreshToken"].as_str().unwrap().to_owned();
    }
    assert_limited(
        &server
            .post(None, "/auth/refresh", json!({ "refreshToken": refresh }))
            .await,
    );
    for _ in 0..2 {
        sign_out(&server).await.data();
    }
    assert_limited(&sign_out(&server).await);
}

#[tokio::test]
async fn changing_the_platform_header_does_not_multiply_the_read_limit() {
    // 3 per platform; the per-user ceiling defaults to twice that.
    let server = TestServer::start_with(|c| {
        c.read_rate_limit = 3;
        c.clock.freeze();
    })
    .await;
    let user = server.user(0).await;
    let mut served = 0;
    let mut limited = 0;
    for platform in ["revit", "rhino", "blender", "sketchup", "archicad", "other"] {
        for _ in 0..3 {
            let resp = server
                .send(
                    server
                        .http
                        .get(server.url("/credits"))
                        .bearer_auth(&user.token)
                        .header("x-renderiq-platform", platform),
                )
                .await;
            if resp.status == 429 {
                assert_limited(&resp);
                limited += 1;
            } else {
                resp.data();
                served += 1;
            }
        }
    }
    assert_eq!((served, limited), (6, 12));
    // Another user is not affected.
    let other = server.user(0).await;
    server.get(Some(&other.token), "/credits").await.data();
}

#[tokio::test]
async fn two_concurrent_refreshes_with_one_token_get_the_same_successor() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let refresh = |token: String| {
        let server = &server;
        async move {
            server
                .post(None, "/auth/refresh", json!({ "refreshToken": token }))
                .await
        }
    };
    let (a, b) = tokio::join!(refresh(user.refresh.clone()), refresh(user.refresh.clone()));
    let (a, b) = (a.data().clone(), b.data().clone());
    assert_eq!(a["refreshToken"], b["refreshToken"], "one successor");
    let successor = a["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(successor, user.refresh);
    for session in [&a, &b] {
        let token = session["accessToken"].as_str().unwrap();
        server.get(Some(token), "/auth/me").await.data();
    }
    // The successor is stored sealed, never in clear text.
    let stored: Vec<Vec<u8>> = server
        .query(
            "SELECT successor_sealed FROM refresh_tokens WHERE successor_sealed IS NOT NULL",
            &[],
        )
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0]
        .windows(successor.len())
        .any(|w| w == successor.as_bytes()));
    // And it is a live token of the family: it rotates on.
    server
        .post(None, "/auth/refresh", json!({ "refreshToken": successor }))
        .await
        .data();
}

#[tokio::test]
async fn reuse_after_the_grace_window_revokes_the_family() {
    let server = TestServer::start_with(|c| c.clock.freeze()).await;
    let user = server.user(0).await;
    let first = server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await;
    let successor = first.data()["refreshToken"].as_str().unwrap().to_owned();
    // At the edge of the 30 s window the same successor still comes back.
    server.config.clock.advance(Duration::from_secs(30));
    let again = server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await;
    assert_eq!(again.data()["refreshToken"], successor.as_str());

    server.config.clock.advance(Duration::from_secs(1));
    server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await
        .assert_error(401, "AUTH_REQUIRED");
    // The whole family is revoked, and no sealed successor is left behind.
    server
        .post(None, "/auth/refresh", json!({ "refreshToken": successor }))
        .await
        .assert_error(401, "AUTH_REQUIRED");
    let sealed: i64 = server.query(
        "SELECT COUNT(*) FROM refresh_tokens WHERE successor_sealed IS NOT NULL",
        &[],
    )[0]
    .get(0)
    .unwrap();
    assert_eq!(sealed, 0);
}

#[tokio::test]
async fn with_the_grace_window_off_an_immediate_reuse_revokes_the_family() {
    let server = TestServer::start_with(|c| c.refresh_grace_seconds = 0).await;
    let user = server.user(0).await;
    let first = server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await;
    let successor = first.data()["refreshToken"].as_str().unwrap().to_owned();
    server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await
        .assert_error(401, "AUTH_REQUIRED");
    server
        .post(None, "/auth/refresh", json!({ "refreshToken": successor }))
        .await
        .assert_error(401, "AUTH_REQUIRED");
}

#[tokio::test]
async fn concurrent_sign_ins_never_hash_more_passwords_at_once_than_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::test_config(dir.path());
    config.password_hash_concurrency = Some(2);
    support::add_user(dir.path(), "di@example.com", PASSWORD, 0);
    let state = renderiq_server::prepare(
        config,
        "http://localhost",
        Arc::new(renderiq_server::render::LocalGenerator::default()),
        tokio_util::sync::CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(state.passwords.limit(), 2);
    let app = renderiq_server::app(state.clone());
    // Right and wrong passwords, known and unknown emails: every one costs a hash. Driven
    // in-process, without a peer address (the limits fall back to one shared address).
    let attempts = (0..16).map(|i| {
        let (email, password) = match i % 3 {
            0 => ("di@example.com", PASSWORD),
            1 => ("di@example.com", "wrong"),
            _ => ("nobody@example.com", PASSWORD),
        };
        let request = Request::post("/api/plugins/auth/signin")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({ "email": email, "password": password }).to_string(),
            ))
            .unwrap();
        let app = app.clone();
        tokio::spawn(async move { app.oneshot(request).await.unwrap().status().as_u16() })
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 6);
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 10);
    let peak = state.passwords.peak();
    assert!((1..=2).contains(&peak), "{peak} hashes ran at once");
}

#[tokio::test]
async fn the_openapi_document_lists_the_429s_of_the_session_routes() {
    let server = TestServer::start().await;
    let doc: Value = server.get(None, "/openapi.json").await.body;
    for route in ["signin", "refresh", "signout"] {
        let limited =
            &doc["paths"][format!("/api/plugins/auth/{route}")]["post"]["responses"]["429"];
        assert!(limited.is_object(), "{route}: {limited}");
        assert!(
            limited["headers"]["Retry-After"].is_object(),
            "{route}: {limited}"
        );
    }
}

/// Signs out as the client `forwarded` says (`X-Forwarded-For`).
async fn sign_out_as(server: &TestServer, forwarded: &str) -> Resp {
    server
        .send(
            server
                .http
                .post(server.url("/auth/signout"))
                .header("x-forwarded-for", forwarded),
        )
        .await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_address_limit() {
    let server = server_with_default_auth_limits(|c| {
        c.auth_rate_limit = 2;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    for _ in 0..2 {
        sign_out_as(&server, "198.51.100.7").await.data();
    }
    assert_limited(&sign_out_as(&server, "198.51.100.7").await);
    // Another client behind the same balancer is not limited by the first one's requests,
    // and an address the client wrote to the left of its own does not count.
    sign_out_as(&server, "198.51.100.8").await.data();
    assert_limited(&sign_out_as(&server, "203.0.113.1, 198.51.100.7").await);
}

#[tokio::test]
async fn without_a_trusted_proxy_x_forwarded_for_is_ignored() {
    let server = server_with_default_auth_limits(|c| c.auth_rate_limit = 2).await;
    for client in ["198.51.100.7", "198.51.100.8"] {
        sign_out_as(&server, client).await.data();
    }
    // Both counted against the real peer: a client cannot pick a fresh address per request.
    assert_limited(&sign_out_as(&server, "198.51.100.9").await);
}
