//! Output formats: the human and JSON forms of results and errors, and the exit codes.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use renderiq_cli::error::{exit, CliError};
use renderiq_cli::output;
use renderiq_sdk::types::{Credits, Page};
use renderiq_sdk::Render;
use serde_json::{json, Value};

fn sample_render(status: &str, progress: u8) -> Render {
    serde_json::from_value(json!({
        "id": "rnd_42",
        "status": status,
        "progress": progress,
        "prompt": "dusk, warm light",
        "style": "photorealistic",
        "quality": "high",
        "aspectRatio": "16:9",
        "creditsCost": 10,
        "outputUrl": if status == "completed" { json!("http://127.0.0.1:8787/cdn/outputs/rnd_42.png") } else { Value::Null },
        "platform": "revit",
        "createdAt": "2026-01-31T12:00:00Z",
        "updatedAt": "2026-01-31T12:00:05Z"
    }))
    .expect("a valid render")
}

#[test]
fn render_human_form_is_concise_lines() {
    let r = output::render(&sample_render("completed", 100));
    let lines: Vec<&str> = r.human.lines().collect();
    assert_eq!(lines[0], "render rnd_42  completed");
    assert!(
        r.human
            .contains("  style     photorealistic / high / 16:9\n"),
        "{}",
        r.human
    );
    assert!(r.human.contains("  credits   10\n"));
    assert!(r.human.contains("  prompt    dusk, warm light\n"));
    assert!(r
        .human
        .contains("  output    http://127.0.0.1:8787/cdn/outputs/rnd_42.png\n"));
    assert!(r.human.contains("  created   2026-01-31 12:00 UTC\n"));

    let processing = output::render(&sample_render("processing", 40));
    assert!(
        processing
            .human
            .starts_with("render rnd_42  processing 40%\n"),
        "{}",
        processing.human
    );
    assert!(!processing.human.contains("output"));
}

#[test]
fn render_json_form_is_the_wire_object() {
    let render = sample_render("completed", 100);
    let r = output::render(&render);
    assert_eq!(r.json["id"], "rnd_42");
    assert_eq!(r.json["status"], "completed");
    assert_eq!(r.json["creditsCost"], 10);
    assert_eq!(r.json["aspectRatio"], "16:9");
    let back: Render = serde_json::from_value(r.json).expect("round-trips");
    assert_eq!(back, render);
}

#[test]
fn created_render_wraps_render_and_saved_file() {
    let render = sample_render("completed", 100);
    let saved = output::render_created(&render, Some((std::path::Path::new("out.png"), 123_456)));
    assert_eq!(saved.json["render"]["id"], "rnd_42");
    assert_eq!(
        saved.json["output"],
        json!({ "path": "out.png", "bytes": 123_456 })
    );
    assert!(
        saved.human.ends_with("saved out.png (123.5 KB)\n"),
        "{}",
        saved.human
    );

    let pending = output::render_created(&sample_render("pending", 0), None);
    assert_eq!(pending.json["output"], Value::Null);
    assert!(
        pending.human.contains("renderiq status rnd_42 --wait"),
        "{}",
        pending.human
    );
}

#[test]
fn render_list_is_a_table_with_a_page_footer() {
    let page = Page {
        items: vec![
            sample_render("completed", 100),
            sample_render("processing", 30),
        ],
        page: 1,
        limit: 2,
        total: 3,
        has_more: true,
    };
    let r = output::renders(&page);
    let lines: Vec<&str> = r.human.lines().collect();
    assert!(lines[0].starts_with("ID"), "{}", r.human);
    assert!(lines[0].contains("STATUS") && lines[0].contains("PROMPT"));
    assert!(lines[1].starts_with("rnd_42  completed"), "{}", r.human);
    assert!(lines[2].contains("processing 30%"));
    // Columns line up: STATUS starts at the same offset in every row.
    let col = lines[0].find("STATUS").unwrap();
    assert_eq!(&lines[1][col..col + 9], "completed");
    assert_eq!(lines[3], "page 1 of 2 (3 in all); next: --page 2");
    assert_eq!(r.json["items"].as_array().unwrap().len(), 2);
    assert_eq!(r.json["hasMore"], true);

    let empty = output::renders(&Page::<Render> {
        items: vec![],
        page: 1,
        limit: 20,
        total: 0,
        has_more: false,
    });
    assert_eq!(empty.human, "no renders\npage 1 of 1 (0 in all)\n");
}

#[test]
fn credits_in_both_forms() {
    let c = Credits {
        balance: 90,
        total_earned: 100,
        total_spent: 10,
    };
    let r = output::credits(&c);
    assert_eq!(r.human, "90 credits (earned 100, spent 10)\n");
    assert_eq!(
        r.json,
        json!({ "balance": 90, "totalEarned": 100, "totalSpent": 10 })
    );
}

#[test]
fn insufficient_credits_error_in_both_forms() {
    let body = r#"{"success":false,"error":"Insufficient credits","errorCode":"INSUFFICIENT_CREDITS","requiredCredits":10,"availableCredits":5}"#;
    let err = CliError::from(support::sdk_error(402, &[("x-request-id", "req_7")], body));
    assert_eq!(err.exit_code(), 4, "documented: 4 = not enough credits");

    let human = output::error_human(&err);
    assert!(human.starts_with("error: Insufficient credits"), "{human}");
    assert!(human.contains("[request req_7]"), "{human}");
    assert!(
        human.contains("  this needs 10 credits; 5 available\n"),
        "{human}"
    );

    let j = output::error_json(&err);
    let e = &j["error"];
    assert_eq!(e["kind"], "insufficient_credits");
    assert_eq!(e["code"], "INSUFFICIENT_CREDITS");
    assert_eq!(e["message"], "Insufficient credits");
    assert_eq!(e["status"], 402);
    assert_eq!(e["requestId"], "req_7");
    assert_eq!(e["requiredCredits"], 10);
    assert_eq!(e["availableCredits"], 5);
    assert_eq!(e["exitCode"], 4);
}

/// The exit codes as the README ("Command line") and `renderiq --help` document them: the
/// expectations are those numbers, never the code's own constants.
#[test]
fn exit_code_constants_are_the_documented_numbers() {
    assert_eq!(
        [
            exit::OK,
            exit::FAILURE,
            exit::USAGE,
            exit::AUTH,
            exit::INSUFFICIENT_CREDITS,
            exit::RATE_LIMITED,
            exit::NOT_FOUND,
            exit::INTERRUPTED,
        ],
        [0, 1, 2, 3, 4, 5, 6, 130]
    );
}

#[test]
fn each_error_kind_has_its_exit_code() {
    // (HTTP status, body, documented exit code)
    let cases = [
        (
            401,
            r#"{"success":false,"error":"Authentication required","errorCode":"AUTH_REQUIRED"}"#,
            3,
        ),
        (
            403,
            r#"{"success":false,"error":"Missing scope","errorCode":"INSUFFICIENT_SCOPE"}"#,
            3,
        ),
        (
            404,
            r#"{"success":false,"error":"Render not found","errorCode":"NOT_FOUND"}"#,
            6,
        ),
        (
            429,
            r#"{"success":false,"error":"Slow down","errorCode":"RATE_LIMIT_EXCEEDED","retryAfter":7}"#,
            5,
        ),
        (
            500,
            r#"{"success":false,"error":"Boom","errorCode":"INTERNAL_ERROR"}"#,
            1,
        ),
        (
            400,
            r#"{"success":false,"error":"Invalid input","errorCode":"INVALID_INPUT","details":{"prompt":"too long"}}"#,
            1,
        ),
    ];
    for (status, body, want) in cases {
        let err = CliError::from(support::sdk_error(status, &[], body));
        assert_eq!(err.exit_code(), want, "HTTP {status}: {err}");
        assert_eq!(output::error_json(&err)["error"]["status"], status);
    }
}

#[test]
fn error_human_form_shows_retry_after_field_errors_and_sign_in_hint() {
    let limited = CliError::from(support::sdk_error(
        429,
        &[("retry-after", "7")],
        r#"{"success":false,"error":"Slow down","errorCode":"RATE_LIMIT_EXCEEDED"}"#,
    ));
    assert!(
        output::error_human(&limited).contains("  retry in 7 s\n"),
        "{}",
        output::error_human(&limited)
    );
    assert_eq!(output::error_json(&limited)["error"]["retryAfter"], 7.0);

    let invalid = CliError::from(support::sdk_error(
        400,
        &[],
        r#"{"success":false,"error":"Invalid input","errorCode":"INVALID_INPUT","details":{"prompt":"too long"}}"#,
    ));
    assert!(output::error_human(&invalid).contains("  prompt: too long\n"));

    let auth = CliError::from(support::sdk_error(
        401,
        &[],
        r#"{"success":false,"error":"Authentication required","errorCode":"AUTH_REQUIRED"}"#,
    ));
    assert!(output::error_human(&auth).contains("renderiq login"));
}

#[test]
fn local_errors_have_the_same_json_shape() {
    let err = CliError::usage("pass --email");
    let j = output::error_json(&err);
    assert_eq!(j["error"]["kind"], "usage");
    assert_eq!(j["error"]["message"], "pass --email");
    assert_eq!(j["error"]["code"], Value::Null);
    assert_eq!(j["error"]["exitCode"], 2);
    assert_eq!(output::error_human(&err), "error: pass --email\n");
    assert_eq!(CliError::interrupted("rnd_1").exit_code(), 130);
}

#[test]
fn table_pads_columns_and_trims_line_ends() {
    let t = output::table(
        &["A", "LONG HEADER", "C"],
        &[vec!["xxxx".into(), "y".into(), "".into()]],
    );
    assert_eq!(t, "A     LONG HEADER  C\nxxxx  y\n");
}

#[test]
fn byte_sizes_read_naturally() {
    assert_eq!(output::human_bytes(999), "999 bytes");
    assert_eq!(output::human_bytes(183_852), "183.9 KB");
    assert_eq!(output::human_bytes(2_500_000), "2.5 MB");
}

#[test]
fn verified_delivery_prints_event_or_raw_payload() {
    let event = renderiq_sdk::types::WebhookEvent {
        kind: "render.completed".into(),
        timestamp: "2026-01-31T12:00:06Z".parse().unwrap(),
        data: sample_render("completed", 100),
    };
    let r = output::verified_delivery("msg_1", 1_700_000_000, Some(&event), b"ignored");
    assert_eq!(r.json["verified"], true);
    assert_eq!(r.json["event"]["type"], "render.completed");
    assert_eq!(r.json["event"]["data"]["id"], "rnd_42");
    assert!(
        r.human
            .contains("render.completed for render rnd_42 (completed)"),
        "{}",
        r.human
    );

    let raw = output::verified_delivery("msg_2", 5, None, br#"{"test": 1}"#);
    assert_eq!(raw.json["payload"], json!({ "test": 1 }));
    assert!(raw.human.contains("{\"test\": 1}"));
    let text = output::verified_delivery("msg_3", 5, None, b"plain text");
    assert_eq!(text.json["payload"], "plain text");
}
