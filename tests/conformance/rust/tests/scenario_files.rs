//! The scenario files themselves: enough of them, every error kind covered, and every
//! expectation naming kinds, classes and calls that exist.

use std::path::PathBuf;

use renderiq_sdk::call::CALL_NAMES;
use renderiq_sdk::error_table::class_of;
use renderiq_sdk::ErrorKind;
use serde_json::Value;

const SERVERS: [&str; 5] = ["default", "short_token", "slow", "limited", "faulty"];
const STEP_KINDS: [&str; 5] = ["call", "start", "sleep_ms", "verify_webhook", "client"];

fn scenarios() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("the scenarios directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let doc = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), doc)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every `{"error": {…}}` expectation in a scenario.
fn error_expectations(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(map) => {
            for (k, inner) in map {
                if k == "error" && inner.is_object() {
                    out.push(inner.clone());
                }
                error_expectations(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| error_expectations(i, out)),
        _ => {}
    }
}

#[test]
fn there_are_at_least_forty_scenarios_and_each_is_well_formed() {
    let all = scenarios();
    assert!(all.len() >= 40, "only {} scenarios", all.len());
    for (file, doc) in &all {
        assert!(
            doc["name"].as_str().is_some_and(|n| !n.is_empty()),
            "{file}: no name"
        );
        let server = doc
            .get("server")
            .and_then(Value::as_str)
            .unwrap_or("default");
        assert!(SERVERS.contains(&server), "{file}: unknown server {server}");
        let steps = doc["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: no steps"));
        assert!(!steps.is_empty(), "{file}: no steps");
        for step in steps {
            let kinds: Vec<_> = STEP_KINDS
                .iter()
                .filter(|k| step.get(**k).is_some())
                .collect();
            assert_eq!(
                kinds.len(),
                1,
                "{file}: a step needs exactly one of {STEP_KINDS:?}: {step}"
            );
            for key in ["call", "start"] {
                if let Some(name) = step.get(key).and_then(|c| c["call"].as_str()) {
                    let refused = step["expect"]["error"]["kind"] == "invalid_input";
                    assert!(
                        CALL_NAMES.contains(&name) || refused,
                        "{file}: unknown call {name}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_error_kind_is_produced_by_some_scenario() {
    let mut expected = Vec::new();
    for (_, doc) in scenarios() {
        error_expectations(&doc, &mut expected);
    }
    for kind in ErrorKind::ALL {
        assert!(
            expected.iter().any(|e| e["kind"] == kind.as_str()),
            "no scenario expects a {kind} error"
        );
    }
}

#[test]
fn error_classes_and_hint_calls_exist() {
    for (file, doc) in scenarios() {
        let mut expected = Vec::new();
        error_expectations(&doc, &mut expected);
        for e in expected {
            let kind = e["kind"]
                .as_str()
                .and_then(|k| ErrorKind::ALL.into_iter().find(|x| x.as_str() == k));
            if let (Some(kind), Some(class)) = (kind, e["class"].as_str()) {
                assert_eq!(class_of(kind).stem, class, "{file}: class of {kind}");
            }
            for call in e["hintCalls"].as_array().into_iter().flatten() {
                let call = call.as_str().unwrap_or_default();
                assert!(
                    CALL_NAMES.contains(&call),
                    "{file}: hintCalls names no call: {call}"
                );
            }
        }
    }
}
