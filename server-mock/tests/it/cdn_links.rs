//! Signed `/cdn/` links: a link from render JSON is served until it expires; stripped, tampered
//! or expired links are refused with 403 in the error envelope; a valid signature does not open
//! a path outside the storage; the SDK's download recovers from a link read too long ago.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use renderiq_sdk::token_store::MemoryStore;
use renderiq_server::cdn::CdnLinks;
use support::*;

const TTL: u64 = 600;

async fn server() -> TestServer {
    TestServer::start_with(|c| c.cdn_link_ttl_seconds = TTL).await
}

/// A completed render of a new user: (user, render JSON).
async fn completed_render(server: &TestServer) -> (TestUser, serde_json::Value) {
    let user = server.user(100).await;
    let created = server.create_render(&user.token, &[]).await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let done = server.wait_for_render(&user.token, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    (user, done)
}

async fn fetch(server: &TestServer, url: &str) -> Resp {
    server.send(server.http.get(url)).await
}

#[tokio::test]
async fn a_link_from_render_json_is_served_and_stripped_or_tampered_ones_are_refused() {
    let server = server().await;
    let (_, done) = completed_render(&server).await;
    let output = done["outputUrl"].as_str().unwrap();
    let (bare, query) = output.split_once('?').expect("a signed link");
    assert!(
        bare.starts_with(&format!("{}/cdn/outputs/", server.base)),
        "{output}"
    );
    assert!(
        query.starts_with("expires=") && query.contains("&sig="),
        "{output}"
    );

    let served = server.http.get(output).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert!(served.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let input = server
        .http
        .get(done["inputUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(input.status(), 200);

    // Stripped of its signature, or of its expiry.
    fetch(&server, bare)
        .await
        .assert_error(403, "AUTH_REQUIRED");
    let no_expiry = format!("{bare}?{}", &query[query.find("sig=").unwrap()..]);
    fetch(&server, &no_expiry)
        .await
        .assert_error(403, "AUTH_REQUIRED");
    // A later expiry, a changed signature, or the signature on another file.
    let later = output.replace("expires=", "expires=9");
    fetch(&server, &later)
        .await
        .assert_error(403, "AUTH_REQUIRED");
    let sig_at = output.find("sig=").unwrap() + 4;
    let mut forged = output.to_owned();
    let flipped = if &output[sig_at..=sig_at] == "A" {
        "B"
    } else {
        "A"
    };
    forged.replace_range(sig_at..=sig_at, flipped);
    fetch(&server, &forged)
        .await
        .assert_error(403, "AUTH_REQUIRED");
    let elsewhere = format!(
        "{}?{query}",
        done["inputUrl"]
            .as_str()
            .unwrap()
            .split_once('?')
            .unwrap()
            .0
    );
    fetch(&server, &elsewhere)
        .await
        .assert_error(403, "AUTH_REQUIRED");
}

#[tokio::test]
async fn a_link_expires_and_a_fresh_read_of_the_render_gives_a_working_one() {
    let server = server().await;
    let (user, done) = completed_render(&server).await;
    let old = done["outputUrl"].as_str().unwrap().to_owned();
    assert_eq!(server.http.get(&old).send().await.unwrap().status(), 200);

    server.config.clock.advance(Duration::from_secs(TTL + 1));
    let refused = fetch(&server, &old).await;
    refused.assert_error(403, "AUTH_REQUIRED");
    assert!(
        refused.body["error"].as_str().unwrap().contains("expired"),
        "{}",
        refused.body
    );

    let again = server
        .get(
            Some(&user.token),
            &format!("/renders/{}", done["id"].as_str().unwrap()),
        )
        .await;
    let fresh = again.data()["outputUrl"].as_str().unwrap().to_owned();
    assert_ne!(fresh, old);
    assert_eq!(server.http.get(&fresh).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_valid_signature_does_not_reach_outside_the_storage() {
    let server = server().await;
    let key: String = server.query(
        "SELECT value FROM server_secrets WHERE name = 'cdn_link_key'",
        &[],
    )[0]
    .get(0)
    .unwrap();
    // Links signed with the server's own key for paths that climb out of the storage folder
    // (where the database lives).
    let links = CdnLinks::new(
        &server.base,
        key.as_bytes(),
        TTL,
        server.config.clock.clone(),
    )
    .unwrap();
    for path in ["../renderiq.db", "%2e%2e/renderiq.db", "..%2frenderiq.db"] {
        let url = links.url(path);
        let addr = server.server.as_ref().unwrap().addr;
        // Raw, so that no client normalises the dots away.
        let target = &url[server.base.len()..];
        let answer = raw_get(addr, target).await;
        assert!(
            !answer.starts_with("HTTP/1.1 200"),
            "{path} was served: {answer}"
        );
        assert!(!answer.contains("SQLite format"), "{path}");
    }
}

async fn raw_get(addr: std::net::SocketAddr, target: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_sdk_downloads_a_render_read_longer_ago_than_the_link_lives() {
    let server = server().await;
    server.add_user("ada@example.com", 100).await;
    let client = renderiq_sdk::Client::builder()
        .base_url(&server.base)
        .shared_token_store(Arc::new(MemoryStore::new()))
        .refresh_margin(Duration::ZERO)
        .no_proxy()
        .build()
        .unwrap();
    client.sign_in("ada@example.com", PASSWORD).await.unwrap();
    let created = client
        .create_render(renderiq_sdk::CreateRender::new(
            renderiq_sdk::Screenshot::encoded(png(64, 48)),
        ))
        .await
        .unwrap();
    let done = client.wait_for_render(&created.id).await.unwrap();
    let fresh = client.download_render(&done).await.unwrap();
    assert!(fresh.starts_with(b"\x89PNG"));

    // An hour later (by the server's clock; the access token is refreshed as needed).
    server.config.clock.advance(Duration::from_secs(TTL + 1));
    let stale_link = server
        .http
        .get(done.output_url.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(stale_link.status(), 403);
    assert_eq!(client.download_render(&done).await.unwrap(), fresh);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    client.download_render_to(&done, &out).await.unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), fresh);
}
