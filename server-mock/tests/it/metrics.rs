//! `/metrics`: off by default, token-protected, and its series follow what the server did.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use renderiq_server::config::Config;
use serde_json::json;
use support::receiver::Receiver;
use support::TestServer;

pub(crate) const TOKEN: &str = "scrape-token-0123456789";

fn with_metrics(config: &mut Config) {
    config.metrics_token = Some(TOKEN.into());
}

async fn scrape(server: &TestServer, token: Option<&str>) -> reqwest::Response {
    let mut request = support::client().get(format!("{}/metrics", server.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

pub(crate) async fn metrics_text(server: &TestServer) -> String {
    let resp = scrape(server, Some(TOKEN)).await;
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text; version=1.0.0"));
    resp.text().await.unwrap()
}

/// The value of the sample whose line starts with `series` (name and labels as printed).
pub(crate) fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

#[tokio::test]
async fn metrics_are_off_without_a_token_flag() {
    let server = TestServer::start().await;
    let resp = scrape(&server, Some(TOKEN)).await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn metrics_need_the_token() {
    let server = TestServer::start_with(with_metrics).await;
    assert_eq!(scrape(&server, None).await.status(), 401);
    assert_eq!(scrape(&server, Some("wrong")).await.status(), 401);
    // A plugin's access token is not the scrape token.
    let user = server.user(10).await;
    assert_eq!(scrape(&server, Some(&user.token)).await.status(), 401);
    assert_eq!(scrape(&server, Some(TOKEN)).await.status(), 200);
}

#[tokio::test]
async fn metrics_follow_requests_renders_credits_and_webhooks() {
    let server = TestServer::start_with(with_metrics).await;
    let before = metrics_text(&server).await;
    assert_eq!(sample(&before, "renderiq_credits_spent_total"), Some(0.0));
    assert_eq!(
        sample(&before, "renderiq_renders{state=\"completed\"}"),
        Some(0.0)
    );

    let user = server.user(100).await;
    let receiver = Receiver::start(0).await;
    server
        .post(
            Some(&user.token),
            "/webhooks/register",
            json!({ "url": receiver.url, "events": ["render.completed"] }),
        )
        .await
        .data();
    let render = server
        .create_render(&user.token, &[("quality", "ultra")])
        .await;
    let id = render.data()["id"].as_str().unwrap().to_owned();
    server.wait_for_render(&user.token, &id).await;
    receiver.wait_for(1).await;
    server.get(Some(&user.token), "/renders/rnd_missing").await;

    // The delivery's attempt is counted once it is recorded, just after the receiver answered.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let text = loop {
        let text = metrics_text(&server).await;
        let delivered = sample(
            &text,
            "renderiq_webhook_attempts_total{outcome=\"delivered\"}",
        );
        if delivered == Some(1.0) {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the delivery was not counted:\n{text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(sample(&text, "renderiq_credits_spent_total"), Some(20.0));
    assert_eq!(
        sample(&text, "renderiq_renders{state=\"completed\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "renderiq_renders{state=\"pending\"}"),
        Some(0.0)
    );
    assert_eq!(sample(&text, "renderiq_webhook_outbox_backlog"), Some(0.0));
    assert_eq!(sample(&text, "renderiq_long_poll_waiters"), Some(0.0));
    assert_eq!(
        sample(
            &text,
            "renderiq_generator_duration_seconds_count{outcome=\"ok\"}"
        ),
        Some(1.0)
    );
    // Requests are labelled by their route's template, never by the raw path.
    assert_eq!(
        sample(
            &text,
            "renderiq_http_requests_total{method=\"POST\",route=\"/api/plugins/renders\",status=\"200\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "renderiq_http_requests_total{method=\"GET\",route=\"/api/plugins/renders/{id}\",status=\"404\"}"
        ),
        Some(1.0)
    );
    assert!(!text.contains("rnd_"), "a raw path leaked into a label");
    assert!(text.contains("renderiq_http_request_duration_seconds_bucket{"));
    // The previous scrape was counted too, under its own route.
    assert!(
        sample(
            &text,
            "renderiq_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}"
        )
        .unwrap()
            >= 1.0
    );
}
