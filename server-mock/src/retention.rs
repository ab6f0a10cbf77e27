//! Storage hygiene: which files the server keeps, for how long, and how much work a user may
//! queue.
//!
//! - The upload of a **cancelled or failed** render is deleted as soon as it ends (cancel route,
//!   worker failure, a render out of attempts when its lease runs out); its `inputUrl` is `null` from
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

use tokio::task::JoinHandle;

use crate::http::AppState;
use crate::store::renders;

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

/// Deletes the upload of a render that ended without an output (cancelled or failed), then
/// records it as gone. A failure is logged; the next sweep tries again.
pub(crate) async fn discard_input(state: &AppState, render_id: &str, input_path: &str) {
    if input_path.is_empty() {
        return;
    }
    state.storage.remove(input_path).await;
    let forgotten = renders::forget_files(&state.store, render_id, input_path, None).await;
    if let Err(e) = forgotten {
        tracing::warn!(render = %render_id, error = %e, "could not record a deleted upload");
    }
}

/// One sweep: deletes the files [`renders::expired`] names and records them as gone.
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
    let due = renders::expired(&state.store, cutoff).await?;
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
        renders::forget_files(
            &state.store,
            &render.id,
            &render.input_path,
            render.output_path.as_deref(),
        )
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
