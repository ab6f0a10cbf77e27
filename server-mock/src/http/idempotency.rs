//! `Idempotency-Key` support for creating POSTs: the replayed answer. The keys and answers are
//! kept by [`crate::store::idempotency`].
//!
//! Keys are per user and kept 24 hours. The first *successful* answer is stored with a hash of
//! the request, in the same transaction that creates the resource; a repeat with the same hash
//! replays it (header `idempotent-replayed: true`), a repeat with another hash is refused with
//! 409 `IDEMPOTENCY_CONFLICT`. Because lookup, creation and storage share one write transaction,
//! concurrent duplicates are serialised: the second sees the first's stored answer. Failed
//! requests store nothing, so the key can be retried (say, after credits were added).

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use renderiq_sdk::types::headers;

use crate::store::idempotency::Answer;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = crate::store::idempotency::RETENTION_HOURS;

/// A stored answer.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    /// HTTP status of the first answer.
    pub status: u16,
    /// Body bytes of the first answer.
    pub body: Vec<u8>,
}

impl StoredResponse {
    /// The replayed response.
    pub fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            HeaderName::from_static(headers::IDEMPOTENT_REPLAYED),
            HeaderValue::from_static("true"),
        );
        response
    }
}

impl From<Answer> for StoredResponse {
    fn from(a: Answer) -> Self {
        Self {
            status: a.status,
            body: a.body,
        }
    }
}
