//! Sign-in, API keys, refresh ahead of expiry and after a 401, single-flight refresh, rotation.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use renderiq_sdk::token_store::{EncryptedFileStore, MemoryStore, TokenStore};
use renderiq_sdk::ErrorKind;
use serde_json::json;
use support::*;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn sign_in_posts_credentials_and_saves_the_session() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/signin")))
        .and(body_json(
            json!({"email": "ada@example.com", "password": "pw"}),
        ))
        .respond_with(ok(session_json("acc-1", "ref-1", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("auth/me")))
        .and(header("authorization", "Bearer acc-1"))
        .respond_with(ok(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryStore::new());
    let client = client_with_store(&server, store.clone());
    let user = client.sign_in(" ada@example.com ", "pw").await.unwrap();
    assert_eq!(user.email, "ada@example.com");
    let saved = saved_session(store.as_ref());
    assert_eq!(saved.access_token.expose(), "acc-1");
    assert_eq!(saved.refresh_token.expose(), "ref-1");
    assert_eq!(client.me().await.unwrap().id, "u_1");
}

#[tokio::test]
async fn sign_in_reads_the_original_services_snake_case_answer() {
    let server = MockServer::start().await;
    // The seeds' shape: snake_case tokens, a unix-seconds expiry, a user with id and email only.
    let expires_at = chrono::Utc::now().timestamp() + 3600;
    Mock::given(method("POST"))
        .and(path(api("auth/signin")))
        .respond_with(ok(json!({
            "access_token": "acc-snake",
            "refresh_token": "ref-snake",
            "expires_at": expires_at,
            "user": {"id": "u_9", "email": "ada@example.com"},
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("auth/me")))
        .and(header("authorization", "Bearer acc-snake"))
        .respond_with(ok(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryStore::new());
    let client = client_with_store(&server, store.clone());
    let user = client.sign_in("ada@example.com", "pw").await.unwrap();
    assert_eq!((user.id.as_str(), user.created_at), ("u_9", None));
    let saved = saved_session(store.as_ref());
    assert_eq!(saved.refresh_token.expose(), "ref-snake");
    assert_eq!(saved.expires_at.timestamp(), expires_at);
    // Fresh for an hour, so the next call is sent with it and no refresh.
    client.me().await.unwrap();
}

#[tokio::test]
async fn every_request_carries_the_telemetry_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("health")))
        .and(header("x-renderiq-platform", "revit"))
        .and(header("x-renderiq-plugin-name", "renderiq-revit"))
        .and(header("x-renderiq-plugin-version", "2.0.1"))
        .and(header("x-renderiq-sdk-version", renderiq_sdk::VERSION))
        .and(header("x-renderiq-sdk-language", "rust"))
        .respond_with(ok(json!({"status":"ok","version":"1","database":"ok","longPoll":true,"time":"2026-01-01T00:00:00Z"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_with_store(&server, Arc::new(MemoryStore::new()));
    client.health().await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    let ua = header_of(&reqs[0], "user-agent");
    assert!(
        ua.starts_with("renderiq-sdk-rust/") && ua.contains("revit"),
        "{ua}"
    );
}

fn header_of(req: &wiremock::Request, name: &str) -> String {
    support::header(req, name).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_and_saves_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/signin")))
        .respond_with(api_error(401, "INVALID_CREDENTIALS", json!({})))
        .mount(&server)
        .await;
    let store = Arc::new(MemoryStore::new());
    let client = client_with_store(&server, store.clone());
    let err = client.sign_in("ada@example.com", "nope").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.error_code(), Some("INVALID_CREDENTIALS"));
    assert!(store.load().unwrap().is_none());
}

#[tokio::test]
async fn a_call_without_a_session_fails_without_sending_anything() {
    let server = MockServer::start().await;
    let client = client_with_store(&server, Arc::new(MemoryStore::new()));
    let err = client.credits().await.unwrap_err();
    assert!(err.is_auth());
    assert!(err.to_string().contains("sign_in"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn token_close_to_expiry_is_refreshed_before_the_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .and(body_json(json!({"refreshToken": "refresh-1"})))
        .respond_with(ok(session_json("acc-2", "refresh-2", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .and(header("authorization", "Bearer acc-2"))
        .respond_with(ok(credits_json(40)))
        .expect(1)
        .mount(&server)
        .await;
    // Valid for 10 more seconds: inside the 60 s margin.
    let (client, store) = signed_in_client(&server, "acc-1", 10).await;
    assert_eq!(client.credits().await.unwrap().balance, 40);
    let saved = saved_session(store.as_ref());
    assert_eq!(
        saved.refresh_token.expose(),
        "refresh-2",
        "rotated token saved"
    );
}

#[tokio::test]
async fn twenty_concurrent_calls_with_an_expired_token_refresh_exactly_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .respond_with(
            ok(session_json("acc-2", "refresh-2", 3600)).set_delay(Duration::from_millis(150)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .and(header("authorization", "Bearer acc-2"))
        .respond_with(ok(credits_json(7)))
        .expect(20)
        .mount(&server)
        .await;
    let (client, _store) = signed_in_client(&server, "acc-1", -30).await;
    let calls = (0..20).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.credits().await })
    });
    for r in futures_util::future::join_all(calls).await {
        assert_eq!(r.unwrap().unwrap().balance, 7);
    }
}

#[tokio::test]
async fn a_401_causes_one_refresh_and_one_replay() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .and(header("authorization", "Bearer acc-1"))
        .respond_with(api_error(401, "AUTH_REQUIRED", json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .respond_with(ok(session_json("acc-2", "refresh-2", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .and(header("authorization", "Bearer acc-2"))
        .respond_with(ok(credits_json(3)))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc-1", 3600).await;
    assert_eq!(client.credits().await.unwrap().balance, 3);
}

#[tokio::test]
async fn the_next_refresh_uses_the_rotated_refresh_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .and(body_json(json!({"refreshToken": "refresh-1"})))
        .respond_with(ok(session_json("acc-2", "refresh-2", -1)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .and(body_json(json!({"refreshToken": "refresh-2"})))
        .respond_with(ok(session_json("acc-3", "refresh-3", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(ok(credits_json(1)))
        .mount(&server)
        .await;
    let (client, store) = signed_in_client(&server, "acc-1", -1).await;
    client.credits().await.unwrap(); // refresh 1 → already-expired token acc-2
    client.credits().await.unwrap(); // refresh 2 with refresh-2
    assert_eq!(
        saved_session(store.as_ref()).refresh_token.expose(),
        "refresh-3"
    );
}

#[tokio::test]
async fn a_rejected_refresh_clears_the_session_and_is_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .respond_with(api_error(401, "AUTH_REQUIRED", json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(ok(credits_json(1)))
        .expect(0)
        .mount(&server)
        .await;
    let (client, store) = signed_in_client(&server, "acc-1", -5).await;
    let err = client.credits().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("sign in again"), "{err}");
    assert!(store.load().unwrap().is_none(), "session cleared");
    assert!(!client.is_signed_in().await.unwrap());
}

#[tokio::test]
async fn api_key_auth_sends_the_key_and_never_refreshes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .and(header("authorization", "Bearer rq_live_abc"))
        .respond_with(api_error(401, "AUTH_REQUIRED", json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .respond_with(ok(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let store = Arc::new(MemoryStore::new());
    let client = client_with_store(&server, store.clone());
    client.use_api_key("rq_live_abc").await.unwrap();
    assert_eq!(
        store.load().unwrap().unwrap().api_key().unwrap().expose(),
        "rq_live_abc"
    );
    let err = client.credits().await.unwrap_err();
    assert!(err.is_auth());
    assert!(err.to_string().contains("API key"), "{err}");
}

#[tokio::test]
async fn sign_out_revokes_the_refresh_token_and_clears_the_store() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/signout")))
        .and(body_json(json!({"refreshToken": "refresh-1"})))
        .respond_with(ok(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let (client, store) = signed_in_client(&server, "acc-1", 3600).await;
    client.sign_out().await.unwrap();
    assert!(store.load().unwrap().is_none());
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_error_output() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(api_error(
            403,
            "INSUFFICIENT_SCOPE",
            json!({"details": {"scope": "credits:read"}}),
        ))
        .mount(&server)
        .await;
    let (client, store) = signed_in_client(&server, "super-secret-access", 3600).await;
    let err = client.credits().await.unwrap_err();
    for text in [
        format!("{client:?}"),
        format!("{err:?}"),
        err.to_string(),
        format!("{:?}", store.load().unwrap()),
    ] {
        assert!(
            !text.contains("super-secret-access") && !text.contains("refresh-1"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn an_unreadable_token_store_answers_not_signed_in_and_the_next_call_says_why() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    // A session sealed with one key, read with another: the store cannot be read.
    EncryptedFileStore::with_key(&path, [1; 32])
        .save(&stored("acc-1", "refresh-1", 3600))
        .unwrap();
    let client = client_with_store(
        &server,
        Arc::new(EncryptedFileStore::with_key(&path, [2; 32])),
    );
    for _ in 0..2 {
        assert!(!client.is_signed_in().await.unwrap());
    }
    let err = client.me().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TokenStore, "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
