//! Several servers on one PostgreSQL database: renders are claimed under leases (a killed
//! server's renders are taken over), webhook deliveries are claimed once per attempt across
//! servers, and a long-poll held by one server answers when another server's worker moves the
//! render on (`LISTEN`/`NOTIFY`). On SQLite (one server per file) these tests say so and pass:
//! the `postgres` suite of the test command runs them, and the required-tests check insists it
//! did.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use renderiq_server::store::Backend;

use crate::database::OfTestSuite as _;
use crate::process::{
    create_render, data_dir_with_user, get, post_render, register_webhook, sign_in, Process,
};
use crate::support::{self, client, receiver::Receiver};

/// `true` when the suite runs on PostgreSQL; otherwise says why the test has nothing to check.
fn on_postgres(test: &str) -> bool {
    let yes = Backend::of_test_suite() == Backend::Postgres;
    if !yes {
        eprintln!(
            "{test}: several servers share a PostgreSQL database only; nothing to check on SQLite"
        );
    }
    yes
}

/// Flags of every server in these tests: no rate limits or pending cap in the way of the load,
/// short leases, private webhook targets (the receiver is on loopback), quick retries.
const FLAGS: &[&str] = &[
    "--workers",
    "2",
    "--render-lease-seconds",
    "2",
    "--create-rate-limit",
    "0",
    "--user-create-rate-limit",
    "0",
    "--read-rate-limit",
    "0",
    "--user-read-rate-limit",
    "0",
    "--max-pending-renders",
    "0",
    "--allow-private-webhooks",
    "--webhook-retry-base-ms",
    "200",
];

/// A server on `dir`'s database with [`FLAGS`].
fn start(dir: &Path, render_delay_ms: u64) -> Process {
    Process::start_with(dir, render_delay_ms, FLAGS)
}

/// Renders by status, read from the database.
fn statuses(dir: &Path) -> BTreeMap<String, i64> {
    support::query(
        dir,
        "SELECT status, COUNT(*) FROM renders GROUP BY status",
        &[],
    )
    .iter()
    .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
    .collect()
}

#[tokio::test]
async fn a_long_poll_on_one_server_answers_when_another_server_ends_the_render() {
    if !on_postgres("cross-server long-poll") {
        return;
    }
    let dir = data_dir_with_user("poll@example.com", 100).await;
    let http = client();
    let servers = [start(dir.path(), 1500), start(dir.path(), 1500)];
    let token = sign_in(&http, &servers[0], "poll@example.com").await;
    let id = create_render(&http, &servers[0], &token).await;
    // Both servers hold a long-poll on the render; whichever server's worker takes it, the
    // other hears of its end only through the database's notifications (a long-poll rereads
    // the render only when told of a change, or at its deadline 30 s away).
    let started = Instant::now();
    let polls = servers.iter().map(|server| {
        let url = server.url(&format!("/renders/{id}?wait=30"));
        let (http, token) = (http.clone(), token.clone());
        async move {
            let render = get(&http, &token, url).await;
            (render, started.elapsed())
        }
    });
    for (render, took) in futures_util::future::join_all(polls).await {
        assert_eq!(render["status"], "completed", "{render}");
        assert!(
            took < Duration::from_secs(20),
            "a long-poll answered only at its deadline ({took:?}): the change was not heard"
        );
    }
}

#[tokio::test]
async fn three_servers_end_200_renders_exactly_once_through_a_sigkill() {
    if !on_postgres("three servers, 200 renders") {
        return;
    }
    const RENDERS: usize = 200;
    const COST: i64 = 10;
    const CREDITS: i64 = 5000;
    let dir = data_dir_with_user("fleet@example.com", CREDITS).await;
    let http = client();
    let receiver = Receiver::start(0).await;
    let mut servers: Vec<Option<Process>> = (0..3).map(|_| Some(start(dir.path(), 200))).collect();
    let first = servers[0].as_ref().unwrap();
    let token = sign_in(&http, first, "fleet@example.com").await;
    let events = ["render.completed", "render.failed"];
    let secret = register_webhook(&http, first, &token, &receiver.url, &events).await;

    // Round-robin over the servers still up, a few creations in flight at once; the third
    // server is killed with SIGKILL a third of the way through, once work has queued up.
    let mut ids = Vec::new();
    for batch in 0..RENDERS / 8 {
        if batch == RENDERS / 8 / 3 {
            let queued = statuses(dir.path());
            assert!(
                queued.get("processing").copied().unwrap_or(0) > 0,
                "{queued:?}"
            );
            servers[2].as_mut().unwrap().kill();
            servers[2] = None;
        }
        let up: Vec<&Process> = servers.iter().flatten().collect();
        let creations = (0..8).map(|i| {
            let server = up[(batch * 8 + i) % up.len()];
            create_render(&http, server, &token)
        });
        ids.extend(futures_util::future::join_all(creations).await);
    }
    assert_eq!(ids.len(), RENDERS);

    // Every render ends, and ends completed: those the killed server held are taken over when
    // their lease runs out.
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let by_status = statuses(dir.path());
        if by_status.get("completed").copied().unwrap_or(0) == RENDERS as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "renders did not all complete: {by_status:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let taken_over: i64 = support::query(
        dir.path(),
        "SELECT COUNT(*) FROM renders WHERE attempts > 1",
        &[],
    )[0]
    .get(0)
    .unwrap();
    assert!(
        taken_over > 0,
        "the killed server held no render: nothing was taken over"
    );

    // The ledger sums, and each render was charged exactly once and never refunded.
    let survivor = servers[0].as_ref().unwrap();
    let credits = get(&http, &token, survivor.url("/credits")).await;
    assert_eq!(
        credits["balance"],
        CREDITS - COST * RENDERS as i64,
        "{credits}"
    );
    let ledger: Vec<(String, i64, Option<String>)> = support::query(
        dir.path(),
        "SELECT type, amount, reference_id FROM credit_transactions",
        &[],
    )
    .iter()
    .map(|r| (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap()))
    .collect();
    assert_eq!(
        ledger.iter().map(|(_, amount, _)| amount).sum::<i64>(),
        CREDITS - COST * RENDERS as i64
    );
    let charged: Vec<&str> = ledger
        .iter()
        .filter(|(kind, _, _)| kind == "spend")
        .filter_map(|(_, _, reference)| reference.as_deref())
        .collect();
    let distinct: BTreeSet<&str> = charged.iter().copied().collect();
    assert_eq!(charged.len(), RENDERS, "one charge per render");
    assert_eq!(distinct, ids.iter().map(String::as_str).collect());
    assert!(
        ledger.iter().all(|(kind, _, _)| kind != "refund"),
        "a render was refunded"
    );

    // Every render's `render.completed` arrives, signed, and every delivery of one render
    // (a retry, or an attempt repeated after the kill) carries one `webhook-id`.
    let deadline = Instant::now() + Duration::from_secs(60);
    let by_render = loop {
        let mut by_render: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for delivery in receiver.deliveries.lock().unwrap().iter() {
            let event = delivery.verify(&secret).expect("a signed delivery");
            assert_eq!(event.kind, "render.completed");
            by_render
                .entry(event.data.id.clone())
                .or_default()
                .insert(delivery.header("webhook-id").to_owned());
        }
        if by_render.len() == RENDERS || Instant::now() > deadline {
            break by_render;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(by_render.len(), RENDERS, "renders without a delivery");
    for (render, webhook_ids) in &by_render {
        assert_eq!(
            webhook_ids.len(),
            1,
            "{render} was announced as different messages: {webhook_ids:?}"
        );
    }
    let deliveries = receiver.count();
    eprintln!("{RENDERS} renders, {taken_over} taken over, {deliveries} deliveries received");
}

#[tokio::test]
async fn two_servers_share_one_rate_limit() {
    if !on_postgres("shared rate limits") {
        return;
    }
    let dir = data_dir_with_user("limits@example.com", 100).await;
    let http = client();
    let flags = ["--create-rate-limit", "3", "--user-create-rate-limit", "0"];
    let servers = [
        Process::start_with(dir.path(), 10, &flags),
        Process::start_with(dir.path(), 10, &flags),
    ];
    let token = sign_in(&http, &servers[0], "limits@example.com").await;
    let mut answers = Vec::new();
    for i in 0..5 {
        let resp = post_render(&http, &servers[i % 2], &token).await;
        let retry_after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        answers.push((resp.status().as_u16(), retry_after));
    }
    // Three per minute for the user and platform, counted once across both servers: the fourth
    // and fifth creations are refused whichever server takes them (in memory each server would
    // have let three through: six in all).
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429], "{answers:?}");
    assert_eq!(
        answers[3].1.as_deref(),
        Some("20"),
        "one creation comes back every 20 s"
    );
}
