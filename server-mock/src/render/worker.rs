//! The worker pool: each worker claims the oldest render waiting (pending, or processing under
//! a lease that ran out because its server stopped), holds it under a lease it renews while it
//! works, reports progress, runs the generator, stores the output and ends the render
//! (completed, or failed with a refund in the same transaction), then announces it to
//! long-polls and webhooks. A worker that loses its lease (its renewals failed for longer than
//! the lease, and another server took the render over) drops its work: the render ends once,
//! by whoever holds it.

use std::time::Duration;

use renderiq_sdk::types::RenderStatus;

use super::GenerateRequest;
use crate::http::AppState;
use crate::store::renders::{self, RenderRow};
use crate::{delivery, retention};

/// Progress steps of the simulated generation time (`--render-delay-ms`).
const STEPS: u64 = 5;

/// What [`generate`] answers when a progress update finds the render is not ours any more.
const LEASE_LOST: &str = "lease lost";

/// Runs one worker until shutdown. A render in hand is finished before the worker stops.
pub(crate) async fn run(state: AppState, index: usize) {
    tracing::debug!(worker = index, "render worker started");
    loop {
        if state.shutdown.is_cancelled() {
            break;
        }
        let body = delivery::event_body(&state.cdn);
        match renders::claim_next(&state.store, &state.lease, body).await {
            Ok(claimed) => {
                for row in &claimed.abandoned {
                    tracing::warn!(render = %row.id, "render failed and refunded: interrupted too often");
                    state.render_changed(&row.id, true);
                    retention::discard_input(&state, &row.id, &row.input_path).await;
                }
                if !claimed.abandoned.is_empty() {
                    state.deliverer.wake();
                }
                let Some(row) = claimed.render else {
                    tokio::select! {
                        () = state.work_available.notified() => {}
                        // Pending renders are found even if a wake-up was missed, and renders
                        // whose lease ran out are found at all.
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = state.shutdown.cancelled() => break,
                    }
                    continue;
                };
                state.render_changed(&row.id, false);
                process(&state, row).await;
            }
            Err(e) => {
                tracing::error!(worker = index, error = %e, "claiming a render failed");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    tracing::debug!(worker = index, "render worker stopped");
}

async fn process(state: &AppState, row: RenderRow) {
    let id = row.id.clone();
    let owner = state.lease.owner.as_str();
    // The lease is renewed every third of its length while the render is generated; when a
    // renewal finds the render is not ours any more, the work is dropped.
    let outcome = tokio::select! {
        outcome = generate(state, &row) => outcome,
        () = keep_lease(state, &id) => {
            tracing::warn!(render = %id, "lease lost (the render was taken over or ended); dropping the work");
            return;
        }
    };
    // The end of the render and the webhook deliveries announcing it commit together.
    let body = delivery::event_body(&state.cdn);
    let ended = match outcome {
        Ok(output_path) => {
            let result = renders::complete(&state.store, &id, owner, &output_path, body).await;
            if !matches!(result, Ok(Some(_))) {
                state.storage.remove(&output_path).await;
            }
            result
        }
        Err(message) => {
            tracing::info!(render = %id, error = %message, "render failed; refunding");
            renders::fail(&state.store, &id, owner, &message, body).await
        }
    };
    match ended {
        Ok(Some(row)) => {
            if row.status == RenderStatus::Failed {
                // Its upload is deleted at once; the next sweep retries if this fails.
                retention::discard_input(state, &row.id, &row.input_path).await;
            }
            state.render_changed(&row.id, true);
            state.deliverer.wake();
        }
        // Not ours any more: its lease ran out and another worker took it over.
        Ok(None) => tracing::warn!(render = %id, "the render was taken over before it ended here"),
        // Left processing: taken over when its lease runs out.
        Err(e) => tracing::error!(render = %id, error = %e, "could not record the end of a render"),
    }
}

/// Renews this worker's lease on render `id` every third of its length; returns only when the
/// render is not ours any more. A failed renewal (database unreachable) is retried at the next
/// tick: the lease covers two missed renewals.
async fn keep_lease(state: &AppState, id: &str) {
    let every = Duration::from_millis(
        u64::try_from(state.lease.duration_ms / 3)
            .unwrap_or(1)
            .max(1),
    );
    loop {
        tokio::time::sleep(every).await;
        match renders::renew(&state.store, id, &state.lease, None).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::warn!(render = %id, error = %e, "renewing a render lease failed"),
        }
    }
}

/// Simulated delay with progress, then the generator; the output's storage path, or the error
/// message for the render.
async fn generate(state: &AppState, row: &RenderRow) -> Result<String, String> {
    let step = Duration::from_millis(state.config.render_delay_ms / STEPS);
    for i in 1..=STEPS {
        if !step.is_zero() {
            tokio::time::sleep(step).await;
        }
        let progress = (i * 90 / STEPS) as u8;
        match renders::renew(&state.store, &row.id, &state.lease, Some(progress)).await {
            // Long-polls that wait for a change (`until=change`) answer now.
            Ok(true) => state.render_changed(&row.id, false),
            Ok(false) => return Err(LEASE_LOST.to_owned()),
            Err(e) => tracing::warn!(render = %row.id, error = %e, "progress update failed"),
        }
    }
    let input = state.storage.read(&row.input_path).await.map_err(|e| {
        tracing::error!(render = %row.id, error = %e, "input image unreadable");
        "the uploaded image could not be read".to_owned()
    })?;
    let request = GenerateRequest {
        input,
        style: row.style.clone(),
        prompt: row.prompt.clone(),
        aspect_ratio: row.aspect_ratio.clone(),
        quality: row.quality,
    };
    let started = std::time::Instant::now();
    let generated = state.generator.generate(request).await;
    state
        .metrics
        .generated(generated.is_ok(), started.elapsed());
    let generated = generated.map_err(|e| format!("{e:#}"))?;
    let path = format!("outputs/{}/{}.{}", row.user_id, row.id, generated.extension);
    state
        .storage
        .write(&path, &generated.bytes)
        .await
        .map_err(|e| {
            tracing::error!(render = %row.id, error = %e, "output could not be stored");
            "the output could not be stored".to_owned()
        })?;
    Ok(path)
}
