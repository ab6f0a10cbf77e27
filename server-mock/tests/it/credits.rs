//! Credits: balance, ledger, 402, concurrency, and the admin commands beside a running server.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::process::Command;

use serde_json::Value;
use support::{TestServer, PASSWORD};

#[tokio::test]
async fn balance_and_ledger_show_grants_and_spends() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let credits = server.get(Some(&user.token), "/credits").await;
    assert_eq!(
        credits.data(),
        &serde_json::json!({ "balance": 100, "totalEarned": 100, "totalSpent": 0 })
    );
    let render = server
        .create_render(&user.token, &[("quality", "ultra")])
        .await;
    server
        .wait_for_render(&user.token, render.data()["id"].as_str().unwrap())
        .await;
    let credits = server.get(Some(&user.token), "/credits").await;
    assert_eq!(
        credits.data(),
        &serde_json::json!({ "balance": 80, "totalEarned": 100, "totalSpent": 20 })
    );

    let ledger = server
        .get(Some(&user.token), "/credits/transactions?limit=1")
        .await;
    let data = ledger.data();
    assert_eq!(data["total"], 2);
    assert_eq!(data["hasMore"], true);
    let spend = &data["items"][0];
    assert_eq!(spend["type"], "spend");
    assert_eq!(spend["amount"], -20);
    assert_eq!(spend["balanceAfter"], 80);
    assert_eq!(spend["referenceId"], render.data()["id"]);
    let grant = server
        .get(Some(&user.token), "/credits/transactions?limit=1&page=2")
        .await
        .data()["items"][0]
        .clone();
    assert_eq!(grant["type"], "grant");
    assert_eq!(grant["balanceAfter"], 100);
}

#[tokio::test]
async fn insufficient_credits_is_402_with_required_and_available() {
    let server = TestServer::start().await;
    let user = server.user(7).await;
    let resp = server
        .create_render(&user.token, &[("quality", "high")])
        .await;
    let body = resp.assert_error(402, "INSUFFICIENT_CREDITS");
    assert_eq!(body["requiredCredits"], 10);
    assert_eq!(body["availableCredits"], 7);
    // A cheaper render fits.
    server
        .create_render(&user.token, &[("quality", "standard")])
        .await
        .data();
    assert_eq!(server.balance(&user.token).await, 2);
}

#[tokio::test]
async fn fifty_concurrent_renders_against_100_credits_accept_exactly_ten() {
    let server = TestServer::start_with(|c| c.render_delay_ms = 0).await;
    let user = server.user(100).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| server.create_render(&user.token, &[("quality", "high")]))
        .collect();
    let results = futures_util::future::join_all(tasks).await;
    let accepted: Vec<&Value> = results
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| r.data())
        .collect();
    assert_eq!(accepted.len(), 10);
    for rejected in results.iter().filter(|r| r.status != 200) {
        let body = rejected.assert_error(402, "INSUFFICIENT_CREDITS");
        assert_eq!(body["requiredCredits"], 10);
        assert_eq!(body["availableCredits"], 0);
    }
    assert_eq!(server.balance(&user.token).await, 0);
    assert_eq!(server.ledger_sum(&user.token).await, 0);
    for render in accepted {
        let done = server
            .wait_for_render(&user.token, render["id"].as_str().unwrap())
            .await;
        assert_eq!(done["status"], "completed");
    }
    assert_eq!(server.balance(&user.token).await, 0);
    assert_eq!(server.ledger_sum(&user.token).await, 0);
    let credits = server.get(Some(&user.token), "/credits").await;
    assert_eq!(credits.data()["totalSpent"], 100);
}

#[tokio::test]
async fn ledger_always_sums_to_the_balance() {
    let server = TestServer::start().await;
    let user = server.user(60).await;
    let mut ids = Vec::new();
    for prompt in ["a", "[fail]", "b", "[fail] again"] {
        ids.push(
            server
                .create_render(&user.token, &[("prompt", prompt)])
                .await
                .data()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for id in &ids {
        server.wait_for_render(&user.token, id).await;
    }
    assert_eq!(server.balance(&user.token).await, 40);
    assert_eq!(server.ledger_sum(&user.token).await, 40);
    // Every ledger entry's balanceAfter chains: each is the previous plus its amount.
    let ledger = server
        .get(Some(&user.token), "/credits/transactions?limit=100")
        .await;
    let mut items = ledger.data()["items"].as_array().unwrap().clone();
    items.reverse();
    let mut running = 0;
    for item in items {
        running += item["amount"].as_i64().unwrap();
        assert_eq!(item["balanceAfter"].as_i64().unwrap(), running, "{item}");
    }
}

#[tokio::test]
async fn admin_commands_work_while_the_server_runs() {
    let server = TestServer::start().await;
    let bin = env!("CARGO_BIN_EXE_renderiq-server");
    let dir = server.data_dir();
    let out = Command::new(bin)
        .args([
            "user",
            "add",
            "--email",
            "cli@example.com",
            "--password",
            PASSWORD,
            "--name",
            "Cli",
            "--credits",
            "30",
        ])
        .arg("--data-dir")
        .arg(&dir)
        .envs(support::database_env(&dir))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("cli@example.com"));
    let user = server.sign_in("cli@example.com").await;
    assert_eq!(server.balance(&user.token).await, 30);

    let out = Command::new(bin)
        .args([
            "credits",
            "grant",
            "--email",
            "cli@example.com",
            "--amount",
            "12",
        ])
        .arg("--data-dir")
        .arg(&dir)
        .envs(support::database_env(&dir))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.balance(&user.token).await, 42);
    let credits = server.get(Some(&user.token), "/credits").await;
    assert_eq!(credits.data()["totalEarned"], 42);
    assert_eq!(server.ledger_sum(&user.token).await, 42);

    // A duplicate user and an unknown email fail with a message.
    let dup = Command::new(bin)
        .args([
            "user",
            "add",
            "--email",
            "cli@example.com",
            "--password",
            "x",
        ])
        .arg("--data-dir")
        .arg(&dir)
        .envs(support::database_env(&dir))
        .output()
        .unwrap();
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let unknown = Command::new(bin)
        .args([
            "credits",
            "grant",
            "--email",
            "nobody@example.com",
            "--amount",
            "1",
        ])
        .arg("--data-dir")
        .arg(&dir)
        .envs(support::database_env(&dir))
        .output()
        .unwrap();
    assert!(!unknown.status.success());
}
