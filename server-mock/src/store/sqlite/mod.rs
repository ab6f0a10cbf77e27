//! The SQLite backend: connection pool, pragmas, migrations, and the async bridge.
//!
//! Every connection runs in WAL mode with a busy timeout, so the `user add` and `credits grant`
//! commands can write to the same file while `serve` runs on it. Blocking SQLite work runs on
//! tokio's blocking pool ([`Store::read`], [`Store::write`]). Writes from this process are
//! serialised by a mutex before `BEGIN IMMEDIATE`, so concurrent requests queue in-process instead
//! of spinning in SQLite's busy handler; other processes are handled by the busy timeout. A writer
//! takes that mutex *before* it takes a pooled connection: queued writers hold no connection, so
//! reads are answered however many writers wait.
//!
//! Durability: `PRAGMA synchronous = FULL` (with WAL), so a committed transaction (a credit
//! charge, a refund) survives a power loss; with `NORMAL` the last commits before the loss may be
//! rolled back. [`Durability::Normal`] exists only to measure that choice (`benches/`).
//!
//! Migrations: the files of `migrations/sqlite/` (`NNNN_name.sql`), each applied once in its own
//! `BEGIN IMMEDIATE` transaction and recorded in `schema_migrations` (version, name, applied_at).
//! This is the table and the numbering the server has always used, so every database it ever
//! created opens as it is. A migration library was weighed and not taken: `refinery` 0.10.1 (the
//! newest) and `rusqlite_migration` 2.6 both pin rusqlite at 0.41 or older, and this crate is on
//! 0.43 (two versions of rusqlite cannot link one SQLite).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{Connection, TransactionBehavior};

mod pool;

use pool::SqliteManager;

use super::sql::Conn;
use super::{Error, RenderMemo, Result};
use crate::poison::lock;

/// Migrations, in order; each runs once, in its own transaction. Never edit a released one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "webhook_outbox",
        include_str!("../../../migrations/sqlite/0002_webhook_outbox.sql"),
    ),
    (
        3,
        "refresh_grace",
        include_str!("../../../migrations/sqlite/0003_refresh_grace.sql"),
    ),
    (
        4,
        "email_lower",
        include_str!("../../../migrations/sqlite/0004_email_lower.sql"),
    ),
    (
        5,
        "render_leases",
        include_str!("../../../migrations/sqlite/0005_render_leases.sql"),
    ),
    (
        6,
        "rate_limits",
        include_str!("../../../migrations/sqlite/0006_rate_limits.sql"),
    ),
    (
        7,
        "dashboard",
        include_str!("../../../migrations/sqlite/0007_dashboard.sql"),
    ),
];

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in the pool.
const POOL_SIZE: u32 = 16;

/// What a commit waits for (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `FULL`: a commit returns once the WAL is synced; nothing committed is lost on power
    /// loss. What the server uses.
    #[default]
    Full,
    /// `NORMAL`: the WAL is synced at checkpoints only; a power loss can undo the last commits.
    /// For measurements only.
    Normal,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// The pool of connections to one SQLite file.
#[derive(Clone)]
pub(super) struct Sqlite {
    pool: r2d2::Pool<SqliteManager>,
    write_lock: Arc<Mutex<()>>,
    /// Render answers kept until their rows change; told of every write's changes.
    pub(super) memo: Arc<RenderMemo>,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite")
            .field("connections", &self.pool.state().connections)
            .finish()
    }
}

impl Sqlite {
    /// Opens (creating if needed) the SQLite file and runs pending migrations.
    pub(super) fn open(path: &Path, durability: Durability) -> anyhow::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        // It holds the JWT key and the webhook secrets: readable by the server's user only.
        crate::private_fs::touch(path)
            .with_context(|| format!("creating {} (mode 0600)", path.display()))?;
        let memo = Arc::new(RenderMemo::default());
        let manager =
            SqliteManager::new(path.to_path_buf(), BUSY_TIMEOUT, durability, memo.clone());
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .connection_timeout(Duration::from_secs(30))
            // A connection to a local file does not go stale; r2d2's default `SELECT 1` on
            // every checkout was a statement more on every query.
            .test_on_check_out(false)
            .build(manager)
            .with_context(|| format!("opening database {}", path.display()))?;
        let db = Self {
            pool,
            write_lock: Arc::new(Mutex::new(())),
            memo,
        };
        let mut conn = db.pool.get()?;
        migrate(&mut conn).with_context(|| format!("migrating database {}", path.display()))?;
        // Nothing is kept yet; the rows the migrations touched need no report.
        db.memo.forget_all();
        Ok(db)
    }

    /// Runs `f` on a pooled connection if one is idle now; gives `f` back, not run, when every
    /// connection is busy (nothing waits, nothing is opened).
    pub(super) fn read_if_idle<T, F>(&self, f: F) -> std::result::Result<Result<T>, F>
    where
        F: FnOnce(&Conn<'_>) -> Result<T>,
    {
        match self.pool.try_get() {
            Some(conn) => Ok(f(&Conn::sqlite(&conn))),
            None => Err(f),
        }
    }

    /// Runs `f` on a pooled connection.
    pub(super) fn read_blocking<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Conn<'_>) -> Result<T>,
    {
        let conn = self.pool.get().map_err(|e| Error::Database(Box::new(e)))?;
        f(&Conn::sqlite(&conn))
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction; commits when it returns `Ok`.
    pub(super) fn write_blocking<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Conn<'_>) -> Result<T>,
    {
        // The lock first, then a connection: a writer waiting its turn holds no connection, so
        // queued writers cannot take the whole pool from the reads.
        // A poisoned lock only means another writer panicked; its transaction was rolled back.
        let _guard = lock(&self.write_lock);
        // Dropped last: the kept answers of the rows changed go when the transaction has ended.
        let _write = self.memo.write();
        let mut conn = self.pool.get().map_err(|e| Error::Database(Box::new(e)))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        let out = f(&Conn::sqlite(&tx))?;
        tx.commit().map_err(database)?;
        Ok(out)
    }
}

fn database(e: rusqlite::Error) -> Error {
    super::sql::QueryError::from(e).into()
}

fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL
         );",
    )?;
    for &(version, name, sql) in MIGRATIONS {
        // IMMEDIATE: two processes starting on one fresh file must not both apply it.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !applied {
            tx.execute_batch(sql)
                .with_context(|| format!("migration {version:04}_{name}"))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![version, name, chrono::Utc::now()],
            )?;
            tracing::info!(version, name, "applied migration");
        }
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::args;

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_journal_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("renderiq.db");
        let db = Sqlite::open(&path, Durability::Full).unwrap();
        db.write_blocking(|tx| {
            tx.execute_batch("CREATE TABLE IF NOT EXISTS t (x)")?;
            Ok(())
        })
        .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        let wal = dir.path().join("renderiq.db-wal");
        if wal.exists() {
            assert_eq!(
                mode(&wal),
                0o600,
                "SQLite gives the journal the database's mode"
            );
        }
    }

    #[test]
    fn reads_are_answered_while_more_writers_than_connections_wait() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(&dir.path().join("x.db"), Durability::Full).unwrap();
        db.write_blocking(|tx| {
            tx.execute_batch("CREATE TABLE t (x INTEGER)")?;
            Ok(())
        })
        .unwrap();
        // Hold the write lock, as a slow writer would, and queue as many writers as the pool
        // has connections (plus a few) behind it.
        let held = db.write_lock.lock().unwrap();
        let started = Arc::new(AtomicUsize::new(0));
        let writers: Vec<_> = (0..POOL_SIZE + 4)
            .map(|i| {
                let (db, started) = (db.clone(), started.clone());
                std::thread::spawn(move || {
                    started.fetch_add(1, Ordering::SeqCst);
                    db.write_blocking(|tx| {
                        tx.execute("INSERT INTO t (x) VALUES (?1)", args![i])?;
                        Ok(())
                    })
                    .unwrap();
                })
            })
            .collect();
        while started.load(Ordering::SeqCst) < writers.len() {
            std::thread::yield_now();
        }
        // Give the queued writers time to reach the lock (and, were the order wrong, to take
        // every pooled connection first).
        std::thread::sleep(Duration::from_millis(300));
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = db.clone();
        std::thread::spawn(move || {
            let n =
                reader.read_blocking(|c| c.query_value::<i64>("SELECT COUNT(*) FROM t", args![]));
            let _ = tx.send(n.map_err(|e| e.to_string()));
        });
        // The pool's own wait is 30 s: an answer well before it means the read got a connection
        // while every writer was still queued (the lock is held here all along).
        let read = rx.recv_timeout(Duration::from_secs(20));
        assert_eq!(
            read,
            Ok(Ok(0)),
            "the read starved behind the queued writers"
        );
        drop(held);
        for writer in writers {
            writer.join().unwrap();
        }
        let n: i64 = db
            .read_blocking(|c| c.query_value("SELECT COUNT(*) FROM t", args![]))
            .unwrap();
        assert_eq!(n, i64::from(POOL_SIZE + 4));
    }

    #[test]
    fn commits_are_synced_in_full() {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(&dir.path().join("x.db"), Durability::Full).unwrap();
        let level: i64 = db
            .read_blocking(|c| c.query_value("PRAGMA synchronous", args![]))
            .unwrap();
        assert_eq!(level, 2, "FULL");
    }

    #[test]
    fn migrations_run_once_on_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        drop(Sqlite::open(&path, Durability::Full).unwrap());
        let db = Sqlite::open(&path, Durability::Full).unwrap();
        let n: i64 = db
            .read_blocking(|c| c.query_value("SELECT COUNT(*) FROM schema_migrations", args![]))
            .unwrap();
        assert_eq!(n, MIGRATIONS.len() as i64);
    }

    /// A data dir of a server from before the store layer: its migration runner wrote
    /// `schema_migrations` as below and applied the three released files (never edited since;
    /// they only moved to `migrations/sqlite/`). Such a file opens as it is: nothing is applied
    /// again, its rows are read and written by the store.
    #[test]
    fn a_database_created_by_the_old_runner_opens_and_keeps_working() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("renderiq.db");
        let applied_at = "2026-01-02T03:04:05Z";
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version    INTEGER PRIMARY KEY,
                     name       TEXT NOT NULL,
                     applied_at TEXT NOT NULL
                 );",
            )
            .unwrap();
            // The three files released before the store layer.
            for &(version, name, sql) in &MIGRATIONS[..3] {
                conn.execute_batch(sql).unwrap();
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    rusqlite::params![version, name, applied_at],
                )
                .unwrap();
            }
            conn.execute_batch(
                "INSERT INTO users (id, email, name, password_hash, callback_secret, created_at)
                     VALUES ('u1', 'ada@example.com', 'Ada', 'hash', 'whsec_x', '2026-01-02T03:04:05Z');
                 INSERT INTO user_credits (user_id, balance, total_earned, total_spent)
                     VALUES ('u1', 7, 7, 0);
                 INSERT INTO credit_transactions
                     (id, user_id, amount, type, reference_id, description, balance_after, created_at)
                     VALUES ('txn_1', 'u1', 7, 'grant', NULL, 'initial grant', 7,
                             '2026-01-02T03:04:05Z');",
            )
            .unwrap();
        }

        let store = crate::store::Store::open(&path).unwrap();
        let history: Vec<(i64, String)> = store
            .read_blocking(|c| {
                c.query(
                    "SELECT version, applied_at FROM schema_migrations ORDER BY version",
                    args![],
                )?
                .iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?)))
                .collect()
            })
            .unwrap();
        assert_eq!(
            history[..3],
            [
                (1, applied_at.to_owned()),
                (2, applied_at.to_owned()),
                (3, applied_at.to_owned())
            ],
            "nothing applied again"
        );
        assert_eq!(
            history.len(),
            MIGRATIONS.len(),
            "the newer ones applied once"
        );
        let (user, _) = store
            .read_blocking(|c| crate::store::users::find_by_email_in(c, "ADA@example.com"))
            .unwrap()
            .unwrap();
        assert_eq!(user.id, "u1");
        let after =
            crate::store::credits::grant_by_email_blocking(&store, "ada@example.com", 3, "test")
                .unwrap();
        assert_eq!((after.balance, after.total_earned), (10, 10));
        let secret = store
            .read_blocking(|c| crate::store::users::callback_secret_in(c, "u1"))
            .unwrap();
        assert_eq!(secret.as_deref(), Some("whsec_x"));
    }
}
