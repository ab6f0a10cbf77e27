//! Webhooks: registration, signed deliveries verified with the SDK, callback URLs, retries,
//! disabling after repeated failures, isolation.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::receiver::Receiver;
use support::{eventually, TestServer};

async fn register(
    server: &TestServer,
    token: &str,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let resp = server
        .post(
            Some(token),
            "/webhooks/register",
            json!({ "url": url, "events": events }),
        )
        .await;
    let data = resp.data();
    (
        data["webhook"]["id"].as_str().unwrap().to_owned(),
        data["secret"].as_str().unwrap().to_owned(),
    )
}

/// Waits until the outbox is empty: every delivery queued so far has had its last attempt
/// (deliveries are queued in the transaction that ends a render, and an attempt leaves the outbox
/// only once it is recorded). After this, a receiver's count is final for the renders that have
/// ended: nothing more can arrive for them.
async fn outbox_drained(server: &TestServer) {
    let queued = || {
        server.query("SELECT COUNT(*) FROM webhook_outbox", &[])[0]
            .get::<i64>(0)
            .unwrap()
    };
    eventually(30, || (queued() == 0).then_some(())).await;
}

/// The user's first webhook as listed, once `ready` holds for it (30 s deadline).
async fn first_webhook_once(
    server: &TestServer,
    token: &str,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let hook = server.get(Some(token), "/webhooks").await.data()[0].clone();
        if ready(&hook) {
            return hook;
        }
        assert!(Instant::now() < deadline, "webhook never got there: {hook}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Attempts recorded for `webhook_id`: (render id, attempt, success), in order.
fn attempts(server: &TestServer, webhook_id: &str) -> Vec<(String, u32, bool)> {
    server
        .query(
            "SELECT render_id, attempt, success FROM webhook_deliveries
             WHERE webhook_id = ?1 ORDER BY created_at, attempt",
            &[&webhook_id],
        )
        .iter()
        .map(|r| (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap()))
        .collect()
}

#[tokio::test]
async fn webhooks_are_registered_listed_and_deleted() {
    let server = TestServer::start().await;
    let (alice, bob) = (server.user(0).await, server.user(0).await);
    let resp = server
        .post(
            Some(&alice.token),
            "/webhooks/register",
            json!({ "url": "https://example.com/hook", "events": ["render.completed"] }),
        )
        .await;
    let data = resp.data();
    assert!(data["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(data["webhook"]["active"], true);
    assert_eq!(data["webhook"]["failureCount"], 0);
    let id = data["webhook"]["id"].as_str().unwrap().to_owned();

    let list = server.get(Some(&alice.token), "/webhooks").await;
    assert_eq!(list.data()[0]["url"], "https://example.com/hook");
    assert_eq!(list.data()[0]["events"], json!(["render.completed"]));
    assert!(
        !list.body.to_string().contains("whsec_"),
        "the secret is shown once"
    );

    // Bob can neither see nor delete it.
    assert!(server
        .get(Some(&bob.token), "/webhooks")
        .await
        .data()
        .as_array()
        .unwrap()
        .is_empty());
    server
        .delete(Some(&bob.token), &format!("/webhooks/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");

    assert_eq!(
        server
            .delete(Some(&alice.token), &format!("/webhooks/{id}"))
            .await
            .data()["ok"],
        true
    );
    assert!(server
        .get(Some(&alice.token), "/webhooks")
        .await
        .data()
        .as_array()
        .unwrap()
        .is_empty());
    server
        .delete(Some(&alice.token), &format!("/webhooks/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn invalid_webhook_registration_is_invalid_input() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let resp = server
        .post(
            Some(&user.token),
            "/webhooks/register",
            json!({ "url": "not a url", "events": ["render.exploded"] }),
        )
        .await;
    let details = &resp.assert_error(400, "INVALID_INPUT")["details"];
    assert!(
        details["url"].is_string() && details["events"].is_string(),
        "{details}"
    );
    let resp = server
        .post(
            Some(&user.token),
            "/webhooks/register",
            json!({ "url": "https://x.example", "events": [] }),
        )
        .await;
    resp.assert_error(400, "INVALID_INPUT");
}

#[tokio::test]
async fn completed_render_is_delivered_signed_and_verifies_with_the_sdk() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = register(
        &server,
        &user.token,
        &receiver.url,
        &["render.completed", "render.failed"],
    )
    .await;
    let render = server.create_render(&user.token, &[]).await;
    let render_id = render.data()["id"].as_str().unwrap().to_owned();

    let delivery = receiver.wait_for(1).await.remove(0);
    assert!(delivery.header("webhook-id").starts_with("msg_"));
    assert_eq!(delivery.header("content-type"), "application/json");
    let event = delivery.verify(&secret).expect("signature verifies");
    assert_eq!(event.kind, "render.completed");
    assert_eq!(event.data.id, render_id);
    assert_eq!(
        event.data.status,
        renderiq_sdk::types::RenderStatus::Completed
    );
    assert!(event.data.output_url.is_some());

    // A tampered body or another secret does not verify.
    let mut tampered = delivery.clone();
    tampered.body.push(b' ');
    assert!(tampered.verify(&secret).is_err());
    assert!(delivery
        .verify(&renderiq_sdk::webhooks::generate_secret())
        .is_err());
}

#[tokio::test]
async fn callback_url_gets_a_delivery_signed_with_the_callback_secret() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let receiver = Receiver::start(0).await;
    let secret = server
        .get(Some(&user.token), "/webhooks/callback-secret")
        .await
        .data()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    let render = server
        .create_render(
            &user.token,
            &[("callbackUrl", receiver.url.as_str()), ("prompt", "[fail]")],
        )
        .await;
    let delivery = receiver.wait_for(1).await.remove(0);
    let event = delivery.verify(&secret).expect("signature verifies");
    assert_eq!(event.kind, "render.failed");
    assert_eq!(event.data.id, render.data()["id"].as_str().unwrap());
    assert!(event.data.error.is_some());
}

#[tokio::test]
async fn webhooks_get_only_the_events_they_subscribed_to() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let failures = Receiver::start(0).await;
    let cancellations = Receiver::start(0).await;
    let (failed_hook, failed_secret) =
        register(&server, &user.token, &failures.url, &["render.failed"]).await;
    let (cancelled_hook, _) = register(
        &server,
        &user.token,
        &cancellations.url,
        &["render.cancelled"],
    )
    .await;

    let ok = server.create_render(&user.token, &[]).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.wait_for_render(&user.token, &ok).await;
    let failed = server
        .create_render(&user.token, &[("prompt", "[fail]")])
        .await
        .data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = failures.wait_for(1).await[0]
        .verify(&failed_secret)
        .unwrap();
    assert_eq!(
        (event.kind.as_str(), event.data.id.as_str()),
        ("render.failed", failed.as_str())
    );

    // Both renders have ended, so all their deliveries are queued; once the queue is empty
    // nothing more can arrive.
    outbox_drained(&server).await;
    assert_eq!(
        failures.count(),
        1,
        "completed renders are not sent to a failed-only webhook"
    );
    assert_eq!(attempts(&server, &failed_hook), vec![(failed, 1, true)]);
    assert_eq!(cancellations.count(), 0);
    assert!(attempts(&server, &cancelled_hook).is_empty());
}

#[tokio::test]
async fn cancelled_render_is_delivered() {
    let server = TestServer::start_with(|c| {
        c.workers = 1;
        c.render_delay_ms = 3000;
    })
    .await;
    let user = server.user(100).await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = register(&server, &user.token, &receiver.url, &["render.cancelled"]).await;
    server.create_render(&user.token, &[]).await.data();
    let pending = server.create_render(&user.token, &[]).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .post(
            Some(&user.token),
            &format!("/renders/{pending}/cancel"),
            json!({}),
        )
        .await
        .data();
    let event = receiver.wait_for(1).await[0].verify(&secret).unwrap();
    assert_eq!(event.kind, "render.cancelled");
    assert_eq!(event.data.id, pending);
}

#[tokio::test]
async fn failed_deliveries_are_retried_until_accepted() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let receiver = Receiver::start(2).await;
    let (webhook_id, secret) =
        register(&server, &user.token, &receiver.url, &["render.completed"]).await;
    server.create_render(&user.token, &[]).await.data();

    let attempts = receiver.wait_for(3).await;
    let message_id = attempts[0].header("webhook-id").to_owned();
    for attempt in &attempts {
        assert_eq!(
            attempt.header("webhook-id"),
            message_id,
            "retries keep the message id"
        );
        attempt.verify(&secret).unwrap();
    }
    // Every attempt is recorded; the webhook stays healthy.
    let rows: Vec<(u32, bool)> = eventually(5, || {
        let rows: Vec<(u32, bool)> = server
            .query(
                "SELECT attempt, success FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY attempt",
                &[&webhook_id],
            )
            .iter()
            .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
            .collect();
        (rows.len() == 3).then_some(rows)
    })
    .await;
    assert_eq!(rows, vec![(1, false), (2, false), (3, true)]);
    let hook = first_webhook_once(&server, &user.token, |h| h["lastDeliveryAt"].is_string()).await;
    assert_eq!(hook["active"], true);
    assert_eq!(hook["failureCount"], 0);
    assert!(hook["lastDeliveryAt"].is_string());
    outbox_drained(&server).await;
    assert_eq!(receiver.count(), 3, "no attempt after the success");
}

#[tokio::test]
async fn webhook_is_disabled_after_consecutive_failed_deliveries() {
    let server = TestServer::start_with(|c| {
        c.webhook_max_attempts = 2;
        c.webhook_max_failures = 2;
        c.webhook_retry_base_ms = 10;
    })
    .await;
    let user = server.user(100).await;
    let receiver = Receiver::start(usize::MAX).await;
    let (webhook_id, _) =
        register(&server, &user.token, &receiver.url, &["render.completed"]).await;

    for expected_failures in 1..=2 {
        let id = server.create_render(&user.token, &[]).await.data()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        server.wait_for_render(&user.token, &id).await;
        receiver.wait_for(expected_failures * 2).await;
        let hook = first_webhook_once(&server, &user.token, |h| {
            h["failureCount"] == expected_failures
        })
        .await;
        assert_eq!(hook["failureCount"], expected_failures, "{hook}");
        assert_eq!(hook["active"], expected_failures < 2, "{hook}");
    }
    // Disabled: no more deliveries.
    let id = server.create_render(&user.token, &[]).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.wait_for_render(&user.token, &id).await;
    // Its deliveries, had any been queued, were queued when it ended.
    outbox_drained(&server).await;
    assert_eq!(receiver.count(), 4);
    let recorded = attempts(&server, &webhook_id);
    assert_eq!(recorded.len(), 4, "{recorded:?}");
    assert!(
        recorded.iter().all(|(render, _, _)| render != &id),
        "nothing for the render that ended after the webhook was disabled: {recorded:?}"
    );
}

#[tokio::test]
async fn no_deliveries_when_notifications_are_off() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let receiver = Receiver::start(0).await;
    register(&server, &user.token, &receiver.url, &["render.completed"]).await;
    server
        .patch(
            Some(&user.token),
            "/settings",
            json!({ "notifyOnComplete": false }),
        )
        .await
        .data();
    let id = server
        .create_render(&user.token, &[("callbackUrl", receiver.url.as_str())])
        .await
        .data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.wait_for_render(&user.token, &id).await;
    // Deliveries are queued when the render ends: an empty queue now means none was queued.
    outbox_drained(&server).await;
    assert_eq!(receiver.count(), 0);
    let recorded: i64 = server.query("SELECT COUNT(*) FROM webhook_deliveries", &[])[0]
        .get(0)
        .unwrap();
    assert_eq!(recorded, 0);
}
