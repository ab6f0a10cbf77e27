//! Fault injection between the SDK and the real reference server, through the loopback
//! [`FaultProxy`](support::fault_proxy::FaultProxy) (issue 11): an upload reset midway is
//! retried into exactly one render and one charge, or fails as a typed network error having
//! charged nothing; a server that never answers surfaces as the SDK's typed timeout error.
//! (A reply lost after the server acted: `sdk_retries.rs`.)

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use renderiq_sdk::token_store::{MemoryStore, TokenStore};
use renderiq_sdk::{Client, CreateRender, ErrorKind, RetryPolicy, Screenshot};
use support::fault_proxy::{Fault, FaultProxy};
use support::{Account, TestServer, PASSWORD};

const CREATE: (&str, &str) = ("POST", "/api/plugins/renders");

/// A client through `base_url`, signed in as `email`: `retries` retries without jitter and,
/// when given, a whole-request timeout. The sign-in goes through a client without that timeout
/// sharing the token store, so a slow password check on a loaded machine cannot be mistaken for
/// the fault under test.
async fn client(base_url: &str, email: &str, retries: u32, timeout: Option<Duration>) -> Client {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let builder = || {
        Client::builder()
            .base_url(base_url)
            .shared_token_store(store.clone())
            .retry_policy(
                RetryPolicy::default()
                    .max_retries(retries)
                    .initial_backoff(Duration::from_millis(50))
                    .jitter(false),
            )
            .no_proxy()
    };
    builder()
        .build()
        .unwrap()
        .sign_in(email, PASSWORD)
        .await
        .unwrap();
    match timeout {
        Some(timeout) => builder().timeout(timeout).build().unwrap(),
        None => builder().build().unwrap(),
    }
}

/// A render big enough that 200 body bytes are well inside the upload.
fn render_request() -> CreateRender {
    CreateRender::new(Screenshot::encoded(support::png(64, 48))).prompt("faulted")
}

#[tokio::test]
async fn an_upload_reset_midway_is_retried_into_one_render_and_one_charge() {
    let server = TestServer::start().await;
    server.add_user("reset-once@example.com", 100).await;
    let upstream = server.server.as_ref().unwrap().addr;
    let proxy = FaultProxy::start(
        upstream,
        CREATE.0,
        CREATE.1,
        Fault::ResetAfterBodyBytes(200),
        1,
    )
    .await;
    let client = client(&proxy.url, "reset-once@example.com", 2, None).await;

    let render = client.create_render(render_request()).await.unwrap();

    assert_eq!(proxy.faulted(), 1, "the first upload was cut");
    let Account {
        render_ids: renders,
        charges,
        balance,
    } = server.account("reset-once@example.com").await;
    assert_eq!(renders, vec![render.id.clone()], "exactly one render");
    assert_eq!(charges.len(), 1, "exactly one charge: {charges:?}");
    assert_eq!(charges[0]["referenceId"], render.id.as_str());
    assert_eq!(balance, 100 + charges[0]["amount"].as_i64().unwrap());
}

#[tokio::test]
async fn an_upload_reset_every_time_is_a_network_error_and_charges_nothing() {
    let server = TestServer::start().await;
    server.add_user("reset-always@example.com", 100).await;
    let upstream = server.server.as_ref().unwrap().addr;
    let proxy = FaultProxy::start(
        upstream,
        CREATE.0,
        CREATE.1,
        Fault::ResetAfterBodyBytes(200),
        usize::MAX,
    )
    .await;
    let client = client(&proxy.url, "reset-always@example.com", 2, None).await;

    let err = client.create_render(render_request()).await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(
        proxy.faulted(),
        3,
        "the first try and both retries were cut"
    );
    let Account {
        render_ids: renders,
        charges,
        balance,
    } = server.account("reset-always@example.com").await;
    assert!(
        renders.is_empty(),
        "no render from a cut upload: {renders:?}"
    );
    assert!(
        charges.is_empty(),
        "no charge without a render: {charges:?}"
    );
    assert_eq!(balance, 100);
}

#[tokio::test]
async fn a_server_that_never_answers_is_the_sdks_timeout_error() {
    let server = TestServer::start().await;
    server.add_user("stall@example.com", 100).await;
    let upstream = server.server.as_ref().unwrap().addr;
    let proxy = FaultProxy::start(
        upstream,
        "GET",
        "/api/plugins/credits",
        Fault::Stall,
        usize::MAX,
    )
    .await;
    let client = client(
        &proxy.url,
        "stall@example.com",
        1,
        Some(Duration::from_millis(300)),
    )
    .await;

    let err = client.credits().await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(proxy.faulted() >= 1);
}

#[tokio::test]
async fn a_render_creation_that_never_answers_is_a_timeout_error_and_creates_nothing() {
    let server = TestServer::start().await;
    server.add_user("stall-create@example.com", 100).await;
    let upstream = server.server.as_ref().unwrap().addr;
    let proxy = FaultProxy::start(upstream, CREATE.0, CREATE.1, Fault::Stall, usize::MAX).await;
    let client = client(
        &proxy.url,
        "stall-create@example.com",
        0,
        Some(Duration::from_millis(300)),
    )
    .await;

    let err = client.create_render(render_request()).await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let Account {
        render_ids: renders,
        charges,
        balance,
    } = server.account("stall-create@example.com").await;
    assert!(renders.is_empty() && charges.is_empty());
    assert_eq!(balance, 100);
}

#[tokio::test]
async fn a_creation_whose_reply_is_lost_after_the_server_acted_is_charged_once() {
    let server = TestServer::start().await;
    server.add_user("dropped@example.com", 100).await;
    let upstream = server.server.as_ref().unwrap().addr;
    let proxy = FaultProxy::start(upstream, CREATE.0, CREATE.1, Fault::DropReply, 1).await;
    let client = client(&proxy.url, "dropped@example.com", 2, None).await;

    let render = client.create_render(render_request()).await.unwrap();

    assert_eq!(proxy.faulted(), 1);
    let Account {
        render_ids: renders,
        charges,
        balance,
    } = server.account("dropped@example.com").await;
    assert_eq!(renders, vec![render.id.clone()], "exactly one render");
    assert_eq!(charges.len(), 1, "exactly one charge: {charges:?}");
    assert_eq!(balance, 100 + charges[0]["amount"].as_i64().unwrap());
}
