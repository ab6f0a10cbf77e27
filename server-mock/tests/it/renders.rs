//! Renders: creation (multipart and JSON), validation, long-poll, progress, list, cancel,
//! idempotency, failure refunds, telemetry and isolation.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use support::{png, TestServer};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn multipart_render_completes_with_a_downloadable_output() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let resp = server
        .create_render(
            &user.token,
            &[
                ("prompt", "dusk, warm light"),
                ("style", "watercolor"),
                ("quality", "standard"),
                ("aspectRatio", "4:3"),
            ],
        )
        .await;
    assert_eq!(resp.status, 200);
    let created = resp.data().clone();
    assert_eq!(created["status"], "pending");
    assert_eq!(created["creditsCost"], 5);
    assert_eq!(created["style"], "watercolor");
    assert!(created["inputUrl"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/cdn/", server.base)));
    assert!(resp.header("idempotent-replayed").is_none());

    let done = server.wait_for_render(&user.token, &id(&created)).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["progress"], 100);
    assert!(done["completedAt"].is_string());
    let output = server
        .http
        .get(done["outputUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(output.status(), 200);
    let img = image::load_from_memory(&output.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (512, 384));
    let input = server
        .http
        .get(done["inputUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        input.bytes().await.unwrap().as_ref(),
        png(64, 48).as_slice()
    );
    assert_eq!(server.balance(&user.token).await, 95);
}

#[tokio::test]
async fn json_base64_render_is_accepted_with_settings_defaults() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let data = base64::engine::general_purpose::STANDARD.encode(support::encode(
        40,
        30,
        image::ImageFormat::Jpeg,
    ));
    let resp = server
        .post(
            Some(&user.token),
            "/renders",
            json!({ "uploadedImageData": data, "uploadedImageType": "image/jpeg" }),
        )
        .await;
    let render = resp.data();
    assert_eq!(render["style"], "photorealistic");
    assert_eq!(render["quality"], "high");
    assert_eq!(render["aspectRatio"], "16:9");
    assert_eq!(render["creditsCost"], 10);
    let input_url = render["inputUrl"].as_str().unwrap();
    // The path, before the link's signature.
    assert!(
        input_url.split('?').next().unwrap().ends_with(".jpg"),
        "{input_url}"
    );
    let done = server.wait_for_render(&user.token, &id(render)).await;
    assert_eq!(done["status"], "completed");
}

#[tokio::test]
async fn telemetry_headers_are_stored_with_the_render() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let headers = [
        ("x-renderiq-platform", "revit"),
        ("x-renderiq-plugin-name", "renderiq-revit"),
        ("x-renderiq-plugin-version", "2.1.0"),
        ("x-renderiq-sdk-version", "0.1.0"),
        ("x-renderiq-sdk-language", "csharp"),
        ("user-agent", "RevitAddin/2025"),
    ];
    let resp = server
        .create_render_with(&user.token, png(32, 32), &[], &headers)
        .await;
    let render_id = id(resp.data());
    assert_eq!(resp.data()["platform"], "revit");
    let row = &server.query(
        "SELECT platform, metadata FROM renders WHERE id = ?1",
        &[&render_id],
    )[0];
    let (platform, metadata): (String, String) = (row.get(0).unwrap(), row.get(1).unwrap());
    assert_eq!(platform, "revit");
    let metadata: Value = serde_json::from_str(&metadata).unwrap();
    assert_eq!(metadata["pluginName"], "renderiq-revit");
    assert_eq!(metadata["pluginVersion"], "2.1.0");
    assert_eq!(metadata["sdkVersion"], "0.1.0");
    assert_eq!(metadata["sdkLanguage"], "csharp");
    assert_eq!(metadata["userAgent"], "RevitAddin/2025");
}

#[tokio::test]
async fn invalid_uploads_are_rejected_with_field_details() {
    let server = TestServer::start_with(|c| c.max_image_edge = 100).await;
    let user = server.user(100).await;

    let resp = server
        .create_render_with(&user.token, b"GIF89a not allowed".to_vec(), &[], &[])
        .await;
    assert!(resp.assert_error(400, "INVALID_INPUT")["details"]["image"].is_string());

    let resp = server
        .create_render_with(&user.token, png(101, 20), &[], &[])
        .await;
    assert!(resp.assert_error(400, "INVALID_INPUT")["details"]["image"]
        .as_str()
        .unwrap()
        .contains("101x20"));

    let long_prompt = "x".repeat(2001);
    let fields = [
        ("prompt", long_prompt.as_str()),
        ("style", "cubism"),
        ("quality", "max"),
        ("aspectRatio", "5:4"),
        ("callbackUrl", "ftp://example.com/hook"),
    ];
    let resp = server.create_render(&user.token, &fields).await;
    let details = &resp.assert_error(400, "INVALID_INPUT")["details"];
    for field in ["prompt", "style", "quality", "aspectRatio", "callbackUrl"] {
        assert!(details[field].is_string(), "{field} missing in {details}");
    }
    let resp = server
        .send(
            server
                .http
                .post(server.url("/renders"))
                .bearer_auth(&user.token)
                .body("x"),
        )
        .await;
    resp.assert_error(400, "INVALID_INPUT");
    let resp = server
        .post(
            Some(&user.token),
            "/renders",
            json!({ "uploadedImageData": "***", "uploadedImageType": "image/png" }),
        )
        .await;
    assert!(resp.assert_error(400, "INVALID_INPUT")["details"]["uploadedImageData"].is_string());
    // Nothing was charged.
    assert_eq!(server.balance(&user.token).await, 100);
}

#[tokio::test]
async fn oversized_upload_is_payload_too_large() {
    let server = TestServer::start_with(|c| c.max_upload_bytes = 20_000).await;
    let user = server.user(100).await;
    let big = support::noisy_png(100, 100);
    assert!(big.len() > 20_000);
    server
        .create_render_with(&user.token, big, &[], &[])
        .await
        .assert_error(413, "PAYLOAD_TOO_LARGE");
    // Far over the body limit the request is cut off while uploading.
    let huge = vec![0u8; 200_000];
    server
        .create_render_with(&user.token, huge, &[], &[])
        .await
        .assert_error(413, "PAYLOAD_TOO_LARGE");
    assert_eq!(server.balance(&user.token).await, 100);
}

/// `GET` with a generous deadline: a held request that is never answered fails the test with
/// a clear message instead of hanging.
async fn get_within_30s(server: &TestServer, token: &str, path: &str) -> support::Resp {
    tokio::time::timeout(Duration::from_secs(30), server.get(Some(token), path))
        .await
        .unwrap_or_else(|_| panic!("GET {path} was not answered within 30 s"))
}

// How soon a long-poll answers after the render ends is a latency figure, not a pass/fail
// property: these tests show *what* ends the wait, using the server's clock (stopped, so that
// the wait's deadline can never be what ends it).

#[tokio::test]
async fn long_poll_is_answered_by_the_completion_not_by_its_deadline() {
    let server = TestServer::start_with(|c| c.render_delay_ms = 800).await;
    server.config.clock.freeze();
    let user = server.user(100).await;
    let render_id = id(server.create_render(&user.token, &[]).await.data());
    let started = Instant::now();
    // On a stopped clock the 1 s wait never runs out: only the completion can answer it.
    let resp = get_within_30s(
        &server,
        &user.token,
        &format!("/renders/{render_id}?wait=1"),
    )
    .await;
    let render = resp.data();
    assert_eq!(render["status"], "completed", "{render}");
    assert_eq!(render["progress"], 100, "{render}");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "it did wait for the render"
    );
}

#[tokio::test]
async fn long_poll_answers_the_current_state_when_the_wait_ends() {
    // The render takes far longer than the test: only the wait's end can answer.
    let server = TestServer::start_with(|c| c.render_delay_ms = 600_000).await;
    let user = server.user(100).await;
    let render_id = id(server.create_render(&user.token, &[]).await.data());
    let started = Instant::now();
    let resp = get_within_30s(
        &server,
        &user.token,
        &format!("/renders/{render_id}?wait=1"),
    )
    .await;
    let elapsed = started.elapsed();
    assert!(["pending", "processing"].contains(&resp.data()["status"].as_str().unwrap()));
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
}

#[tokio::test]
async fn long_poll_deadline_is_kept_on_the_servers_clock() {
    let server = TestServer::start_with(|c| c.render_delay_ms = 600_000).await;
    let clock = server.config.clock.clone();
    clock.freeze();
    let user = server.user(100).await;
    let render_id = id(server.create_render(&user.token, &[]).await.data());
    let poll = tokio::spawn({
        let (http, url, token) = (
            server.http.clone(),
            server.url(&format!("/renders/{render_id}?wait=30")),
            user.token.clone(),
        );
        async move { http.get(url).bearer_auth(token).send().await }
    });
    // Moving the stopped clock past the deadline ends the wait, whenever the request arrived.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !poll.is_finished() {
        assert!(Instant::now() < deadline, "the wait never ended");
        clock.advance(Duration::from_secs(31));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body: serde_json::Value = poll.await.unwrap().unwrap().json().await.unwrap();
    assert!(
        ["pending", "processing"].contains(&body["data"]["status"].as_str().unwrap()),
        "{body}"
    );
}

#[tokio::test]
async fn long_poll_until_change_answers_each_time_the_render_moves() {
    let server = TestServer::start_with(|c| c.render_delay_ms = 4000).await;
    // A stopped clock: a wait can end only through a change, never through its deadline.
    server.config.clock.freeze();
    let user = server.user(100).await;
    let created = server.create_render(&user.token, &[]).await;
    let render_id = id(created.data());
    let mut last = (
        created.data()["status"].as_str().unwrap().to_owned(),
        created.data()["progress"].as_u64().unwrap(),
    );
    let mut states = vec![last.clone()];
    while !["completed", "failed"].contains(&last.0.as_str()) {
        let resp = get_within_30s(
            &server,
            &user.token,
            &format!("/renders/{render_id}?wait=20&until=change"),
        )
        .await;
        let render = resp.data();
        let now = (
            render["status"].as_str().unwrap().to_owned(),
            render["progress"].as_u64().unwrap(),
        );
        // Every answer is a move from what was known when asking (the deadline cannot have
        // answered it); progress only goes up.
        assert_ne!(now, last, "answered without a change: {states:?}");
        assert!(
            now.1 >= last.1,
            "progress went down: {states:?} then {now:?}"
        );
        states.push(now.clone());
        last = now;
    }
    assert!(
        states.iter().any(|(s, p)| s == "processing" && *p < 100),
        "a step before the end was answered on its own, not only the end: {states:?}"
    );
    assert_eq!(last, ("completed".to_owned(), 100));
}

#[tokio::test]
async fn progress_is_visible_while_processing() {
    let server = TestServer::start_with(|c| c.render_delay_ms = 2000).await;
    let user = server.user(100).await;
    let render_id = id(server.create_render(&user.token, &[]).await.data());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let render = server
            .get(Some(&user.token), &format!("/renders/{render_id}"))
            .await
            .data()
            .clone();
        let progress = render["progress"].as_u64().unwrap();
        if render["status"] == "processing" && progress > 0 && progress < 100 {
            break;
        }
        assert!(Instant::now() < deadline, "no progress seen: {render}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn pending_render_can_be_cancelled_and_is_refunded() {
    let server = TestServer::start_with(|c| {
        c.workers = 1;
        c.render_delay_ms = 3000;
    })
    .await;
    let user = server.user(100).await;
    let first = id(server.create_render(&user.token, &[]).await.data());
    let second = id(server
        .create_render(&user.token, &[("quality", "ultra")])
        .await
        .data());
    assert_eq!(server.balance(&user.token).await, 70);
    // The single worker takes the first; the second stays pending behind it.
    let resp = server
        .post(
            Some(&user.token),
            &format!("/renders/{second}/cancel"),
            json!({}),
        )
        .await;
    let cancelled = resp.data();
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["completedAt"].is_string());
    assert_eq!(server.balance(&user.token).await, 90);
    // A cancelled render cannot be cancelled again, nor a processing one.
    server
        .post(
            Some(&user.token),
            &format!("/renders/{second}/cancel"),
            json!({}),
        )
        .await
        .assert_error(409, "CONFLICT");
    let deadline = Instant::now() + Duration::from_secs(30);
    while server
        .get(Some(&user.token), &format!("/renders/{first}"))
        .await
        .data()["status"]
        != "processing"
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server
        .post(
            Some(&user.token),
            &format!("/renders/{first}/cancel"),
            json!({}),
        )
        .await
        .assert_error(409, "CONFLICT");
    server
        .post(Some(&user.token), "/renders/rnd_missing/cancel", json!({}))
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(
        server.ledger_sum(&user.token).await,
        server.balance(&user.token).await
    );
}

#[tokio::test]
async fn failing_render_is_refunded() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let render_id = id(server
        .create_render(&user.token, &[("prompt", "please [fail] now")])
        .await
        .data());
    let done = server.wait_for_render(&user.token, &render_id).await;
    assert_eq!(done["status"], "failed");
    assert!(done["error"].as_str().unwrap().contains("[fail]"));
    assert!(done["outputUrl"].is_null());
    assert_eq!(server.balance(&user.token).await, 100);
    let ledger = server.get(Some(&user.token), "/credits/transactions").await;
    let items = ledger.data()["items"].as_array().unwrap().clone();
    assert_eq!(items[0]["type"], "refund");
    assert_eq!(items[0]["amount"], 10);
    assert_eq!(items[0]["referenceId"], render_id.as_str());
    assert_eq!(items[1]["type"], "spend");
    assert_eq!(server.ledger_sum(&user.token).await, 100);
    let credits = server.get(Some(&user.token), "/credits").await;
    assert_eq!(credits.data()["totalSpent"], 0);
}

#[tokio::test]
async fn renders_are_listed_newest_first_with_filters_and_pages() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let project = server
        .post(Some(&user.token), "/projects", json!({ "name": "Villa" }))
        .await
        .data()["id"]
        .clone();
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut fields = vec![("prompt", "ok")];
        let project_id = project.as_str().unwrap();
        if i == 2 {
            fields.push(("projectId", project_id));
        }
        ids.push(id(server.create_render(&user.token, &fields).await.data()));
    }
    let failed = id(server
        .create_render(&user.token, &[("prompt", "[fail]")])
        .await
        .data());
    for id in ids.iter().chain([&failed]) {
        server.wait_for_render(&user.token, id).await;
    }
    let page = server.get(Some(&user.token), "/renders?limit=2").await;
    let data = page.data();
    assert_eq!(data["total"], 4);
    assert_eq!(data["hasMore"], true);
    assert_eq!(data["limit"], 2);
    let first_page: Vec<String> = data["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(first_page, vec![failed.clone(), ids[2].clone()]);
    let page2 = server
        .get(Some(&user.token), "/renders?limit=2&page=2")
        .await;
    assert_eq!(page2.data()["hasMore"], false);
    assert_eq!(page2.data()["items"].as_array().unwrap().len(), 2);

    let failed_only = server
        .get(Some(&user.token), "/renders?status=failed")
        .await;
    assert_eq!(failed_only.data()["total"], 1);
    let in_project = server
        .get(
            Some(&user.token),
            &format!("/renders?projectId={}", project.as_str().unwrap()),
        )
        .await;
    assert_eq!(in_project.data()["items"][0]["id"], ids[2].as_str());
    assert_eq!(
        server
            .get(Some(&user.token), "/renders?limit=500")
            .await
            .data()["limit"],
        100
    );

    server
        .get(Some(&user.token), "/renders?status=bogus")
        .await
        .assert_error(400, "INVALID_INPUT");
    server
        .get(Some(&user.token), "/renders?page=0")
        .await
        .assert_error(400, "INVALID_INPUT");
    server
        .get(Some(&user.token), "/renders?limit=abc")
        .await
        .assert_error(400, "INVALID_INPUT");
}

#[tokio::test]
async fn repeated_idempotency_key_replays_the_first_render_and_charges_once() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let headers = [("idempotency-key", "key-123")];
    let first = server
        .create_render_with(&user.token, png(50, 50), &[("prompt", "a")], &headers)
        .await;
    let second = server
        .create_render_with(&user.token, png(50, 50), &[("prompt", "a")], &headers)
        .await;
    assert_eq!(id(second.data()), id(first.data()));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        second.body, first.body,
        "the first answer is replayed as it was"
    );
    assert_eq!(server.balance(&user.token).await, 90);
    assert_eq!(
        server.get(Some(&user.token), "/renders").await.data()["total"],
        1
    );

    let other = server
        .create_render_with(&user.token, png(50, 50), &[("prompt", "b")], &headers)
        .await;
    other.assert_error(409, "IDEMPOTENCY_CONFLICT");
    // Keys are per user: another user may use the same key.
    let bob = server.user(100).await;
    let bobs = server
        .create_render_with(&bob.token, png(50, 50), &[("prompt", "a")], &headers)
        .await;
    assert_ne!(id(bobs.data()), id(first.data()));
    assert_eq!(server.balance(&user.token).await, 90);
}

#[tokio::test]
async fn concurrent_duplicates_with_one_idempotency_key_create_one_render() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            server.create_render_with(
                &user.token,
                png(40, 40),
                &[("prompt", "same")],
                &[("idempotency-key", "dup")],
            )
        })
        .collect();
    let results = futures_util::future::join_all(tasks).await;
    let ids: std::collections::HashSet<String> = results.iter().map(|r| id(r.data())).collect();
    assert_eq!(ids.len(), 1, "one render for one key");
    assert_eq!(
        results
            .iter()
            .filter(|r| r.header("idempotent-replayed").is_none())
            .count(),
        1
    );
    assert_eq!(server.balance(&user.token).await, 90);
}

#[tokio::test]
async fn render_in_unknown_or_foreign_project_is_not_found() {
    let server = TestServer::start().await;
    let (alice, bob) = (server.user(100).await, server.user(100).await);
    let project = server
        .post(
            Some(&alice.token),
            "/projects",
            json!({ "name": "Alice's" }),
        )
        .await
        .data()["id"]
        .clone();
    let project = project.as_str().unwrap();
    server
        .create_render(&bob.token, &[("projectId", project)])
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .create_render(&bob.token, &[("projectId", "prj_nope")])
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(server.balance(&bob.token).await, 100);
    server
        .create_render(&alice.token, &[("projectId", project)])
        .await
        .data();
}

#[tokio::test]
async fn another_users_render_is_not_found() {
    let server = TestServer::start_with(|c| c.render_delay_ms = 2000).await;
    let (alice, bob) = (server.user(100).await, server.user(100).await);
    let render_id = id(server.create_render(&alice.token, &[]).await.data());
    server
        .get(Some(&bob.token), &format!("/renders/{render_id}"))
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .get(Some(&bob.token), &format!("/renders/{render_id}?wait=1"))
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .post(
            Some(&bob.token),
            &format!("/renders/{render_id}/cancel"),
            json!({}),
        )
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(
        server.get(Some(&bob.token), "/renders").await.data()["total"],
        0
    );
    server
        .get(Some(&alice.token), &format!("/renders/{render_id}"))
        .await
        .data();
}
