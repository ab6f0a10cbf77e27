//! Storage hygiene: which files the server keeps, for how long, and how much work a user may
//! queue.
//!
//! - The upload of a **cancelled or failed** render is deleted as soon as it ends (cancel route,
//!   worker failure, start-up recovery through the first sweep); its `inputUrl` is `null` from
//!   then on.
//! - The input and output of a **completed** render are kept for `--retention-days` (default
//!   30, counted from `completedAt`; 0 keeps them forever). A sweep, once at start and then
//!   every hour, deletes older files; the render itself stays (status, cost, prompt), with
//!   `inputUrl` and `outputUrl` `null`, and the old `/cdn/` links answer 404.
//! - The sweep also deletes any upload a cancelled or failed render still holds (a crash between
//!   the end of a render and the deletion), so none is kept for ever.
//! - A user may have at most `--max-pending-renders` (default 10) renders pending or processing;
//!   the next create is refused with 409 `CONFLICT` and nothing is charged (a user who cannot
//!   pay still gets 402 first).
//!
//! A swept file is recorded on its row: `input_path` becomes `''` and `output_path` `NULL`. Age
//! is measured on the server's [`Clock`](crate::Clock), so tests move time forward instead of
//! sleeping.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use tokio::task::JoinHandle;

use crate::http::{ApiError, AppState};

/// Default of `--retention-days`.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// Default of `--max-pending-renders`.
pub const DEFAULT_MAX_PENDING_RENDERS: u32 = 10;
/// Time between two sweeps (on the server's clock).
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Renders whose files were removed.
    pub renders: usize,
    /// Files removed (or already missing).
    pub files: usize,
}

/// Refuses a new render when `user_id` already has `max` renders pending or processing
/// (`max` 0: no limit). Runs in the creating transaction, whose rollback undoes the charge.
///
/// # Errors
///
/// 409 `CONFLICT` naming the limit and its flag, or a database failure.
pub(crate) fn check_pending_limit(
    conn: &Connection,
    user_id: &str,
    max: u32,
) -> Result<(), ApiError> {
    if max == 0 {
        return Ok(());
    }
    let pending: u32 = conn.query_row(
        "SELECT COUNT(*) FROM renders WHERE user_id = ?1 AND status IN ('pending', 'processing')",
        [user_id],
        |r| r.get(0),
    )?;
    if pending >= max {
        return Err(ApiError::Conflict(format!(
            "you have {pending} renders pending or processing; the limit is {max} \
             (--max-pending-renders): wait for one to end or cancel one, then retry"
        )));
    }
    Ok(())
}

/// Deletes the upload of a render that ended without an output (cancelled or failed), then
/// records it as gone. A failure is logged; the next sweep tries again.
pub(crate) async fn discard_input(state: &AppState, render_id: &str, input_path: &str) {
    if input_path.is_empty() {
        return;
    }
    state.storage.remove(input_path).await;
    let (id, path) = (render_id.to_owned(), input_path.to_owned());
    let forgotten = state
        .db
        .write(move |tx| forget_files(tx, &id, &path, None).map_err(ApiError::from))
        .await;
    if let Err(e) = forgotten {
        tracing::warn!(render = %render_id, error = %e, "could not record a deleted upload");
    }
}

/// Marks a render's files as deleted, if its paths are still the ones deleted.
fn forget_files(
    conn: &Connection,
    id: &str,
    input_path: &str,
    output_path: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE renders SET input_path = '' WHERE id = ?1 AND input_path = ?2",
        params![id, input_path],
    )?;
    if let Some(output) = output_path {
        conn.execute(
            "UPDATE renders SET output_path = NULL WHERE id = ?1 AND output_path = ?2",
            params![id, output],
        )?;
    }
    Ok(())
}

/// A render holding files the sweep is to delete.
struct Expired {
    id: String,
    input_path: String,
    output_path: Option<String>,
}

/// Renders whose files are due: cancelled or failed ones still holding an upload, and completed
/// ones that ended before `cutoff` (`None`: completed ones are kept).
fn expired(conn: &Connection, cutoff: Option<DateTime<Utc>>) -> rusqlite::Result<Vec<Expired>> {
    let mut due = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT id, input_path, output_path, status, completed_at FROM renders
         WHERE (status IN ('cancelled', 'failed') AND input_path != '')
            OR (status = 'completed' AND (input_path != '' OR output_path IS NOT NULL))",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            Expired {
                id: r.get(0)?,
                input_path: r.get(1)?,
                output_path: r.get(2)?,
            },
            r.get::<_, String>(3)?,
            r.get::<_, Option<DateTime<Utc>>>(4)?,
        ))
    })?;
    for row in rows {
        let (render, status, completed_at) = row?;
        let old = match (cutoff, completed_at) {
            (Some(cutoff), Some(at)) => at < cutoff,
            _ => false,
        };
        if status != "completed" || old {
            due.push(render);
        }
    }
    Ok(due)
}

/// One sweep: deletes the files [`expired`] names and records them as gone.
///
/// # Errors
///
/// A database failure (files already deleted stay deleted; the next sweep finishes the rest).
pub async fn sweep(state: &AppState) -> anyhow::Result<Swept> {
    let days = state.config.retention_days;
    // 0, or a period reaching before any representable time, keeps completed renders' files.
    let cutoff = chrono::Duration::try_days(days.into())
        .filter(|_| days > 0)
        .and_then(|period| state.config.clock.now().checked_sub_signed(period));
    let due = state
        .db
        .read(move |conn| expired(conn, cutoff).map_err(ApiError::from))
        .await?;
    let mut swept = Swept::default();
    for render in due {
        for path in [
            Some(render.input_path.as_str()),
            render.output_path.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        {
            state.storage.remove(path).await;
            swept.files += 1;
        }
        state
            .db
            .write(move |tx| {
                forget_files(
                    tx,
                    &render.id,
                    &render.input_path,
                    render.output_path.as_deref(),
                )
                .map_err(ApiError::from)
            })
            .await?;
        swept.renders += 1;
    }
    Ok(swept)
}

/// Starts the sweeper: a sweep now, then one every [`SWEEP_INTERVAL`] on the server's clock,
/// until shutdown.
pub(crate) fn start_sweeper(state: &AppState) -> JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            match sweep(&state).await {
                Ok(swept) if swept.files > 0 => {
                    tracing::info!(
                        renders = swept.renders,
                        files = swept.files,
                        "swept stored files"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "sweeping stored files failed"),
            }
            let next = state.config.clock.now()
                + chrono::Duration::from_std(SWEEP_INTERVAL)
                    .unwrap_or_else(|_| chrono::Duration::hours(1));
            tokio::select! {
                () = state.config.clock.sleep_until(next) => {}
                () = state.shutdown.cancelled() => break,
            }
        }
    })
}
