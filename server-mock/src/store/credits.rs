//! Credits: the `user_credits` balances and the `credit_transactions` ledger.
//!
//! Every change of a balance goes through one grant, spend or refund function of this module,
//! which updates the balance and appends a ledger entry carrying the balance after it, in the
//! transaction of the store operation calling it. So the ledger always sums to the balance; a
//! render is spent once and refunded at most once (a unique index enforces it).

use super::sql::{args, Conn};
use super::{new_id, page_of, page_offset, users, Error, Result, Store};
use chrono::Utc;
use renderiq_sdk::types::{CreditTransaction, Credits, Page, TransactionType};

/// The user's balance (zero when nothing was ever granted).
///
/// # Errors
///
/// The database failed.
pub async fn balance(store: &Store, user_id: &str) -> Result<Credits> {
    let user_id = user_id.to_owned();
    store.read(move |conn| balance_in(conn, &user_id)).await
}

/// Page `page` (from 1) of `limit` entries of the user's ledger, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn transactions(
    store: &Store,
    user_id: &str,
    page: u32,
    limit: u32,
) -> Result<Page<CreditTransaction>> {
    let user_id = user_id.to_owned();
    store
        .read(move |conn| {
            let count: i64 = conn.query_value(
                "SELECT COUNT(*) FROM credit_transactions WHERE user_id = ?1",
                args![user_id],
            )?;
            let offset = page_offset(page, limit);
            let items = conn
                .query(
                    "SELECT id, amount, type, reference_id, description, balance_after, created_at
                     FROM credit_transactions WHERE user_id = ?1
                     ORDER BY rowid DESC LIMIT ?2 OFFSET ?3",
                    args![user_id, limit, offset],
                )?
                .iter()
                .map(|r| {
                    Ok(CreditTransaction {
                        id: r.get(0)?,
                        amount: r.get(1)?,
                        kind: parse_kind(&r.get::<String>(2)?),
                        reference_id: r.get(3)?,
                        description: r.get(4)?,
                        balance_after: r.get(5)?,
                        created_at: r.get(6)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(page_of(items, page, limit, offset, count))
        })
        .await
}

/// Grants `amount` credits to the user with `email`, for the admin command; returns the balance
/// after. Blocking: for callers off the async runtime.
///
/// # Errors
///
/// [`Error::NotFound`] for an unknown email, [`Error::Overflow`] for a grant the balance cannot
/// hold, or a database failure.
pub fn grant_by_email_blocking(
    store: &Store,
    email: &str,
    amount: i64,
    description: &str,
) -> Result<Credits> {
    store.write_blocking(|tx| {
        let Some((user, _)) = users::find_by_email_in(tx, email)? else {
            return Err(Error::NotFound("user"));
        };
        grant_in(tx, &user.id, amount, description)?;
        balance_in(tx, &user.id)
    })
}

fn parse_kind(s: &str) -> TransactionType {
    match s {
        "grant" => TransactionType::Grant,
        "refund" => TransactionType::Refund,
        _ => TransactionType::Spend,
    }
}

pub(super) fn balance_in(conn: &Conn<'_>, user_id: &str) -> Result<Credits> {
    Ok(conn
        .query_opt(
            "SELECT balance, total_earned, total_spent FROM user_credits WHERE user_id = ?1",
            args![user_id],
        )?
        .map(|r| -> Result<_> {
            Ok(Credits {
                balance: r.get(0)?,
                total_earned: r.get(1)?,
                total_spent: r.get(2)?,
            })
        })
        .transpose()?
        .unwrap_or(Credits {
            balance: 0,
            total_earned: 0,
            total_spent: 0,
        }))
}

fn ensure_row(conn: &Conn<'_>, user_id: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO user_credits (user_id) VALUES (?1) ON CONFLICT (user_id) DO NOTHING",
        args![user_id],
    )?;
    Ok(())
}

fn append(
    conn: &Conn<'_>,
    user_id: &str,
    amount: i64,
    kind: &str,
    reference_id: Option<&str>,
    description: &str,
) -> Result<i64> {
    let balance_after: i64 = conn.query_value(
        "SELECT balance FROM user_credits WHERE user_id = ?1",
        args![user_id],
    )?;
    conn.execute(
        "INSERT INTO credit_transactions
             (id, user_id, amount, type, reference_id, description, balance_after, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![
            new_id("txn"),
            user_id,
            amount,
            kind,
            reference_id,
            description,
            balance_after,
            Utc::now()
        ],
    )?;
    Ok(balance_after)
}

/// Adds `amount` credits in the caller's transaction; returns the new balance.
///
/// [`Error::Overflow`] for a grant that would take the balance (or the credits ever granted)
/// past what an `i64` holds: SQLite would silently turn the sum into a float.
pub(super) fn grant_in(
    conn: &Conn<'_>,
    user_id: &str,
    amount: i64,
    description: &str,
) -> Result<i64> {
    ensure_row(conn, user_id)?;
    let before = balance_in(conn, user_id)?;
    if before.balance.checked_add(amount).is_none()
        || before.total_earned.checked_add(amount).is_none()
    {
        return Err(Error::Overflow(format!(
            "granting {amount} credits would overflow the balance of {}; grant less",
            before.balance
        )));
    }
    conn.execute(
        "UPDATE user_credits SET balance = balance + ?1, total_earned = total_earned + ?1 WHERE user_id = ?2",
        args![amount, user_id],
    )?;
    append(conn, user_id, amount, "grant", None, description)
}

/// Takes `amount` credits for `render_id` in the caller's transaction;
/// [`Error::InsufficientCredits`] when the balance is short.
pub(super) fn spend_in(
    conn: &Conn<'_>,
    user_id: &str,
    amount: i64,
    render_id: &str,
) -> Result<i64> {
    ensure_row(conn, user_id)?;
    let changed = conn.execute(
        "UPDATE user_credits SET balance = balance - ?1, total_spent = total_spent + ?1
         WHERE user_id = ?2 AND balance >= ?1",
        args![amount, user_id],
    )?;
    if changed == 0 {
        let available = balance_in(conn, user_id)?.balance;
        return Err(Error::InsufficientCredits {
            required: amount,
            available,
        });
    }
    append(conn, user_id, -amount, "spend", Some(render_id), "render")
}

/// Returns `amount` credits for `render_id` (failed or cancelled) in the caller's transaction.
pub(super) fn refund_in(
    conn: &Conn<'_>,
    user_id: &str,
    amount: i64,
    render_id: &str,
    description: &str,
) -> Result<i64> {
    ensure_row(conn, user_id)?;
    conn.execute(
        "UPDATE user_credits SET balance = balance + ?1, total_spent = total_spent - ?1 WHERE user_id = ?2",
        args![amount, user_id],
    )?;
    append(
        conn,
        user_id,
        amount,
        "refund",
        Some(render_id),
        description,
    )
}
