//! The worker pool: each worker claims the oldest pending render (pending → processing), reports
//! progress, runs the generator, stores the output and ends the render (completed, or failed with
//! a refund in the same transaction), then announces it to long-polls and webhooks.

use std::time::Duration;

use renderiq_sdk::types::RenderStatus;

use super::GenerateRequest;
use crate::http::AppState;
use crate::store::renders::{self, RenderRow};
use crate::{delivery, retention};

/// Progress steps of the simulated generation time (`--render-delay-ms`).
const STEPS: u64 = 5;

/// Runs one worker until shutdown. A render in hand is finished before the worker stops.
pub(crate) async fn run(state: AppState, index: usize) {
    tracing::debug!(worker = index, "render worker started");
    loop {
        if state.shutdown.is_cancelled() {
            break;
        }
        match renders::claim_next(&state.store).await {
            Ok(Some(row)) => {
                state.render_changed(&row.id, false);
                process(&state, row).await;
            }
            Ok(None) => {
                tokio::select! {
                    () = state.work_available.notified() => {}
                    // A safety net: pending renders are found even if a wake-up was missed.
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    () = state.shutdown.cancelled() => break,
                }
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
    let outcome = generate(state, &row).await;
    // The end of the render and the webhook deliveries announcing it commit together.
    let body = delivery::event_body(&state.cdn);
    let ended = match outcome {
        Ok(output_path) => {
            let result = renders::complete(&state.store, &id, &output_path, body).await;
            if !matches!(result, Ok(Some(_))) {
                state.storage.remove(&output_path).await;
            }
            result
        }
        Err(message) => {
            tracing::info!(render = %id, error = %message, "render failed; refunding");
            renders::fail(&state.store, &id, &message, body).await
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
        // Someone else ended it (cannot happen today: only pending renders can be cancelled).
        Ok(None) => {}
        // Left processing: start-up recovery fails and refunds it.
        Err(e) => tracing::error!(render = %id, error = %e, "could not record the end of a render"),
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
        if let Err(e) = renders::set_progress(&state.store, &row.id, progress).await {
            tracing::warn!(render = %row.id, error = %e, "progress update failed");
        } else {
            // Long-polls that wait for a change (`until=change`) answer now.
            state.render_changed(&row.id, false);
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
    let generated = state
        .generator
        .generate(request)
        .await
        .map_err(|e| format!("{e:#}"))?;
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
