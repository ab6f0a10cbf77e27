//! The one table of error classes and hints that every binding is generated from.
//!
//! Each [`ErrorKind`] has one class in every language, with the same parent (the language's
//! base error class) and the same fields. Hints say what to do next and name the caller's own
//! API: a template such as `"sign in again with {call:sign_in}"` is filled per language by
//! [`Language::render_hint`](crate::call::Language::render_hint) when the codegen crate writes
//! each binding's table; [`Error::hint_id`](crate::Error::hint_id) picks the row for an error.
//!
//! ```
//! use renderiq_sdk::error_table::{class_of, hint_template};
//! use renderiq_sdk::ErrorKind;
//!
//! assert_eq!(class_of(ErrorKind::RateLimited).stem, "RateLimit");
//! assert!(hint_template("auth.invalid_credentials").unwrap().contains("password"));
//! ```

use crate::error::ErrorKind;

/// One error class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorClass {
    /// The kind it stands for.
    pub kind: ErrorKind,
    /// The class name without the language's suffix: `"Auth"` becomes Python's `AuthError`,
    /// C#'s `AuthException`.
    pub stem: &'static str,
    /// Fields beyond the [`BASE_FIELDS`] every error has, camelCase.
    pub fields: &'static [&'static str],
    /// One line saying when it is raised.
    pub doc: &'static str,
}

/// The fields every error class has (camelCase; each language spells them its own way).
pub const BASE_FIELDS: [&str; 7] = [
    "kind",
    "code",
    "message",
    "hint",
    "status",
    "requestId",
    "details",
];

/// Every class, in [`ErrorKind::ALL`] order. Every class's parent is the language's base
/// class (`RenderiqError`, `Renderiq::Error`, `RenderiqException`, `renderiq::Error`).
#[rustfmt::skip]
pub const CLASSES: [ErrorClass; 17] = [
    class(ErrorKind::Auth, "Auth", &[], "Not signed in, a session that could not be refreshed, a wrong password or API key."),
    class(ErrorKind::PermissionDenied, "PermissionDenied", &[], "The API key lacks a scope the call needs."),
    class(ErrorKind::NotFound, "NotFound", &[], "No such render, project, key or webhook for this account."),
    class(ErrorKind::InvalidInput, "Validation", &[], "A value was refused, before sending or by the server; details names the fields."),
    class(ErrorKind::InsufficientCredits, "InsufficientCredits", &["requiredCredits", "availableCredits"], "The account has too few credits for the render."),
    class(ErrorKind::RateLimited, "RateLimit", &["retryAfter"], "Too many requests; retry after the time it gives."),
    class(ErrorKind::Conflict, "Conflict", &[], "An idempotency key reused for another request, or a render that can no longer change."),
    class(ErrorKind::Server, "Server", &["retryAfter"], "The server failed (HTTP 5xx)."),
    class(ErrorKind::RenderFailed, "RenderFailed", &[], "The render ended in the failed state; its credits were refunded."),
    class(ErrorKind::Network, "Network", &[], "The server could not be reached (DNS, connection, TLS, proxy)."),
    class(ErrorKind::Timeout, "Timeout", &[], "A request timed out, or a wait passed its deadline (the render keeps running)."),
    class(ErrorKind::Cancelled, "Cancelled", &[], "The caller cancelled the operation."),
    class(ErrorKind::Image, "Image", &[], "The screenshot could not be read or encoded."),
    class(ErrorKind::WebhookVerification, "WebhookVerification", &[], "A webhook delivery failed verification; code says why."),
    class(ErrorKind::TokenStore, "TokenStore", &[], "The token store (keychain, encrypted file) failed."),
    class(ErrorKind::Config, "Config", &[], "The client is configured wrongly."),
    class(ErrorKind::Decode, "Decode", &[], "The server's answer could not be understood."),
];

const fn class(
    kind: ErrorKind,
    stem: &'static str,
    fields: &'static [&'static str],
    doc: &'static str,
) -> ErrorClass {
    ErrorClass {
        kind,
        stem,
        fields,
        doc,
    }
}

/// The class of a kind.
pub fn class_of(kind: ErrorKind) -> &'static ErrorClass {
    // CLASSES follows ErrorKind::ALL, which the test below checks.
    let i = ErrorKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    &CLASSES[i]
}

/// Hint templates by id: `{call:name}` is a call's method, `{sym:name}` a named API piece
/// (see [`Language::symbol`](crate::call::Language::symbol)).
#[rustfmt::skip]
pub const HINTS: [(&str, &str); 17] = [
    ("auth", "sign in again with {call:sign_in}, or check the API key given to {call:use_api_key}"),
    ("auth.invalid_credentials", "check the e-mail and password given to {call:sign_in}"),
    ("permission_denied", "create an API key with the needed scope ({call:create_api_key}), or sign in with {call:sign_in}"),
    ("not_found", "check the id; {call:list_renders} lists the renders this account can see"),
    ("invalid_input", "fix the fields named in details and call again"),
    ("insufficient_credits", "buy or grant credits, or pick a lower quality; {call:credits} shows the balance"),
    ("rate_limited", "wait for the error's {sym:retry_after}, then try again"),
    ("conflict", "{call:retrieve_render} shows the render's current state"),
    ("conflict.idempotency_conflict", "use a new idempotency key for a different request"),
    ("server", "retry later; quote the request id if it persists"),
    ("render_failed", "the render's error says why and its credits were refunded; try again with {call:render}"),
    ("network", "check the network, the proxy settings and the base URL"),
    ("timeout", "the render keeps running: wait again with {call:wait_for_render}, or raise {sym:timeout_option}"),
    ("image", "pass a PNG, JPEG or WebP file or bytes, or raw RGBA/BGRA pixels"),
    ("webhook_verification", "check the webhook secret, and pass the raw body and signature header unchanged"),
    ("token_store", "where no keychain service runs, keep the session in {sym:encrypted_file_store}"),
    ("decode", "this SDK version cannot read the server's answer: update the SDK, or quote the request id"),
];

/// The template of a hint id.
pub fn hint_template(id: &str) -> Option<&'static str> {
    HINTS.iter().find(|(k, _)| *k == id).map(|(_, t)| *t)
}

/// The hint id for an error of `kind` with the API's `code`: `"kind.code"` when that row
/// exists, else `"kind"` when it exists, else none.
pub fn hint_id(kind: ErrorKind, code: Option<&str>) -> Option<&'static str> {
    if let Some(code) = code {
        let specific = format!("{}.{}", kind.as_str(), code.to_ascii_lowercase());
        if let Some((k, _)) = HINTS.iter().find(|(k, _)| *k == specific) {
            return Some(k);
        }
    }
    HINTS
        .iter()
        .find(|(k, _)| *k == kind.as_str())
        .map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Language;

    #[test]
    fn classes_follow_the_kind_order_and_are_unique() {
        for (c, k) in CLASSES.iter().zip(ErrorKind::ALL) {
            assert_eq!(c.kind, k);
        }
        let mut stems: Vec<_> = CLASSES.iter().map(|c| c.stem).collect();
        stems.sort_unstable();
        stems.dedup();
        assert_eq!(stems.len(), CLASSES.len());
    }

    #[test]
    fn every_hint_names_things_that_exist_in_every_language() {
        for (id, template) in HINTS {
            for lang in Language::ALL {
                let text = lang.render_hint(template);
                assert!(
                    !text.contains("{call:") && !text.contains("{sym:"),
                    "{id} in {lang:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn a_wrong_password_is_not_blamed_on_the_api_key() {
        let id = hint_id(ErrorKind::Auth, Some("INVALID_CREDENTIALS")).unwrap();
        let text = Language::Python.render_hint(hint_template(id).unwrap());
        assert!(
            text.contains("password") && !text.contains("API key"),
            "{text}"
        );
        assert_eq!(hint_id(ErrorKind::Cancelled, None), None);
        assert_eq!(hint_id(ErrorKind::Auth, Some("WHATEVER")), Some("auth"));
    }
}
