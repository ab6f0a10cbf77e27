//! A string that never prints.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret string (token, API key, password): `Debug` and `Display` print `<redacted>`.
/// Read it with [`Secret::expose`], only where it is sent.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::Secret;
/// let s = Secret::new("rq_live_abc");
/// assert_eq!(format!("{s:?}"), "<redacted>");
/// assert_eq!(s.expose(), "rq_live_abc");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret value. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the bytes before the allocation is freed.
        // SAFETY: writing zero bytes keeps the string valid UTF-8.
        unsafe { self.0.as_bytes_mut().fill(0) };
    }
}
