//! Render creation (the multipart body), waiting (long-poll, polling, deadline, cancellation),
//! listing and downloading.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use renderiq_sdk::{
    CancellationToken, CreateRender, ErrorKind, ListRenders, Quality, RenderStatus, Screenshot,
    WaitOptions,
};
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Splits a multipart body into (headers, content) parts.
fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("boundary")
        .trim_matches('"');
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, &delim) {
        rest = &rest[start + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let end = find(rest, &delim).unwrap_or(rest.len());
        let part = &rest[..end];
        let split = find(part, b"\r\n\r\n").expect("part headers");
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let mut content = part[split + 4..].to_vec();
        if content.ends_with(b"\r\n") {
            content.truncate(content.len() - 2);
        }
        parts.push((headers, content));
    }
    parts
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn create_render_sends_the_prepared_image_and_settings_as_multipart() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("renders")))
        .respond_with(ok(render_json("r_1", "pending", 0)))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let uploaded = Arc::new(Mutex::new((0u64, 0u64)));
    let seen = uploaded.clone();
    let render = client
        .create_render(
            CreateRender::new(Screenshot::encoded(png_bytes()))
                .prompt("dusk, warm light")
                .style("watercolor")
                .quality(Quality::Ultra)
                .aspect_ratio("4:3")
                .project_id("p_1")
                .callback_url("https://hooks.example.com/r")
                .on_upload_progress(move |sent, total| *seen.lock().unwrap() = (sent, total)),
        )
        .await
        .unwrap();
    assert_eq!(render.status, RenderStatus::Pending);

    let req = &server.received_requests().await.unwrap()[0];
    let ct = header(req, "content-type").unwrap();
    assert!(ct.starts_with("multipart/form-data"), "{ct}");
    let parts = multipart_parts(ct, &req.body);
    let field = |name: &str| {
        parts
            .iter()
            .find(|(h, _)| h.contains(&format!("name=\"{name}\"")))
            .map(|(h, c)| (h.clone(), c.clone()))
            .unwrap_or_else(|| panic!("no part {name}"))
    };
    assert_eq!(field("prompt").1, b"dusk, warm light");
    assert_eq!(field("style").1, b"watercolor");
    assert_eq!(field("quality").1, b"ultra");
    assert_eq!(field("aspectRatio").1, b"4:3");
    assert_eq!(field("projectId").1, b"p_1");
    assert_eq!(field("callbackUrl").1, b"https://hooks.example.com/r");
    let (image_headers, image) = field("image");
    assert!(
        image_headers.contains("filename=\"viewport.jpg")
            || image_headers.contains("filename=\"viewport.jpeg"),
        "{image_headers}"
    );
    assert!(
        image_headers
            .to_ascii_lowercase()
            .contains("content-type: image/jpeg"),
        "{image_headers}"
    );
    let decoded = image::load_from_memory(&image).expect("the uploaded image decodes");
    assert_eq!((decoded.width(), decoded.height()), (64, 48));
    let (sent, total) = *uploaded.lock().unwrap();
    assert_eq!(sent, image.len() as u64);
    assert_eq!(total, image.len() as u64);
}

#[tokio::test]
async fn bad_render_settings_fail_before_anything_is_sent() {
    let server = MockServer::start().await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let long = "x".repeat(2001);
    let cases = [
        CreateRender::new(Screenshot::encoded(png_bytes())).prompt(long),
        CreateRender::new(Screenshot::encoded(png_bytes())).callback_url("ftp://x"),
        CreateRender::new(Screenshot::encoded(png_bytes())).project_id("../etc"),
    ];
    for req in cases {
        assert_eq!(
            client.create_render(req).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
    let err = client
        .create_render(CreateRender::new(Screenshot::encoded(
            b"not an image".to_vec(),
        )))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Image | ErrorKind::InvalidInput),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn wait_uses_long_poll_and_reports_progress() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .and(query_param_is_missing("wait"))
        .respond_with(ok(render_json("r_1", "processing", 40)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // Held, then answered with nothing new (the wait ran out): asked again at once.
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .and(query_param("wait", "2"))
        .and(query_param("until", "change"))
        .respond_with(
            ok(render_json("r_1", "processing", 40)).set_delay(Duration::from_millis(1100)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .and(query_param("wait", "2"))
        .and(query_param("until", "change"))
        .respond_with(ok(render_json("r_1", "completed", 100)))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let opts = WaitOptions::new()
        .long_poll_wait(Duration::from_secs(2))
        // A poll sleep after the held request would last an hour: only the test's deadline
        // could end it.
        .poll_interval(Duration::from_secs(3600))
        .on_progress(move |p| {
            log.lock()
                .unwrap()
                .push((p.render.status, p.render.progress))
        });
    let done = tokio::time::timeout(
        Duration::from_secs(120),
        client.wait_for_render_with("r_1", opts),
    )
    .await
    .expect("the held request was not followed by a poll sleep")
    .unwrap();
    assert_eq!(done.status, RenderStatus::Completed);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (RenderStatus::Processing, 40),
            (RenderStatus::Completed, 100)
        ]
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_long_poll_answered_because_the_render_moved_is_followed_at_once() {
    let server = MockServer::start().await;
    // Quick answers, each with a new state: what a server answering `until=change` does.
    for (status, progress) in [("pending", 0), ("processing", 30), ("processing", 60)] {
        Mock::given(method("GET"))
            .and(path(api("renders/r_1")))
            .respond_with(ok(render_json("r_1", status, progress)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .respond_with(ok(render_json("r_1", "completed", 100)))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let opts = WaitOptions::new()
        .poll_interval(Duration::from_secs(30)) // a poll sleep between moves would blow the time
        .on_progress(move |p| log.lock().unwrap().push(p.render.progress));
    let done = tokio::time::timeout(
        Duration::from_secs(10),
        client.wait_for_render_with("r_1", opts),
    )
    .await
    .expect("no poll sleep after an answer that moved")
    .unwrap();
    assert_eq!(done.status, RenderStatus::Completed);
    assert_eq!(*seen.lock().unwrap(), vec![0, 30, 60, 100]);
    let queries: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("renders/r_1"))
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        queries,
        [
            "",
            "wait=20&until=change",
            "wait=20&until=change",
            "wait=20&until=change"
        ]
    );
}

#[tokio::test]
async fn wait_falls_back_to_polling_with_backoff() {
    let server = MockServer::start().await;
    let polls = PollRecorder::mount(&server, 6).await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let opts = WaitOptions::new()
        .long_poll(false)
        .poll_interval(Duration::from_millis(40))
        .max_poll_interval(Duration::from_millis(100));
    // 40, 60, 90, then the 100 ms cap for the rest.
    let schedule: Vec<_> = (0..6).map(|n| opts.poll_delay(n)).collect();
    assert_eq!(
        schedule[3..],
        [Duration::from_millis(100); 3],
        "reaches the cap"
    );
    let done = client.wait_for_render_with("r_1", opts).await.unwrap();
    assert_eq!(done.status, RenderStatus::Completed);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 7, "six busy answers, then the completed one");
    assert!(
        reqs.iter().all(|r| r.url.query().is_none()),
        "no wait parameter when polling"
    );
    // Lower bounds only: each poll came at least its scheduled delay after the one before.
    let gaps = polls.gaps();
    for (n, (gap, due)) in gaps.iter().zip(&schedule).enumerate() {
        assert!(
            gap >= due,
            "poll {} came {gap:?} after the one before, before its back-off of {due:?}; gaps {gaps:?}",
            n + 1
        );
    }
}

#[tokio::test]
async fn wait_past_its_deadline_is_a_timeout_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .respond_with(ok(render_json("r_1", "processing", 10)))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let opts = WaitOptions::new()
        .long_poll(false)
        .poll_interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(300));
    let err = client.wait_for_render_with("r_1", opts).await.unwrap_err();
    assert!(err.is_timeout());
    assert!(err.to_string().contains("still running"), "{err}");
}

#[tokio::test]
async fn a_cancelled_token_stops_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .respond_with(ok(render_json("r_1", "processing", 10)).set_delay(Duration::from_secs(3600)))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        t.cancel();
    });
    // The server holds its answer for an hour: only the token can end the wait in time.
    let err = tokio::time::timeout(
        Duration::from_secs(120),
        client.wait_for_render_with("r_1", WaitOptions::new().cancel_token(token)),
    )
    .await
    .expect("the cancelled token ended the wait")
    .unwrap_err();
    assert!(err.is_cancelled());
}

#[tokio::test]
async fn a_failed_render_ends_the_wait_with_a_render_failed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .respond_with(ok(render_json("r_1", "failed", 50)))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let err = client.wait_for_render("r_1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RenderFailed);
    assert!(err.to_string().contains("generator exploded"), "{err}");
    assert_eq!(err.details().unwrap()["id"], "r_1");
}

#[tokio::test]
async fn list_renders_streams_every_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("renders")))
        .and(query_param("page", "1"))
        .respond_with(ok(json!({"items": [render_json("a", "completed", 100), render_json("b", "completed", 100)], "page": 1, "limit": 2, "total": 3, "hasMore": true})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("renders")))
        .and(query_param("page", "2"))
        .respond_with(ok(json!({"items": [render_json("c", "pending", 0)], "page": 2, "limit": 2, "total": 3, "hasMore": false})))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let all: Vec<_> = client
        .renders(ListRenders::new().limit(2))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let first = client
        .list_renders(&ListRenders::new().limit(2).status(RenderStatus::Completed))
        .await
        .unwrap();
    assert!(first.has_more);
}

#[tokio::test]
async fn download_fetches_the_output_without_sending_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cdn/outputs/r_1.png"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(png_bytes()))
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let render: renderiq_sdk::Render =
        serde_json::from_value(render_json("r_1", "completed", 100)).unwrap();
    let bytes = client.download_render(&render).await.unwrap();
    assert_eq!(bytes, png_bytes());
    let req = &server.received_requests().await.unwrap()[0];
    assert!(header(req, "authorization").is_none());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    assert_eq!(
        client.download_render_to(&render, &out).await.unwrap(),
        bytes.len() as u64
    );
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    // Written through a temporary file of its own: nothing else is left in the folder, and a
    // file that cannot be written leaves nothing behind either.
    let names = |d: &std::path::Path| -> Vec<_> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect()
    };
    assert_eq!(names(dir.path()), ["out.png"]);
    let missing = dir.path().join("no-such-folder").join("out.png");
    let err = client
        .download_render_to(&render, &missing)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(names(dir.path()), ["out.png"]);

    let pending: renderiq_sdk::Render =
        serde_json::from_value(render_json("r_2", "pending", 0)).unwrap();
    assert_eq!(
        client.download_render(&pending).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn download_reads_the_render_again_when_its_link_was_refused() {
    let server = MockServer::start().await;
    // The link the caller holds has expired; the render read again carries a fresh one.
    Mock::given(method("GET"))
        .and(path("/cdn/outputs/r_1.png"))
        .and(query_param("sig", "old"))
        .respond_with(ResponseTemplate::new(403))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/cdn/outputs/r_1.png"))
        .and(query_param("sig", "new"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(png_bytes()))
        .expect(2)
        .mount(&server)
        .await;
    let mut fresh = render_json("r_1", "completed", 100);
    fresh["outputUrl"] = json!("/cdn/outputs/r_1.png?expires=2&sig=new");
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .respond_with(ok(fresh))
        .expect(2)
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let mut stale = render_json("r_1", "completed", 100);
    stale["outputUrl"] = json!("/cdn/outputs/r_1.png?expires=1&sig=old");
    let stale: renderiq_sdk::Render = serde_json::from_value(stale).unwrap();
    assert_eq!(client.download_render(&stale).await.unwrap(), png_bytes());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    client.download_render_to(&stale, &out).await.unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), png_bytes());
}

#[tokio::test]
async fn download_reads_the_render_again_only_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cdn/outputs/r_1.png"))
        .respond_with(ResponseTemplate::new(403))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("renders/r_1")))
        .respond_with(ok(render_json("r_1", "completed", 100)))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let render: renderiq_sdk::Render =
        serde_json::from_value(render_json("r_1", "completed", 100)).unwrap();
    let err = client.download_render(&render).await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
}

#[test]
fn the_blocking_client_runs_the_same_calls() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("GET"))
            .and(path(api("credits")))
            .respond_with(ok(credits_json(9)))
            .expect(1)
            .mount(&server),
    );
    let store = Arc::new(renderiq_sdk::token_store::MemoryStore::new());
    use renderiq_sdk::token_store::TokenStore;
    store.save(&stored("acc", "ref", 3600)).unwrap();
    let client = renderiq_sdk::blocking::Client::builder()
        .base_url(server.uri())
        .configure(|b| b.shared_token_store(store))
        .build()
        .unwrap();
    assert_eq!(client.credits().unwrap().balance, 9);
    // Inside a runtime the blocking client refuses with a clear error instead of panicking.
    let err = rt.block_on(async { client.credits() }).unwrap_err();
    assert!(err.to_string().contains("inside an async runtime"), "{err}");
}
