//! Server secrets: the `server_secrets` table (the token signing secret, the CDN link key).

use rusqlite::params;

use super::{Result, Store};

/// The secret named `name`, stored as `fresh` if there is none yet (the first start). Two
/// processes starting at once end up with the same one. Blocking: read at start-up.
///
/// # Errors
///
/// The database failed.
pub fn get_or_create_blocking(store: &Store, name: &str, fresh: &str) -> Result<String> {
    store.write_blocking(|tx| {
        tx.execute(
            "INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?1, ?2)",
            params![name, fresh],
        )?;
        Ok(tx.query_row(
            "SELECT value FROM server_secrets WHERE name = ?1",
            [name],
            |r| r.get(0),
        )?)
    })
}
