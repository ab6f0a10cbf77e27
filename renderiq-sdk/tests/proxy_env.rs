//! The `HTTPS_PROXY` and `NO_PROXY` environment variables, with a loopback proxy and a loopback
//! TLS server. The environment is process-wide, so these tests live in a binary of their own
//! and set it only while a client is built (the client reads it then), one test at a time.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Mutex;

use renderiq_sdk::token_store::MemoryStore;
use renderiq_sdk::{Client, ClientBuilder, RetryPolicy};
use support::loopback::{RecordingProxy, TlsServer};

const PROXY_VARS: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

static ENV: Mutex<()> = Mutex::new(());

/// Builds a client with exactly `vars` as the proxy environment, then puts the environment back.
fn build_with_env(vars: &[(&str, &str)], builder: ClientBuilder) -> Client {
    let _one_at_a_time = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let saved: Vec<_> = PROXY_VARS
        .iter()
        .map(|name| (name, std::env::var_os(name)))
        .collect();
    for name in PROXY_VARS {
        std::env::remove_var(name);
    }
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
    let client = builder.build();
    for (name, value) in saved {
        match value {
            Some(v) => std::env::set_var(name, v),
            None => std::env::remove_var(name),
        }
    }
    client.unwrap()
}

fn builder(tls: &TlsServer) -> ClientBuilder {
    Client::builder()
        .base_url(tls.url())
        .add_root_certificate_pem(tls.ca_pem.as_bytes())
        .retry_policy(RetryPolicy::none())
        .token_store(MemoryStore::new())
}

#[tokio::test]
async fn https_proxy_carries_https_requests() {
    let proxy = RecordingProxy::start().await;
    let tls = TlsServer::start().await;
    let client = build_with_env(&[("HTTPS_PROXY", &proxy.url)], builder(&tls));
    client.health().await.unwrap();
    assert_eq!(
        proxy.seen(),
        [format!("CONNECT localhost:{} HTTP/1.1", tls.port)]
    );
    assert_eq!(tls.answered(), 1);
}

#[tokio::test]
async fn no_proxy_hosts_bypass_the_proxy() {
    let proxy = RecordingProxy::start().await;
    let tls = TlsServer::start().await;
    // Another host listed: still through the proxy.
    let client = build_with_env(
        &[("HTTPS_PROXY", &proxy.url), ("NO_PROXY", "elsewhere.test")],
        builder(&tls),
    );
    client.health().await.unwrap();
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
    // This host listed: straight to the server.
    let client = build_with_env(
        &[
            ("HTTPS_PROXY", &proxy.url),
            ("NO_PROXY", "elsewhere.test, localhost"),
        ],
        builder(&tls),
    );
    client.health().await.unwrap();
    assert_eq!(proxy.seen().len(), 1, "bypassed: {:?}", proxy.seen());
    assert_eq!(tls.answered(), 2);
}

#[tokio::test]
async fn the_builder_no_proxy_ignores_the_environment() {
    let proxy = RecordingProxy::start().await;
    let tls = TlsServer::start().await;
    let client = build_with_env(&[("HTTPS_PROXY", &proxy.url)], builder(&tls).no_proxy());
    client.health().await.unwrap();
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
    assert_eq!(tls.answered(), 1);
}

#[tokio::test]
async fn the_builder_proxy_wins_over_the_environment() {
    let env_proxy = RecordingProxy::start().await;
    let own_proxy = RecordingProxy::start().await;
    let tls = TlsServer::start().await;
    let client = build_with_env(
        &[("HTTPS_PROXY", &env_proxy.url)],
        builder(&tls).proxy(&own_proxy.url),
    );
    client.health().await.unwrap();
    assert!(env_proxy.seen().is_empty(), "{:?}", env_proxy.seen());
    assert_eq!(own_proxy.seen().len(), 1);
    assert_eq!(tls.answered(), 1);
}
