//! Retries (429 with Retry-After, 5xx, idempotency keys) and the mapping of every error code.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::{Duration, Instant};

use renderiq_sdk::{CreateRender, ErrorKind, RetryPolicy, Screenshot};
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_seconds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(
            api_error(429, "RATE_LIMIT_EXCEEDED", json!({"retryAfter": 1}))
                .insert_header("retry-after", "1"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(ok(credits_json(5)))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    let started = Instant::now();
    assert_eq!(client.credits().await.unwrap().balance, 5);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_to_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(
            api_error(429, "RATE_LIMIT_EXCEEDED", json!({"retryAfter": 120}))
                .insert_header("retry-after", "120"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    let err = client.credits().await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.status(), Some(429));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(api_error(503, "SERVICE_UNAVAILABLE", json!({})))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ok(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    assert!(client.projects().await.unwrap().is_empty());
}

#[tokio::test]
async fn retries_stop_after_the_policy_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(api_error(500, "INTERNAL_ERROR", json!({})))
        .expect(3) // first attempt + 2 retries
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    let err = client.projects().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.request_id(), Some("req_err"));
}

#[tokio::test]
async fn render_creation_is_retried_with_the_same_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("renders")))
        .respond_with(api_error(503, "SERVICE_UNAVAILABLE", json!({})))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("renders")))
        .respond_with(ok(render_json("r_1", "pending", 0)))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    let render = client
        .create_render(CreateRender::new(Screenshot::encoded(png_bytes())))
        .await
        .unwrap();
    assert_eq!(render.id, "r_1");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 3);
    let keys: Vec<_> = reqs
        .iter()
        .map(|r| header(r, "idempotency-key").unwrap().to_owned())
        .collect();
    assert!(keys[0].starts_with("rq_"));
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
    // Same bytes on every attempt, once each form's random boundary is taken out.
    let normalised = |r: &wiremock::Request| {
        let ct = header(r, "content-type").unwrap();
        let boundary = ct.split("boundary=").nth(1).unwrap().to_owned();
        String::from_utf8_lossy(&r.body).replace(&boundary, "BOUNDARY")
    };
    assert!(
        reqs.iter().all(|r| normalised(r) == normalised(&reqs[0])),
        "same body on every attempt"
    );
}

#[tokio::test]
async fn a_caller_supplied_idempotency_key_is_sent_as_is() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("renders")))
        .respond_with(ok(render_json("r_1", "pending", 0)))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    client
        .create_render(
            CreateRender::new(Screenshot::encoded(png_bytes())).idempotency_key("my-key-1"),
        )
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(header(&reqs[0], "idempotency-key"), Some("my-key-1"));
}

#[tokio::test]
async fn a_creating_post_without_a_key_is_not_retried_on_a_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("projects")))
        .respond_with(api_error(502, "INTERNAL_ERROR", json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    assert_eq!(
        client
            .create_project("Villa", None)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Server
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = renderiq_sdk::Client::builder()
        .base_url(format!("http://{addr}"))
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .token_store(renderiq_sdk::token_store::MemoryStore::new())
        .no_proxy()
        .build()
        .unwrap();
    let err = client.health().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network);
    assert!(err.to_string().contains("check the network"), "{err}");
}

#[tokio::test]
async fn a_slow_server_is_a_timeout_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("health")))
        .respond_with(ok(json!({})).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = renderiq_sdk::Client::builder()
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .token_store(renderiq_sdk::token_store::MemoryStore::new())
        .no_proxy()
        .build()
        .unwrap();
    assert!(client.health().await.unwrap_err().is_timeout());
}

#[tokio::test]
async fn every_error_code_maps_to_its_typed_error_with_its_fields() {
    let cases = [
        (401, "AUTH_REQUIRED", ErrorKind::Auth, json!({})),
        (401, "INVALID_CREDENTIALS", ErrorKind::Auth, json!({})),
        (
            403,
            "INSUFFICIENT_SCOPE",
            ErrorKind::PermissionDenied,
            json!({"details": {"scope": "credits:read"}}),
        ),
        (404, "NOT_FOUND", ErrorKind::NotFound, json!({})),
        (
            400,
            "INVALID_INPUT",
            ErrorKind::InvalidInput,
            json!({"details": {"prompt": "too long"}}),
        ),
        (413, "PAYLOAD_TOO_LARGE", ErrorKind::InvalidInput, json!({})),
        (
            402,
            "INSUFFICIENT_CREDITS",
            ErrorKind::InsufficientCredits,
            json!({"requiredCredits": 10, "availableCredits": 5}),
        ),
        (
            429,
            "RATE_LIMIT_EXCEEDED",
            ErrorKind::RateLimited,
            json!({"retryAfter": 90}),
        ),
        (409, "IDEMPOTENCY_CONFLICT", ErrorKind::Conflict, json!({})),
        (409, "CONFLICT", ErrorKind::Conflict, json!({})),
        (500, "RENDER_FAILED", ErrorKind::RenderFailed, json!({})),
        (500, "INTERNAL_ERROR", ErrorKind::Server, json!({})),
        (503, "SERVICE_UNAVAILABLE", ErrorKind::Server, json!({})),
    ];
    assert_eq!(cases.len(), renderiq_sdk::types::ErrorCode::ALL.len());
    for (status, code, kind, extra) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(api("settings")))
            .respond_with(api_error(status, code, extra.clone()))
            .mount(&server)
            .await;
        let store = std::sync::Arc::new(renderiq_sdk::token_store::MemoryStore::new());
        let client = renderiq_sdk::Client::builder()
            .base_url(server.uri())
            .retry_policy(RetryPolicy::none())
            .api_key("rq_live_x")
            .shared_token_store(store)
            .build()
            .unwrap();
        let err = client.settings().await.unwrap_err();
        assert_eq!(err.kind(), kind, "{code}");
        assert_eq!(err.error_code(), Some(code));
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.request_id(), Some("req_err"));
        assert_eq!(err.message(), format!("{code} happened"));
        if code == "INSUFFICIENT_CREDITS" {
            assert_eq!(
                (err.required_credits(), err.available_credits()),
                (Some(10), Some(5))
            );
        }
        if code == "RATE_LIMIT_EXCEEDED" {
            assert_eq!(err.retry_after(), Some(Duration::from_secs(90)));
        }
        if let Some(details) = extra.get("details") {
            assert_eq!(err.details(), Some(details));
        }
        let j = err.to_json();
        assert_eq!(j["code"], code);
        assert_eq!(j["status"], status);
    }
}

#[tokio::test]
async fn a_non_json_error_page_still_gives_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("settings")))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>nginx</html>"))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    let err = client.settings().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.error_code(), None);
}

#[tokio::test]
async fn an_unexpected_success_body_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("settings")))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"hello\": 1}"))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    assert_eq!(
        client.settings().await.unwrap_err().kind(),
        ErrorKind::Decode
    );
}
