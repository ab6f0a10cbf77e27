//! The r2d2 connection manager for one SQLite file: opens a connection and sets its pragmas
//! before the pool hands it out.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::Connection;

use super::Durability;

/// Opens connections on one SQLite file, each in WAL mode with the busy timeout, the chosen
/// `synchronous` level and foreign keys on.
#[derive(Debug)]
pub(super) struct SqliteManager {
    path: PathBuf,
    busy_timeout: Duration,
    durability: Durability,
}

impl SqliteManager {
    /// A manager for the file at `path` (created by the first connection if missing).
    pub(super) fn new(path: PathBuf, busy_timeout: Duration, durability: Durability) -> Self {
        Self {
            path,
            busy_timeout,
            durability,
        }
    }
}

impl r2d2::ManageConnection for SqliteManager {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(self.busy_timeout)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {};
             PRAGMA foreign_keys = ON;",
            self.durability.pragma()
        ))?;
        Ok(conn)
    }

    /// A cheap round trip, run each time the pool hands the connection out.
    fn is_valid(&self, conn: &mut Connection) -> Result<(), rusqlite::Error> {
        conn.execute_batch("SELECT 1;")
    }

    fn has_broken(&self, _conn: &mut Connection) -> bool {
        false
    }
}
