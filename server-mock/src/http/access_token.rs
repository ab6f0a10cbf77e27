//! The server's access tokens: JWTs (RFC 7519) signed with HMAC-SHA256 (`HS256`), issued at
//! sign-in and refresh and checked on every authenticated request.
//!
//! One key and one algorithm, so the check is short and runs on the hot path of every read: the
//! key's HMAC state is computed once ([`AccessTokenKey::new`]) and cloned per token, the
//! signature is checked first (in constant time) over the token's first two segments as sent,
//! and only a token that carries the server's signature is decoded: its header must name
//! `HS256` (any other `alg`, `none` included, is refused even when signed), its claims are read
//! straight into [`Claims`]. Segments are unpadded base64url in canonical form (RFC 7515 §2);
//! padding, the standard alphabet or stray trailing bits are refused. Expiry is the caller's to
//! check, on the server's clock.
//!
//! ```
//! use renderiq_server::http::access_token::{AccessTokenKey, Claims};
//!
//! let key = AccessTokenKey::new(b"a secret of the server")?;
//! let claims = Claims { sub: "usr_1".into(), iat: 1_700_000_000, exp: 1_700_003_600, jti: "at_1".into() };
//! let token = key.sign(&claims);
//! assert_eq!(key.verify(&token).unwrap().sub, "usr_1");
//! assert!(AccessTokenKey::new(b"another secret")?.verify(&token).is_err());
//! # Ok::<(), anyhow::Error>(())
//! ```

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// `{"alg":"HS256","typ":"JWT"}`, base64url: the header of every token this server signs.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Longest token read: far above the ~250 bytes of a token this server signs, so that a
/// megabyte of `Authorization` header is refused before anything is decoded.
const MAX_TOKEN_LEN: usize = 4096;

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// The token's own id.
    pub jti: String,
}

/// Why a token was refused. The API answers every case alike (`AUTH_REQUIRED`, "invalid
/// access token"), so that a caller learns nothing about which part failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// Not three base64url segments, or longer than any token the server signs.
    #[error("not a JWT")]
    Malformed,
    /// Not signed with this server's key.
    #[error("signature does not match")]
    Signature,
    /// Signed, but its header names another algorithm or its claims are not readable.
    #[error("header or claims not as issued")]
    Content,
}

/// The HS256 key of access tokens. Cheap to share; never printed.
#[derive(Clone)]
pub struct AccessTokenKey {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for AccessTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessTokenKey(<redacted>)")
    }
}

impl AccessTokenKey {
    /// The key of `secret` (HMAC hashes one longer than 64 bytes first).
    ///
    /// # Errors
    ///
    /// `secret` is empty: a key of nothing would let anyone sign.
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(!secret.is_empty(), "the access token secret is empty");
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .map_err(|e| anyhow::anyhow!("access token secret: {e}"))?;
        Ok(Self { mac })
    }

    /// A token carrying `claims`, signed.
    #[must_use]
    pub fn sign(&self, claims: &Claims) -> String {
        // Serialising four plain fields cannot fail.
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let mut token = String::with_capacity(HEADER.len() + payload.len() * 4 / 3 + 48);
        token.push_str(HEADER);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut token);
        token
    }

    /// The claims of `token` when this key signed it.
    ///
    /// # Errors
    ///
    /// [`Invalid`]: not a JWT, another signature, or a signed header or payload that is not
    /// what this server issues.
    pub fn verify(&self, token: &str) -> Result<Claims, Invalid> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(Invalid::Malformed);
        }
        let (signed, signature) = token.rsplit_once('.').ok_or(Invalid::Malformed)?;
        let (header, payload) = signed.split_once('.').ok_or(Invalid::Malformed)?;
        let mut expected = [0u8; 32];
        match URL_SAFE_NO_PAD.decode_slice(signature, &mut expected) {
            Ok(32) => {}
            _ => return Err(Invalid::Malformed),
        }
        let mut mac = self.mac.clone();
        mac.update(signed.as_bytes());
        mac.verify_slice(&expected)
            .map_err(|_| Invalid::Signature)?;

        #[derive(Deserialize)]
        struct Header<'a> {
            #[serde(borrow)]
            alg: Cow<'a, str>,
        }
        // The header this server writes is read without decoding it.
        if header != HEADER {
            let header = decode(header)?;
            let header: Header<'_> =
                serde_json::from_slice(&header).map_err(|_| Invalid::Content)?;
            if header.alg != "HS256" {
                return Err(Invalid::Content);
            }
        }
        serde_json::from_slice(&decode(payload)?).map_err(|_| Invalid::Content)
    }
}

/// One segment's bytes; padding, the standard alphabet and non-zero trailing bits refused.
fn decode(segment: &str) -> Result<Vec<u8>, Invalid> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Invalid::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            sub: "usr_0123".to_owned(),
            iat: 1_790_000_000,
            exp: 1_790_003_600,
            jti: "at_abc".to_owned(),
        }
    }

    /// A token put together by hand: `header` and `payload` JSON, signed with `secret`.
    fn by_hand(secret: &[u8], header: &str, payload: &str) -> String {
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap();
        mac.update(signed.as_bytes());
        format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    const PAYLOAD: &str = r#"{"sub":"usr_0123","iat":1790000000,"exp":1790003600,"jti":"at_abc"}"#;

    #[test]
    fn the_header_constant_is_the_encoded_header() {
        assert_eq!(
            URL_SAFE_NO_PAD.decode(HEADER).unwrap(),
            br#"{"alg":"HS256","typ":"JWT"}"#
        );
    }

    #[test]
    fn signed_tokens_verify_and_read_back() {
        let key = AccessTokenKey::new(b"secret").unwrap();
        let token = key.sign(&claims());
        assert_eq!(token.split('.').count(), 3);
        assert!(token.starts_with(HEADER));
        assert_eq!(key.verify(&token), Ok(claims()));
        // The same token as RFC 7519 tooling builds it from the same parts.
        assert_eq!(
            token,
            by_hand(b"secret", r#"{"alg":"HS256","typ":"JWT"}"#, PAYLOAD)
        );
    }

    #[test]
    fn tokens_of_earlier_releases_verify() {
        // Releases before this module signed with `jsonwebtoken`, whose header puts `typ`
        // first; such tokens live until they expire, across an upgrade.
        let token = by_hand(b"secret", r#"{"typ":"JWT","alg":"HS256"}"#, PAYLOAD);
        assert_eq!(
            AccessTokenKey::new(b"secret").unwrap().verify(&token),
            Ok(claims())
        );
    }

    #[test]
    fn other_keys_and_altered_tokens_are_refused() {
        let key = AccessTokenKey::new(b"secret").unwrap();
        let token = key.sign(&claims());
        assert_eq!(
            AccessTokenKey::new(b"secreT").unwrap().verify(&token),
            Err(Invalid::Signature)
        );
        let (signed, signature) = token.rsplit_once('.').unwrap();
        // Another user's id in the payload, the signature kept.
        let forged = by_hand(
            b"other",
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &PAYLOAD.replace("usr_0123", "usr_9999"),
        );
        let forged_signed = forged.rsplit_once('.').unwrap().0;
        assert_eq!(
            key.verify(&format!("{forged_signed}.{signature}")),
            Err(Invalid::Signature)
        );
        // One bit of the signature flipped (its first character: canonical either way).
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
        bytes[0] ^= 1;
        let flipped = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(
            key.verify(&format!("{signed}.{flipped}")),
            Err(Invalid::Signature)
        );
        // The last character changed in its two unused bits only (they are zero in canonical
        // form, and one more stays within the same run of the alphabet): the same 32 bytes,
        // refused as not canonical.
        let last = signature.as_bytes()[signature.len() - 1];
        let aliased = format!("{}{}", &signature[..42], char::from(last + 1));
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_allow_trailing_bits(true)
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
        );
        assert_eq!(
            lenient.decode(&aliased).unwrap(),
            lenient.decode(signature).unwrap()
        );
        assert_eq!(
            key.verify(&format!("{signed}.{aliased}")),
            Err(Invalid::Malformed)
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let key = AccessTokenKey::new(b"secret").unwrap();
        let token = key.sign(&claims());
        let (signed, signature) = token.rsplit_once('.').unwrap();
        for bad in [
            String::new(),
            "a.b".to_owned(),
            signed.to_owned(),
            format!("{token}."),
            format!("{token}.{signature}"),
            format!("{signed}.{signature}="),
            format!("{signed}.{}", signature.replace('-', "+").replace('_', "/")),
            format!("{signed}.{}", &signature[..42]),
            format!("{signed}.{signature}AAAA"),
            format!("{}.{signature}", "A".repeat(MAX_TOKEN_LEN)),
        ] {
            assert!(key.verify(&bad).is_err(), "{bad:?} verified");
        }
    }

    #[test]
    fn signed_content_other_than_issued_is_refused() {
        let key = AccessTokenKey::new(b"secret").unwrap();
        for (header, payload) in [
            (r#"{"alg":"none","typ":"JWT"}"#, PAYLOAD),
            (r#"{"alg":"HS512","typ":"JWT"}"#, PAYLOAD),
            (r#"{"typ":"JWT"}"#, PAYLOAD),
            ("not json", PAYLOAD),
            (r#"{"alg":"HS256"}"#, r#"{"sub":"usr_0123","iat":1}"#),
            (
                r#"{"alg":"HS256"}"#,
                r#"{"sub":1,"iat":1,"exp":2,"jti":"j"}"#,
            ),
            (r#"{"alg":"HS256"}"#, "[]"),
        ] {
            assert_eq!(
                key.verify(&by_hand(b"secret", header, payload)),
                Err(Invalid::Content),
                "{header} {payload}"
            );
        }
        // An unsigned token (`alg: none`, empty signature) is not even read.
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(PAYLOAD)
        );
        assert_eq!(key.verify(&unsigned), Err(Invalid::Malformed));
        // A signed header with more fields than `alg` is read.
        let extra = by_hand(
            b"secret",
            r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#,
            PAYLOAD,
        );
        assert_eq!(key.verify(&extra), Ok(claims()));
    }

    #[test]
    fn an_empty_secret_is_refused() {
        assert!(AccessTokenKey::new(b"").is_err());
    }

    #[test]
    fn the_key_is_not_printed() {
        let key = AccessTokenKey::new(b"do-not-print-me").unwrap();
        assert_eq!(format!("{key:?}"), "AccessTokenKey(<redacted>)");
    }
}
