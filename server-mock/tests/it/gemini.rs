//! The Gemini generator against a local HTTP peer that answers like `generateContent`.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::{Arc, Mutex};

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use base64::Engine as _;
use serde_json::{json, Value};
use support::TestServer;

struct Peer {
    base: String,
    requests: Arc<Mutex<Vec<(String, String, Value)>>>,
}

/// A fake Gemini API: answers every call with `image` (or an error when `None`).
async fn peer(image: Option<Vec<u8>>) -> Peer {
    let requests: Arc<Mutex<Vec<(String, String, Value)>>> = Arc::default();
    let seen = requests.clone();
    let app = axum::Router::new().route(
        "/v1beta/models/{call}",
        axum::routing::post(move |Path(call): Path<String>, headers: HeaderMap, Json(body): Json<Value>| {
            let (seen, image) = (seen.clone(), image.clone());
            async move {
                let key = headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                seen.lock().unwrap().push((call, key, body));
                match image {
                    Some(bytes) => (
                        StatusCode::OK,
                        Json(json!({
                            "candidates": [{
                                "content": { "role": "model", "parts": [
                                    { "text": "Here is your render." },
                                    { "inlineData": {
                                        "mimeType": "image/png",
                                        "data": base64::engine::general_purpose::STANDARD.encode(&bytes)
                                    } }
                                ] },
                                "finishReason": "STOP"
                            }]
                        })),
                    ),
                    None => (
                        StatusCode::TOO_MANY_REQUESTS,
                        Json(json!({ "error": { "code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED" } })),
                    ),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Peer { base, requests }
}

async fn gemini_server(peer: &Peer) -> TestServer {
    let base = peer.base.clone();
    TestServer::start_with(move |c| {
        c.generator = renderiq_server::GeneratorKind::Gemini;
        c.gemini_api_key = Some(renderiq_sdk::Secret::new("test-key"));
        c.gemini_base_url = base;
        c.gemini_model = "test-model".to_owned();
    })
    .await
}

#[tokio::test]
async fn gemini_generator_sends_the_viewport_and_stores_the_returned_image() {
    let output = support::png(30, 20);
    let peer = peer(Some(output.clone())).await;
    let server = gemini_server(&peer).await;
    let user = server.user(100).await;
    let input = support::png(64, 48);
    let resp = server
        .create_render_with(
            &user.token,
            input.clone(),
            &[("prompt", "brick facade"), ("style", "clay")],
            &[],
        )
        .await;
    let done = server
        .wait_for_render(&user.token, resp.data()["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let stored = server
        .http
        .get(done["outputUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), output.as_slice());

    let requests = peer.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let (call, key, body) = &requests[0];
    assert_eq!(call, "test-model:generateContent");
    assert_eq!(key, "test-key");
    let parts = &body["contents"][0]["parts"];
    let text = parts[0]["text"].as_str().unwrap();
    assert!(
        text.contains("brick facade") && text.contains("clay"),
        "{text}"
    );
    assert_eq!(parts[1]["inline_data"]["mime_type"], "image/png");
    let sent = base64::engine::general_purpose::STANDARD
        .decode(parts[1]["inline_data"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(sent, input);
    assert_eq!(
        body["generationConfig"]["imageConfig"]["aspectRatio"],
        "16:9"
    );
}

#[tokio::test]
async fn gemini_error_fails_the_render_and_refunds_it() {
    let peer = peer(None).await;
    let server = gemini_server(&peer).await;
    let user = server.user(100).await;
    let resp = server.create_render(&user.token, &[]).await;
    let done = server
        .wait_for_render(&user.token, resp.data()["id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "failed");
    assert!(
        done["error"].as_str().unwrap().contains("exhausted"),
        "{done}"
    );
    assert_eq!(server.balance(&user.token).await, 100);
}

#[tokio::test]
async fn gemini_generator_needs_an_api_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::test_config(dir.path());
    config.generator = renderiq_server::GeneratorKind::Gemini;
    config.gemini_api_key = None;
    let err = renderiq_server::spawn(config).await.unwrap_err();
    assert!(err.to_string().contains("GEMINI_API_KEY"), "{err}");
}
