//! Sessions: the `refresh_tokens` table. Every token produced by rotating one sign-in shares a
//! family; reuse of a rotated token revokes the family whole.

use super::sql::{args, Conn};
use super::{new_id, users, Error, Result, Store};
use chrono::{DateTime, Duration, Utc};
use renderiq_sdk::types::User;

/// Starts a session: a refresh token (stored as `token_hash`) in a new family.
///
/// # Errors
///
/// The database failed.
pub async fn start(
    store: &Store,
    user_id: &str,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let (user_id, hash) = (user_id.to_owned(), token_hash.to_owned());
    store
        .write(move |tx| {
            insert_in(tx, &user_id, &new_id("fam"), &hash, now, expires_at)?;
            Ok(())
        })
        .await
}

/// One rotation of a refresh token (`POST /auth/refresh`).
#[derive(Debug)]
pub struct Rotation {
    /// SHA-256 (hex) of the token presented.
    pub token_hash: String,
    /// SHA-256 (hex) of its successor.
    pub successor_hash: String,
    /// The successor sealed for the grace window, `None` when there is no window.
    pub successor_sealed: Option<Vec<u8>>,
    /// The grace window: a rotated token presented again within it gets the same successor.
    pub grace: Duration,
    /// Now, on the server's clock.
    pub now: DateTime<Utc>,
    /// When the successor expires.
    pub expires_at: DateTime<Utc>,
}

/// What a rotation found.
#[derive(Debug)]
pub enum Rotated {
    /// The token was valid: its successor (the one of the [`Rotation`]) is stored.
    Rotated(User),
    /// The token was rotated within the grace window: the successor it got then, opened.
    Replayed(User, String),
    /// No such token.
    Unknown,
    /// The token's family was revoked.
    Revoked,
    /// A rotated token presented again out of the grace window: its family is now revoked.
    Reused,
    /// The token expired.
    Expired,
}

/// Rotates a refresh token in one transaction: erases the successors whose grace window has
/// passed, then records the token as used with its successor, or finds the successor it got
/// within the grace window (`open` unseals it), or revokes the family of a reused token. The
/// outcomes other than a rotation commit too (a revocation must stand).
///
/// # Errors
///
/// [`Error::NotFound`]`("user")` when the token's user no longer exists (nothing is changed), or
/// a database failure.
pub async fn rotate<F>(store: &Store, rotation: Rotation, open: F) -> Result<Rotated>
where
    F: FnOnce(&[u8]) -> Option<String> + Send + 'static,
{
    store
        .write(move |tx| {
            let Rotation {
                token_hash: hash,
                successor_hash,
                successor_sealed,
                grace,
                now,
                expires_at,
            } = rotation;
            // Successors sealed for a window that has passed are of no more use: erase them.
            if let Some(cutoff) = now.checked_sub_signed(grace) {
                tx.execute(
                    "UPDATE refresh_tokens SET successor_sealed = NULL
                     WHERE successor_sealed IS NOT NULL AND used_at < ?1",
                    args![cutoff],
                )?;
            }
            // Locked until the end: two servers rotating one token must not both see it unused.
            let row = tx
                .query_opt(
                    &format!(
                        "SELECT user_id, family_id, expires_at, used_at, revoked_at, successor_sealed
                         FROM refresh_tokens WHERE token_hash = ?1{}",
                        tx.for_update()
                    ),
                    args![hash],
                )?
                .map(|r| -> Result<_> {
                    Ok((
                        r.get::<String>(0)?,
                        r.get::<String>(1)?,
                        r.get::<DateTime<Utc>>(2)?,
                        r.get::<Option<DateTime<Utc>>>(3)?,
                        r.get::<Option<DateTime<Utc>>>(4)?,
                        r.get::<Option<Vec<u8>>>(5)?,
                    ))
                })
                .transpose()?;
            let Some((user_id, family, expires_at_old, used_at, revoked_at, sealed)) = row else {
                return Ok(Rotated::Unknown);
            };
            if revoked_at.is_some() {
                return Ok(Rotated::Revoked);
            }
            if let Some(used_at) = used_at {
                // Presented again within the grace window: the same successor, so that two
                // processes sharing one session both end up with the token that stays valid.
                let successor = sealed
                    .filter(|_| now - used_at <= grace)
                    .and_then(|sealed| open(&sealed));
                if let Some(successor) = successor {
                    let user = users::find_in(tx, &user_id)?.ok_or(Error::NotFound("user"))?;
                    return Ok(Rotated::Replayed(user, successor));
                }
                // Reuse of a rotated token: whoever holds the family is suspect, end it.
                revoke_family_in(tx, &family, now)?;
                tracing::warn!(%user_id, "refresh token reused; token family revoked");
                return Ok(Rotated::Reused);
            }
            if expires_at_old <= now {
                return Ok(Rotated::Expired);
            }
            tx.execute(
                "UPDATE refresh_tokens SET used_at = ?1, successor_sealed = ?2 WHERE token_hash = ?3",
                args![now, successor_sealed, hash],
            )?;
            insert_in(tx, &user_id, &family, &successor_hash, now, expires_at)?;
            let user = users::find_in(tx, &user_id)?.ok_or(Error::NotFound("user"))?;
            Ok(Rotated::Rotated(user))
        })
        .await
}

/// Ends the session of the refresh token stored as `token_hash` (its whole family); nothing
/// for an unknown token.
///
/// # Errors
///
/// The database failed.
pub async fn end(store: &Store, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
    let hash = token_hash.to_owned();
    store
        .write(move |tx| {
            let family: Option<String> = tx
                .query_opt(
                    "SELECT family_id FROM refresh_tokens WHERE token_hash = ?1",
                    args![hash],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            if let Some(family) = family {
                revoke_family_in(tx, &family, now)?;
            }
            Ok(())
        })
        .await
}

fn insert_in(
    conn: &Conn<'_>,
    user_id: &str,
    family: &str,
    hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![new_id("rt"), user_id, family, hash, now, expires_at],
    )?;
    Ok(())
}

fn revoke_family_in(conn: &Conn<'_>, family: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE refresh_tokens SET revoked_at = ?1, successor_sealed = NULL
         WHERE family_id = ?2 AND revoked_at IS NULL",
        args![now, family],
    )?;
    Ok(())
}
