//! Crash safety: the real binary is killed with SIGKILL mid-render and restarted on the same data
//! dir; the interrupted render is failed and refunded, queued ones still run, no credit is lost,
//! and webhook deliveries left retrying resume with the same message id.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::receiver::Receiver;
use support::{client, eventually, PASSWORD};

struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start(dir: &Path, render_delay_ms: u64) -> Self {
        Self::start_with(dir, render_delay_ms, &[])
    }

    fn start_with(dir: &Path, render_delay_ms: u64, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_renderiq-server"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                "1",
                "--render-delay-ms",
            ])
            .arg(render_delay_ms.to_string())
            .arg("--data-dir")
            .arg(dir)
            .envs(support::database_env(dir))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("Renderiq reference server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/plugins{path}", self.base)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh data dir with one user holding 100 credits.
async fn data_dir_with_user(email: &'static str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    tokio::task::spawn_blocking(move || support::add_user(&data, email, PASSWORD, 100))
        .await
        .unwrap();
    dir
}

async fn sign_in(http: &reqwest::Client, server: &Process, email: &str) -> String {
    let session: serde_json::Value = http
        .post(server.url("/auth/signin"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["data"]["accessToken"].as_str().unwrap().to_owned()
}

async fn create_render(http: &reqwest::Client, server: &Process, token: &str) -> String {
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(support::png(64, 48)).file_name("v.png"),
    );
    let resp: serde_json::Value = http
        .post(server.url("/renders"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    resp["data"]["id"].as_str().unwrap().to_owned()
}

/// The webhook outbox of a data dir: (attempts made, next attempt at in Unix ms) per delivery.
fn outbox(dir: &Path) -> Vec<(u32, i64)> {
    support::query(
        dir,
        "SELECT attempts, next_attempt_at FROM webhook_outbox",
        &[],
    )
    .iter()
    .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
    .collect()
}

async fn get(http: &reqwest::Client, token: &str, url: String) -> serde_json::Value {
    let resp = http.get(url).bearer_auth(token).send().await.unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["success"], true, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn killing_the_server_mid_render_loses_no_credit() {
    let dir = data_dir_with_user("crash@example.com").await;
    let http = client();

    let server = Process::start(dir.path(), 30_000);
    let token = sign_in(&http, &server, "crash@example.com").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        ids.push(create_render(&http, &server, &token).await);
    }
    assert_eq!(
        get(&http, &token, server.url("/credits")).await["balance"],
        80
    );
    // Wait until the (single) worker is processing the first render, then kill -9.
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&http, &token, server.url(&format!("/renders/{}", ids[0]))).await["status"]
        != "processing"
    {
        assert!(Instant::now() < deadline, "render never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(server);

    let server = Process::start(dir.path(), 10);
    // Access tokens stay valid across the restart.
    let interrupted = get(&http, &token, server.url(&format!("/renders/{}", ids[0]))).await;
    assert_eq!(interrupted["status"], "failed", "{interrupted}");
    assert!(interrupted["error"].as_str().unwrap().contains("stopped"));
    // The queued render was kept and now runs.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let queued = get(
            &http,
            &token,
            server.url(&format!("/renders/{}?wait=5", ids[1])),
        )
        .await;
        if queued["status"] == "completed" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "queued render did not complete: {queued}"
        );
    }
    let credits = get(&http, &token, server.url("/credits")).await;
    assert_eq!(
        credits["balance"], 90,
        "only the completed render is paid for"
    );
    assert_eq!(credits["totalSpent"], 10);
    let ledger = get(&http, &token, server.url("/credits/transactions?limit=100")).await;
    let sum: i64 = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 90);
    let refunds: Vec<_> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["type"] == "refund")
        .collect();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["referenceId"], ids[0].as_str());
}

#[tokio::test]
async fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Process::start(dir.path(), 10);
    let health: serde_json::Value = client()
        .get(server.url("/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["data"]["status"], "ok");
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn a_webhook_retry_pending_at_a_crash_is_delivered_after_the_restart() {
    let dir = data_dir_with_user("hooks@example.com").await;
    let http = client();
    // Answers 500 to the first delivery, 204 after.
    let receiver = Receiver::start(1).await;
    let flags = [
        "--webhook-retry-base-ms",
        "1500",
        "--allow-private-webhooks",
    ];

    let server = Process::start_with(dir.path(), 50, &flags);
    let token = sign_in(&http, &server, "hooks@example.com").await;
    let registered: serde_json::Value = http
        .post(server.url("/webhooks/register"))
        .bearer_auth(&token)
        .json(&json!({ "url": receiver.url, "events": ["render.completed"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = registered["data"]["secret"].as_str().unwrap().to_owned();
    let render_id = create_render(&http, &server, &token).await;
    // The first attempt fails; once the server has recorded it and set the retry time,
    // kill -9 while the retry waits.
    let first = receiver.wait_for(1).await;
    let retry_at = eventually(30, || {
        outbox(dir.path())
            .into_iter()
            .find(|&(attempts, _)| attempts == 1)
            .map(|(_, next)| next)
    })
    .await;
    drop(server);
    // The retry falls due (by the server's own recorded time) while the server is down.
    let now = chrono::Utc::now().timestamp_millis();
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(retry_at - now).unwrap_or(0) + 50,
    ))
    .await;
    assert_eq!(
        receiver.count(),
        1,
        "nothing is delivered while the server is down"
    );

    let server = Process::start_with(dir.path(), 50, &flags);
    let deliveries = receiver.wait_for(2).await;
    assert_eq!(
        deliveries[1].header("webhook-id"),
        first[0].header("webhook-id"),
        "the retry keeps the message id, so receivers can deduplicate"
    );
    let event = deliveries[1]
        .verify(&secret)
        .expect("the resumed delivery is signed");
    assert_eq!(event.kind, "render.completed");
    assert_eq!(event.data.id, render_id);
    // Accepted: recorded as the second, successful attempt and taken off the queue, so nothing
    // is left to send.
    eventually(30, || outbox(dir.path()).is_empty().then_some(())).await;
    let recorded: Vec<(u32, bool)> = support::query(
        dir.path(),
        "SELECT attempt, success FROM webhook_deliveries ORDER BY attempt",
        &[],
    )
    .iter()
    .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
    .collect();
    assert_eq!(recorded, vec![(1, false), (2, true)]);
    assert_eq!(receiver.count(), 2);
    drop(server);
}
