//! The one place where a core [`Error`] becomes a uniffi error: one variant per core
//! [`ErrorKind`], each with the fields every binding carries. Kotlin sees a sealed
//! `RenderiqException` with `RenderiqException.Auth`, `.InsufficientCredits`, …; Swift an enum
//! conforming to `Error`.

use renderiq_sdk::call::Language;
use renderiq_sdk::{Error, ErrorKind};

/// Declares the error enum, its variants' shared fields and the kind-to-variant mapping once.
macro_rules! renderiq_error {
    ($($(#[$doc:meta])* $variant:ident => $kind:path,)*) => {
        /// A failed Renderiq call. Every variant carries the same fields:
        /// `reason` (the core's message; uniffi's Kotlin exceptions define `message` themselves, as
        /// every field's text), `hint` (what to do next),
        /// `code` (the API's error code), `status` (HTTP status), `request_id`, `details`
        /// (the API's details as JSON text), `retry_after_ms`, `required_credits` and
        /// `available_credits`.
        #[derive(Debug, thiserror::Error, uniffi::Error)]
        #[non_exhaustive]
        pub enum RenderiqError {
            $(
                $(#[$doc])*
                #[error("{reason}")]
                $variant {
                    reason: String,
                    hint: Option<String>,
                    code: Option<String>,
                    status: Option<u16>,
                    request_id: Option<String>,
                    details: Option<String>,
                    retry_after_ms: Option<u64>,
                    required_credits: Option<i64>,
                    available_credits: Option<i64>,
                },
            )*
            /// A kind the core added after this binding was built (see `From<Error>`).
            #[error("{reason}")]
            Other {
                reason: String,
                hint: Option<String>,
                code: Option<String>,
                status: Option<u16>,
                request_id: Option<String>,
                details: Option<String>,
                retry_after_ms: Option<u64>,
                required_credits: Option<i64>,
                available_credits: Option<i64>,
            },
        }

        impl From<Error> for RenderiqError {
            /// With Kotlin's names in the hint (a client knows its language: see
            /// [`RenderiqError::from_core`]).
            fn from(e: Error) -> Self {
                Self::from_core(e, Language::Kotlin)
            }
        }

        impl RenderiqError {
            /// The uniffi error of a core error, its hint in `language`'s names (Kotlin and
            /// Swift spell calls alike; they differ in a few symbols).
            pub(crate) fn from_core(e: Error, language: Language) -> Self {
                let reason = e.message().to_owned();
                let hint = e.hint_for(language);
                let code = e.error_code().map(str::to_owned);
                let status = e.status();
                let request_id = e.request_id().map(str::to_owned);
                let details = e.details().map(|d| d.to_string());
                let retry_after_ms = e
                    .retry_after()
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
                let required_credits = e.required_credits();
                let available_credits = e.available_credits();
                macro_rules! build {
                    ($v:ident) => {
                        Self::$v {
                            reason,
                            hint,
                            code,
                            status,
                            request_id,
                            details,
                            retry_after_ms,
                            required_credits,
                            available_credits,
                        }
                    };
                }
                match e.kind() {
                    $($kind => build!($variant),)*
                    // `ErrorKind` is non-exhaustive: a kind added to the core before this list
                    // learns it crosses as `Other`, with every field intact.
                    _ => build!(Other),
                }
            }
        }
    };
}

// The variants are the error table's class stems (`renderiq_sdk::error_table`), as every
// binding's classes are (Python `ValidationError`, C# `RateLimitException`); a test checks it.
renderiq_error! {
    /// Not signed in, token invalid or expired, wrong credentials.
    Auth => ErrorKind::Auth,
    /// The API key lacks a scope.
    PermissionDenied => ErrorKind::PermissionDenied,
    /// No such resource.
    NotFound => ErrorKind::NotFound,
    /// The request was rejected as invalid (by the server or before sending); `details` names
    /// the fields.
    Validation => ErrorKind::InvalidInput,
    /// Not enough credits (`required_credits`, `available_credits`).
    InsufficientCredits => ErrorKind::InsufficientCredits,
    /// Too many requests (`retry_after_ms`).
    RateLimit => ErrorKind::RateLimited,
    /// Idempotency-key reuse with another body, or a state conflict.
    Conflict => ErrorKind::Conflict,
    /// The server failed (5xx).
    Server => ErrorKind::Server,
    /// A render ended in the `failed` state.
    RenderFailed => ErrorKind::RenderFailed,
    /// Could not reach the server.
    Network => ErrorKind::Network,
    /// A request timed out or a wait passed its deadline.
    Timeout => ErrorKind::Timeout,
    /// The call was cancelled.
    Cancelled => ErrorKind::Cancelled,
    /// A screenshot could not be read or encoded.
    Image => ErrorKind::Image,
    /// A webhook delivery failed verification.
    WebhookVerification => ErrorKind::WebhookVerification,
    /// The token store failed.
    TokenStore => ErrorKind::TokenStore,
    /// The client was configured wrongly.
    Config => ErrorKind::Config,
    /// The server's answer (or a result) could not be understood.
    Decode => ErrorKind::Decode,
}

impl RenderiqError {
    /// A `Decode` error made here (the only error this crate originates: writing a result as
    /// JSON text, which cannot fail for the core's values).
    pub(crate) fn decode(message: String) -> Self {
        Self::Decode {
            reason: message,
            hint: None,
            code: None,
            status: None,
            request_id: None,
            details: None,
            retry_after_ms: None,
            required_credits: None,
            available_credits: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use renderiq_sdk::error_table::class_of;

    /// The variant's name, from its `Debug` text (`Validation { reason: … }`).
    fn variant(e: &RenderiqError) -> String {
        format!("{e:?}")
            .split([' ', '{'])
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn every_kind_crosses_as_the_variant_named_by_the_error_table() {
        for kind in ErrorKind::ALL {
            let e = RenderiqError::from(Error::of_kind(kind, "x"));
            assert_eq!(variant(&e), class_of(kind).stem, "{kind:?}");
        }
    }

    #[test]
    fn the_fields_and_the_hint_cross_in_the_clients_language() {
        let e = Error::of_kind(ErrorKind::Auth, "not signed in");
        let RenderiqError::Auth { reason, hint, .. } = RenderiqError::from_core(e, Language::Swift)
        else {
            panic!("not Auth");
        };
        assert_eq!(reason, "not signed in");
        let hint = hint.unwrap_or_default();
        assert!(
            hint.contains("signIn") && !hint.contains("sign_in"),
            "{hint}"
        );
    }
}
