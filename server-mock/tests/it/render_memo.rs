//! Kept render answers (`store::RenderMemo`): a read without `wait` is answered from memory
//! while its render is unchanged, never after a change (a worker's progress and completion, a
//! cancel) and never to another user; links move on by one step. On PostgreSQL nothing is
//! kept: every read goes to the database.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use renderiq_server::config::Config;
use renderiq_server::store::Backend;
use serde_json::Value;

use crate::database::OfTestSuite as _;
use crate::metrics::{metrics_text, sample, TOKEN};
use crate::support::TestServer;

/// One worker, ten minutes a render (a render stays pending behind the first, see
/// [`pending_render`]) and `/metrics` on.
fn still(config: &mut Config) {
    config.workers = 1;
    config.render_delay_ms = 600_000;
    config.metrics_token = Some(TOKEN.into());
}

/// A render that stays pending, unchanged: created once the only worker has taken another (its
/// first progress step is a minute away) and written nothing since.
async fn pending_render(server: &TestServer, token: &str) -> String {
    let create = || async { id(server.create_render(token, &[]).await.data()) };
    let blocker = create().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while data(&read_raw(server, token, &blocker).await.1)["status"] != "processing" {
        assert!(
            Instant::now() < deadline,
            "the worker did not take {blocker}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    create().await
}

fn id(render: &Value) -> String {
    render["id"].as_str().unwrap().to_owned()
}

/// Render reads answered so far, from memory and from the database (a series not yet written
/// reads 0).
async fn reads(server: &TestServer) -> (u64, u64) {
    let text = metrics_text(server).await;
    let count = |source: &str| {
        sample(
            &text,
            &format!("renderiq_render_reads_total{{source=\"{source}\"}}"),
        )
        .map_or(0, |v| v as u64)
    };
    (count("memory"), count("database"))
}

/// The raw body of `GET /renders/{id}`.
async fn read_raw(server: &TestServer, token: &str, id: &str) -> (u16, String) {
    let resp = server
        .http
        .get(server.url(&format!("/renders/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn data(body: &str) -> Value {
    serde_json::from_str::<Value>(body).unwrap()["data"].clone()
}

/// What the kept answers should have been: all from memory on SQLite after the first read,
/// none on PostgreSQL.
fn expect_kept(kept: u64) -> u64 {
    if Backend::of_test_suite() == Backend::Postgres {
        0
    } else {
        kept
    }
}

#[tokio::test]
async fn an_unchanged_render_is_answered_from_memory_with_the_same_body() {
    let server = TestServer::start_with(still).await;
    let user = server.user(100).await;
    let id = pending_render(&server, &user.token).await;
    let before = reads(&server).await;
    let first = read_raw(&server, &user.token, &id).await;
    let mut again = Vec::new();
    for _ in 0..3 {
        again.push(read_raw(&server, &user.token, &id).await);
    }
    assert_eq!(first.0, 200);
    assert_eq!(data(&first.1)["status"], "pending");
    assert!(again.iter().all(|a| *a == first), "the same answer");
    let after = reads(&server).await;
    let kept = expect_kept(3);
    assert_eq!(after.0 - before.0, kept, "from memory");
    assert_eq!(after.1 - before.1, 4 - kept, "from the database");
}

#[tokio::test]
async fn a_cancel_is_seen_by_the_next_read() {
    let server = TestServer::start_with(still).await;
    let user = server.user(100).await;
    let id = pending_render(&server, &user.token).await;
    for _ in 0..2 {
        let (status, body) = read_raw(&server, &user.token, &id).await;
        assert_eq!(
            (status, data(&body)["status"].clone()),
            (200, "pending".into())
        );
    }
    let before = reads(&server).await;
    server
        .post(
            Some(&user.token),
            &format!("/renders/{id}/cancel"),
            Value::Null,
        )
        .await
        .data();
    let (_, body) = read_raw(&server, &user.token, &id).await;
    let render = data(&body);
    assert_eq!(render["status"], "cancelled", "{render}");
    assert!(render["inputUrl"].is_null(), "{render}");
    let after = reads(&server).await;
    assert_eq!(after.0, before.0, "the kept answer went with the change");
    assert_eq!(after.1 - before.1, 1);
}

#[tokio::test]
async fn a_kept_answer_is_never_given_to_another_user() {
    let server = TestServer::start_with(still).await;
    let (owner, other) = (server.user(100).await, server.user(100).await);
    let id = pending_render(&server, &owner.token).await;
    for _ in 0..2 {
        assert_eq!(read_raw(&server, &owner.token, &id).await.0, 200);
    }
    let (status, body) = read_raw(&server, &other.token, &id).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(read_raw(&server, &owner.token, &id).await.0, 200);
}

#[tokio::test]
async fn links_move_on_by_one_step_and_the_kept_answer_with_them() {
    let server = TestServer::start_with(still).await;
    let clock = server.config.clock.clone();
    clock.freeze();
    let user = server.user(100).await;
    let id = pending_render(&server, &user.token).await;
    let expires = |body: &str| -> i64 {
        let url = data(body)["inputUrl"].as_str().unwrap().to_owned();
        let (_, query) = url.split_once("expires=").unwrap();
        query.split('&').next().unwrap().parse().unwrap()
    };
    let first = read_raw(&server, &user.token, &id).await.1;
    let ttl = i64::try_from(server.config.cdn_link_ttl_seconds).unwrap();
    let step = (ttl / 60).clamp(1, 60);
    let now = clock.now().timestamp();
    let at = expires(&first);
    assert_eq!(at % step, 0);
    assert!(
        at <= now + ttl && at > now + ttl - step,
        "{at} within a step below now + ttl"
    );
    // To the end of the step: the same links.
    let left = u64::try_from(at + step - (now + ttl) - 1).unwrap();
    clock.advance(Duration::from_secs(left));
    assert_eq!(read_raw(&server, &user.token, &id).await.1, first);
    // One second more: links of the next step, and the link of the first read still works.
    clock.advance(Duration::from_secs(1));
    let next = read_raw(&server, &user.token, &id).await.1;
    assert_eq!(expires(&next), at + step);
    let old_link = data(&first)["inputUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        server.http.get(old_link).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn plain_polls_follow_a_render_to_its_end() {
    // Workers on: the render moves pending → processing (progress) → completed while it is
    // polled without `wait` as fast as the server answers; a kept answer outliving a change
    // would stop the polls at a stale state until the deadline.
    let server = TestServer::start_with(|c| c.render_delay_ms = 400).await;
    let user = server.user(100).await;
    let id = id(server.create_render(&user.token, &[]).await.data());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen: Vec<(String, u64)> = Vec::new();
    let done = loop {
        let (status, body) = read_raw(&server, &user.token, &id).await;
        assert_eq!(status, 200, "{body}");
        let render = data(&body);
        let state = (
            render["status"].as_str().unwrap().to_owned(),
            render["progress"].as_u64().unwrap(),
        );
        if seen.last() != Some(&state) {
            seen.push(state);
        }
        if render["status"] == "completed" {
            break render;
        }
        assert!(Instant::now() < deadline, "stuck at {seen:?}");
    };
    assert_eq!(done["progress"], 100);
    assert!(done["outputUrl"].is_string(), "{done}");
    assert!(
        seen.windows(2)
            .all(|w| w[0].1 <= w[1].1 || w[1].0 == "completed"),
        "progress only moves on: {seen:?}"
    );
}

#[tokio::test]
async fn with_no_render_memo_every_read_goes_to_the_database() {
    let server = TestServer::start_with(|c| {
        still(c);
        c.no_render_memo = true;
    })
    .await;
    let user = server.user(100).await;
    let id = pending_render(&server, &user.token).await;
    let before = reads(&server).await;
    let first = read_raw(&server, &user.token, &id).await;
    assert_eq!(first.0, 200);
    assert_eq!(read_raw(&server, &user.token, &id).await, first);
    let after = reads(&server).await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (0, 2));
}
