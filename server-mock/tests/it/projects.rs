//! Projects: create with unique slugs, list, validation, isolation.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::json;
use support::TestServer;

#[tokio::test]
async fn projects_get_unique_slugs_and_are_listed_newest_first() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let headers = server
        .send(
            server
                .http
                .post(server.url("/projects"))
                .bearer_auth(&user.token)
                .header("x-renderiq-platform", "rhino")
                .json(&json!({ "name": "Villa Rotonda", "description": "Palladio" })),
        )
        .await;
    let first = headers.data().clone();
    assert_eq!(first["slug"], "villa-rotonda");
    assert_eq!(first["description"], "Palladio");
    assert_eq!(first["platform"], "rhino");
    let second = server
        .post(
            Some(&user.token),
            "/projects",
            json!({ "name": "Villa  rotonda!" }),
        )
        .await;
    assert_eq!(second.data()["slug"], "villa-rotonda-2");
    let third = server
        .post(
            Some(&user.token),
            "/projects",
            json!({ "name": "VILLA ROTONDA" }),
        )
        .await;
    assert_eq!(third.data()["slug"], "villa-rotonda-3");

    let list = server.get(Some(&user.token), "/projects").await;
    let slugs: Vec<&str> = list
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        ["villa-rotonda-3", "villa-rotonda-2", "villa-rotonda"]
    );
}

#[tokio::test]
async fn slugs_are_unique_per_user_only() {
    let server = TestServer::start().await;
    let (alice, bob) = (server.user(0).await, server.user(0).await);
    server
        .post(Some(&alice.token), "/projects", json!({ "name": "Tower" }))
        .await
        .data();
    let bobs = server
        .post(Some(&bob.token), "/projects", json!({ "name": "Tower" }))
        .await;
    assert_eq!(bobs.data()["slug"], "tower");
    // Bob sees only his own.
    assert_eq!(
        server
            .get(Some(&bob.token), "/projects")
            .await
            .data()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn empty_project_name_is_invalid_input() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let resp = server
        .post(Some(&user.token), "/projects", json!({ "name": "   " }))
        .await;
    assert!(resp.assert_error(400, "INVALID_INPUT")["details"]["name"].is_string());
}
