//! Settings: defaults, partial updates, validation, and their effect on new renders.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::json;
use support::TestServer;

#[tokio::test]
async fn settings_start_with_the_defaults() {
    let server = TestServer::start().await;
    let user = server.user(0).await;
    let resp = server.get(Some(&user.token), "/settings").await;
    assert_eq!(
        resp.data(),
        &json!({
            "defaultStyle": "photorealistic",
            "defaultQuality": "high",
            "defaultAspectRatio": "16:9",
            "defaultProjectId": null,
            "notifyOnComplete": true
        })
    );
}

#[tokio::test]
async fn patch_changes_only_the_given_fields_and_new_renders_use_them() {
    let server = TestServer::start().await;
    let user = server.user(100).await;
    let project = server
        .post(Some(&user.token), "/projects", json!({ "name": "P" }))
        .await
        .data()["id"]
        .clone();
    let resp = server
        .patch(Some(&user.token), "/settings", json!({ "defaultStyle": "night", "defaultQuality": "standard", "defaultProjectId": project }))
        .await;
    let data = resp.data();
    assert_eq!(data["defaultStyle"], "night");
    assert_eq!(data["defaultQuality"], "standard");
    assert_eq!(data["defaultAspectRatio"], "16:9");
    assert_eq!(data["defaultProjectId"], project);
    assert_eq!(
        server.get(Some(&user.token), "/settings").await.data(),
        data
    );

    let render = server.create_render(&user.token, &[]).await;
    assert_eq!(render.data()["style"], "night");
    assert_eq!(render.data()["creditsCost"], 5);
    assert_eq!(render.data()["projectId"], project);

    let cleared = server
        .patch(
            Some(&user.token),
            "/settings",
            json!({ "defaultProjectId": "" }),
        )
        .await;
    assert!(cleared.data()["defaultProjectId"].is_null());
}

#[tokio::test]
async fn invalid_settings_are_rejected_with_details() {
    let server = TestServer::start().await;
    let (user, other) = (server.user(0).await, server.user(0).await);
    let resp = server
        .patch(
            Some(&user.token),
            "/settings",
            json!({ "defaultStyle": "cubism", "defaultAspectRatio": "7:5" }),
        )
        .await;
    let details = &resp.assert_error(400, "INVALID_INPUT")["details"];
    assert!(details["defaultStyle"].is_string() && details["defaultAspectRatio"].is_string());
    server
        .patch(
            Some(&user.token),
            "/settings",
            json!({ "defaultQuality": "max" }),
        )
        .await
        .assert_error(400, "INVALID_INPUT");
    let foreign = server
        .post(Some(&other.token), "/projects", json!({ "name": "Theirs" }))
        .await
        .data()["id"]
        .clone();
    let resp = server
        .patch(
            Some(&user.token),
            "/settings",
            json!({ "defaultProjectId": foreign }),
        )
        .await;
    assert!(resp.assert_error(400, "INVALID_INPUT")["details"]["defaultProjectId"].is_string());
}
