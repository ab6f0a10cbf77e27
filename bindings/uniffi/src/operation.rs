//! A call running in the background (`Client::start`): the core's `Operation`, polled from a UI
//! timer or awaited.

use renderiq_sdk::call::Language;
use renderiq_sdk::{ErrorKind, Operation};
use serde_json::Value;

use crate::client::to_text;
use crate::error::RenderiqError;

/// How far an operation got: the core's `Progress`, with the render as JSON text.
#[derive(uniffi::Record)]
pub struct Progress {
    /// 0–100.
    pub percent: u8,
    /// A short stage name: `"preparing"`, `"uploading"`, `"pending"`, `"processing"`, …
    pub stage: Option<String>,
    /// The render as last seen (camelCase JSON), for render calls.
    pub render_json: Option<String>,
    /// Counts the changes: a poller that saw this version has seen everything up to it.
    pub version: u64,
}

impl From<renderiq_sdk::Progress> for Progress {
    fn from(p: renderiq_sdk::Progress) -> Self {
        Self {
            percent: p.percent,
            stage: p.stage,
            render_json: p.render.and_then(|r| serde_json::to_string(&r).ok()),
            version: p.version,
        }
    }
}

/// Hears a call's progress: after every change, the last one at 100 % when the call ends.
/// Called on a background thread of the SDK: return quickly (post to your UI thread) and do
/// not call back into the client from it. A listener added to a running call may see its first
/// change twice or out of order: keep the highest `version`.
#[uniffi::export(callback_interface)]
pub trait ProgressListener: Send + Sync {
    /// One change of the call's progress.
    fn on_progress(&self, progress: Progress);
}

/// Registers `listener` with the core's `Operation::on_progress`.
pub(crate) fn listen(op: &Operation<Value>, listener: Box<dyn ProgressListener>) {
    op.on_progress(move |p| listener.on_progress(p.clone().into()));
}

/// A call started with `Client.start`. It runs on its own; dropping the handle does not stop
/// it, `cancel()` does (the core's rule: a render it created is withdrawn while pending).
#[derive(uniffi::Object)]
pub struct CallOperation {
    op: Operation<Value>,
    language: Language,
}

impl CallOperation {
    pub(crate) fn new(op: Operation<Value>, language: Language) -> Self {
        Self { op, language }
    }
}

#[uniffi::export]
impl CallOperation {
    /// `true` once the call finished: succeeded, failed or cancelled. Never blocks.
    pub fn is_done(&self) -> bool {
        self.op.is_done()
    }

    /// The latest progress. Never blocks.
    pub fn progress(&self) -> Progress {
        self.op.progress().into()
    }

    /// Adds a progress listener (called at once with the progress so far, then after every
    /// change; see `ProgressListener`).
    pub fn on_progress(&self, listener: Box<dyn ProgressListener>) {
        listen(&self.op, listener);
    }

    /// Asks the call to stop; `false` when it had already finished.
    pub fn cancel(&self) -> bool {
        if self.op.is_done() {
            return false;
        }
        self.op.cancel();
        true
    }

    /// `true` when the call ended by cancellation.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.op.outcome(), Some(Err(e)) if e.kind() == ErrorKind::Cancelled)
    }

    /// `null`/`nil` while running; then the result as JSON text, or throws the call's error.
    pub fn outcome(&self) -> Result<Option<String>, RenderiqError> {
        match self.op.outcome() {
            None => Ok(None),
            Some(Ok(value)) => to_text(&value).map(Some),
            Some(Err(e)) => Err(RenderiqError::from_core(e, self.language)),
        }
    }

    /// Waits (suspending, no thread blocked) until the call finished; its result as JSON text.
    /// Cancelling the waiting coroutine or task stops the wait only: the call keeps running
    /// until `cancel()` (use `Client.call` for a call that ends with its coroutine).
    pub async fn finished(&self) -> Result<String, RenderiqError> {
        let value = self
            .op
            .finished()
            .await
            .map_err(|e| RenderiqError::from_core(e, self.language))?;
        to_text(&value)
    }
}
