//! The subset rule of expectations, with its three matchers (`$any`, `$range`, `$contains`).

use serde_json::Value;

/// Checks that `actual` contains `expected` as the README's *Expectations* define it: objects
/// by the keys of `expected`, arrays element-wise with the same length, scalars equal (numbers
/// by value). Answers where and why they differ.
///
/// ```
/// use serde_json::json;
/// use renderiq_conformance::matching::subset;
///
/// assert!(subset(&json!({"a": 1}), &json!({"a": 1, "b": 2})).is_ok());
/// assert!(subset(&json!({"n": {"$range": [1, 60]}}), &json!({"n": 59.5})).is_ok());
/// assert!(subset(&json!({"d": {"limit": {"$any": true}}}), &json!({"d": {}})).is_err());
/// ```
///
/// # Errors
///
/// The JSON path of the first difference and what was found there.
pub fn subset(expected: &Value, actual: &Value) -> Result<(), String> {
    check(expected, actual, "$")
}

fn check(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    if let Some(result) = matcher(expected, actual, path) {
        return result;
    }
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (k, w) in want {
                let at = format!("{path}.{k}");
                match have.get(k) {
                    Some(h) => check(w, h, &at)?,
                    None if is_absent_ok(w) => {}
                    None => return Err(format!("{at} is missing (expected {w})")),
                }
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(have)) => {
            if want.len() != have.len() {
                return Err(format!(
                    "{path} has {} elements, expected {}: {}",
                    have.len(),
                    want.len(),
                    short(actual)
                ));
            }
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                check(w, h, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(w), Value::Number(h)) => {
            if w.as_f64() == h.as_f64() {
                Ok(())
            } else {
                Err(format!("{path} is {h}, expected {w}"))
            }
        }
        (w, h) if w == h => Ok(()),
        (w, h) => Err(format!("{path} is {}, expected {w}", short(h))),
    }
}

/// `null` expected and the key absent are the same thing.
fn is_absent_ok(expected: &Value) -> bool {
    expected.is_null()
}

/// Answers for an `expected` that is a matcher object, `None` for anything else.
fn matcher(expected: &Value, actual: &Value, path: &str) -> Option<Result<(), String>> {
    let map = expected.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let (name, arg) = map.iter().next()?;
    Some(match name.as_str() {
        "$any" => {
            if actual.is_null() {
                Err(format!("{path} is null, expected a value"))
            } else {
                Ok(())
            }
        }
        "$range" => {
            let bounds = arg
                .as_array()
                .and_then(|b| Some((b.first()?.as_f64()?, b.get(1)?.as_f64()?)));
            match (bounds, actual.as_f64()) {
                (Some((lo, hi)), Some(x)) if lo <= x && x <= hi => Ok(()),
                (Some((lo, hi)), _) => Err(format!(
                    "{path} is {}, expected a number from {lo} to {hi}",
                    short(actual)
                )),
                (None, _) => Err(format!("{path}: $range needs [low, high], got {arg}")),
            }
        }
        "$contains" => match (arg.as_str(), actual.as_str()) {
            (Some(needle), Some(text)) if text.contains(needle) => Ok(()),
            (Some(needle), _) => Err(format!(
                "{path} is {}, expected a string containing {needle:?}",
                short(actual)
            )),
            (None, _) => Err(format!("{path}: $contains needs a string, got {arg}")),
        },
        _ => return None,
    })
}

/// A value as text, cut to a readable length.
pub fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 300 {
        let cut: String = text.chars().take(300).collect();
        format!("{cut}…")
    } else {
        text
    }
}
