//! The SDK's own client against the real server: the contract both sides share, end to end.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use renderiq_sdk::token_store::{Credential, MemoryStore, TokenStore};
use renderiq_sdk::{
    Client, CreateRender, ErrorKind, ListRenders, PixelFormat, Quality, RenderStatus, Screenshot,
    WaitOptions,
};
use support::{TestServer, PASSWORD};

fn sdk(server: &TestServer, store: Arc<MemoryStore>) -> Client {
    Client::builder()
        .base_url(&server.base)
        .platform(renderiq_sdk::Platform::Revit)
        .plugin("renderiq-revit", "3.1.0")
        .shared_token_store(store)
        .refresh_margin(Duration::ZERO)
        .no_proxy()
        .build()
        .unwrap()
}

/// A 640x360 BGRA capture with 32 bytes of padding per row, as Revit hands it over.
fn bgra_capture() -> (Vec<u8>, u32, u32, usize) {
    let (w, h) = (640u32, 360u32);
    let stride = w as usize * 4 + 32;
    let mut px = vec![0u8; stride * h as usize];
    for y in 0..h as usize {
        for x in 0..w as usize {
            let i = y * stride + x * 4;
            px[i..i + 4].copy_from_slice(&[(x % 256) as u8, (y % 256) as u8, 90, 255]);
        }
    }
    (px, w, h, stride)
}

/// The BGRA capture as a render request.
fn capture_render() -> CreateRender {
    let (px, w, h, stride) = bgra_capture();
    CreateRender::new(Screenshot::raw(px, w, h, stride, PixelFormat::Bgra8))
}

/// A client signed in as a new user with 100 credits.
async fn signed_in(server: &TestServer) -> Client {
    server.add_user("ada@example.com", 100).await;
    let client = sdk(server, Arc::new(MemoryStore::new()));
    client.sign_in("ada@example.com", PASSWORD).await.unwrap();
    client
}

#[tokio::test]
async fn a_plugin_signs_in_renders_raw_pixels_waits_and_downloads() {
    let server = TestServer::start().await;
    server.add_user("ada@example.com", 100).await;
    let store = Arc::new(MemoryStore::new());
    let client = sdk(&server, store.clone());

    let user = client.sign_in("ada@example.com", PASSWORD).await.unwrap();
    assert_eq!(client.me().await.unwrap().id, user.id);
    assert!(store.load().unwrap().is_some());
    let project = client
        .create_project("Villa Savoye", Some("ground floor"))
        .await
        .unwrap();
    assert_eq!(project.slug, "villa-savoye");

    let (px, w, h, stride) = bgra_capture();
    let render = client
        .create_render(
            CreateRender::new(Screenshot::raw(px, w, h, stride, PixelFormat::Bgra8))
                .prompt("dusk, warm light")
                .style("watercolor")
                .quality(Quality::High)
                .aspect_ratio("16:9")
                .project_id(&project.id),
        )
        .await
        .unwrap();
    assert_eq!(render.credits_cost, 10);
    assert_eq!(render.platform, renderiq_sdk::Platform::Revit);

    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let done = client
        .wait_for_render_with(
            &render.id,
            WaitOptions::new().on_progress(move |p| log.lock().unwrap().push(p.render.status)),
        )
        .await
        .unwrap();
    assert_eq!(done.status, RenderStatus::Completed);
    assert_eq!(seen.lock().unwrap().last(), Some(&RenderStatus::Completed));

    let bytes = client.download_render(&done).await.unwrap();
    let img = image::load_from_memory(&bytes).expect("the output decodes");
    assert!(img.width() > 0 && img.height() > 0);

    let credits = client.credits().await.unwrap();
    assert_eq!(credits.balance, 90);
    let ledger = client.credit_transactions(1, 50).await.unwrap();
    assert_eq!(ledger.items.iter().map(|t| t.amount).sum::<i64>(), 90);

    let listed: Vec<_> = client
        .renders(ListRenders::new().project_id(&project.id).limit(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, render.id);

    client.sign_out().await.unwrap();
    assert!(store.load().unwrap().is_none());
    assert!(client.credits().await.unwrap_err().is_auth());
}

#[tokio::test]
async fn the_default_wait_reports_progress_as_it_happens() {
    let server = TestServer::start_with(|c| c.render_delay_ms = 1500).await;
    let client = signed_in(&server).await;
    let render = client.create_render(capture_render()).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    // Long-poll is the default. A fall-back to polling would sleep an hour before its next
    // read, so it could only end by the test's own deadline.
    let done = tokio::time::timeout(
        Duration::from_secs(120),
        client.wait_for_render_with(
            &render.id,
            WaitOptions::new()
                .poll_interval(Duration::from_secs(3600))
                .on_progress(move |p| {
                    log.lock()
                        .unwrap()
                        .push((p.render.status, p.render.progress))
                }),
        ),
    )
    .await
    .expect("the wait followed the render by long-poll, not by hourly polls")
    .unwrap();
    assert_eq!(done.status, RenderStatus::Completed);
    let seen = seen.lock().unwrap();
    let steps = seen
        .iter()
        .filter(|(s, p)| *s == RenderStatus::Processing && *p > 0)
        .count();
    assert!(steps >= 3, "progress reported while processing: {seen:?}");
    assert_eq!(seen.last(), Some(&(RenderStatus::Completed, 100)));
}

#[tokio::test]
async fn cancelling_a_render_operation_before_it_starts_withdraws_it_and_refunds_it() {
    let server = TestServer::start_with(|c| {
        c.workers = 1;
        c.render_delay_ms = 3000;
    })
    .await;
    let client = signed_in(&server).await;
    // The only worker is busy with this one, so the next render stays pending.
    client.create_render(capture_render()).await.unwrap();
    let before = client.credits().await.unwrap().balance;

    let op = client
        .start_render(capture_render(), WaitOptions::new())
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let queued = loop {
        if let Some(render) = op.progress().render {
            break render;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the render was never created"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(queued.status, RenderStatus::Pending);
    assert!(
        client.credits().await.unwrap().balance < before,
        "it was charged"
    );
    op.cancel();
    // Awaited, not a blocking wait: the withdrawal it waits for is answered by the server
    // running on this test's runtime.
    let err = tokio::time::timeout(Duration::from_secs(30), op.finished())
        .await
        .expect("cancelled promptly")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    // The operation ends after the withdrawal, so the server already has it cancelled.
    let now = client.retrieve_render(&queued.id).await.unwrap();
    assert_eq!(
        now.status,
        RenderStatus::Cancelled,
        "withdrawn before the operation ended"
    );
    let withdrawn = loop {
        let now = client.retrieve_render(&queued.id).await.unwrap();
        if now.status != RenderStatus::Pending {
            break now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still pending on the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(withdrawn.status, RenderStatus::Cancelled);
    assert_eq!(client.credits().await.unwrap().balance, before, "refunded");
}

#[tokio::test]
async fn cancelling_only_the_wait_leaves_the_render_running() {
    let server = TestServer::start_with(|c| c.render_delay_ms = 1500).await;
    let client = signed_in(&server).await;
    let render = client.create_render(capture_render()).await.unwrap();
    // The caller created this render: a wait that is cancelled does not withdraw it.
    let op = client
        .start_wait_for_render(&render.id, WaitOptions::new())
        .unwrap();
    op.cancel();
    assert_eq!(
        op.wait(Some(Duration::from_secs(5)))
            .unwrap()
            .unwrap_err()
            .kind(),
        ErrorKind::Cancelled
    );
    let done = client.wait_for_render(&render.id).await.unwrap();
    assert_eq!(done.status, RenderStatus::Completed);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_against_the_server() {
    let server = TestServer::start().await;
    server.add_user("bo@example.com", 20).await;
    let store = Arc::new(MemoryStore::new());
    let client = sdk(&server, store.clone());
    client.sign_in("bo@example.com", PASSWORD).await.unwrap();
    let session = |store: &MemoryStore| match store.load().unwrap() {
        Some(Credential::Session(s)) => s,
        other => panic!("no session stored: {other:?}"),
    };
    let first = session(&store);
    // Two hours later on the server's clock: the hour-long access token has expired there (the
    // SDK, on the system clock, still thinks it fresh and learns it from the 401).
    server.config.clock.advance(Duration::from_secs(7200));
    assert_eq!(client.credits().await.unwrap().balance, 20);
    let second = session(&store);
    assert_ne!(
        first.refresh_token, second.refresh_token,
        "refresh token rotated"
    );

    // The old refresh token was rotated away: past the grace window (30 s) the server rejects
    // its reuse.
    server.config.clock.advance(Duration::from_secs(31));
    let reuse = server
        .http
        .post(server.url("/auth/refresh"))
        .json(&serde_json::json!({"refreshToken": first.refresh_token.expose()}))
        .send()
        .await
        .unwrap();
    assert_eq!(reuse.status().as_u16(), 401);
}

#[tokio::test]
async fn the_server_errors_reach_the_sdk_as_typed_errors_with_their_fields() {
    let server = TestServer::start().await;
    server.add_user("cy@example.com", 5).await;
    let client = sdk(&server, Arc::new(MemoryStore::new()));

    let err = client.sign_in("cy@example.com", "wrong").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.error_code()),
        (ErrorKind::Auth, Some("INVALID_CREDENTIALS"))
    );

    client.sign_in("cy@example.com", PASSWORD).await.unwrap();
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/assets/sample-viewport.png"
    ))
    .unwrap();
    let err = client
        .create_render(CreateRender::new(Screenshot::encoded(png.clone())).quality(Quality::High))
        .await
        .unwrap_err();
    assert!(err.is_insufficient_credits());
    assert_eq!(
        (err.required_credits(), err.available_credits()),
        (Some(10), Some(5))
    );
    assert!(err.request_id().is_some_and(|r| r.starts_with("req_")));

    let err = client.retrieve_render("doesnotexist").await.unwrap_err();
    assert!(err.is_not_found());

    let err = client
        .create_render(
            CreateRender::new(Screenshot::encoded(png))
                .quality(Quality::Standard)
                .style("cubism"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.details().is_some());

    let key = client
        .create_api_key("read only", &["renders:read"], None)
        .await
        .unwrap();
    let keyed = Client::builder()
        .base_url(&server.base)
        .api_key(key.key.clone())
        .token_store(MemoryStore::new())
        .no_proxy()
        .build()
        .unwrap();
    let err = keyed.credits().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.error_code(), Some("INSUFFICIENT_SCOPE"));
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_same_render_and_charges_once() {
    let server = TestServer::start().await;
    server.add_user("di@example.com", 50).await;
    let client = sdk(&server, Arc::new(MemoryStore::new()));
    client.sign_in("di@example.com", PASSWORD).await.unwrap();
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/assets/sample-viewport.png"
    ))
    .unwrap();
    let make = || {
        CreateRender::new(Screenshot::encoded(png.clone()))
            .prompt("same")
            .idempotency_key("plugin-click-42")
    };
    let a = client.create_render(make()).await.unwrap();
    let b = client.create_render(make()).await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(client.credits().await.unwrap().balance, 40);
}

#[tokio::test]
async fn a_failed_render_is_a_render_failed_error_and_is_refunded() {
    let server = TestServer::start().await;
    server.add_user("ed@example.com", 30).await;
    let client = sdk(&server, Arc::new(MemoryStore::new()));
    client.sign_in("ed@example.com", PASSWORD).await.unwrap();
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/assets/sample-viewport.png"
    ))
    .unwrap();
    let op = client
        .start_render(
            CreateRender::new(Screenshot::encoded(png)).prompt("[fail] please"),
            WaitOptions::new(),
        )
        .unwrap();
    let err = tokio::task::spawn_blocking(move || op.wait(Some(Duration::from_secs(30))))
        .await
        .unwrap()
        .expect("finished")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RenderFailed);
    assert_eq!(client.credits().await.unwrap().balance, 30, "refunded");
}

#[tokio::test]
async fn callback_deliveries_verify_with_the_callback_secret() {
    use axum::{body::Bytes, http::HeaderMap, routing::post, Router};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(HeaderMap, Bytes)>();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let server = TestServer::start().await;
    server.add_user("fa@example.com", 30).await;
    let client = sdk(&server, Arc::new(MemoryStore::new()));
    client.sign_in("fa@example.com", PASSWORD).await.unwrap();
    let secret = client.callback_secret().await.unwrap();
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/assets/sample-viewport.png"
    ))
    .unwrap();
    let render = client
        .create_render(CreateRender::new(Screenshot::encoded(png)).callback_url(hook))
        .await
        .unwrap();
    let (headers, body) = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let webhook = renderiq_sdk::webhooks::Webhook::new(secret.expose()).unwrap();
    let event = webhook
        .verify_event(
            &body,
            headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
        )
        .unwrap();
    assert_eq!(event.kind(), Some("render.completed"));
    assert_eq!(
        event.render().map(|r| r.id.as_str()),
        Some(render.id.as_str())
    );
}
