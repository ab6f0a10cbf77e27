//! A server (or something posing as one) that answers what it should not: a redirect that would
//! carry the sign-in body to another origin, an endless answer, an absurd `Retry-After`. The
//! client gives a typed error and never panics, leaks the password or exhausts memory.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use renderiq_sdk::token_store::MemoryStore;
use renderiq_sdk::ErrorKind;
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_307_to_another_origin_never_receives_the_sign_in_body() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/signin")))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/steal", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let client = client_with_store(&server, Arc::new(MemoryStore::new()));
    let err = client
        .sign_in("ada@example.com", "correct horse")
        .await
        .unwrap_err();
    assert_ne!(err.kind(), ErrorKind::Network, "{err}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    assert!(!format!("{err:?}").contains("correct horse"));
}

#[tokio::test]
async fn a_307_on_the_same_origin_is_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/signin")))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", api("auth/signin-v2").as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/signin-v2")))
        .respond_with(ok(session_json("a", "r", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_with_store(&server, Arc::new(MemoryStore::new()));
    client
        .sign_in("ada@example.com", "correct horse")
        .await
        .unwrap();
}

#[tokio::test]
async fn an_endless_answer_is_refused_past_the_cap() {
    let server = MockServer::start().await;
    let huge = format!(
        "{{\"data\":{{\"balance\":1}},\"pad\":\"{}\"}}",
        "x".repeat(9 << 20)
    );
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(ResponseTemplate::new(200).set_body_string(huge))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    let err = client.credits().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert_eq!(err.error_code(), Some("RESPONSE_TOO_LARGE"), "{err}");
}

#[tokio::test]
async fn an_absurd_retry_after_is_a_rate_limit_error_not_a_panic_or_a_wait() {
    let server = MockServer::start().await;
    for value in [
        "1e300",
        "18446744073709551616",
        "Wed, 21 Oct 2099 07:28:00 GMT",
    ] {
        server.reset().await;
        Mock::given(method("GET"))
            .and(path(api("credits")))
            .respond_with(
                api_error(429, "RATE_LIMIT_EXCEEDED", json!({}))
                    .insert_header("retry-after", value),
            )
            .expect(1)
            .mount(&server)
            .await;
        let (client, _) = signed_in_client(&server, "a", 3600).await;
        let started = std::time::Instant::now();
        let err = client.credits().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::RateLimited, "{value}: {err}");
        assert!(
            err.retry_after()
                .is_some_and(|d| d > Duration::from_secs(3600)),
            "{value}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{value}: it waited"
        );
        server.verify().await;
    }
}
