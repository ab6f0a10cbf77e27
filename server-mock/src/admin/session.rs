//! The dashboard's sign-in: a signed, expiring cookie and the CSRF token tied to it.
//!
//! Two ways in: the server's `--admin-token`, or the email and password of a user made an admin
//! (`renderiq-server user add --admin`). Nothing is stored per session: the cookie is
//! `<expiry>.<nonce>.<who>.<sig>` (`who` is `token` or the admin's user id), the signature an
//! HMAC-SHA256 keyed by the server's `admin_session` secret and, when set, the admin token (so
//! changing `--admin-token` signs everyone out). A user's session also ends when they stop being
//! an admin: it is checked at each request. A form's CSRF token is another HMAC of the cookie's
//! value; a POST without the token of its own session is refused. The cookie is `HttpOnly`,
//! `SameSite=Strict`, scoped to `/admin`, and `Secure` when `--public-url` is https. Plugin access
//! tokens and API keys are never read here.

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use renderiq_sdk::Secret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::http::AppState;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "renderiq_admin";
/// How long a dashboard sign-in lasts.
pub const SESSION_SECONDS: i64 = 8 * 3600;

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// With the server's `--admin-token`.
    Token,
    /// An admin user, by id.
    User(String),
}

impl Operator {
    fn as_str(&self) -> &str {
        match self {
            Self::Token => "token",
            Self::User(id) => id,
        }
    }
}

/// The key sessions are signed with.
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

impl SessionKey {
    /// The key of the server's stored `secret` and its `admin_token`, if any.
    pub fn new(secret: &str, admin_token: Option<&Secret>) -> Self {
        let mut hash = Sha256::new();
        hash.update(b"renderiq admin session v2\0");
        hash.update(secret.as_bytes());
        hash.update(b"\0");
        if let Some(token) = admin_token {
            hash.update(token.expose().as_bytes());
        }
        Self(hash.finalize().into())
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        // Any key length is accepted by HMAC.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        for part in parts {
            mac.update(part);
            mac.update(b"\0");
        }
        mac.finalize().into_bytes().into()
    }

    /// A new session cookie value for `who`, valid until `now + SESSION_SECONDS`.
    pub fn issue(&self, who: &Operator, now: i64) -> String {
        let expiry = now + SESSION_SECONDS;
        let nonce = crate::http::random_token(16);
        let who = who.as_str();
        let sig = self.mac(&[
            b"session",
            expiry.to_string().as_bytes(),
            nonce.as_bytes(),
            who.as_bytes(),
        ]);
        format!("{expiry}.{nonce}.{who}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// Who holds `value`, when it is a cookie this key issued that has not expired at `now`.
    pub fn check(&self, value: &str, now: i64) -> Option<Operator> {
        let mut parts = value.splitn(4, '.');
        let (Some(expiry), Some(nonce), Some(who), Some(sig)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let expiry_at = expiry.parse::<i64>().ok()?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let expected = self.mac(&[
            b"session",
            expiry.as_bytes(),
            nonce.as_bytes(),
            who.as_bytes(),
        ]);
        if !bool::from(sig.ct_eq(&expected)) || now >= expiry_at {
            return None;
        }
        Some(match who {
            "token" => Operator::Token,
            id => Operator::User(id.to_owned()),
        })
    }

    /// The CSRF token of the session whose cookie is `value`.
    pub fn csrf(&self, value: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(&[b"csrf", value.as_bytes()]))
    }

    /// Whether `token` is the CSRF token of the session `value`.
    pub fn check_csrf(&self, value: &str, token: &str) -> bool {
        bool::from(self.csrf(value).as_bytes().ct_eq(token.as_bytes()))
    }
}

/// `Set-Cookie` for a new session (`value`), or to end it (`None`).
pub fn set_cookie(value: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match value {
        Some(v) => format!(
            "{COOKIE_NAME}={v}; Path=/admin; Max-Age={SESSION_SECONDS}; HttpOnly; SameSite=Strict{secure}"
        ),
        None => format!("{COOKIE_NAME}=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict{secure}"),
    }
}

/// The value of cookie `name` in `headers`.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// A signed-in dashboard user (the extractor redirects to the sign-in page otherwise).
#[derive(Debug, Clone)]
pub struct AdminSession {
    /// Who signed in.
    pub operator: Operator,
    /// The session's cookie value.
    pub cookie: String,
    /// Its CSRF token, for the forms of the page.
    pub csrf: String,
    key: SessionKey,
}

impl AdminSession {
    /// Whether `token` (a form's `csrf` field) belongs to this session.
    pub fn csrf_ok(&self, token: &str) -> bool {
        self.key.check_csrf(&self.cookie, token)
    }
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let on = super::enabled(state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !on {
            return Err(crate::http::ApiError::NotFound("no such route".to_owned()).into_response());
        }
        let key = super::key(state);
        let now = state.config.clock.now().timestamp();
        let to_login = || Redirect::to("/admin/login").into_response();
        let value = cookie(&parts.headers, COOKIE_NAME).ok_or_else(to_login)?;
        let operator = key.check(value, now).ok_or_else(to_login)?;
        let still = match &operator {
            Operator::Token => state.config.admin_token.is_some(),
            Operator::User(id) => crate::store::admin::is_admin(&state.store, id)
                .await
                .map_err(|e| crate::http::ApiError::from(e).into_response())?,
        };
        if !still {
            return Err(to_login());
        }
        Ok(Self {
            operator,
            csrf: key.csrf(value),
            cookie: value.to_owned(),
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(token: &str) -> SessionKey {
        SessionKey::new("stored secret", Some(&Secret::from(token)))
    }

    #[test]
    fn an_issued_cookie_checks_until_it_expires() {
        let k = key("admin-token");
        let v = k.issue(&Operator::Token, 1_000);
        assert_eq!(k.check(&v, 1_000), Some(Operator::Token));
        assert!(k.check(&v, 1_000 + SESSION_SECONDS - 1).is_some());
        assert!(k.check(&v, 1_000 + SESSION_SECONDS).is_none());
    }

    #[test]
    fn another_key_or_a_changed_cookie_does_not_check() {
        let k = key("admin-token");
        let v = k.issue(&Operator::User("u1".into()), 1_000);
        assert_eq!(k.check(&v, 1_000), Some(Operator::User("u1".into())));
        assert!(key("other-token").check(&v, 1_000).is_none());
        assert!(
            SessionKey::new("another secret", Some(&Secret::from("admin-token")))
                .check(&v, 1_000)
                .is_none()
        );
        let (expiry, rest) = v.split_once('.').unwrap();
        let later = format!("{}.{rest}", expiry.parse::<i64>().unwrap() + 3600);
        assert!(k.check(&later, 1_000).is_none());
        // Another user's id in a cookie signed for u1.
        assert!(k.check(&v.replace(".u1.", ".u2."), 1_000).is_none());
        assert!(k.check("garbage", 1_000).is_none());
        assert!(k.check("1.2.3.4", 1_000).is_none());
    }

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let k = key("admin-token");
        let (a, b) = (
            k.issue(&Operator::Token, 1_000),
            k.issue(&Operator::Token, 1_000),
        );
        assert!(k.check_csrf(&a, &k.csrf(&a)));
        assert!(!k.check_csrf(&b, &k.csrf(&a)));
        assert!(!k.check_csrf(&a, ""));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; renderiq_admin=x.y.z; b=2".parse().unwrap());
        assert_eq!(cookie(&h, COOKIE_NAME), Some("x.y.z"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
