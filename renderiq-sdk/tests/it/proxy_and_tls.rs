//! `ClientBuilder::proxy` and `add_root_certificate_pem`, with a loopback forward proxy and a
//! loopback TLS server whose certificate comes from a CA generated here. (The proxy environment
//! variables are tested in `proxy_env.rs`, a binary of their own.)

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use renderiq_sdk::token_store::MemoryStore;
use renderiq_sdk::{Client, ClientBuilder, ErrorKind, RetryPolicy};
use support::loopback::{RecordingProxy, TlsServer};

fn builder(base: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base)
        .retry_policy(RetryPolicy::none())
        .token_store(MemoryStore::new())
}

#[tokio::test]
async fn the_builder_proxy_carries_plain_http_requests() {
    let proxy = RecordingProxy::start().await;
    // `.test` names never resolve: only the proxy can answer. Plain http to a host that is not
    // this machine must be allowed explicitly.
    let refused = builder("http://renderiq.test").proxy(&proxy.url).build();
    assert_eq!(refused.unwrap_err().kind(), ErrorKind::Config);
    let client = builder("http://renderiq.test")
        .allow_insecure_http()
        .proxy(&proxy.url)
        .build()
        .unwrap();
    let health = client.health().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(
        proxy.seen(),
        ["GET http://renderiq.test/api/plugins/health HTTP/1.1"]
    );
}

#[tokio::test]
async fn the_builder_proxy_tunnels_https_with_connect() {
    let proxy = RecordingProxy::start().await;
    let tls = TlsServer::start().await;
    let client = builder(&tls.url())
        .add_root_certificate_pem(tls.ca_pem.as_bytes())
        .proxy(&proxy.url)
        .build()
        .unwrap();
    client.health().await.unwrap();
    assert_eq!(
        proxy.seen(),
        [format!("CONNECT localhost:{} HTTP/1.1", tls.port)]
    );
    assert_eq!(tls.answered(), 1);
}

#[tokio::test]
async fn tls_fails_without_the_extra_root_and_succeeds_with_it() {
    let tls = TlsServer::start().await;

    let untrusting = builder(&tls.url()).no_proxy().build().unwrap();
    let err = untrusting.health().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(tls.answered(), 0, "no request over an untrusted connection");

    let trusting = builder(&tls.url())
        .no_proxy()
        .add_root_certificate_pem(tls.ca_pem.as_bytes())
        .build()
        .unwrap();
    assert_eq!(trusting.health().await.unwrap().status, "ok");
    assert_eq!(tls.answered(), 1);
}

#[tokio::test]
async fn the_binding_config_takes_the_root_certificate_and_the_proxy() {
    let proxy = RecordingProxy::start().await;
    let tls = TlsServer::start().await;
    let config = serde_json::json!({
        "baseUrl": tls.url(),
        "tokenStore": "memory",
        "maxRetries": 0,
        "rootCertificatePem": tls.ca_pem,
        "proxy": proxy.url,
    });
    let client = renderiq_sdk::config::ClientConfig::from_json(&config.to_string())
        .unwrap()
        .into_builder()
        .unwrap()
        .build()
        .unwrap();
    client.health().await.unwrap();
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
    assert_eq!(tls.answered(), 1);
}
