//! Turning SDK errors into Ruby exceptions.
//!
//! The exception classes are declared in Ruby (`lib/renderiq/errors.rb`, from the generated table) and fetched from here:
//! `Renderiq::Error.from_json` is the one place that maps an error kind to its class and fills
//! the fields, for this backend and for the Fiddle backend alike (both hand it the same JSON
//! document, `renderiq_sdk::Error::to_json`).

use magnus::prelude::*;
use magnus::{Error, Exception, RClass, RModule, Ruby};

/// The Ruby exception for an SDK error.
pub fn raise(ruby: &Ruby, err: &renderiq_sdk::Error) -> Error {
    from_json(ruby, &err.to_json().to_string())
}

/// The Ruby exception for an error document (`{"kind": …, "message": …, …}`).
pub fn from_json(ruby: &Ruby, json: &str) -> Error {
    match build(ruby, json) {
        Ok(exc) => exc.into(),
        Err(e) => e,
    }
}

/// An internal failure (a panic caught at the boundary) as a `Renderiq::Error`.
pub fn internal(ruby: &Ruby, what: &str) -> Error {
    let doc = serde_json::json!({
        "kind": "internal",
        "message": format!("internal error in the Renderiq extension: {what}; please report it"),
    });
    from_json(ruby, &doc.to_string())
}

fn build(ruby: &Ruby, json: &str) -> Result<Exception, Error> {
    let renderiq: RModule = ruby.class_object().const_get("Renderiq")?;
    let class: RClass = renderiq.const_get("Error")?;
    class.funcall("from_json", (json,))
}

/// `ArgumentError` with `message`.
pub fn argument(ruby: &Ruby, message: impl Into<String>) -> Error {
    Error::new(ruby.exception_arg_error(), message.into())
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_owned()
    }
}
