//! Crash safety: the real binary is killed with SIGKILL mid-render and restarted on the same data
//! dir; the interrupted render is taken over when its lease runs out (or failed and refunded
//! once out of attempts), queued ones still run, no credit is lost or charged twice, and webhook
//! deliveries left retrying resume with the same message id.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::receiver::Receiver;
use support::{client, eventually};

use crate::process::{create_render, data_dir_with_user, get, register_webhook, sign_in, Process};

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

/// Starts a server with one worker and a one-second render lease, kills it with SIGKILL while it
/// processes the first of two renders, and restarts it with `restart_flags`: the ids of the two
/// renders, the signed-in token and the restarted server.
async fn kill_mid_render(
    dir: &Path,
    http: &reqwest::Client,
    restart_flags: &[&str],
) -> (Vec<String>, String, Process) {
    let lease = ["--render-lease-seconds", "1"];
    let server = Process::start_with(dir, 30_000, &lease);
    let token = sign_in(http, &server, "crash@example.com").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        ids.push(create_render(http, &server, &token).await);
    }
    assert_eq!(
        get(http, &token, server.url("/credits")).await["balance"],
        80
    );
    // Wait until the (single) worker is processing the first render, then kill -9.
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(http, &token, server.url(&format!("/renders/{}", ids[0]))).await["status"]
        != "processing"
    {
        assert!(Instant::now() < deadline, "render never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(server);
    let flags: Vec<&str> = lease.iter().chain(restart_flags).copied().collect();
    let server = Process::start_with(dir, 10, &flags);
    (ids, token, server)
}

/// Waits for render `id` to end and answers it.
async fn ended(
    http: &reqwest::Client,
    server: &Process,
    token: &str,
    id: &str,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let render = get(http, token, server.url(&format!("/renders/{id}?wait=5"))).await;
        if ["completed", "failed", "cancelled"].contains(&render["status"].as_str().unwrap()) {
            return render;
        }
        assert!(
            Instant::now() < deadline,
            "render {id} did not end: {render}"
        );
    }
}

/// The ledger's entries of `kind` (`spend`, `refund`, …): their reference ids.
async fn ledger(http: &reqwest::Client, server: &Process, token: &str, kind: &str) -> Vec<String> {
    get(http, token, server.url("/credits/transactions?limit=100")).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["type"] == kind)
        .map(|t| t["referenceId"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn killing_the_server_mid_render_loses_no_credit() {
    let dir = data_dir_with_user("crash@example.com", 100).await;
    let http = client();
    let (ids, token, server) = kill_mid_render(dir.path(), &http, &[]).await;

    // The interrupted render is taken over once its lease runs out, and completes; the queued
    // one was kept and runs too.
    for id in &ids {
        let render = ended(&http, &server, &token, id).await;
        assert_eq!(render["status"], "completed", "{render}");
    }
    let attempts: Vec<i64> = support::query(
        dir.path(),
        "SELECT attempts FROM renders ORDER BY rowid",
        &[],
    )
    .iter()
    .map(|r| r.get(0).unwrap())
    .collect();
    assert_eq!(attempts, vec![2, 1], "the first render was claimed twice");
    // Each render was paid for once: no second charge for the takeover, no refund.
    let credits = get(&http, &token, server.url("/credits")).await;
    assert_eq!(credits["balance"], 80, "{credits}");
    assert_eq!(credits["totalSpent"], 20);
    let mut spent = ledger(&http, &server, &token, "spend").await;
    spent.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(spent, expected, "one charge per render");
    assert!(ledger(&http, &server, &token, "refund").await.is_empty());
}

#[tokio::test]
async fn a_render_interrupted_on_its_last_attempt_is_failed_and_refunded() {
    let dir = data_dir_with_user("crash@example.com", 100).await;
    let http = client();
    let (ids, token, server) =
        kill_mid_render(dir.path(), &http, &["--render-max-attempts", "1"]).await;

    let interrupted = ended(&http, &server, &token, &ids[0]).await;
    assert_eq!(interrupted["status"], "failed", "{interrupted}");
    let error = interrupted["error"].as_str().unwrap();
    assert!(
        error.contains("interrupted 1 time ") && error.contains("refunded"),
        "{error}"
    );
    // The queued render still runs.
    let queued = ended(&http, &server, &token, &ids[1]).await;
    assert_eq!(queued["status"], "completed", "{queued}");
    let credits = get(&http, &token, server.url("/credits")).await;
    assert_eq!(
        credits["balance"], 90,
        "only the completed render is paid for"
    );
    assert_eq!(credits["totalSpent"], 10);
    assert_eq!(
        ledger(&http, &server, &token, "refund").await,
        vec![ids[0].clone()]
    );
    let sum: i64 = get(&http, &token, server.url("/credits/transactions?limit=100")).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 90);
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
    let dir = data_dir_with_user("hooks@example.com", 100).await;
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
    let secret =
        register_webhook(&http, &server, &token, &receiver.url, &["render.completed"]).await;
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
