//! The PostgreSQL backend: a pool of connections to one database, migrations, transactions.
//!
//! Several servers may share the database. Each store function runs in one `READ COMMITTED`
//! transaction; where one reads and then writes on the strength of what it read (a balance, a
//! count of pending renders, a refresh token), it first takes the row lock of
//! [`Conn::lock_user`] or selects `FOR UPDATE`, so that two servers cannot interleave there.
//! Statements and transactions are bounded by `statement_timeout` and
//! `idle_in_transaction_session_timeout`, so a stuck server cannot hold locks for ever.
//!
//! Migrations: the files of `migrations/postgres/`, each applied once in its own transaction
//! under an advisory lock (two servers starting together apply it once), recorded in
//! `schema_migrations` as on SQLite.

use std::time::Duration;

use anyhow::Context as _;

use super::sql::{Conn, PgTransaction};
use super::{Error, Result};

mod notify;
mod pool;

pub use notify::Heard;

use pool::{PgManager, Security};

/// Migrations, in order; each runs once, in its own transaction. Never edit a released one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "render_leases",
        include_str!("../../../migrations/postgres/0002_render_leases.sql"),
    ),
    (
        3,
        "rate_limits",
        include_str!("../../../migrations/postgres/0003_rate_limits.sql"),
    ),
    (
        4,
        "dashboard",
        include_str!("../../../migrations/postgres/0004_dashboard.sql"),
    ),
];

/// The advisory lock taken while migrating (any fixed number; "rndq" in ASCII).
const MIGRATION_LOCK: i64 = 0x726e_6471;

/// Connections in the pool of one server.
const POOL_SIZE: u32 = 16;

/// The pool of connections to one PostgreSQL database.
#[derive(Clone)]
pub(crate) struct Postgres {
    pool: r2d2::Pool<PgManager>,
    /// The connection settings (for `Debug`: hosts and database, never the password).
    config: postgres::Config,
    /// Clear or verified TLS, from the URL and the host.
    security: Security,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("hosts", &self.config.get_hosts())
            .field("dbname", &self.config.get_dbname())
            .field("tls", &self.security.is_tls())
            .field("connections", &self.pool.state().connections)
            .finish()
    }
}

impl Postgres {
    /// Connects and runs pending migrations.
    pub(super) fn connect(url: &str) -> anyhow::Result<Self> {
        let config: postgres::Config = libpq_sslmodes(url)
            .parse()
            .with_context(|| format!("parsing the database URL {}", redact(url)))?;
        let security = Security::of(&config)?;
        // One connection first: a refusal (a password, a certificate) is reported at once and
        // with its cause, not after the pool's retries.
        drop(
            pool::open(&config, &security)
                .with_context(|| format!("connecting to {}", redact(url)))?,
        );
        // Connections are opened as needed (each costs a round of password hashing), and
        // closed after a while idle, so several servers share the database's connection limit.
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .idle_timeout(Some(Duration::from_secs(300)))
            .connection_timeout(Duration::from_secs(30))
            .build(PgManager::new(config.clone(), security.clone()))
            .with_context(|| format!("connecting to {}", redact(url)))?;
        let db = Self {
            pool,
            config,
            security,
        };
        db.migrate()
            .with_context(|| format!("migrating the database {}", redact(url)))?;
        Ok(db)
    }

    fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        let client = conn.client()?;
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    BIGINT PRIMARY KEY,
                 name       TEXT NOT NULL,
                 applied_at TEXT NOT NULL
             );",
        )?;
        for &(version, name, sql) in MIGRATIONS {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let applied: bool = tx
                .query_one(
                    "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = $1)",
                    &[&version],
                )?
                .get(0);
            if !applied {
                tx.batch_execute(sql)
                    .with_context(|| format!("migration {version:04}_{name}"))?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    &[&version, &name, &chrono::Utc::now().to_rfc3339()],
                )?;
                tracing::info!(version, name, "applied migration");
            }
            tx.commit()?;
        }
        Ok(())
    }

    /// Runs `f`, which only reads, outside a transaction: at `READ COMMITTED` a transaction
    /// would give its statements no more consistency (each sees what was committed when it
    /// started), and saves `f` the `BEGIN` and `ROLLBACK` round trips.
    pub(super) fn read_blocking<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Conn<'_>) -> Result<T>,
    {
        let mut conn = self.pool.get().map_err(|e| Error::Database(Box::new(e)))?;
        let (client, statements) = conn.parts()?;
        let mut session = Prepared { client, statements };
        f(&Conn::postgres(&mut session as &mut dyn PgTransaction))
    }

    /// Runs `f` in one transaction; commits when it returns `Ok`.
    pub(super) fn write_blocking<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Conn<'_>) -> Result<T>,
    {
        let mut conn = self.pool.get().map_err(|e| Error::Database(Box::new(e)))?;
        let (client, statements) = conn.parts()?;
        let mut tx = client.transaction().map_err(database)?;
        let out = {
            let mut session = Prepared {
                client: &mut tx,
                statements,
            };
            f(&Conn::postgres(&mut session as &mut dyn PgTransaction))?
        };
        tx.commit().map_err(database)?;
        Ok(out)
    }
}

/// A client or an open transaction running each query through the statements prepared on its
/// connection ([`pool::Statements`]), preparing it there the first time.
struct Prepared<'a, C: postgres::GenericClient> {
    client: &'a mut C,
    statements: &'a mut pool::Statements,
}

impl<C: postgres::GenericClient> Prepared<'_, C> {
    fn statement(
        &mut self,
        sql: &str,
    ) -> std::result::Result<postgres::Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl<C: postgres::GenericClient> PgTransaction for Prepared<'_, C> {
    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> std::result::Result<Vec<postgres::Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.query(&statement, params)
    }

    fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> std::result::Result<u64, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.execute(&statement, params)
    }

    fn batch_execute(&mut self, sql: &str) -> std::result::Result<(), postgres::Error> {
        self.client.batch_execute(sql)
    }
}

fn database(e: postgres::Error) -> Error {
    super::sql::QueryError::from(e).into()
}

/// `url` with libpq's `sslmode=verify-full` and `verify-ca` as `require`, which here always checks
/// the certificate and the host name (the client library knows only disable, prefer, require).
fn libpq_sslmodes(url: &str) -> String {
    url.replace("sslmode=verify-full", "sslmode=require")
        .replace("sslmode=verify-ca", "sslmode=require")
}

/// `url` with its password replaced by `***`, for messages and logs.
///
/// ```
/// use renderiq_server::store::redact_url;
/// assert_eq!(redact_url("postgres://rq:pw@db/x"), "postgres://rq:***@db/x");
/// ```
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        // Not a URL (a `key=value` string): show only which keys it has.
        Err(_) => url
            .split_whitespace()
            .map(|kv| match kv.split_once('=') {
                Some(("password", _)) => "password=***".to_owned(),
                _ => kv.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_verify_modes_mean_verified_tls() {
        for url in [
            "postgres://rq@db.example/x?sslmode=verify-full",
            "postgres://rq@db.example/x?sslmode=verify-ca",
        ] {
            let config: postgres::Config = libpq_sslmodes(url).parse().unwrap();
            assert_eq!(config.get_ssl_mode(), postgres::config::SslMode::Require);
        }
    }

    #[test]
    fn the_password_never_shows_in_a_redacted_url() {
        assert_eq!(
            redact("postgres://rq:s3cret@db.example:5432/renderiq"),
            "postgres://rq:***@db.example:5432/renderiq"
        );
        assert_eq!(
            redact("host=/run/postgresql user=rq password=s3cret dbname=x"),
            "host=/run/postgresql user=rq password=*** dbname=x"
        );
        assert_eq!(redact("postgres://rq@h/x"), "postgres://rq@h/x");
    }
}
