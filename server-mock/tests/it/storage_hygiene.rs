//! Storage hygiene: the upload of a cancelled or failed render is deleted (and its `inputUrl`
//! is null), completed renders' files are swept after `--retention-days` on the server's clock,
//! and `--max-pending-renders` refuses a create without charging it.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{eventually, TestServer};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn id(data: &Value) -> String {
    data["id"].as_str().unwrap().to_owned()
}

/// A file the server keeps, wherever it keeps it (its folder, or the suite's bucket).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    dir: PathBuf,
    relative: String,
}

impl Stored {
    fn exists(&self) -> bool {
        support::is_stored(&self.dir, &self.relative)
    }
}

/// The file behind a `/cdn/` URL.
fn file_of(server: &TestServer, url: &Value) -> Stored {
    let url = url.as_str().unwrap_or_else(|| panic!("no URL: {url}"));
    // A signed link: `/cdn/<path>?expires=…&sig=…`.
    let relative = url.split_once("/cdn/").unwrap().1;
    let relative = relative.split_once('?').map_or(relative, |(path, _)| path);
    Stored {
        dir: server.data_dir(),
        relative: relative.to_owned(),
    }
}

/// The stored paths of a render (input, output).
fn paths(server: &TestServer, render: &str) -> (String, Option<String>) {
    let row = &server.query(
        "SELECT input_path, output_path FROM renders WHERE id = ?1",
        &[&render],
    )[0];
    (row.get(0).unwrap(), row.get(1).unwrap())
}

async fn wait_until_processing(server: &TestServer, token: &str, render: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while server
        .get(Some(token), &format!("/renders/{render}"))
        .await
        .data()["status"]
        != "processing"
    {
        assert!(Instant::now() < deadline, "render never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn cancelling_a_render_deletes_its_upload() {
    let server = TestServer::start_with(|c| {
        c.workers = 1;
        c.render_delay_ms = 3000;
    })
    .await;
    let user = server.user(100).await;
    let first = id(server.create_render(&user.token, &[]).await.data());
    let created = server.create_render(&user.token, &[]).await;
    let second = id(created.data());
    let upload = file_of(&server, &created.data()["inputUrl"]);
    assert!(upload.exists(), "{} is stored", upload.relative);
    wait_until_processing(&server, &user.token, &first).await;

    let cancelled = server
        .post(
            Some(&user.token),
            &format!("/renders/{second}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(cancelled.data()["status"], "cancelled");
    assert!(cancelled.data()["inputUrl"].is_null(), "{}", cancelled.body);
    assert!(!upload.exists(), "the cancelled render's upload is deleted");
    assert_eq!(paths(&server, &second).0, "", "recorded as deleted");
    let link = created.data()["inputUrl"].as_str().unwrap();
    assert_eq!(server.http.get(link).send().await.unwrap().status(), 404);
    let again = server
        .get(Some(&user.token), &format!("/renders/{second}"))
        .await;
    assert!(again.data()["inputUrl"].is_null());
}

#[tokio::test]
async fn a_failed_render_deletes_its_upload_and_a_sweep_removes_one_left_behind() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let created = server
        .create_render(&user.token, &[("prompt", "please [fail] now")])
        .await;
    let render = id(created.data());
    let upload = file_of(&server, &created.data()["inputUrl"]);
    let failed = server.wait_for_render(&user.token, &render).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(failed["inputUrl"].is_null(), "{failed}");
    eventually(10, || (!upload.exists()).then_some(())).await;
    eventually(10, || (paths(&server, &render).0.is_empty()).then_some(())).await;
    assert_eq!(server.balance(&user.token).await, 100, "refunded");

    // A crash between the end of a render and the deletion leaves the upload behind: the next
    // sweep (hourly, and at every start) deletes it.
    let relative = upload.relative.clone();
    support::store_file(&upload.dir, &relative, b"left behind");
    server.query(
        "UPDATE renders SET input_path = ?1 WHERE id = ?2",
        &[&relative, &render],
    );
    server
        .config
        .clock
        .advance(renderiq_server::retention::SWEEP_INTERVAL);
    eventually(10, || (!upload.exists()).then_some(())).await;
    eventually(10, || (paths(&server, &render).0.is_empty()).then_some(())).await;
}

#[tokio::test]
async fn the_retention_sweep_removes_old_outputs_and_keeps_newer_ones() {
    let server = TestServer::start_with(|c| {
        // The clock moves a month: the session must outlive it.
        c.token_ttl_seconds = 400 * 24 * 3600;
    })
    .await;
    let user = server.user(100).await;
    let mut renders = Vec::new();
    for _ in 0..2 {
        let render = id(server.create_render(&user.token, &[]).await.data());
        let done = server.wait_for_render(&user.token, &render).await;
        assert_eq!(done["status"], "completed");
        let files = (
            file_of(&server, &done["inputUrl"]),
            file_of(&server, &done["outputUrl"]),
        );
        assert!(files.0.exists() && files.1.exists());
        renders.push((render, done, files));
    }
    // The first completed two days before the second.
    server.query(
        "UPDATE renders SET completed_at = ?1 WHERE id = ?2",
        &[
            &(chrono::Utc::now() - chrono::Duration::days(2)),
            &renders[0].0,
        ],
    );

    // 29.5 days on: the first is 31.5 days old (swept), the second 29.5 (kept).
    let clock = server.config.clock.clone();
    clock.advance(DAY * 29 + DAY / 2);
    let (old_id, old_done, old_files) = &renders[0];
    eventually(10, || (!old_files.1.exists()).then_some(())).await;
    eventually(10, || {
        (paths(&server, old_id) == (String::new(), None)).then_some(())
    })
    .await;
    assert!(!old_files.0.exists(), "the old input is deleted too");
    let swept = server
        .get(Some(&user.token), &format!("/renders/{old_id}"))
        .await;
    let swept = swept.data();
    assert_eq!(swept["status"], "completed", "the render itself is kept");
    assert!(
        swept["inputUrl"].is_null() && swept["outputUrl"].is_null(),
        "{swept}"
    );
    // Its old link has expired by now (403); the file is gone whatever a link says.
    let link = old_done["outputUrl"].as_str().unwrap();
    let status = server.http.get(link).send().await.unwrap().status();
    assert!(status == 403 || status == 404, "{status}");

    let (new_id, new_done, new_files) = &renders[1];
    assert!(
        new_files.0.exists() && new_files.1.exists(),
        "newer files are kept"
    );
    let kept = server
        .get(Some(&user.token), &format!("/renders/{new_id}"))
        .await;
    // Links are signed afresh on each read: the same file, a new signature.
    assert_eq!(
        file_of(&server, &kept.data()["outputUrl"]),
        file_of(&server, &new_done["outputUrl"])
    );
    let fresh = kept.data()["outputUrl"].as_str().unwrap().to_owned();
    assert_eq!(server.http.get(&fresh).send().await.unwrap().status(), 200);

    // One more day: the second is 30.5 days old and goes too.
    clock.advance(DAY);
    eventually(10, || (!new_files.1.exists()).then_some(())).await;
    eventually(10, || (!new_files.0.exists()).then_some(())).await;
}

#[tokio::test]
async fn the_pending_limit_refuses_a_create_and_charges_nothing() {
    let server = TestServer::start_with(|c| {
        c.workers = 1;
        c.render_delay_ms = 3000;
        c.max_pending_renders = 2;
    })
    .await;
    let user = server.user(100).await;
    let first = id(server.create_render(&user.token, &[]).await.data());
    let second = id(server.create_render(&user.token, &[]).await.data());
    wait_until_processing(&server, &user.token, &first).await;
    let (balance, ledger) = (
        server.balance(&user.token).await,
        server.ledger_sum(&user.token).await,
    );
    assert_eq!(balance, 80);

    let refused = server.create_render(&user.token, &[]).await;
    let message = refused.assert_error(409, "CONFLICT")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("--max-pending-renders"), "{message}");
    assert_eq!(
        server.balance(&user.token).await,
        balance,
        "nothing charged"
    );
    assert_eq!(server.ledger_sum(&user.token).await, ledger);
    let listed = server.get(Some(&user.token), "/renders").await;
    assert_eq!(listed.data()["total"], 2, "no render recorded");
    assert_eq!(
        support::stored_files(&server.data_dir(), &format!("uploads/{}", user.id)).len(),
        2,
        "the refused upload is not kept"
    );

    // Another user is not limited by this one's queue.
    let other = server.user(100).await;
    server.create_render(&other.token, &[]).await.data();

    // Once one ends, the user may create again.
    server
        .post(
            Some(&user.token),
            &format!("/renders/{second}/cancel"),
            json!({}),
        )
        .await
        .data();
    server.create_render(&user.token, &[]).await.data();
}
