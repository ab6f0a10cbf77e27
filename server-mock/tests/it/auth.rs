//! Sign-in, refresh rotation, sign-out, me, and the envelope of auth errors.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::{TestServer, PASSWORD};

#[tokio::test]
async fn signin_returns_tokens_for_an_hour_and_the_user() {
    let server = TestServer::start().await;
    // A stopped server clock: the hour is measured from exactly when the token was issued.
    server.config.clock.freeze();
    server.add_user("ada@example.com", 0).await;
    let resp = server
        .post(
            None,
            "/auth/signin",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    let data = resp.data();
    assert_eq!(data["tokenType"], "Bearer");
    assert_eq!(data["user"]["email"], "ada@example.com");
    assert_eq!(data["user"]["name"], "Test User");
    assert!(data["refreshToken"].as_str().unwrap().len() > 20);
    let expires: chrono::DateTime<chrono::Utc> =
        data["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        expires.timestamp() - server.config.clock.now().timestamp(),
        3600
    );
    assert!(resp.header("x-request-id").unwrap().starts_with("req_"));
}

#[tokio::test]
async fn email_is_matched_case_insensitively() {
    let server = TestServer::start().await;
    server.add_user("Grace@Example.com", 0).await;
    server.sign_in("grace@example.COM").await;
}

#[tokio::test]
async fn wrong_password_is_invalid_credentials() {
    let server = TestServer::start().await;
    server.add_user("ada@example.com", 0).await;
    let resp = server
        .post(
            None,
            "/auth/signin",
            json!({ "email": "ada@example.com", "password": "nope" }),
        )
        .await;
    resp.assert_error(401, "INVALID_CREDENTIALS");
    let resp = server
        .post(
            None,
            "/auth/signin",
            json!({ "email": "nobody@example.com", "password": "x" }),
        )
        .await;
    resp.assert_error(401, "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn me_returns_the_signed_in_user() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let resp = server.get(Some(&user.token), "/auth/me").await;
    assert_eq!(resp.data()["id"], user.id.as_str());
    assert_eq!(resp.data()["email"], user.email.as_str());
}

#[tokio::test]
async fn missing_or_invalid_token_is_auth_required() {
    let server = TestServer::start().await;
    server
        .get(None, "/auth/me")
        .await
        .assert_error(401, "AUTH_REQUIRED");
    server
        .get(Some("not-a-jwt"), "/auth/me")
        .await
        .assert_error(401, "AUTH_REQUIRED");
    let resp = server
        .send(
            server
                .http
                .get(server.url("/auth/me"))
                .header("authorization", "Basic abc"),
        )
        .await;
    resp.assert_error(401, "AUTH_REQUIRED");
}

#[tokio::test]
async fn expired_access_token_is_auth_required() {
    let server = TestServer::start_with(|c| c.token_ttl_seconds = 60).await;
    // The server's clock is stopped and moved by hand: expiry is decided on it, not on how
    // long the requests took.
    let clock = server.config.clock.clone();
    clock.freeze();
    let user = server.user(0).await;
    server.get(Some(&user.token), "/auth/me").await.data();
    clock.advance(Duration::from_secs(59));
    server.get(Some(&user.token), "/auth/me").await.data();
    clock.advance(Duration::from_secs(2));
    let resp = server.get(Some(&user.token), "/auth/me").await;
    assert!(resp.assert_error(401, "AUTH_REQUIRED")["error"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let resp = server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await;
    let data = resp.data();
    let (access, refresh) = (
        data["accessToken"].as_str().unwrap(),
        data["refreshToken"].as_str().unwrap(),
    );
    assert_ne!(refresh, user.refresh);
    assert_eq!(data["user"]["id"], user.id.as_str());
    server.get(Some(access), "/auth/me").await.data();
    // And the new one rotates again.
    server
        .post(None, "/auth/refresh", json!({ "refreshToken": refresh }))
        .await
        .data();
}

#[tokio::test]
async fn reused_refresh_token_is_rejected_and_revokes_its_family() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let first = server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await;
    let newer = first.data()["refreshToken"].as_str().unwrap().to_owned();

    // Past the grace window (30 s by default), in which a second refresh gets the same successor.
    server
        .config
        .clock
        .advance(std::time::Duration::from_secs(31));
    let reuse = server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await;
    reuse.assert_error(401, "AUTH_REQUIRED");
    // The reuse ended the whole family: the newer token no longer works either.
    let after = server
        .post(None, "/auth/refresh", json!({ "refreshToken": newer }))
        .await;
    after.assert_error(401, "AUTH_REQUIRED");
    // Another sign-in is unaffected.
    let other = server.sign_in(&user.email).await;
    server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": other.refresh }),
        )
        .await
        .data();
}

#[tokio::test]
async fn unknown_refresh_token_is_auth_required() {
    let server = TestServer::start().await;
    server
        .post(None, "/auth/refresh", json!({ "refreshToken": "rt_nope" }))
        .await
        .assert_error(401, "AUTH_REQUIRED");
}

#[tokio::test]
async fn signout_revokes_the_refresh_token() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let resp = server
        .post(
            Some(&user.token),
            "/auth/signout",
            json!({ "refreshToken": user.refresh }),
        )
        .await;
    assert_eq!(resp.data()["ok"], true);
    server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await
        .assert_error(401, "AUTH_REQUIRED");
    // Without a body it simply succeeds.
    let resp = server
        .send(server.http.post(server.url("/auth/signout")))
        .await;
    assert_eq!(resp.data()["ok"], true);
}

#[tokio::test]
async fn malformed_json_is_invalid_input_in_the_envelope() {
    let server = TestServer::start().await;
    let request = server
        .http
        .post(server.url("/auth/signin"))
        .header("content-type", "application/json")
        .body("{nope");
    let resp = server.send(request).await;
    let body = resp.assert_error(400, "INVALID_INPUT");
    assert!(body["details"]["body"].is_string(), "{body}");
    // A missing field too.
    let resp = server
        .post(None, "/auth/signin", json!({ "email": "a@b.c" }))
        .await;
    resp.assert_error(400, "INVALID_INPUT");
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_on(support::test_config(dir.path())).await;
    let user = server.user(0).await;
    server.stop().await;
    let server = TestServer::start_on(support::test_config(dir.path())).await;
    server.get(Some(&user.token), "/auth/me").await.data();
    server
        .post(
            None,
            "/auth/refresh",
            json!({ "refreshToken": user.refresh }),
        )
        .await
        .data();
}
