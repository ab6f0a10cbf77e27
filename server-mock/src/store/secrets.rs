//! Server secrets: the `server_secrets` table (the token signing secret, the CDN link key).

use super::sql::args;
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
            "INSERT INTO server_secrets (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO NOTHING",
            args![name, fresh],
        )?;
        tx.query_value(
            "SELECT value FROM server_secrets WHERE name = ?1",
            args![name],
        )
    })
}
