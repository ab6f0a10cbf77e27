//! The store: every query of the server, by resource, behind typed rows and one [`Error`].
//!
//! Handlers (`http/`), the render workers, webhook delivery and the retention sweep call the
//! functions of these modules with a [`Store`]; none of them writes SQL or sees the database
//! driver. Each function is one unit of work: it runs in one transaction where the work must be
//! atomic (say, [`renders::create_charged`]: idempotency lookup, credit check and charge, render
//! row and the idempotent answer), so the caller cannot split it.
//!
//! The backend today is SQLite (a pool of connections to one file); its schema is in `migrations/sqlite/`, applied on
//! open. A function returning [`Error`] never carries an HTTP notion: `http::ApiError` converts
//! from it, not the other way round.

pub mod credits;
pub mod idempotency;
pub mod keys;
pub mod outbox;
pub mod projects;
pub mod renders;
pub mod secrets;
pub mod sessions;
pub mod settings;
mod sqlite;
pub mod users;
pub mod webhooks;

pub use sqlite::{Durability, Store};

/// What a store function can fail with: a refusal the caller answers for (not found, short of
/// credits, a limit reached), or a failure of the database itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The named thing (`"render"`, `"project"`, `"user"`) does not exist, or is not the
    /// caller's.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The balance is short of a charge.
    #[error("insufficient credits: {required} required, {available} available")]
    InsufficientCredits {
        /// The charge.
        required: i64,
        /// The balance.
        available: i64,
    },
    /// An idempotency key came back with a different request.
    #[error("idempotency key reused for a different request")]
    IdempotencyConflict,
    /// The user already has `pending` renders pending or processing, and `max` are allowed.
    #[error("{pending} renders pending or processing; the limit is {max}")]
    PendingLimit {
        /// Renders pending or processing now.
        pending: u32,
        /// The limit.
        max: u32,
    },
    /// The user already has `registered` webhooks, and `max` are allowed.
    #[error("{registered} webhooks registered; the limit is {max}")]
    WebhookLimit {
        /// Webhooks registered now.
        registered: u32,
        /// The limit.
        max: u32,
    },
    /// Only a pending render can be cancelled; this one is in the state named.
    #[error("render is {0}; only pending renders can be cancelled")]
    NotPending(renderiq_sdk::types::RenderStatus),
    /// The unique value (an email) is taken.
    #[error("{0} already exists")]
    Duplicate(String),
    /// A number would leave the range the database stores exactly.
    #[error("{0}")]
    Overflow(String),
    /// A value could not be encoded for storage (a webhook event, a stored answer).
    #[error("encoding: {0}")]
    Encode(#[from] serde_json::Error),
    /// The database failed: unreachable, a query failed, a constraint was broken.
    #[error("database: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The result of every store function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Database(Box::new(e))
    }
}

/// A new resource id: `<prefix>_<32 hex>`.
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Reads a row's JSON-array column (`scopes`, `events`).
fn json_list(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

/// The JSON-array form of a list column.
fn json_text(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_default()
}

/// The SQL `OFFSET` of page `page` (from 1) of `limit` rows. SQLite integers are `i64`.
fn page_offset(page: u32, limit: u32) -> i64 {
    i64::from(page.saturating_sub(1)).saturating_mul(i64::from(limit))
}

/// A page of `items` read at `offset` of `count` rows in all.
fn page_of<T>(
    items: Vec<T>,
    page: u32,
    limit: u32,
    offset: i64,
    count: i64,
) -> renderiq_sdk::types::Page<T> {
    let has_more = offset.saturating_add(items.len() as i64) < count;
    renderiq_sdk::types::Page {
        items,
        page,
        limit,
        total: u64::try_from(count).unwrap_or_default(),
        has_more,
    }
}

impl Store {
    /// Answers when the database answers a trivial query.
    ///
    /// # Errors
    ///
    /// The database cannot be reached.
    pub async fn ping(&self) -> Result<()> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
            Ok(())
        })
        .await
    }
}
