//! Signing in: the credentials sent, the user and the session tokens answered.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /auth/signin` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    /// Account email.
    pub email: String,
    /// Account password.
    pub password: String,
}

impl fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInRequest")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `POST /auth/refresh` and `POST /auth/signout` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh.
    pub refresh_token: String,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

/// A signed-in user.
///
/// The original service answers sign-in with `user: { id, email }` only, and snake_case names
/// elsewhere; both are read.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::User;
///
/// let u: User = serde_json::from_str(r#"{"id":"u1","email":"ada@example.com"}"#).unwrap();
/// assert_eq!(u.created_at, None);
/// let u: User = serde_json::from_str(
///     r#"{"id":"u1","email":"ada@example.com","created_at":"2025-01-01T00:00:00Z"}"#,
/// ).unwrap();
/// assert!(u.created_at.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id (UUID).
    pub id: String,
    /// Email address.
    pub email: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// When the account was created; `None` when the server did not say.
    #[serde(default, alias = "created_at")]
    pub created_at: Option<DateTime<Utc>>,
}

/// Tokens returned by sign-in and refresh.
///
/// Read in the reference server's camelCase (`accessToken`, `expiresAt`) and in the original
/// service's snake_case (`access_token`, `refresh_token`, `expires_at`, `token_type`). The
/// expiry may be an RFC 3339 time or unix seconds; when it is absent, `expires_in` / `expiresIn`
/// (seconds from now) gives it. Written in camelCase.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::AuthSession;
///
/// let original = r#"{"access_token":"a","refresh_token":"r","expires_at":1767225600,
///                    "user":{"id":"u1","email":"ada@example.com"}}"#;
/// let s: AuthSession = serde_json::from_str(original).unwrap();
/// assert_eq!(s.expires_at.to_rfc3339(), "2026-01-01T00:00:00+00:00");
/// assert_eq!(s.user.email, "ada@example.com");
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", try_from = "wire_time::AuthSessionWire")]
pub struct AuthSession {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Long-lived token, rotated on every refresh.
    pub refresh_token: String,
    /// Always `"Bearer"`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// When `access_token` expires.
    pub expires_at: DateTime<Utc>,
    /// The user the tokens belong to.
    pub user: User,
}

fn bearer() -> String {
    "Bearer".to_owned()
}

/// The lenient reading of times and of the sign-in answer.
mod wire_time {
    use chrono::{DateTime, TimeZone, Utc};
    use serde::Deserialize;

    use super::{bearer, AuthSession, User};

    /// A point in time as services spell it: RFC 3339 text, or unix seconds (a number or
    /// digits in a string).
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub(super) enum Instant {
        Seconds(f64),
        Text(String),
    }

    impl Instant {
        pub(super) fn resolve(self) -> Result<DateTime<Utc>, String> {
            match self {
                Self::Seconds(s) => from_seconds(s),
                Self::Text(t) => {
                    let t = t.trim();
                    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
                        return Ok(d.with_timezone(&Utc));
                    }
                    match t.parse::<f64>() {
                        Ok(secs) => from_seconds(secs),
                        Err(_) => Err(format!(
                            "{t:?} is neither an RFC 3339 time nor unix seconds"
                        )),
                    }
                }
            }
        }
    }

    fn from_seconds(secs: f64) -> Result<DateTime<Utc>, String> {
        if !secs.is_finite() {
            return Err("the time is not a finite number of seconds".to_owned());
        }
        // Whole milliseconds; `as` saturates, and an out-of-range time is refused below.
        let millis = (secs * 1000.0).round() as i64;
        Utc.timestamp_millis_opt(millis)
            .single()
            .ok_or_else(|| format!("{secs} unix seconds is out of range"))
    }

    /// `AuthSession` as any supported server spells it.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct AuthSessionWire {
        #[serde(alias = "access_token")]
        access_token: String,
        #[serde(alias = "refresh_token")]
        refresh_token: String,
        #[serde(default = "bearer", alias = "token_type")]
        token_type: String,
        #[serde(default, alias = "expires_at")]
        expires_at: Option<Instant>,
        #[serde(default, alias = "expires_in")]
        expires_in: Option<f64>,
        user: User,
    }

    impl TryFrom<AuthSessionWire> for AuthSession {
        type Error = String;

        fn try_from(w: AuthSessionWire) -> Result<Self, String> {
            let expires_at = match (w.expires_at, w.expires_in) {
                (Some(at), _) => at.resolve()?,
                (None, Some(secs)) if secs >= 0.0 => {
                    // Precision to the millisecond is plenty for a refresh margin of seconds.
                    from_seconds(Utc::now().timestamp_millis() as f64 / 1000.0 + secs)?
                }
                (None, Some(secs)) => return Err(format!("expires_in is {secs}: not a duration")),
                (None, None) => {
                    return Err("the session has neither expiresAt nor expiresIn".to_owned())
                }
            };
            Ok(AuthSession {
                access_token: w.access_token,
                refresh_token: w.refresh_token,
                token_type: w.token_type,
                expires_at,
                user: w.user,
            })
        }
    }
}

impl fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSession")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{"id":"u1","email":"ada@example.com"}"#;

    #[test]
    fn sign_in_answer_is_read_in_snake_case_as_the_original_service_sends_it() {
        let body = format!(
            r#"{{"access_token":"at","refresh_token":"rt","token_type":"bearer",
                 "expires_at":"2026-01-01T00:00:00Z","user":{USER}}}"#
        );
        let s: AuthSession = serde_json::from_str(&body).unwrap();
        assert_eq!(s.access_token, "at");
        assert_eq!(s.refresh_token, "rt");
        assert_eq!(s.token_type, "bearer");
        assert_eq!(s.expires_at.to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(s.user.id, "u1");
        assert_eq!(s.user.created_at, None);
    }

    #[test]
    fn sign_in_answer_is_read_in_camel_case_and_written_back_in_it() {
        let body = format!(
            r#"{{"accessToken":"at","refreshToken":"rt","expiresAt":"2026-01-01T00:00:00Z",
                 "user":{USER}}}"#
        );
        let s: AuthSession = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (s.access_token.as_str(), s.refresh_token.as_str()),
            ("at", "rt")
        );
        assert_eq!(s.token_type, "Bearer");
        let written = serde_json::to_value(&s).unwrap();
        assert_eq!(written["accessToken"], "at");
        assert_eq!(written["expiresAt"], "2026-01-01T00:00:00Z");
        let again: AuthSession = serde_json::from_value(written).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn sign_in_expiry_may_be_unix_seconds_or_seconds_from_now() {
        for expiry in [r#""expires_at":1767225600"#, r#""expires_at":"1767225600""#] {
            let body =
                format!(r#"{{"access_token":"a","refresh_token":"r",{expiry},"user":{USER}}}"#);
            let s: AuthSession = serde_json::from_str(&body).unwrap();
            assert_eq!(
                s.expires_at.to_rfc3339(),
                "2026-01-01T00:00:00+00:00",
                "{expiry}"
            );
        }
        for expiry in [r#""expires_in":3600"#, r#""expiresIn":3600"#] {
            let before = Utc::now();
            let body =
                format!(r#"{{"access_token":"a","refresh_token":"r",{expiry},"user":{USER}}}"#);
            let s: AuthSession = serde_json::from_str(&body).unwrap();
            let after = Utc::now();
            let hour = chrono::Duration::hours(1);
            let slack = chrono::Duration::milliseconds(1);
            assert!(s.expires_at >= before + hour - slack && s.expires_at <= after + hour + slack);
        }
    }

    #[test]
    fn sign_in_answer_without_any_expiry_is_refused_with_the_reason() {
        let body = format!(r#"{{"access_token":"a","refresh_token":"r","user":{USER}}}"#);
        let e = serde_json::from_str::<AuthSession>(&body).unwrap_err();
        assert!(e.to_string().contains("expiresAt"), "{e}");
        let body = format!(
            r#"{{"access_token":"a","refresh_token":"r","expires_at":"soon","user":{USER}}}"#
        );
        let e = serde_json::from_str::<AuthSession>(&body).unwrap_err();
        assert!(e.to_string().contains("\"soon\""), "{e}");
    }

    #[test]
    fn session_debug_hides_tokens() {
        let s = AuthSession {
            access_token: "secret-access".into(),
            refresh_token: "secret-refresh".into(),
            token_type: "Bearer".into(),
            expires_at: Utc::now(),
            user: User {
                id: "u".into(),
                email: "a@b.c".into(),
                name: None,
                created_at: Some(Utc::now()),
            },
        };
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("secret-"), "{dbg}");
    }
}
