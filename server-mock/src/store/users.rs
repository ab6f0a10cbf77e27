//! Users: the `users` table (accounts, password hashes, callback secrets).

use chrono::Utc;
use renderiq_sdk::types::User;
use rusqlite::{params, Connection, OptionalExtension};

use super::{credits, Error, Result, Store};

const COLUMNS: &str = "id, email, name, created_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        created_at: Some(r.get(3)?),
    })
}

/// The user with id `user_id`.
///
/// # Errors
///
/// The database failed.
pub async fn find(store: &Store, user_id: &str) -> Result<Option<User>> {
    let user_id = user_id.to_owned();
    store.read(move |conn| Ok(find_in(conn, &user_id)?)).await
}

/// The user with `email` (case-insensitive) and their password hash.
///
/// # Errors
///
/// The database failed.
pub async fn find_by_email(store: &Store, email: &str) -> Result<Option<(User, String)>> {
    let email = email.to_owned();
    store
        .read(move |conn| Ok(find_by_email_in(conn, &email)?))
        .await
}

/// The secret signing deliveries to the user's renders' own `callbackUrl`.
///
/// # Errors
///
/// The database failed.
pub async fn callback_secret(store: &Store, user_id: &str) -> Result<Option<String>> {
    let user_id = user_id.to_owned();
    store
        .read(move |conn| Ok(callback_secret_in(conn, &user_id)?))
        .await
}

/// Creates a user with `password_hash` and a fresh callback secret, and grants `credits` (when
/// positive), in one transaction. Blocking: for the admin commands.
///
/// # Errors
///
/// [`Error::Duplicate`] when the email is taken, [`Error::Overflow`], or a database failure.
pub fn create_blocking(
    store: &Store,
    email: &str,
    name: Option<&str>,
    password_hash: &str,
    credits: i64,
) -> Result<User> {
    store.write_blocking(|tx| {
        if find_by_email_in(tx, email)?.is_some() {
            return Err(Error::Duplicate(format!("a user with email {email}")));
        }
        let user = insert_in(tx, email, name, password_hash)?;
        if credits > 0 {
            credits::grant_in(tx, &user.id, credits, "initial grant")?;
        }
        Ok(user)
    })
}

pub(super) fn find_in(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
        [user_id],
        from_row,
    )
    .optional()
}

pub(super) fn find_by_email_in(
    conn: &Connection,
    email: &str,
) -> rusqlite::Result<Option<(User, String)>> {
    conn.query_row(
        &format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = ?1"),
        [email],
        |r| Ok((from_row(r)?, r.get(4)?)),
    )
    .optional()
}

pub(super) fn callback_secret_in(
    conn: &Connection,
    user_id: &str,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT callback_secret FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )
    .optional()
}

fn insert_in(
    conn: &Connection,
    email: &str,
    name: Option<&str>,
    password_hash: &str,
) -> rusqlite::Result<User> {
    let created_at = Utc::now();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_owned(),
        name: name.map(str::to_owned),
        created_at: Some(created_at),
    };
    conn.execute(
        "INSERT INTO users (id, email, name, password_hash, callback_secret, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.id,
            user.email,
            user.name,
            password_hash,
            renderiq_sdk::webhooks::generate_secret(),
            created_at
        ],
    )?;
    Ok(user)
}
