//! The generated OpenAPI document, health, unknown routes, request ids and the 500 envelope.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt as _;
use serde_json::Value;
use support::TestServer;
use tower::ServiceExt as _;

const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/plugins/auth/signin"),
    ("post", "/api/plugins/auth/refresh"),
    ("post", "/api/plugins/auth/signout"),
    ("get", "/api/plugins/auth/me"),
    ("post", "/api/plugins/keys"),
    ("get", "/api/plugins/keys"),
    ("delete", "/api/plugins/keys/{id}"),
    ("post", "/api/plugins/webhooks/register"),
    ("get", "/api/plugins/webhooks"),
    ("delete", "/api/plugins/webhooks/{id}"),
    ("get", "/api/plugins/webhooks/callback-secret"),
    ("post", "/api/plugins/renders"),
    ("get", "/api/plugins/renders"),
    ("get", "/api/plugins/renders/{id}"),
    ("post", "/api/plugins/renders/{id}/cancel"),
    ("get", "/api/plugins/projects"),
    ("post", "/api/plugins/projects"),
    ("get", "/api/plugins/credits"),
    ("get", "/api/plugins/credits/transactions"),
    ("get", "/api/plugins/settings"),
    ("patch", "/api/plugins/settings"),
    ("get", "/api/plugins/health"),
    ("get", "/api/plugins/openapi.json"),
];

#[tokio::test]
async fn openapi_document_describes_every_route() {
    let server = TestServer::start().await;
    let doc = server.get(None, "/openapi.json").await.body;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} missing"
        );
    }
    let operations: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(operations, ROUTES.len());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for schema in [
        "ErrorBody",
        "Render",
        "CreateRenderJson",
        "AuthSession",
        "WebhookEvent",
        "Settings",
    ] {
        assert!(schemas.contains_key(schema), "schema {schema} missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let render = &paths["/api/plugins/renders"]["post"];
    assert!(render["requestBody"]["content"]["multipart/form-data"].is_object());
    assert!(render["requestBody"]["content"]["application/json"].is_object());
    assert!(render["responses"]["402"].is_object());
}

#[tokio::test]
async fn openapi_document_is_served_in_process_too() {
    let dir = tempfile::tempdir().unwrap();
    let config = support::test_config(dir.path());
    let state = renderiq_server::prepare(
        config,
        "http://localhost",
        Arc::new(renderiq_server::render::LocalGenerator::default()),
        Default::default(),
    )
    .await
    .unwrap();
    let app = renderiq_server::app(state);
    let response = app
        .oneshot(
            Request::get("/api/plugins/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("x-request-id").is_some());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["info"]["title"], "Renderiq plugin API");
}

#[tokio::test]
async fn health_needs_no_auth_and_offers_long_poll() {
    let server = TestServer::start().await;
    let resp = server.get(None, "/health").await;
    let data = resp.data();
    assert_eq!(data["status"], "ok");
    assert_eq!(data["database"], "ok");
    assert_eq!(data["longPoll"], true);
    assert_eq!(data["version"], env!("CARGO_PKG_VERSION"));
    assert!(resp.header("x-request-id").unwrap().starts_with("req_"));
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_the_error_envelope() {
    let server = TestServer::start().await;
    server
        .get(None, "/nope")
        .await
        .assert_error(404, "NOT_FOUND");
    let resp = server
        .send(server.http.get(format!("{}/elsewhere", server.base)))
        .await;
    resp.assert_error(404, "NOT_FOUND");
    let resp = server
        .send(
            server
                .http
                .get(format!("{}/cdn/uploads/missing.png", server.base)),
        )
        .await;
    // An unsigned /cdn/ link is refused before the file is looked for (see tests/cdn_links.rs).
    resp.assert_error(403, "AUTH_REQUIRED");
    let resp = server.send(server.http.put(server.url("/health"))).await;
    resp.assert_error(405, "NOT_FOUND");
}

#[tokio::test]
async fn request_ids_differ_per_request() {
    let server = TestServer::start().await;
    let a = server.get(None, "/health").await;
    let b = server.get(None, "/health").await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}

#[tokio::test]
async fn database_failures_are_internal_errors_that_reveal_nothing() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    // Break the projects table behind the server's back (renamed: renders refer to it).
    server.query("ALTER TABLE projects RENAME TO projects_gone", &[]);
    let resp = server.get(Some(&user.token), "/projects").await;
    let body = resp.assert_error(500, "INTERNAL_ERROR");
    assert_eq!(body["error"], "internal server error");
    assert!(!body.to_string().contains("projects"), "{body}");
}
