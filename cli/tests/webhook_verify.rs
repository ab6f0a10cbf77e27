//! `renderiq webhook verify`, run as a process against the shared Standard Webhooks vectors and
//! against signed Renderiq events.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use renderiq_sdk::webhooks::{self, Webhook};
use serde_json::{json, Value};
use support::{code, renderiq, run_with_stdin, show, stderr_json, stdout_json};

fn vectors() -> Value {
    let path = support::repo_root().join("tests/vectors/standard-webhooks.json");
    serde_json::from_slice(&std::fs::read(&path).expect("vectors file")).expect("vectors JSON")
}

/// Runs `webhook verify` with the headers as `-H` flags and the body from a file.
fn verify(
    home: &Path,
    secret: &str,
    headers: &[(&str, String)],
    body: &[u8],
    extra: &[&str],
) -> std::process::Output {
    let body_file = home.join("body.bin");
    std::fs::write(&body_file, body).unwrap();
    let mut cmd = renderiq(home);
    cmd.args([
        "--json",
        "webhook",
        "verify",
        "--secret",
        secret,
        "--body-file",
    ])
    .arg(&body_file);
    for (k, v) in headers {
        cmd.arg("-H").arg(format!("{k}: {v}"));
    }
    cmd.args(extra);
    cmd.output().expect("renderiq runs")
}

fn vector_headers(v: &Value, signature: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", v["msg_id"].as_str().unwrap().to_owned()),
        (
            "webhook-timestamp",
            v["timestamp"].as_i64().unwrap().to_string(),
        ),
        ("webhook-signature", signature.to_owned()),
    ]
}

#[test]
fn every_verify_vector_gives_the_expected_exit_code() {
    let home = tempfile::tempdir().unwrap();
    let all = vectors();
    let cases = all["verify"].as_array().expect("verify vectors");
    assert!(!cases.is_empty());
    for v in cases {
        let name = v["name"].as_str().unwrap();
        // Each vector carries the body the receiver saw (for "body changed", the changed one).
        let payload = v["payload"].as_str().unwrap().as_bytes().to_vec();
        let now = v["timestamp"].as_i64().unwrap().to_string();
        let out = verify(
            home.path(),
            v["secret"].as_str().unwrap(),
            &vector_headers(v, v["signature_header"].as_str().unwrap()),
            &payload,
            &["--now", &now],
        );
        if v["valid"].as_bool().unwrap() {
            assert_eq!(
                code(&out),
                0,
                "vector {name:?} should verify\n{}",
                show(&out)
            );
            let doc = stdout_json(&out);
            assert_eq!(doc["verified"], true);
            assert_eq!(doc["msgId"], v["msg_id"]);
            // The vector payloads are not Renderiq events: the raw payload is printed.
            let expected: Value = serde_json::from_slice(&payload).unwrap();
            assert_eq!(doc["payload"], expected, "{name}");
            assert!(doc.get("event").is_none());
        } else {
            assert_eq!(code(&out), 1, "vector {name:?} should fail\n{}", show(&out));
            assert!(
                out.stdout.is_empty(),
                "nothing on stdout for a failure: {}",
                show(&out)
            );
            let err = stderr_json(&out);
            assert_eq!(
                err["error"]["kind"], "webhook_verification",
                "{name}: {err}"
            );
            assert_eq!(
                err["error"]["code"], "WEBHOOK_BAD_SIGNATURE",
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn every_sign_vector_verifies() {
    let home = tempfile::tempdir().unwrap();
    for v in vectors()["sign"].as_array().unwrap() {
        let now = v["timestamp"].as_i64().unwrap().to_string();
        let out = verify(
            home.path(),
            v["secret"].as_str().unwrap(),
            &vector_headers(v, v["signature"].as_str().unwrap()),
            v["payload"].as_str().unwrap().as_bytes(),
            &["--now", &now],
        );
        assert_eq!(code(&out), 0, "{}", show(&out));
    }
}

#[test]
fn old_delivery_fails_without_now_and_says_how_to_check_it() {
    let home = tempfile::tempdir().unwrap();
    let v = &vectors()["verify"][0];
    let mut cmd = renderiq(home.path());
    let body = home.path().join("b.json");
    std::fs::write(&body, v["payload"].as_str().unwrap()).unwrap();
    cmd.args([
        "webhook",
        "verify",
        "--secret",
        v["secret"].as_str().unwrap(),
        "--body-file",
    ])
    .arg(&body);
    for (k, val) in vector_headers(v, v["signature_header"].as_str().unwrap()) {
        cmd.arg("-H").arg(format!("{k}: {val}"));
    }
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 1, "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: the webhook was sent"),
        "{stderr}"
    );
    assert!(stderr.contains("--now"), "{stderr}");
}

fn signed_event() -> (String, Vec<(&'static str, String)>, Vec<u8>) {
    let secret = webhooks::generate_secret();
    let webhook = Webhook::new(&secret).unwrap();
    let body = serde_json::to_vec(&json!({
        "type": "render.completed",
        "timestamp": "2026-01-31T12:00:06Z",
        "data": {
            "id": "rnd_42", "status": "completed", "progress": 100, "style": "sketch", "quality": "standard",
            "aspectRatio": "4:3", "creditsCost": 5, "outputUrl": "http://127.0.0.1:8787/cdn/outputs/rnd_42.png",
            "createdAt": "2026-01-31T12:00:00Z", "updatedAt": "2026-01-31T12:00:06Z"
        }
    }))
    .unwrap();
    let now = chrono::Utc::now().timestamp();
    let headers = webhooks::signature_headers(&webhook, "msg_live_1", now, &body).to_vec();
    (secret, headers, body)
}

#[test]
fn signed_renderiq_event_prints_the_typed_event() {
    let home = tempfile::tempdir().unwrap();
    let (secret, headers, body) = signed_event();
    let out = verify(home.path(), &secret, &headers, &body, &[]);
    assert_eq!(code(&out), 0, "{}", show(&out));
    let doc = stdout_json(&out);
    assert_eq!(doc["event"]["type"], "render.completed");
    assert_eq!(doc["event"]["data"]["id"], "rnd_42");
    assert_eq!(doc["msgId"], "msg_live_1");

    // Human form.
    let body_file = home.path().join("body.bin");
    let mut cmd = renderiq(home.path());
    cmd.args(["webhook", "verify", "--body-file"])
        .arg(&body_file)
        .env("RENDERIQ_WEBHOOK_SECRET", &secret);
    for (k, v) in &headers {
        cmd.arg("-H").arg(format!("{k}: {v}"));
    }
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 0, "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("render.completed for render rnd_42 (completed)"),
        "{stdout}"
    );
}

#[test]
fn tampered_event_and_wrong_secret_exit_1() {
    let home = tempfile::tempdir().unwrap();
    let (secret, headers, body) = signed_event();
    let mut tampered = body.clone();
    let at = tampered.iter().position(|&b| b == b'5').unwrap(); // creditsCost 5 -> 9
    tampered[at] = b'9';
    let out = verify(home.path(), &secret, &headers, &tampered, &[]);
    assert_eq!(code(&out), 1, "{}", show(&out));
    assert_eq!(stderr_json(&out)["error"]["code"], "WEBHOOK_BAD_SIGNATURE");

    let out = verify(
        home.path(),
        &webhooks::generate_secret(),
        &headers,
        &body,
        &[],
    );
    assert_eq!(code(&out), 1, "{}", show(&out));

    let out = verify(home.path(), &secret, &headers[..2], &body, &[]);
    assert_eq!(code(&out), 1, "{}", show(&out));
    assert_eq!(stderr_json(&out)["error"]["code"], "WEBHOOK_MISSING_HEADER");
}

#[test]
fn http_dump_in_headers_file_carries_headers_and_body() {
    let home = tempfile::tempdir().unwrap();
    let (secret, headers, body) = signed_event();
    let mut dump = b"POST /webhooks/renderiq HTTP/1.1\r\nhost: example.com\r\ncontent-type: application/json\r\n".to_vec();
    for (k, v) in &headers {
        dump.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    dump.extend_from_slice(b"\r\n");
    dump.extend_from_slice(&body);
    let file = home.path().join("delivery.http");
    std::fs::write(&file, &dump).unwrap();

    let out = renderiq(home.path())
        .args([
            "--json",
            "webhook",
            "verify",
            "--secret",
            &secret,
            "--headers-file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", show(&out));
    assert_eq!(stdout_json(&out)["event"]["data"]["id"], "rnd_42");
}

#[test]
fn body_on_stdin_with_a_trailing_newline_verifies() {
    let home = tempfile::tempdir().unwrap();
    let (secret, headers, body) = signed_event();
    let mut cmd = renderiq(home.path());
    cmd.args(["--json", "webhook", "verify", "--secret", &secret]);
    for (k, v) in &headers {
        cmd.arg("-H").arg(format!("{k}: {v}"));
    }
    let mut with_newline = body.clone();
    with_newline.push(b'\n');
    let out = run_with_stdin(&mut cmd, &with_newline);
    assert_eq!(code(&out), 0, "{}", show(&out));
    assert_eq!(stdout_json(&out)["event"]["type"], "render.completed");
}

#[test]
fn bad_secret_and_missing_secret_are_reported() {
    let home = tempfile::tempdir().unwrap();
    let out = renderiq(home.path())
        .args([
            "--json",
            "webhook",
            "verify",
            "--secret",
            "whsec_not base64!",
            "--body-file",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", show(&out));
    assert_eq!(stderr_json(&out)["error"]["code"], "WEBHOOK_BAD_SECRET");

    let out = renderiq(home.path())
        .args(["webhook", "verify", "--body-file", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", show(&out));
}
