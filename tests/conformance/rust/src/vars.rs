//! `${name}` substitution: setup values and variables saved by earlier steps.

use std::collections::BTreeMap;

use serde_json::Value;

/// Replaces every `${name}` in `value`. A string that is exactly `"${name}"` becomes the saved
/// JSON value itself; inside a longer string a value is spliced in as its text (strings as they
/// are, anything else as JSON).
///
/// ```
/// use std::collections::BTreeMap;
/// use serde_json::json;
/// use renderiq_conformance::vars::substitute;
///
/// let vars = BTreeMap::from([("n".to_owned(), json!(3)), ("s".to_owned(), json!("x"))]);
/// assert_eq!(substitute(&json!({"a": "${n}", "b": "${s}-${n}"}), &vars).unwrap(),
///            json!({"a": 3, "b": "x-3"}));
/// ```
///
/// # Errors
///
/// The name of a variable that is not set.
pub fn substitute(value: &Value, vars: &BTreeMap<String, Value>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => substitute_str(s, vars)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(v, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn lookup<'v>(name: &str, vars: &'v BTreeMap<String, Value>) -> Result<&'v Value, String> {
    vars.get(name).ok_or_else(|| {
        format!("variable ${{{name}}} is not set (no setup value or saved variable)")
    })
}

fn substitute_str(s: &str, vars: &BTreeMap<String, Value>) -> Result<Value, String> {
    if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if !name.contains('}') && !name.contains("${") {
            return Ok(lookup(name, vars)?.clone());
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return Ok(Value::String(out));
        };
        let name = &rest[start + 2..start + len];
        match lookup(name, vars)? {
            Value::String(text) => out.push_str(text),
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

/// The part of `value` a dot-separated `path` names (`""` = all of it): object keys, or array
/// indices.
///
/// ```
/// use serde_json::json;
/// use renderiq_conformance::vars::at_path;
/// assert_eq!(at_path(&json!({"a": [{"b": 1}]}), "a.0.b").unwrap(), json!(1));
/// ```
///
/// # Errors
///
/// The first path segment that does not exist.
pub fn at_path(value: &Value, path: &str) -> Result<Value, String> {
    if path.is_empty() {
        return Ok(value.clone());
    }
    let mut cur = value;
    for seg in path.split('.') {
        let next = match cur {
            Value::Object(map) => map.get(seg),
            Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        cur = next.ok_or_else(|| format!("the result has no {seg:?} at path {path:?}"))?;
    }
    Ok(cur.clone())
}
