//! API keys: creation shown once, listing, both headers, scopes, revocation, expiry, isolation.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::TestServer;

async fn create_key(server: &TestServer, token: &str, scopes: &[&str]) -> (String, String) {
    let resp = server
        .post(
            Some(token),
            "/keys",
            json!({ "name": "SketchUp", "scopes": scopes }),
        )
        .await;
    let data = resp.data();
    (
        data["key"].as_str().unwrap().to_owned(),
        data["apiKey"]["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn created_key_is_shown_once_and_listed_by_prefix() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let resp = server
        .post(
            Some(&user.token),
            "/keys",
            json!({ "name": "SketchUp", "scopes": ["renders:read"] }),
        )
        .await;
    let data = resp.data();
    let key = data["key"].as_str().unwrap();
    assert!(key.starts_with("rq_live_") && key.len() > 40, "{key}");
    assert_eq!(data["apiKey"]["prefix"], &key[..12]);
    assert_eq!(data["apiKey"]["scopes"], json!(["renders:read"]));

    let list = server.get(Some(&user.token), "/keys").await;
    let keys = list.data().as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["name"], "SketchUp");
    assert_eq!(keys[0]["prefix"], &key[..12]);
    assert!(keys[0]["lastUsedAt"].is_null());
    assert!(
        !list.body.to_string().contains(key),
        "the secret must never be listed"
    );
    // Stored hashed, not in clear.
    let stored: String = server.query("SELECT key_hash FROM api_keys", &[])[0]
        .get(0)
        .unwrap();
    assert_ne!(stored, key);
    assert_eq!(stored.len(), 64);
}

#[tokio::test]
async fn api_key_authenticates_with_bearer_and_x_api_key() {
    let server = TestServer::start().await;
    let user = server.user(25).await;
    let (key, _) = create_key(&server, &user.token, &["credits:read"]).await;
    let bearer = server.get(Some(&key), "/credits").await;
    assert_eq!(bearer.data()["balance"], 25);
    let header = server
        .send(
            server
                .http
                .get(server.url("/credits"))
                .header("x-api-key", &key),
        )
        .await;
    assert_eq!(header.data()["balance"], 25);
    let list = server.get(Some(&user.token), "/keys").await;
    assert!(
        list.data()[0]["lastUsedAt"].is_string(),
        "last use recorded: {}",
        list.body
    );
}

#[tokio::test]
async fn missing_scope_is_insufficient_scope() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let (key, _) = create_key(&server, &user.token, &["renders:read"]).await;
    let resp = server.get(Some(&key), "/credits").await;
    let body = resp.assert_error(403, "INSUFFICIENT_SCOPE");
    assert_eq!(body["details"]["requiredScope"], "credits:read");
    // Each route checks its own scope.
    server.get(Some(&key), "/renders").await.data();
    server
        .create_render(&key, &[])
        .await
        .assert_error(403, "INSUFFICIENT_SCOPE");
    server
        .get(Some(&key), "/projects")
        .await
        .assert_error(403, "INSUFFICIENT_SCOPE");
    server
        .post(Some(&key), "/projects", json!({ "name": "x" }))
        .await
        .assert_error(403, "INSUFFICIENT_SCOPE");
    server
        .get(Some(&key), "/settings")
        .await
        .assert_error(403, "INSUFFICIENT_SCOPE");
    server
        .patch(Some(&key), "/settings", json!({}))
        .await
        .assert_error(403, "INSUFFICIENT_SCOPE");
    server
        .get(Some(&key), "/webhooks")
        .await
        .assert_error(403, "INSUFFICIENT_SCOPE");
    server
        .get(Some(&key), "/keys")
        .await
        .assert_error(403, "INSUFFICIENT_SCOPE");
    // `me` needs no scope.
    assert_eq!(
        server.get(Some(&key), "/auth/me").await.data()["id"],
        user.id.as_str()
    );
}

#[tokio::test]
async fn a_key_cannot_grant_scopes_it_lacks() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let (key, _) = create_key(&server, &user.token, &["keys:manage", "renders:read"]).await;
    server
        .post(
            Some(&key),
            "/keys",
            json!({ "name": "sub", "scopes": ["renders:read"] }),
        )
        .await
        .data();
    let resp = server
        .post(
            Some(&key),
            "/keys",
            json!({ "name": "escalate", "scopes": ["renders:create"] }),
        )
        .await;
    assert_eq!(
        resp.assert_error(403, "INSUFFICIENT_SCOPE")["details"]["requiredScope"],
        "renders:create"
    );
}

#[tokio::test]
async fn unknown_scope_and_empty_name_are_invalid_input() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let resp = server
        .post(
            Some(&user.token),
            "/keys",
            json!({ "name": "", "scopes": ["everything"] }),
        )
        .await;
    let body = resp.assert_error(400, "INVALID_INPUT");
    assert!(
        body["details"]["scopes"].is_string() && body["details"]["name"].is_string(),
        "{body}"
    );
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let resp = server
        .post(
            Some(&user.token),
            "/keys",
            json!({ "name": "k", "scopes": ["renders:read"], "expiresAt": past }),
        )
        .await;
    assert!(resp.assert_error(400, "INVALID_INPUT")["details"]["expiresAt"].is_string());
}

#[tokio::test]
async fn revoked_key_is_auth_required() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let (key, id) = create_key(&server, &user.token, &["credits:read"]).await;
    server.get(Some(&key), "/credits").await.data();
    assert_eq!(
        server
            .delete(Some(&user.token), &format!("/keys/{id}"))
            .await
            .data()["ok"],
        true
    );
    server
        .get(Some(&key), "/credits")
        .await
        .assert_error(401, "AUTH_REQUIRED");
    assert!(server
        .get(Some(&user.token), "/keys")
        .await
        .data()
        .as_array()
        .unwrap()
        .is_empty());
    server
        .delete(Some(&user.token), &format!("/keys/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn expired_key_is_auth_required() {
    let server = TestServer::start().await;
    // Expiry is decided on the server's clock, stopped here and moved by hand.
    let clock = server.config.clock.clone();
    clock.freeze();
    let user = server.user(0).await;
    let expires = (clock.now() + chrono::Duration::hours(1)).to_rfc3339();
    let resp = server
        .post(
            Some(&user.token),
            "/keys",
            json!({ "name": "short", "scopes": ["credits:read"], "expiresAt": expires }),
        )
        .await;
    let key = resp.data()["key"].as_str().unwrap().to_owned();
    server.get(Some(&key), "/credits").await.data();
    clock.advance(Duration::from_secs(3599));
    server.get(Some(&key), "/credits").await.data();
    clock.advance(Duration::from_secs(1));
    let resp = server.get(Some(&key), "/credits").await;
    assert!(
        resp.assert_error(401, "AUTH_REQUIRED")["error"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{}",
        resp.body
    );
    server
        .get(Some("rq_live_unknown"), "/credits")
        .await
        .assert_error(401, "AUTH_REQUIRED");
}

#[tokio::test]
async fn another_users_key_is_not_found() {
    let server = TestServer::start().await;
    let (alice, bob) = (server.user(0).await, server.user(0).await);
    let (_, id) = create_key(&server, &alice.token, &["credits:read"]).await;
    server
        .delete(Some(&bob.token), &format!("/keys/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
    assert!(server
        .get(Some(&bob.token), "/keys")
        .await
        .data()
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        server
            .get(Some(&alice.token), "/keys")
            .await
            .data()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
