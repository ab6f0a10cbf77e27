//! The store: every query of the server, by resource, behind typed rows and one [`Error`].
//!
//! Handlers (`http/`), the render workers, webhook delivery and the retention sweep call the
//! functions of these modules with a [`Store`]; none of them writes SQL or sees the database
//! driver. Each function is one unit of work: it runs in one transaction where the work must be
//! atomic (say, [`renders::create_charged`]: idempotency lookup, credit check and charge, render
//! row and the idempotent answer), so the caller cannot split it.
//!
//! Two backends stand behind [`Store`]: SQLite (a pool of connections to one file, the
//! embedded default) and PostgreSQL (a pool of connections to a database that several servers
//! may share). The queries are written once against [`sql::Conn`]; each backend has its schema
//! in `migrations/<backend>/`, applied on open. A function returning [`Error`] never carries an
//! HTTP notion: `http::ApiError` converts from it, not the other way round.

pub mod admin;
pub mod credits;
pub mod idempotency;
pub mod keys;
pub mod outbox;
mod postgres;
pub mod projects;
pub mod rate_limits;
pub mod render_memo;
pub mod renders;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod sql;
mod sqlite;
pub mod users;
pub mod webhooks;

use std::path::Path;
use std::sync::Arc;

pub use postgres::redact as redact_url;
pub use postgres::Heard;
pub use render_memo::RenderMemo;
pub use sql::Backend;
pub use sqlite::Durability;

use sql::Conn;

/// Cheap-to-clone handle on the database, SQLite or PostgreSQL.
///
/// ```no_run
/// # fn demo() -> anyhow::Result<()> {
/// use renderiq_server::store::{Backend, Store};
/// let store = Store::connect("postgres://renderiq@localhost/renderiq")?;
/// assert_eq!(store.backend(), Backend::Postgres);
/// let embedded = Store::open(std::path::Path::new("data/renderiq.db"))?;
/// assert_eq!(embedded.backend(), Backend::Sqlite);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Store {
    engine: Arc<Engine>,
}

#[derive(Debug)]
enum Engine {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

impl Store {
    /// Opens (creating if needed) the SQLite file at `path` and runs pending migrations.
    ///
    /// # Errors
    ///
    /// The file cannot be created or opened, or a migration fails.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        Self::open_with(path, Durability::Full)
    }

    /// [`Store::open`] with a chosen [`Durability`] (the server always uses
    /// [`Durability::Full`]).
    ///
    /// # Errors
    ///
    /// As [`Store::open`].
    pub fn open_with(path: &Path, durability: Durability) -> anyhow::Result<Self> {
        Ok(Self {
            engine: Arc::new(Engine::Sqlite(sqlite::Sqlite::open(path, durability)?)),
        })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host/db`) and
    /// runs pending migrations (one server at a time: the others wait for its lock).
    /// Blocking: call it off the async runtime.
    ///
    /// # Errors
    ///
    /// The database cannot be reached or a migration fails; the message never shows the
    /// password.
    pub fn connect(url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            engine: Arc::new(Engine::Postgres(Box::new(postgres::Postgres::connect(
                url,
            )?))),
        })
    }

    /// Sends `payload` on `channel` to every server of this database listening on it
    /// ([`Store::listen`], this server included). On SQLite, whose file one server serves,
    /// nothing is sent.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub(crate) async fn notify(&self, channel: &'static str, payload: String) -> Result<()> {
        if let Engine::Postgres(_) = &*self.engine {
            let store = self.clone();
            tokio::task::spawn_blocking(move || match &*store.engine {
                Engine::Postgres(db) => db.notify_blocking(channel, &payload),
                Engine::Sqlite(_) => Ok(()),
            })
            .await
            .map_err(|e| Error::Database(Box::new(e)))??;
        }
        Ok(())
    }

    /// Calls `on_heard` with what is sent on `channel` by the servers of this database until
    /// `stop` is cancelled, from a thread of its own (PostgreSQL `LISTEN`); `None` on SQLite.
    ///
    /// # Errors
    ///
    /// The thread could not be started.
    pub(crate) fn listen(
        &self,
        channel: &'static str,
        on_heard: Box<dyn Fn(Heard) + Send>,
        stop: tokio_util::sync::CancellationToken,
    ) -> std::io::Result<Option<std::thread::JoinHandle<()>>> {
        match &*self.engine {
            Engine::Sqlite(_) => Ok(None),
            Engine::Postgres(db) => db.listen(channel, on_heard, stop).map(Some),
        }
    }

    /// Which engine this store runs on.
    pub fn backend(&self) -> Backend {
        match &*self.engine {
            Engine::Sqlite(_) => Backend::Sqlite,
            Engine::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` on a pooled connection.
    ///
    /// On SQLite the server's reads are index lookups of a few rows, answered from the page
    /// cache in microseconds — less than handing them to tokio's blocking pool and back costs
    /// (two thread wake-ups; half of the CPU time of a status read went there, see
    /// `bench/load_server.sh`). So when a pooled connection is idle the read runs here, on the
    /// calling task; when every connection is busy, on the blocking pool. A WAL reader never
    /// waits for a writer. PostgreSQL reads are network round trips: always the blocking pool.
    ///
    /// # Errors
    ///
    /// Whatever `f` returns, or [`Error::Database`] when no connection could be had.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> Result<T> + Send + 'static,
    {
        let f = match &*self.engine {
            Engine::Sqlite(db) => match db.read_if_idle(f) {
                Ok(answer) => return answer,
                Err(f) => f,
            },
            Engine::Postgres(_) => f,
        };
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(f))
            .await
            .map_err(|e| Error::Database(Box::new(e)))?
    }

    /// Runs `f` inside one transaction on the blocking pool (SQLite: `BEGIN IMMEDIATE`, one
    /// writer at a time; PostgreSQL: `READ COMMITTED`, with [`Conn::lock_user`] and row locks
    /// where a function reads before it writes); commits when `f` returns `Ok`, rolls back
    /// otherwise.
    ///
    /// # Errors
    ///
    /// Whatever `f` returns, a failed commit, or [`Error::Database`] when no connection could
    /// be had.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> Result<T> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write_blocking(f))
            .await
            .map_err(|e| Error::Database(Box::new(e)))?
    }

    /// Runs one statement of the shared dialect ([`sql`]) in its own transaction and answers
    /// its rows. For operators' tools and the test suites, which read and change rows the API
    /// does not show; the server itself calls the functions of this module's submodules.
    /// Blocking.
    ///
    /// ```no_run
    /// # fn demo(store: renderiq_server::Store) -> renderiq_server::store::Result<()> {
    /// let rows = store.query_blocking("SELECT COUNT(*) FROM renders WHERE status = ?1", &[&"pending"])?;
    /// let pending: i64 = rows[0].get(0)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The statement failed.
    pub fn query_blocking(&self, sql: &str, args: &[&dyn sql::ToValue]) -> Result<Vec<sql::Row>> {
        let rows = self.write_blocking(|conn| Ok(conn.query(sql, args)?));
        if let Some(memo) = self.render_memo() {
            // Any SQL: not only what the update hook reports (a `DELETE` without `WHERE`).
            memo.forget_all();
        }
        rows
    }

    /// The answers kept per render until their rows change ([`RenderMemo`]); `None` on
    /// PostgreSQL, whose rows other servers change.
    pub fn render_memo(&self) -> Option<&RenderMemo> {
        match &*self.engine {
            Engine::Sqlite(db) => Some(&db.memo),
            Engine::Postgres(_) => None,
        }
    }

    /// [`Store::read`] for callers already off the async runtime.
    pub(crate) fn read_blocking<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Conn<'_>) -> Result<T>,
    {
        match &*self.engine {
            Engine::Sqlite(db) => db.read_blocking(f),
            Engine::Postgres(db) => db.read_blocking(f),
        }
    }

    /// [`Store::write`] for callers already off the async runtime (the admin commands).
    pub(crate) fn write_blocking<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Conn<'_>) -> Result<T>,
    {
        match &*self.engine {
            Engine::Sqlite(db) => db.write_blocking(f),
            Engine::Postgres(db) => db.write_blocking(f),
        }
    }
}

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
            conn.query_value::<i64>("SELECT 1", sql::args![])?;
            Ok(())
        })
        .await
    }
}
