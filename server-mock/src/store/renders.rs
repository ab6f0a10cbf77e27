//! Renders: the `renders` table, with the state changes the workers make and the files the
//! retention sweep forgets.
//!
//! A render is created by [`create_charged`]: in one `BEGIN IMMEDIATE` transaction it replays or
//! refuses a used idempotency key, checks the project, checks and deducts the credits, checks
//! the pending limit, writes the ledger entry and the render row, and stores the idempotent
//! answer. It ends by [`complete`], [`fail`] (with the refund) or [`cancel`] (with the refund),
//! each queueing its webhook deliveries in the same transaction.

use super::sql::{args, Conn, Row};
use chrono::{DateTime, Utc};
use renderiq_sdk::types::{events, Page, Platform, Quality, RenderStatus};

use super::idempotency::{self, Answer, Key};
use super::outbox::{self, EventBody};
use super::{credits, page_of, page_offset, projects, Error, Result, Store};

/// The columns a [`RenderRow`] is read from, as a literal for `concat!`.
macro_rules! columns {
    () => {
        "id, user_id, project_id, status, progress, prompt, style, quality, aspect_ratio, \
         credits_cost, input_path, output_path, error, callback_url, platform, created_at, \
         updated_at, completed_at"
    };
}
pub(super) const COLUMNS: &str = columns!();

/// A `renders` row.
#[derive(Debug, Clone)]
pub struct RenderRow {
    /// `rnd_…`.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// The project, if any.
    pub project_id: Option<String>,
    /// The state.
    pub status: RenderStatus,
    /// 0 to 100.
    pub progress: u8,
    /// The prompt.
    pub prompt: Option<String>,
    /// The style.
    pub style: String,
    /// The quality (which sets the cost).
    pub quality: Quality,
    /// The aspect ratio.
    pub aspect_ratio: String,
    /// Credits charged.
    pub credits_cost: i64,
    /// Relative storage path of the upload; `''` once deleted (`retention`).
    pub input_path: String,
    /// Relative storage path of the output; `NULL` until completed and once swept.
    pub output_path: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The render's own webhook target.
    pub callback_url: Option<String>,
    /// The host app it came from.
    pub platform: Platform,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Ended (completed, failed or cancelled).
    pub completed_at: Option<DateTime<Utc>>,
}

impl RenderRow {
    pub(super) fn from_row(r: &Row) -> Result<Self> {
        let status: String = r.get(3)?;
        Ok(Self {
            id: r.get(0)?,
            user_id: r.get(1)?,
            project_id: r.get(2)?,
            status: status
                .parse()
                .map_err(|e: String| Error::Database(format!("column 3: {e}").into()))?,
            progress: r.get::<i64>(4)?.clamp(0, 100) as u8,
            prompt: r.get(5)?,
            style: r.get(6)?,
            quality: r.get::<String>(7)?.parse().unwrap_or_default(),
            aspect_ratio: r.get(8)?,
            credits_cost: r.get(9)?,
            input_path: r.get(10)?,
            output_path: r.get(11)?,
            error: r.get(12)?,
            callback_url: r.get(13)?,
            platform: r.get::<String>(14)?.parse().unwrap_or_default(),
            created_at: r.get(15)?,
            updated_at: r.get(16)?,
            completed_at: r.get(17)?,
        })
    }
}

/// A render to create (pending), charged `quality.credit_cost()`.
#[derive(Debug, Clone)]
pub struct NewRender {
    /// Its id (its upload is already stored under it).
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// A project of the owner; [`Error::NotFound`]`("project")` otherwise.
    pub project_id: Option<String>,
    /// The prompt.
    pub prompt: Option<String>,
    /// The style.
    pub style: String,
    /// The quality.
    pub quality: Quality,
    /// The aspect ratio.
    pub aspect_ratio: String,
    /// Relative storage path of the upload.
    pub input_path: String,
    /// The render's own webhook target.
    pub callback_url: Option<String>,
    /// The host app it came from.
    pub platform: Platform,
    /// The telemetry headers, as a JSON document.
    pub metadata: String,
}

/// What [`create_charged`] did.
#[derive(Debug)]
pub enum Created {
    /// The render was created and charged; the answer is stored under the idempotency key.
    Created(Answer),
    /// The idempotency key was used before with the same request: its answer, nothing charged.
    Replayed(Answer),
}

/// Creates a render and charges it, in one transaction: the stored answer of a repeated
/// idempotency key is returned instead (nothing charged); otherwise the project is checked, the
/// credits are deducted (with the ledger entry), the pending limit `max_pending` (0: none) is
/// checked, the row is written, and `answer` (given the new row) is stored under the key.
///
/// # Errors
///
/// [`Error::IdempotencyConflict`], [`Error::NotFound`]`("project")`,
/// [`Error::InsufficientCredits`], [`Error::PendingLimit`] (checked after the charge, so a user
/// who cannot pay hears that first; the charge is rolled back), or a database failure. Nothing
/// is written on any error.
pub async fn create_charged<F>(
    store: &Store,
    render: NewRender,
    key: Option<Key>,
    max_pending: u32,
    answer: F,
) -> Result<Created>
where
    F: FnOnce(RenderRow) -> Result<Answer> + Send + 'static,
{
    store
        .write(move |tx| {
            let user_id = render.user_id.as_str();
            // Idempotency key, balance and pending count are read, then written: one creation
            // per user at a time, across servers too.
            tx.lock_user(user_id)?;
            if let Some(key) = &key {
                if let Some(stored) = idempotency::lookup_in(tx, user_id, key)? {
                    return Ok(Created::Replayed(stored));
                }
            }
            if let Some(project) = &render.project_id {
                if !projects::belongs_to_in(tx, project, user_id)? {
                    return Err(Error::NotFound("project"));
                }
            }
            credits::spend_in(tx, user_id, render.quality.credit_cost(), &render.id)?;
            check_pending_limit_in(tx, user_id, max_pending)?;
            insert_in(tx, &render)?;
            let row = find_in(tx, &render.id, Some(user_id))?
                .ok_or_else(|| Error::Database("render vanished after insert".into()))?;
            let answer = answer(row)?;
            if let Some(key) = &key {
                idempotency::store_in(tx, user_id, key, &answer, Some(&render.id))?;
            }
            Ok(Created::Created(answer))
        })
        .await
}

/// The render `id` of `user_id`.
///
/// # Errors
///
/// The database failed.
pub async fn find_for_user(store: &Store, id: &str, user_id: &str) -> Result<Option<RenderRow>> {
    let (id, user_id) = (id.to_owned(), user_id.to_owned());
    store
        .read(move |conn| find_in(conn, &id, Some(&user_id)))
        .await
}

/// [`find_for_user`] for a caller that keeps what it derives from the row in the store's
/// [`RenderMemo`](super::RenderMemo): the row and the ticket to keep it with. `reading` is the
/// memo's [`start_read`](super::RenderMemo::start_read), taken before this call.
///
/// # Errors
///
/// The database failed.
pub async fn find_for_user_to_keep(
    store: &Store,
    reading: super::render_memo::Reading,
    id: &str,
    user_id: &str,
) -> Result<Option<(RenderRow, super::render_memo::Ticket)>> {
    let (id, user_id) = (id.to_owned(), user_id.to_owned());
    let found = store
        .read(move |conn| {
            conn.query_opt(
                concat!(
                    "SELECT ",
                    columns!(),
                    ", rowid FROM renders WHERE id = ?1 AND user_id = ?2"
                ),
                args![id, user_id],
            )?
            .map(|r| Ok((RenderRow::from_row(&r)?, r.get::<i64>(18)?)))
            .transpose()
        })
        .await?;
    Ok(found.map(|(row, rowid)| {
        let ticket = reading.ticket(&row.id, &row.user_id, rowid);
        (row, ticket)
    }))
}

/// Which of a user's renders [`list`] reads.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only renders in this state.
    pub status: Option<RenderStatus>,
    /// Only renders of this project.
    pub project_id: Option<String>,
}

/// Page `page` (from 1) of `limit` of the user's renders, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list(
    store: &Store,
    user_id: &str,
    filter: Filter,
    page: u32,
    limit: u32,
) -> Result<Page<RenderRow>> {
    let user_id = user_id.to_owned();
    store
        .read(move |conn| {
            let where_ = "WHERE user_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR status = ?2) AND (CAST(?3 AS TEXT) IS NULL OR project_id = ?3)";
            let status = filter.status.map(RenderStatus::as_str);
            let project = filter.project_id;
            let count: i64 = conn.query_value(
                &format!("SELECT COUNT(*) FROM renders {where_}"),
                args![user_id, status, project],
            )?;
            let offset = page_offset(page, limit);
            let items = conn
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM renders {where_} ORDER BY rowid DESC LIMIT ?4 OFFSET ?5"
                    ),
                    args![user_id, status, project, limit, offset],
                )?
                .iter()
                .map(RenderRow::from_row)
                .collect::<Result<Vec<_>>>()?;
            Ok(page_of(items, page, limit, offset, count))
        })
        .await
}

/// Cancels the user's pending render `id` and refunds it, queueing its `render.cancelled`
/// deliveries, in one transaction.
///
/// # Errors
///
/// [`Error::NotFound`]`("render")`, [`Error::NotPending`] once a worker has taken it, or a
/// database failure.
pub async fn cancel(store: &Store, id: &str, user_id: &str, body: EventBody) -> Result<RenderRow> {
    let (id, user_id) = (id.to_owned(), user_id.to_owned());
    store
        .write(move |tx| {
            let row = find_in(tx, &id, Some(&user_id))?.ok_or(Error::NotFound("render"))?;
            if row.status != RenderStatus::Pending {
                return Err(Error::NotPending(row.status));
            }
            let now = Utc::now();
            // Only while still pending: a worker (of any server) may have taken it since.
            let changed = tx.execute(
                "UPDATE renders SET status = 'cancelled', updated_at = ?1, completed_at = ?1
                 WHERE id = ?2 AND status = 'pending'",
                args![now, id],
            )?;
            if changed == 0 {
                let status = find_in(tx, &id, None)?.map_or(RenderStatus::Processing, |r| r.status);
                return Err(Error::NotPending(status));
            }
            credits::refund_in(tx, &user_id, row.credits_cost, &id, "render cancelled")?;
            let row =
                find_in(tx, &id, None)?.ok_or_else(|| Error::Database("render vanished".into()))?;
            outbox::enqueue_in(tx, events::RENDER_CANCELLED, &row, &body)?;
            Ok(row)
        })
        .await
}

/// How a worker holds the renders it claims: `owner` (its server's instance id) holds a claimed
/// render for `duration_ms`, renewing it while it works ([`renew`]); when a lease runs out
/// (the server died) any worker takes the render over. A render claimed `max_attempts` times
/// whose lease runs out again is failed and refunded instead (it keeps killing its servers).
#[derive(Debug, Clone)]
pub struct Lease {
    /// The claiming server's instance id.
    pub owner: String,
    /// How long a claim or a renewal holds the render, in milliseconds.
    pub duration_ms: i64,
    /// Claims before a render whose lease runs out is failed instead of taken over.
    pub max_attempts: u32,
}

/// What [`claim_next`] did.
#[derive(Debug, Default)]
pub struct Claimed {
    /// The render now held by the caller (pending → processing, or taken over from a lease that
    /// ran out), if any was waiting.
    pub render: Option<RenderRow>,
    /// Renders whose lease ran out after their last attempt: failed and refunded (their
    /// `render.failed` deliveries queued), to be announced.
    pub abandoned: Vec<RenderRow>,
}

/// Takes the oldest render waiting for a worker: a pending one, or a processing one whose lease
/// ran out (its server stopped). Leased renders out of attempts are failed and refunded first,
/// their deliveries queued with `body`.
///
/// # Errors
///
/// The database failed.
pub async fn claim_next(store: &Store, lease: &Lease, body: EventBody) -> Result<Claimed> {
    let lease = lease.clone();
    store
        .write(move |conn| {
            let now = Utc::now().timestamp_millis();
            let mut claimed = Claimed::default();
            // Servers sharing a PostgreSQL database skip rows another one is claiming.
            let spent: Vec<String> = conn
                .query(
                    &format!(
                        "SELECT id FROM renders
                         WHERE status = 'processing' AND lease_until < ?1 AND attempts >= ?2
                         ORDER BY rowid LIMIT 16{}",
                        conn.skip_locked()
                    ),
                    args![now, lease.max_attempts],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect::<Result<_>>()?;
            for id in spent {
                let n = lease.max_attempts;
                let message = format!(
                    "processing was interrupted {n} time{} (the server stopped); the render was \
                     given up and its credits refunded: try again",
                    if n == 1 { "" } else { "s" }
                );
                if let Some(row) = fail_in(conn, &id, &message, None, &body)? {
                    claimed.abandoned.push(row);
                }
            }
            // The outer conditions keep a claim from ever taking a render twice.
            let id: Option<String> = conn
                .query_opt(
                    &format!(
                        "UPDATE renders SET status = 'processing', progress = 0, updated_at = ?1,
                             started_at = COALESCE(started_at, ?1),
                             claimed_by = ?2, lease_until = ?3, attempts = attempts + 1
                         WHERE id = (SELECT id FROM renders
                                     WHERE status = 'pending'
                                        OR (status = 'processing' AND lease_until < ?4 AND attempts < ?5)
                                     ORDER BY rowid LIMIT 1{})
                           AND (status = 'pending'
                                OR (status = 'processing' AND lease_until < ?4 AND attempts < ?5))
                         RETURNING id",
                        conn.skip_locked()
                    ),
                    args![
                        Utc::now(),
                        lease.owner,
                        now.saturating_add(lease.duration_ms),
                        now,
                        lease.max_attempts
                    ],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            if let Some(id) = id {
                claimed.render = find_in(conn, &id, None)?;
            }
            Ok(claimed)
        })
        .await
}

/// Extends `owner`'s lease on render `id` by `duration_ms` from now, recording `progress` when
/// given. `false` when the render is not `owner`'s any more (it ended, or its lease ran out and
/// another worker took it over): the caller must stop working on it.
///
/// # Errors
///
/// The database failed.
pub async fn renew(store: &Store, id: &str, lease: &Lease, progress: Option<u8>) -> Result<bool> {
    let (id, owner, duration_ms) = (id.to_owned(), lease.owner.clone(), lease.duration_ms);
    store
        .write(move |conn| {
            let now = Utc::now();
            let changed = conn.execute(
                "UPDATE renders SET lease_until = ?1, progress = COALESCE(?2, progress), updated_at = ?3
                 WHERE id = ?4 AND status = 'processing' AND claimed_by = ?5",
                args![
                    now.timestamp_millis().saturating_add(duration_ms),
                    progress,
                    now,
                    id,
                    owner
                ],
            )?;
            Ok(changed == 1)
        })
        .await
}

/// processing → completed with its output, queueing its `render.completed` deliveries, in one
/// transaction. `None` when the render is not `owner`'s any more (cancelled, or taken over).
///
/// # Errors
///
/// The database failed.
pub async fn complete(
    store: &Store,
    id: &str,
    owner: &str,
    output_path: &str,
    body: EventBody,
) -> Result<Option<RenderRow>> {
    let (id, owner, output_path) = (id.to_owned(), owner.to_owned(), output_path.to_owned());
    store
        .write(move |conn| {
            let now = Utc::now();
            let changed = conn.execute(
                "UPDATE renders SET status = 'completed', progress = 100, output_path = ?1, updated_at = ?2, completed_at = ?2
                 WHERE id = ?3 AND status = 'processing' AND claimed_by = ?4",
                args![output_path, now, id, owner],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            let row = find_in(conn, &id, None)?;
            if let Some(row) = &row {
                outbox::enqueue_in(conn, events::RENDER_COMPLETED, row, &body)?;
            }
            Ok(row)
        })
        .await
}

/// processing → failed with `error`, refunded, queueing its `render.failed` deliveries, in one
/// transaction. `None` when the render is not `owner`'s any more.
///
/// # Errors
///
/// The database failed.
pub async fn fail(
    store: &Store,
    id: &str,
    owner: &str,
    error: &str,
    body: EventBody,
) -> Result<Option<RenderRow>> {
    let (id, owner, error) = (id.to_owned(), owner.to_owned(), error.to_owned());
    store
        .write(move |conn| fail_in(conn, &id, &error, Some(&owner), &body))
        .await
}

/// A render holding files the retention sweep is to delete.
#[derive(Debug, Clone)]
pub struct Expired {
    /// The render.
    pub id: String,
    /// Its upload (`''` when already deleted).
    pub input_path: String,
    /// Its output.
    pub output_path: Option<String>,
}

/// Renders whose files are due: cancelled or failed ones still holding an upload, and completed
/// ones that ended before `cutoff` (`None`: completed ones are kept).
///
/// # Errors
///
/// The database failed.
pub async fn expired(store: &Store, cutoff: Option<DateTime<Utc>>) -> Result<Vec<Expired>> {
    store
        .read(move |conn| {
            let mut due = Vec::new();
            let rows = conn.query(
                "SELECT id, input_path, output_path, status, completed_at FROM renders
                 WHERE (status IN ('cancelled', 'failed') AND input_path != '')
                    OR (status = 'completed' AND (input_path != '' OR output_path IS NOT NULL))",
                args![],
            )?;
            for r in rows {
                let render = Expired {
                    id: r.get(0)?,
                    input_path: r.get(1)?,
                    output_path: r.get(2)?,
                };
                let status: String = r.get(3)?;
                let completed_at: Option<DateTime<Utc>> = r.get(4)?;
                let old = match (cutoff, completed_at) {
                    (Some(cutoff), Some(at)) => at < cutoff,
                    _ => false,
                };
                if status != "completed" || old {
                    due.push(render);
                }
            }
            Ok(due)
        })
        .await
}

/// Marks a render's files as deleted (`input_path` `''`, `output_path` `NULL`), if its paths are
/// still the ones deleted.
///
/// # Errors
///
/// The database failed.
pub async fn forget_files(
    store: &Store,
    id: &str,
    input_path: &str,
    output_path: Option<&str>,
) -> Result<()> {
    let (id, input_path) = (id.to_owned(), input_path.to_owned());
    let output_path = output_path.map(str::to_owned);
    store
        .write(move |conn| {
            conn.execute(
                "UPDATE renders SET input_path = '' WHERE id = ?1 AND input_path = ?2",
                args![id, input_path],
            )?;
            if let Some(output) = output_path {
                conn.execute(
                    "UPDATE renders SET output_path = NULL WHERE id = ?1 AND output_path = ?2",
                    args![id, output],
                )?;
            }
            Ok(())
        })
        .await
}

fn find_in(conn: &Conn<'_>, id: &str, user_id: Option<&str>) -> Result<Option<RenderRow>> {
    conn.query_opt(
        // One literal, not formatted per call: the status read is the API's hottest query.
        concat!(
            "SELECT ",
            columns!(),
            " FROM renders WHERE id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR user_id = ?2)"
        ),
        args![id, user_id],
    )?
    .map(|r| RenderRow::from_row(&r))
    .transpose()
}

fn insert_in(conn: &Conn<'_>, render: &NewRender) -> Result<()> {
    let now = Utc::now();
    conn.execute(
        "INSERT INTO renders (id, user_id, project_id, status, progress, prompt, style, quality, aspect_ratio,
             credits_cost, input_path, callback_url, platform, metadata, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        args![
            render.id,
            render.user_id,
            render.project_id,
            render.prompt,
            render.style,
            render.quality.as_str(),
            render.aspect_ratio,
            render.quality.credit_cost(),
            render.input_path,
            render.callback_url,
            render.platform.as_str(),
            render.metadata,
            now
        ],
    )?;
    Ok(())
}

/// Refuses a new render when `user_id` already has `max` renders pending or processing
/// (`max` 0: no limit). Runs in the creating transaction, whose rollback undoes the charge.
fn check_pending_limit_in(conn: &Conn<'_>, user_id: &str, max: u32) -> Result<()> {
    if max == 0 {
        return Ok(());
    }
    let pending: u32 = conn.query_value(
        "SELECT COUNT(*) FROM renders WHERE user_id = ?1 AND status IN ('pending', 'processing')",
        args![user_id],
    )?;
    if pending >= max {
        return Err(Error::PendingLimit { pending, max });
    }
    Ok(())
}

fn fail_in(
    conn: &Conn<'_>,
    id: &str,
    error: &str,
    owner: Option<&str>,
    body: &EventBody,
) -> Result<Option<RenderRow>> {
    let Some(row) = find_in(conn, id, None)? else {
        return Ok(None);
    };
    if row.status.is_terminal() {
        return Ok(None);
    }
    let now = Utc::now();
    // Only while it has not ended (it may have completed on any server since it was read), and
    // only while `owner` holds it.
    let changed = conn.execute(
        "UPDATE renders SET status = 'failed', error = ?1, updated_at = ?2, completed_at = ?2
         WHERE id = ?3 AND status IN ('pending', 'processing')
           AND (CAST(?4 AS TEXT) IS NULL OR claimed_by = ?4)",
        args![error, now, id, owner],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    credits::refund_in(conn, &row.user_id, row.credits_cost, id, "render failed")?;
    let row = find_in(conn, id, None)?;
    if let Some(row) = &row {
        outbox::enqueue_in(conn, events::RENDER_FAILED, row, body)?;
    }
    Ok(row)
}
