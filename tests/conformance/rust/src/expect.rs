//! Checking a step's outcome against its `expect`.

use renderiq_sdk::call::Language;
use renderiq_sdk::error_table::{class_of, BASE_FIELDS, CLASSES};
use renderiq_sdk::Error;
use serde_json::Value;

use crate::matching::{short, subset};

/// The keys an `error` expectation may have.
const ERROR_KEYS: [&str; 8] = [
    "kind",
    "class",
    "code",
    "status",
    "fields",
    "hintCalls",
    "hintExcludes",
    "messageContains",
];

/// Checks `outcome` against `expect` (`{"ok": …}`, `{"ok_any": true}` or `{"error": {…}}`).
/// A missing `expect` means `{"ok_any": true}`.
///
/// ```
/// use serde_json::json;
/// use renderiq_conformance::expect::check;
///
/// assert!(check(Some(&json!({"ok": {"a": 1}})), &Ok(json!({"a": 1, "b": 2}))).is_ok());
/// assert!(check(Some(&json!({"ok": null})), &Ok(json!(false))).is_err());
/// ```
///
/// # Errors
///
/// Why the outcome does not match.
pub fn check(expect: Option<&Value>, outcome: &Result<Value, Error>) -> Result<(), String> {
    let Some(expect) = expect else {
        return ok_any(outcome);
    };
    let map = expect
        .as_object()
        .ok_or_else(|| format!("`expect` must be an object, got {expect}"))?;
    if map.len() != 1 {
        return Err(format!(
            "`expect` needs exactly one of ok, ok_any, error: {expect}"
        ));
    }
    if let Some(want) = map.get("ok") {
        let got = ok_value(outcome)?;
        subset(want, got).map_err(|why| format!("{why}; the result was {}", short(got)))
    } else if map.contains_key("ok_any") {
        ok_any(outcome)
    } else if let Some(want) = map.get("error") {
        match outcome {
            Ok(v) => Err(format!(
                "expected an error, the call succeeded with {}",
                short(v)
            )),
            Err(e) => check_error(want, e),
        }
    } else {
        Err(format!("unknown expectation {expect}"))
    }
}

fn ok_value(outcome: &Result<Value, Error>) -> Result<&Value, String> {
    outcome.as_ref().map_err(|e| {
        format!(
            "expected success, got a {} error: {e} (code {:?}, status {:?})",
            e.kind(),
            e.error_code(),
            e.status()
        )
    })
}

fn ok_any(outcome: &Result<Value, Error>) -> Result<(), String> {
    ok_value(outcome).map(|_| ())
}

fn strings(want: &Value, key: &str) -> Result<Vec<String>, String> {
    want.as_array()
        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| format!("`{key}` must be a list of strings, got {want}"))
}

/// Checks an error against an `error` expectation.
///
/// # Errors
///
/// The first key of the expectation the error does not meet.
pub fn check_error(want: &Value, e: &Error) -> Result<(), String> {
    let want = want
        .as_object()
        .ok_or_else(|| format!("`error` must be an object, got {want}"))?;
    if let Some(k) = want.keys().find(|k| !ERROR_KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key {k:?} in an error expectation"));
    }
    let json = e.to_json();
    let about = || format!("the error was {}: {e}", e.kind());
    if let Some(kind) = want.get("kind") {
        if kind.as_str() != Some(e.kind().as_str()) {
            return Err(format!(
                "kind is {}, expected {kind}; {}",
                e.kind(),
                about()
            ));
        }
    }
    if let Some(class) = want.get("class") {
        let stem = class_of(e.kind()).stem;
        if !CLASSES.iter().any(|c| Some(c.stem) == class.as_str()) {
            return Err(format!("{class} is no class stem of the error table"));
        }
        if class.as_str() != Some(stem) {
            return Err(format!("class is {stem}, expected {class}; {}", about()));
        }
    }
    if let Some(code) = want.get("code") {
        subset(code, &json["code"]).map_err(|why| format!("code: {why}; {}", about()))?;
    }
    if let Some(status) = want.get("status") {
        subset(status, &json["status"]).map_err(|why| format!("status: {why}; {}", about()))?;
    }
    if let Some(fields) = want.get("fields") {
        let fields = fields
            .as_object()
            .ok_or_else(|| format!("`fields` must be an object, got {fields}"))?;
        let class_fields = class_of(e.kind()).fields;
        for (name, w) in fields {
            if !BASE_FIELDS.contains(&name.as_str()) && !class_fields.contains(&name.as_str()) {
                return Err(format!(
                    "{name:?} is not a field of the {} class (error table)",
                    class_of(e.kind()).stem
                ));
            }
            let have = json.get(name).unwrap_or(&Value::Null);
            subset(w, have).map_err(|why| format!("field {name}: {why}; {}", about()))?;
        }
    }
    let hint = e.hint().unwrap_or_default();
    if let Some(calls) = want.get("hintCalls") {
        for call in strings(calls, "hintCalls")? {
            let method = Language::Rust.method(&call);
            if !hint.contains(&method) {
                return Err(format!(
                    "the hint {hint:?} does not name {method}; {}",
                    about()
                ));
            }
        }
    }
    if let Some(words) = want.get("hintExcludes") {
        for word in strings(words, "hintExcludes")? {
            if hint.contains(&word) {
                return Err(format!("the hint {hint:?} names {word:?}; {}", about()));
            }
        }
    }
    if let Some(words) = want.get("messageContains") {
        for word in strings(words, "messageContains")? {
            if !e.message().contains(&word) {
                return Err(format!("the message {:?} lacks {word:?}", e.message()));
            }
        }
    }
    Ok(())
}
