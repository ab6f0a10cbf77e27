//! Rate limits per user and platform: 429 with Retry-After, separate read and create budgets.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::TestServer;

#[tokio::test]
async fn reads_over_the_limit_get_429_with_retry_after() {
    let server = TestServer::start_with(|c| c.read_rate_limit = 3).await;
    let user = server.user(0).await;
    for _ in 0..3 {
        server.get(Some(&user.token), "/credits").await.data();
    }
    let resp = server.get(Some(&user.token), "/credits").await;
    let body = resp.assert_error(429, "RATE_LIMIT_EXCEEDED");
    let retry_after: u64 = resp.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(body["retryAfter"], retry_after);
    // Another platform of the same user has its own budget.
    let other = server
        .send(
            server
                .http
                .get(server.url("/credits"))
                .bearer_auth(&user.token)
                .header("x-renderiq-platform", "blender"),
        )
        .await;
    other.data();
    // Another user too; and health needs no budget.
    let bob = server.user(0).await;
    server.get(Some(&bob.token), "/credits").await.data();
    server.get(None, "/health").await.data();
}

#[tokio::test]
async fn render_creation_has_its_own_limit() {
    let server = TestServer::start_with(|c| {
        c.create_rate_limit = 2;
        c.read_rate_limit = 100;
    })
    .await;
    let user = server.user(100).await;
    server.create_render(&user.token, &[]).await.data();
    server.create_render(&user.token, &[]).await.data();
    let resp = server.create_render(&user.token, &[]).await;
    resp.assert_error(429, "RATE_LIMIT_EXCEEDED");
    assert!(resp.header("retry-after").is_some());
    // Reads are still allowed, and the refused creation cost nothing.
    assert_eq!(server.balance(&user.token).await, 80);
}

#[tokio::test]
async fn zero_turns_the_limits_off() {
    let server = TestServer::start_with(|c| {
        c.read_rate_limit = 0;
        c.create_rate_limit = 0;
    })
    .await;
    let user = server.user(0).await;
    for _ in 0..50 {
        server.get(Some(&user.token), "/settings").await.data();
    }
}
