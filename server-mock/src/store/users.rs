//! Users: the `users` table (accounts, password hashes, callback secrets).

use super::sql::{args, Conn, QueryError, Row};
use super::{credits, Error, Result, Store};
use chrono::Utc;
use renderiq_sdk::types::User;

const COLUMNS: &str = "id, email, name, created_at";

fn from_row(r: &Row) -> Result<User> {
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
    store.read(move |conn| find_in(conn, &user_id)).await
}

/// The user with `email` (case-insensitive) and their password hash.
///
/// # Errors
///
/// The database failed.
pub async fn find_by_email(store: &Store, email: &str) -> Result<Option<(User, String)>> {
    let email = email.to_owned();
    store.read(move |conn| find_by_email_in(conn, &email)).await
}

/// The secret signing deliveries to the user's renders' own `callbackUrl`.
///
/// # Errors
///
/// The database failed.
pub async fn callback_secret(store: &Store, user_id: &str) -> Result<Option<String>> {
    let user_id = user_id.to_owned();
    store
        .read(move |conn| callback_secret_in(conn, &user_id))
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
    let duplicate = || Error::Duplicate(format!("a user with email {email}"));
    store.write_blocking(|tx| {
        if find_by_email_in(tx, email)?.is_some() {
            return Err(duplicate());
        }
        // Another server may insert the same email between the check and the insert: the
        // unique index refuses the second, which is the same answer.
        let user = insert_in(tx, email, name, password_hash).map_err(|e| match e {
            e if e.unique_violation => duplicate(),
            e => e.into(),
        })?;
        if credits > 0 {
            credits::grant_in(tx, &user.id, credits, "initial grant")?;
        }
        Ok(user)
    })
}

pub(super) fn find_in(conn: &Conn<'_>, user_id: &str) -> Result<Option<User>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
        args![user_id],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// The user with `email`, compared without case (ASCII, as both engines' `lower`).
pub(super) fn find_by_email_in(conn: &Conn<'_>, email: &str) -> Result<Option<(User, String)>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS}, password_hash FROM users WHERE lower(email) = lower(?1)"),
        args![email],
    )?
    .map(|r| Ok((from_row(&r)?, r.get(4)?)))
    .transpose()
}

pub(super) fn callback_secret_in(conn: &Conn<'_>, user_id: &str) -> Result<Option<String>> {
    conn.query_opt(
        "SELECT callback_secret FROM users WHERE id = ?1",
        args![user_id],
    )?
    .map(|r| r.get(0))
    .transpose()
}

fn insert_in(
    conn: &Conn<'_>,
    email: &str,
    name: Option<&str>,
    password_hash: &str,
) -> Result<User, QueryError> {
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
        args![
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
