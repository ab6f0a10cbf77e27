//! What a token store keeps: one [`Credential`], a signed-in session or an API key.
//!
//! On disk and in the keychain a credential is one JSON record, the same shape every release
//! has written: `{"accessToken", "refreshToken", "expiresAt", "email", "apiKey"}`. A record with
//! an `apiKey` is an API key (its token fields are empty); any other is a session. Entries saved
//! by earlier releases load unchanged, and earlier releases can read what this one saves.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::secret::Secret;

/// The credential requests are sent with, as a token store keeps it.
///
/// `Debug` never shows a token or key.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::token_store::{Credential, MemoryStore, TokenStore};
///
/// let store = MemoryStore::new();
/// store.save(&Credential::ApiKey("rq_live_abc".into())).unwrap();
/// let loaded = store.load().unwrap().unwrap();
/// assert_eq!(loaded.api_key().map(|k| k.expose()), Some("rq_live_abc"));
/// assert!(loaded.session().is_none());
/// assert_eq!(format!("{loaded:?}"), "ApiKey(<redacted>)");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Credential {
    /// The tokens of a signed-in session, refreshed as they expire.
    Session(StoredSession),
    /// An API key, sent as it is until it is revoked.
    ApiKey(Secret),
}

impl Credential {
    /// The session, when this is one.
    pub fn session(&self) -> Option<&StoredSession> {
        match self {
            Self::Session(s) => Some(s),
            Self::ApiKey(_) => None,
        }
    }

    /// The API key, when this is one.
    pub fn api_key(&self) -> Option<&Secret> {
        match self {
            Self::ApiKey(k) => Some(k),
            Self::Session(_) => None,
        }
    }
}

impl From<StoredSession> for Credential {
    fn from(session: StoredSession) -> Self {
        Self::Session(session)
    }
}

/// The tokens of a signed-in session.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::token_store::{Credential, StoredSession};
///
/// let session = StoredSession {
///     access_token: "at".into(),
///     refresh_token: "rt".into(),
///     expires_at: chrono::Utc::now(),
///     email: Some("ada@example.com".into()),
/// };
/// assert!(!format!("{session:?}").contains("\"at\""));
/// let credential = Credential::from(session);
/// assert!(credential.session().is_some());
/// ```
#[derive(Clone, PartialEq)]
pub struct StoredSession {
    /// Bearer access token.
    pub access_token: Secret,
    /// Refresh token, rotated on every refresh.
    pub refresh_token: Secret,
    /// Expiry of `access_token`.
    pub expires_at: DateTime<Utc>,
    /// Email of the signed-in user, for display.
    pub email: Option<String>,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .field("email", &self.email)
            .finish()
    }
}

/// The stored record, written from borrowed secrets (no copy of a token is made to save it).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordOut<'a> {
    access_token: &'a str,
    refresh_token: &'a str,
    expires_at: DateTime<Utc>,
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a Secret>,
}

/// The stored record as read; every field optional so that what is missing is named.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordIn {
    #[serde(default)]
    access_token: Option<Secret>,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    api_key: Option<Secret>,
}

impl Serialize for Credential {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = match self {
            Self::Session(s) => RecordOut {
                access_token: s.access_token.expose(),
                refresh_token: s.refresh_token.expose(),
                expires_at: s.expires_at,
                email: s.email.as_deref(),
                api_key: None,
            },
            // Token fields present and empty, as readers of the record have always expected.
            Self::ApiKey(key) => RecordOut {
                access_token: "",
                refresh_token: "",
                expires_at: DateTime::<Utc>::UNIX_EPOCH,
                email: None,
                api_key: Some(key),
            },
        };
        record.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Credential {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let r = RecordIn::deserialize(deserializer)?;
        if let Some(key) = r.api_key {
            return Ok(Self::ApiKey(key));
        }
        match (r.access_token, r.refresh_token, r.expires_at) {
            (Some(access_token), Some(refresh_token), Some(expires_at)) => {
                Ok(Self::Session(StoredSession {
                    access_token,
                    refresh_token,
                    expires_at,
                    email: r.email,
                }))
            }
            // Names the missing field only: the message must never carry a value.
            _ => Err(D::Error::custom(
                "a stored session needs accessToken, refreshToken and expiresAt",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn session() -> StoredSession {
        StoredSession {
            access_token: "at_1".into(),
            refresh_token: "rt_1".into(),
            expires_at: Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap(),
            email: Some("ada@example.com".into()),
        }
    }

    #[test]
    fn records_written_by_earlier_releases_still_load() {
        // Exactly what the release before the credential enum wrote, for each kind.
        let old_session = r#"{"accessToken":"at_1","refreshToken":"rt_1",
            "expiresAt":"2030-01-02T03:04:05Z","email":"ada@example.com","apiKey":null}"#;
        let old_key = r#"{"accessToken":"","refreshToken":"","expiresAt":"2026-05-01T10:00:00Z",
            "email":null,"apiKey":"rq_live_abc"}"#;
        assert_eq!(
            serde_json::from_str::<Credential>(old_session).unwrap(),
            Credential::Session(session())
        );
        assert_eq!(
            serde_json::from_str::<Credential>(old_key).unwrap(),
            Credential::ApiKey("rq_live_abc".into())
        );
    }

    #[test]
    fn saved_records_keep_the_shape_earlier_releases_read() {
        let session = serde_json::to_value(Credential::Session(session())).unwrap();
        assert_eq!(
            session,
            serde_json::json!({"accessToken": "at_1", "refreshToken": "rt_1",
                "expiresAt": "2030-01-02T03:04:05Z", "email": "ada@example.com"})
        );
        let key = serde_json::to_value(Credential::ApiKey("rq_live_abc".into())).unwrap();
        assert_eq!(key["apiKey"], "rq_live_abc");
        assert_eq!(
            (&key["accessToken"], &key["refreshToken"]),
            (&"".into(), &"".into())
        );
        assert!(key["expiresAt"].is_string());
        for c in [
            Credential::Session(session_of(&session)),
            Credential::ApiKey("k".into()),
        ] {
            let again: Credential =
                serde_json::from_slice(&serde_json::to_vec(&c).unwrap()).unwrap();
            assert_eq!(again, c);
        }
    }

    fn session_of(v: &serde_json::Value) -> StoredSession {
        match serde_json::from_value(v.clone()).unwrap() {
            Credential::Session(s) => s,
            other => panic!("not a session: {other:?}"),
        }
    }

    #[test]
    fn a_record_without_tokens_is_refused_without_quoting_it() {
        let e = serde_json::from_str::<Credential>(r#"{"refreshToken":"rt_secret"}"#).unwrap_err();
        assert!(e.to_string().contains("accessToken"), "{e}");
        assert!(!e.to_string().contains("rt_secret"), "{e}");
    }

    #[test]
    fn debug_shows_no_token() {
        let text = format!(
            "{:?} {:?}",
            Credential::Session(session()),
            Credential::ApiKey("rq_live_abc".into())
        );
        assert!(!text.contains("at_1") && !text.contains("rt_1") && !text.contains("rq_live"));
    }
}
