//! The r2d2 connection manager for one SQLite file: opens a connection and sets its pragmas
//! before the pool hands it out, and has it report the render rows it changes to the
//! [`RenderMemo`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

use super::Durability;
use crate::store::RenderMemo;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

/// Opens connections on one SQLite file, each in WAL mode with the busy timeout, the chosen
/// `synchronous` level and foreign keys on.
#[derive(Debug)]
pub(super) struct SqliteManager {
    path: PathBuf,
    busy_timeout: Duration,
    durability: Durability,
    memo: Arc<RenderMemo>,
}

impl SqliteManager {
    /// A manager for the file at `path` (created by the first connection if missing) whose
    /// connections report their changes of render rows to `memo`.
    pub(super) fn new(
        path: PathBuf,
        busy_timeout: Duration,
        durability: Durability,
        memo: Arc<RenderMemo>,
    ) -> Self {
        Self {
            path,
            busy_timeout,
            durability,
            memo,
        }
    }
}

impl r2d2::ManageConnection for SqliteManager {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        let mut conn = Connection::open(&self.path)?;
        let memo = Arc::clone(&self.memo);
        conn.update_hook(Some(move |_, _: &str, table: &str, rowid| {
            memo.row_changed(table, rowid);
        }))?;
        conn.busy_timeout(self.busy_timeout)?;
        // The server runs about 80 distinct statements; rusqlite keeps 16 prepared by default,
        // so the less frequent ones pushed the hot reads out and they were parsed again.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {};
             PRAGMA foreign_keys = ON;",
            self.durability.pragma()
        ))?;
        Ok(conn)
    }

    /// A cheap round trip, for a caller that asks the pool to check a connection (the pool is
    /// built with `test_on_check_out(false)`: a connection to a local file does not go stale).
    fn is_valid(&self, conn: &mut Connection) -> Result<(), rusqlite::Error> {
        conn.execute_batch("SELECT 1;")
    }

    fn has_broken(&self, _conn: &mut Connection) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use r2d2::ManageConnection as _;

    use super::*;

    #[test]
    fn every_connection_is_opened_with_the_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let manager = SqliteManager::new(
            dir.path().join("x.db"),
            Duration::from_millis(1234),
            Durability::Full,
            Arc::default(),
        );
        // Two connections: the settings are per connection, not left over in the file.
        for _ in 0..2 {
            let mut conn = manager.connect().unwrap();
            let pragma = |name: &str| -> String {
                conn.query_row(&format!("PRAGMA {name}"), [], |r| {
                    r.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| format!("{v:?}"))
                .unwrap()
            };
            assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
            // The bundled SQLite already defaults to 1; the pragma keeps it so on any build.
            assert_eq!(pragma("foreign_keys"), "Integer(1)");
            assert_eq!(pragma("synchronous"), "Integer(2)", "FULL");
            assert_eq!(pragma("busy_timeout"), "Integer(1234)");
            manager.is_valid(&mut conn).unwrap();
        }
    }
}
