//! The batch renderer: rate limits that escape the SDK are waited out with the same idempotency
//! key, and a folder renders end to end against the reference server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use renderiq_examples::batch::{self, BatchOptions};
use renderiq_sdk::token_store::MemoryStore;
use renderiq_sdk::{Client, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn sample_png() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/sample-viewport.png")
}

fn render_json(status: &str, output_url: Option<String>) -> serde_json::Value {
    json!({
        "id": "rnd_1", "status": status, "progress": if status == "completed" { 100 } else { 0 },
        "style": "sketch", "quality": "standard", "aspectRatio": "16:9", "creditsCost": 5,
        "outputUrl": output_url, "createdAt": "2026-01-31T12:00:00Z", "updatedAt": "2026-01-31T12:00:01Z"
    })
}

#[tokio::test]
async fn rate_limit_that_escapes_the_sdk_is_waited_out_with_the_same_idempotency_key() {
    let server = MockServer::start().await;
    let limited = json!({ "success": false, "error": "Too many requests", "errorCode": "RATE_LIMIT_EXCEEDED", "retryAfter": 0 });
    // More 429s in a row than the SDK's own retries absorb (2 retries): one error escapes.
    Mock::given(method("POST"))
        .and(path("/api/plugins/renders"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(&limited),
        )
        .up_to_n_times(4)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/plugins/renders"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({ "success": true, "data": render_json("pending", None) })),
        )
        .mount(&server)
        .await;
    let output_url = format!("{}/cdn/outputs/rnd_1.png", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/plugins/renders/rnd_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "success": true, "data": render_json("completed", Some(output_url)) }),
        ))
        .mount(&server)
        .await;
    let png = std::fs::read(sample_png()).unwrap();
    Mock::given(method("GET"))
        .and(path("/cdn/outputs/rnd_1.png"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(png.clone()),
        )
        .mount(&server)
        .await;

    let client = Client::builder()
        .base_url(server.uri())
        .api_key("rq_test_key")
        .no_proxy()
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(10))
                .jitter(false),
        )
        .build()
        .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let output = out_dir.path().join("view-render.png");
    let opts = BatchOptions::new("dusk");
    let done = batch::render_one(&client, &sample_png(), &output, "batch-test-0", &opts)
        .await
        .expect("rendered");

    assert!(done.rate_limit_waits >= 1, "an escaped 429 was waited out");
    assert_eq!(done.render.id, "rnd_1");
    assert_eq!(std::fs::read(&output).unwrap(), png);
    let creates: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect();
    assert_eq!(creates.len(), 5, "4 limited + 1 accepted");
    for r in &creates {
        assert_eq!(r.headers.get("idempotency-key").unwrap(), "batch-test-0");
    }
}

#[tokio::test]
async fn a_rate_limit_that_never_ends_fails_that_file_only_after_its_retries() {
    let server = MockServer::start().await;
    let limited = json!({ "success": false, "error": "Too many requests", "errorCode": "RATE_LIMIT_EXCEEDED" });
    Mock::given(method("POST"))
        .and(path("/api/plugins/renders"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(&limited),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .api_key("rq_test_key")
        .no_proxy()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let mut opts = BatchOptions::new("dusk");
    opts.rate_limit_retries = 2;
    let out_dir = tempfile::tempdir().unwrap();
    let err = batch::render_one(
        &client,
        &sample_png(),
        &out_dir.path().join("x.png"),
        "k",
        &opts,
    )
    .await
    .expect_err("gives up");
    assert!(err.is_rate_limited());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "first try + 2 waits"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renders_a_folder_concurrently_against_the_reference_server() {
    let data = tempfile::tempdir().unwrap();
    renderiq_server::add_user(data.path(), "batch@example.com", "pw-batch", None, 100).unwrap();
    let mut config = renderiq_server::Config::ephemeral(data.path());
    config.render_delay_ms = 100;
    let server = renderiq_server::spawn(config).await.unwrap();

    let input = tempfile::tempdir().unwrap();
    for name in ["north.png", "south.png", "east.png", "west.PNG"] {
        std::fs::copy(sample_png(), input.path().join(name)).unwrap();
    }
    std::fs::write(input.path().join("notes.txt"), "not an image").unwrap();
    let inputs = batch::find_images(input.path()).unwrap();
    assert_eq!(inputs.len(), 4);

    let client = Client::builder()
        .base_url(server.base_url.as_str())
        .token_store(MemoryStore::new())
        .no_proxy()
        .build()
        .unwrap();
    client
        .sign_in("batch@example.com", "pw-batch")
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut opts = BatchOptions::new("dusk, warm light").concurrency(2);
    opts.quality = Some(renderiq_sdk::Quality::Standard);
    let outcomes = batch::render_all(&client, inputs, out.path(), &opts).await;

    let summary = batch::summary(&outcomes);
    assert!(
        summary.ends_with("4 rendered, 0 failed, 20 credits spent\n"),
        "{summary}"
    );
    for o in &outcomes {
        let done = o.result.as_ref().unwrap();
        let img = image::open(&done.output).unwrap();
        assert!(img.width() > 0);
    }
    assert!(out.path().join("north-render.png").exists());
    assert_eq!(client.credits().await.unwrap().balance, 80);
    server.stop().await.unwrap();
}

#[test]
fn output_names_never_collide() {
    let inputs = [
        "a/view.png",
        "b/view.jpg",
        "plan.webp",
        "c/view.jpg",
        "d/VIEW.jpg",
    ]
    .map(PathBuf::from);
    let outs = batch::output_paths(&inputs, Path::new("out"));
    assert_eq!(
        outs,
        [
            "out/view-render.png",
            "out/view.jpg-render.png",
            "out/plan-render.png",
            "out/view.jpg-2-render.png",
            "out/VIEW.jpg-3-render.png",
        ]
        .map(PathBuf::from)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_renders_than_the_bound_are_in_flight() {
    let server = MockServer::start().await;
    let delay = Duration::from_millis(300);
    Mock::given(method("POST"))
        .and(path("/api/plugins/renders"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_delay(delay)
                .set_body_json(json!({ "success": true, "data": render_json("pending", None) })),
        )
        .mount(&server)
        .await;
    let output_url = format!("{}/cdn/outputs/rnd_1.png", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/plugins/renders/rnd_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "success": true, "data": render_json("completed", Some(output_url)) }),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/cdn/outputs/rnd_1.png"))
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(std::fs::read(sample_png()).unwrap()),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .api_key("rq_test_key")
        .no_proxy()
        .build()
        .unwrap();
    let inputs: Vec<PathBuf> = (0..4).map(|_| sample_png()).collect();
    let out = tempfile::tempdir().unwrap();

    let started = std::time::Instant::now();
    let outcomes = batch::render_all(
        &client,
        inputs,
        out.path(),
        &BatchOptions::new("x").concurrency(2),
    )
    .await;
    let elapsed = started.elapsed();
    assert!(
        outcomes.iter().all(|o| o.result.is_ok()),
        "{}",
        batch::summary(&outcomes)
    );
    // Four creations of 300 ms each, two at a time: at least two waves.
    assert!(
        elapsed >= delay * 2,
        "took {elapsed:?}: more than 2 renders ran at once"
    );
}
