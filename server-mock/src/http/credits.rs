//! `/credits`: balance and ledger. Owns the `user_credits` and `credit_transactions` tables.
//!
//! Every change of a balance goes through [`grant`], [`spend`] or [`refund`], which update the
//! balance and append a ledger entry carrying the balance after it, in the caller's transaction.
//! So the ledger always sums to the balance; a render is spent once and refunded at most once
//! (a unique index enforces it).

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use renderiq_sdk::types::{CreditTransaction, Credits, ErrorBody, Page, TransactionType};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiQuery, Auth, ReadCredits};
use super::{new_id, ok, page_bounds, page_offset, page_total, ApiError, ApiResult, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/credits", get(get_credits))
        .route("/credits/transactions", get(list_transactions))
}

/// `?page=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Page size (default 20, at most 100).
    pub limit: Option<u32>,
}

/// The caller's balance, credits ever granted and credits spent net of refunds.
#[utoipa::path(
    get, path = "/api/plugins/credits", tag = "credits",
    security(("bearer" = []), ("apiKey" = ["credits:read"])),
    responses(
        (status = 200, description = "Balance", body = renderiq_sdk::types::Envelope<Credits>),
        (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorBody),
    )
)]
pub async fn get_credits(
    State(state): State<AppState>,
    auth: Auth<ReadCredits>,
) -> ApiResult<Credits> {
    let user_id = auth.user_id.clone();
    ok(state
        .db
        .read(move |conn| balance(conn, &user_id).map_err(ApiError::from))
        .await?)
}

/// The caller's ledger, newest first.
#[utoipa::path(
    get, path = "/api/plugins/credits/transactions", tag = "credits",
    security(("bearer" = []), ("apiKey" = ["credits:read"])),
    params(PageQuery),
    responses(
        (status = 200, description = "Ledger page", body = renderiq_sdk::types::Envelope<Page<CreditTransaction>>),
        (status = 400, description = "INVALID_INPUT", body = ErrorBody),
    )
)]
pub async fn list_transactions(
    State(state): State<AppState>,
    auth: Auth<ReadCredits>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Page<CreditTransaction>> {
    let (page, limit) = page_bounds(query.page, query.limit)?;
    let user_id = auth.user_id.clone();
    let page = state
        .db
        .read(move |conn| {
            let count: i64 = conn.query_row(
                "SELECT COUNT(*) FROM credit_transactions WHERE user_id = ?1",
                [&user_id],
                |r| r.get(0),
            )?;
            let mut stmt = conn.prepare(
                "SELECT id, amount, type, reference_id, description, balance_after, created_at
                 FROM credit_transactions WHERE user_id = ?1
                 ORDER BY rowid DESC LIMIT ?2 OFFSET ?3",
            )?;
            let offset = page_offset(page, limit);
            let items = stmt
                .query_map(params![user_id, limit, offset], |r| {
                    Ok(CreditTransaction {
                        id: r.get(0)?,
                        amount: r.get(1)?,
                        kind: parse_kind(&r.get::<_, String>(2)?),
                        reference_id: r.get(3)?,
                        description: r.get(4)?,
                        balance_after: r.get(5)?,
                        created_at: r.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let has_more = offset.saturating_add(items.len() as i64) < count;
            let total = page_total(count);
            Ok::<_, ApiError>(Page {
                items,
                page,
                limit,
                total,
                has_more,
            })
        })
        .await?;
    ok(page)
}

fn parse_kind(s: &str) -> TransactionType {
    match s {
        "grant" => TransactionType::Grant,
        "refund" => TransactionType::Refund,
        _ => TransactionType::Spend,
    }
}

/// The user's balance (zero when nothing was ever granted).
pub(crate) fn balance(conn: &Connection, user_id: &str) -> rusqlite::Result<Credits> {
    Ok(conn
        .query_row(
            "SELECT balance, total_earned, total_spent FROM user_credits WHERE user_id = ?1",
            [user_id],
            |r| {
                Ok(Credits {
                    balance: r.get(0)?,
                    total_earned: r.get(1)?,
                    total_spent: r.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or(Credits {
            balance: 0,
            total_earned: 0,
            total_spent: 0,
        }))
}

fn ensure_row(conn: &Connection, user_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO user_credits (user_id) VALUES (?1)",
        [user_id],
    )?;
    Ok(())
}

fn append(
    conn: &Connection,
    user_id: &str,
    amount: i64,
    kind: &str,
    reference_id: Option<&str>,
    description: &str,
) -> rusqlite::Result<i64> {
    let balance_after: i64 = conn.query_row(
        "SELECT balance FROM user_credits WHERE user_id = ?1",
        [user_id],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO credit_transactions
             (id, user_id, amount, type, reference_id, description, balance_after, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
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

/// Adds `amount` credits; returns the new balance.
///
/// # Errors
///
/// A database failure, or a grant that would take the balance (or the credits ever granted)
/// past what an `i64` holds: SQLite would silently turn the sum into a float.
pub(crate) fn grant(
    conn: &Connection,
    user_id: &str,
    amount: i64,
    description: &str,
) -> anyhow::Result<i64> {
    ensure_row(conn, user_id)?;
    let before = balance(conn, user_id)?;
    if before.balance.checked_add(amount).is_none()
        || before.total_earned.checked_add(amount).is_none()
    {
        anyhow::bail!(
            "granting {amount} credits would overflow the balance of {}; grant less",
            before.balance
        );
    }
    conn.execute(
        "UPDATE user_credits SET balance = balance + ?1, total_earned = total_earned + ?1 WHERE user_id = ?2",
        params![amount, user_id],
    )?;
    Ok(append(conn, user_id, amount, "grant", None, description)?)
}

/// Takes `amount` credits for `render_id`; `Err(INSUFFICIENT_CREDITS)` when the balance is short.
pub(crate) fn spend(
    conn: &Connection,
    user_id: &str,
    amount: i64,
    render_id: &str,
) -> Result<i64, ApiError> {
    ensure_row(conn, user_id)?;
    let changed = conn.execute(
        "UPDATE user_credits SET balance = balance - ?1, total_spent = total_spent + ?1
         WHERE user_id = ?2 AND balance >= ?1",
        params![amount, user_id],
    )?;
    if changed == 0 {
        let available = balance(conn, user_id)?.balance;
        return Err(ApiError::InsufficientCredits {
            required: amount,
            available,
        });
    }
    Ok(append(
        conn,
        user_id,
        -amount,
        "spend",
        Some(render_id),
        "render",
    )?)
}

/// Returns `amount` credits for `render_id` (failed or cancelled).
pub(crate) fn refund(
    conn: &Connection,
    user_id: &str,
    amount: i64,
    render_id: &str,
    description: &str,
) -> rusqlite::Result<i64> {
    ensure_row(conn, user_id)?;
    conn.execute(
        "UPDATE user_credits SET balance = balance + ?1, total_spent = total_spent - ?1 WHERE user_id = ?2",
        params![amount, user_id],
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
