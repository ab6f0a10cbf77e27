//! The webhook receiver on a real socket: signed deliveries are accepted and handed on once,
//! anything else gets a 401. A signed body is never refused for what it holds.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use renderiq_examples::receiver;
use renderiq_sdk::types::Event;
use renderiq_sdk::webhooks::{self, Webhook};
use serde_json::json;

struct Receiver {
    url: String,
    events: Arc<Mutex<Vec<Event>>>,
    webhook: Webhook,
}

async fn start() -> Receiver {
    let secret = webhooks::generate_secret();
    let webhook = Webhook::new(&secret).unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let app = receiver::app(webhook.clone(), move |e| {
        seen.lock().unwrap().push(e.clone())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver {
        url: format!("http://{addr}{}", receiver::PATH),
        events,
        webhook,
    }
}

fn event_body() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "render.completed",
        "timestamp": "2026-01-31T12:00:06Z",
        "data": {
            "id": "rnd_42", "status": "completed", "progress": 100, "style": "sketch", "quality": "standard",
            "aspectRatio": "4:3", "creditsCost": 5, "outputUrl": "http://127.0.0.1:8787/cdn/outputs/rnd_42.png",
            "createdAt": "2026-01-31T12:00:00Z", "updatedAt": "2026-01-31T12:00:06Z"
        }
    }))
    .unwrap()
}

async fn post(
    url: &str,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let http = renderiq_server::tls::client_builder()
        .unwrap()
        .no_proxy()
        .build()
        .unwrap();
    let mut req = http
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn signed_delivery_is_accepted_and_its_event_handed_on() {
    let rx = start().await;
    let body = event_body();
    let headers =
        webhooks::signature_headers(&rx.webhook, "msg_1", chrono::Utc::now().timestamp(), &body);
    let (status, answer) = post(&rx.url, &headers, body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["duplicate"], false);
    let events = rx.events.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind(), Some("render.completed"));
    assert_eq!(events[0].render().map(|r| r.id.as_str()), Some("rnd_42"));
    assert!(receiver::describe(&events[0])
        .contains("render.completed render rnd_42 (completed, 5 credits)"));
}

#[tokio::test]
async fn tampered_delivery_gets_401_and_is_not_handed_on() {
    let rx = start().await;
    let body = event_body();
    let headers =
        webhooks::signature_headers(&rx.webhook, "msg_1", chrono::Utc::now().timestamp(), &body);
    let tampered = String::from_utf8(body)
        .unwrap()
        .replace("\"creditsCost\":5", "\"creditsCost\":0")
        .into_bytes();
    let (status, answer) = post(&rx.url, &headers, tampered).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["code"], "WEBHOOK_BAD_SIGNATURE");
    assert!(rx.events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn unsigned_stale_or_foreign_deliveries_get_401() {
    let rx = start().await;
    let body = event_body();
    let now = chrono::Utc::now().timestamp();

    let (status, answer) = post(&rx.url, &[], body.clone()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("WEBHOOK_MISSING_HEADER"))
    );

    let stale = webhooks::signature_headers(&rx.webhook, "msg_1", now - 3600, &body);
    let (status, answer) = post(&rx.url, &stale, body.clone()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("WEBHOOK_TIMESTAMP_TOO_OLD"))
    );

    let other = Webhook::new(&webhooks::generate_secret()).unwrap();
    let foreign = webhooks::signature_headers(&other, "msg_1", now, &body);
    let (status, _) = post(&rx.url, &foreign, body).await;
    assert_eq!(status, 401);
    assert!(rx.events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_retried_delivery_is_acknowledged_but_handled_once() {
    let rx = start().await;
    let body = event_body();
    let now = chrono::Utc::now().timestamp();
    let first = webhooks::signature_headers(&rx.webhook, "msg_retry", now, &body);
    let retry = webhooks::signature_headers(&rx.webhook, "msg_retry", now + 5, &body);
    assert_eq!(post(&rx.url, &first, body.clone()).await.0, 200);
    let (status, answer) = post(&rx.url, &retry, body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["duplicate"], true);
    assert_eq!(rx.events.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn verified_body_that_is_not_a_render_event_is_accepted_and_handed_on() {
    let rx = start().await;
    let now = chrono::Utc::now().timestamp();
    let bodies = [
        br#"{"type":"account.updated","data":{"plan":"pro"}}"#.to_vec(),
        br#"{"hello":"world"}"#.to_vec(),
    ];
    for (i, body) in bodies.iter().enumerate() {
        let headers = webhooks::signature_headers(&rx.webhook, &format!("msg_{i}"), now, body);
        let (status, answer) = post(&rx.url, &headers, body.clone()).await;
        assert_eq!(status, 200, "{answer}");
    }
    let events = rx.events.lock().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind(), Some("account.updated"));
    assert!(events[0].render().is_none());
    assert_eq!(events[1], Event::Other(json!({"hello": "world"})));
    assert!(receiver::describe(&events[0]).contains("account.updated event (not a render event)"));
}
