//! Rate-limit buckets kept in the database, so that the servers sharing it share the limits: the
//! generic cell rate algorithm (GCRA) over one row per key holding its *theoretical arrival
//! time* (`tat`, µs). A limit of `burst` requests, one more every `interval`, lets a request
//! through when `max(tat, now) + interval - now <= burst × interval`, and moves `tat` there;
//! the test and the move are one `INSERT … ON CONFLICT DO UPDATE … WHERE`, atomic per key.

use super::sql::args;
use super::{Result, Store};

/// One bucket to take a request from.
#[derive(Debug, Clone)]
pub struct Take {
    /// The bucket's key (which limit, and whose).
    pub key: String,
    /// Time for one request to come back, µs.
    pub interval_us: i64,
    /// Requests let through at once.
    pub burst: i64,
}

/// Takes one request from each bucket of `takes` in order, at `now_us`, in one transaction; stops
/// at the first one that is empty and answers the µs until it lets one through (the buckets
/// before it keep their request, as with in-memory limits).
///
/// # Errors
///
/// The database failed.
pub async fn take(store: &Store, now_us: i64, takes: Vec<Take>) -> Result<Option<i64>> {
    store
        .write(move |conn| {
            for take in &takes {
                let limit = take.interval_us.saturating_mul(take.burst);
                let taken = conn.query_opt(
                    "INSERT INTO rate_limits (key, tat) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE
                       SET tat = (CASE WHEN rate_limits.tat > ?3 THEN rate_limits.tat ELSE ?3 END) + ?4
                       WHERE (CASE WHEN rate_limits.tat > ?3 THEN rate_limits.tat ELSE ?3 END) + ?4 <= ?5
                     RETURNING tat",
                    args![
                        take.key,
                        now_us.saturating_add(take.interval_us),
                        now_us,
                        take.interval_us,
                        now_us.saturating_add(limit)
                    ],
                )?;
                if taken.is_none() {
                    let tat: i64 = conn.query_value(
                        "SELECT tat FROM rate_limits WHERE key = ?1",
                        args![take.key],
                    )?;
                    let wait = tat.max(now_us) + take.interval_us - now_us - limit;
                    return Ok(Some(wait.max(1)));
                }
            }
            Ok(None)
        })
        .await
}

/// Forgets the buckets that are full again (their `tat` has passed): they hold nothing.
///
/// # Errors
///
/// The database failed.
pub async fn sweep(store: &Store, now_us: i64) -> Result<u64> {
    store
        .write(move |conn| {
            Ok(conn.execute("DELETE FROM rate_limits WHERE tat < ?1", args![now_us])?)
        })
        .await
}
