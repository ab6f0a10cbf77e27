//! Background operations that a host's UI thread polls from a timer.
//!
//! Host apps have one UI thread that must never block. An [`Operation`] runs a future on the
//! process's shared runtime and lets that thread ask, from its timer, whether it is done
//! ([`is_done`](Operation::is_done)), how far it got ([`progress`](Operation::progress), whose
//! [`version`](Progress::version) tells a poller whether anything changed), read its outcome as
//! often as it likes ([`outcome`](Operation::outcome), [`wait`](Operation::wait)) or cancel it
//! ([`cancel`](Operation::cancel)). The bindings hand this type to their languages without a
//! polling loop or result cache of their own; [`Client::start`](crate::Client::start) is where
//! every call becomes one, with one cancellation rule for calls that create a render.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use renderiq_sdk::operation::Operation;
//!
//! let op = Operation::spawn(|ctx| async move {
//!     ctx.report(50, Some("half way"));
//!     Ok(21 * 2)
//! })
//! .unwrap();
//! let result = op.wait(Some(Duration::from_secs(5))).expect("finished in time");
//! assert_eq!(result.unwrap(), 42);
//! assert!(op.is_done());
//! ```

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::types::Render;

fn panic_error(panic: &(dyn std::any::Any + Send)) -> Error {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    Error::new(
        crate::ErrorKind::Server,
        format!("internal error in the Renderiq SDK ({what}); please report it with this message"),
    )
    .with_code("SDK_PANIC")
}

/// How far an operation got. Serialises as `{"percent", "stage", "render", "version"}`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// 0–100.
    pub percent: u8,
    /// A short stage name: `"preparing"`, `"uploading"`, `"pending"`, `"processing"`, …
    pub stage: Option<String>,
    /// The render as last seen, for render operations.
    pub render: Option<Render>,
    /// Counts the changes: a poller that saw this version has seen everything up to it.
    pub version: u64,
}

/// Handed to the operation's future to report progress and observe cancellation.
#[derive(Clone)]
pub struct OperationContext {
    shared: Arc<Shared>,
}

impl OperationContext {
    /// Reports progress (percent is clamped to 100).
    pub fn report(&self, percent: u8, stage: Option<&str>) {
        let change = {
            let mut st = self.shared.lock();
            let percent = percent.min(100);
            if st.progress.percent == percent && st.progress.stage.as_deref() == stage {
                return;
            }
            st.progress.percent = percent;
            st.progress.stage = stage.map(str::to_owned);
            st.progress.version += 1;
            st.changed()
        };
        notify(change);
    }

    /// Reports the latest state of a render (its status becomes the stage).
    pub fn report_render(&self, render: &Render) {
        let change = {
            let mut st = self.shared.lock();
            st.progress.percent = render.progress.min(100);
            st.progress.stage = Some(render.status.as_str().to_owned());
            if st.progress.render.as_ref() == Some(render) {
                return;
            }
            st.progress.render = Some(render.clone());
            st.progress.version += 1;
            st.changed()
        };
        notify(change);
    }

    /// The token that fires when the operation is cancelled.
    pub fn cancel_token(&self) -> CancellationToken {
        self.shared.cancel.clone()
    }

    /// Registers work that must run when the operation is cancelled before it ends, and that
    /// the operation waits for (up to 30 s) before it reports itself cancelled: withdrawing a
    /// render it created. Nothing runs when the operation ends without a cancel.
    pub fn on_cancel(&self, cleanup: impl Future<Output = ()> + Send + 'static) {
        self.shared
            .cleanups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::pin(cleanup));
    }

    /// The render last reported with [`report_render`](Self::report_render).
    pub fn last_render(&self) -> Option<Render> {
        self.shared.lock().progress.render.clone()
    }
}

type Callback = Box<dyn FnOnce() + Send>;

struct Shared {
    cancel: CancellationToken,
    state: Mutex<StateAny>,
    cond: Condvar,
    cleanups: Mutex<Vec<Cleanup>>,
}

type Cleanup = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// How long a cancelled operation waits for its clean-up (a render's withdrawal) to finish.
const CLEANUP_LIMIT: Duration = Duration::from_secs(30);

/// Type-erased state: the result is boxed so `Shared` has no type parameter (progress
/// reporting does not need to know the result type).
struct StateAny {
    inner: Box<dyn std::any::Any + Send>,
    progress: Progress,
    done: bool,
    callbacks: Vec<Callback>,
    listeners: Vec<Listener>,
}

/// A progress listener ([`Operation::on_progress`]).
type Listener = Arc<dyn Fn(&Progress) + Send + Sync>;

impl StateAny {
    /// What to hand the listeners after a change: the progress and the listeners, taken under
    /// the lock and called after it is released (a listener may read the operation).
    fn changed(&self) -> Option<(Progress, Vec<Listener>)> {
        (!self.listeners.is_empty()).then(|| (self.progress.clone(), self.listeners.clone()))
    }
}

/// Calls each listener with `change`'s progress (outside any lock).
fn notify(change: Option<(Progress, Vec<Listener>)>) {
    if let Some((progress, listeners)) = change {
        for f in listeners {
            f(&progress);
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, StateAny> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A background operation producing a `T`. Cheap to clone; every clone is the same operation.
pub struct Operation<T> {
    shared: Arc<Shared>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Operation<T> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            _t: std::marker::PhantomData,
        }
    }
}

impl<T> fmt::Debug for Operation<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("Operation")
            .field("done", &st.done)
            .field("progress", &st.progress.percent)
            .finish()
    }
}

impl<T: Send + 'static> Operation<T> {
    /// Starts `make(ctx)` on the shared runtime.
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) when the shared runtime cannot be used (see
    /// [`runtime::shared`](crate::runtime::shared)).
    pub fn spawn<F, Fut>(make: F) -> Result<Self>
    where
        F: FnOnce(OperationContext) -> Fut,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        let rt = crate::runtime::shared()?;
        let shared = Arc::new(Shared {
            cancel: CancellationToken::new(),
            state: Mutex::new(StateAny {
                inner: Box::new(None::<Result<T>>),
                progress: Progress::default(),
                done: false,
                callbacks: Vec::new(),
                listeners: Vec::new(),
            }),
            cond: Condvar::new(),
            cleanups: Mutex::new(Vec::new()),
        });
        let ctx = OperationContext {
            shared: shared.clone(),
        };
        let fut = make(ctx);
        let task_shared = shared.clone();
        rt.spawn(async move {
            let cancel = task_shared.cancel.clone();
            // A panic inside the operation must still finish it: hosts poll `is_done` and C#
            // tasks wait on the completion callback.
            let guarded = std::panic::AssertUnwindSafe(fut).catch_unwind();
            let result = tokio::select! {
                biased;
                _ = cancel.cancelled() => Err(Error::cancelled()),
                r = guarded => r.unwrap_or_else(|panic| Err(panic_error(&*panic))),
            };
            // Taken in every case: a clean-up holds the operation's context, so one left behind
            // after the operation ended would keep it alive for ever (a reference cycle).
            let cleanups = std::mem::take(
                &mut *task_shared
                    .cleanups
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()),
            );
            if cancel.is_cancelled() {
                // Clean-ups registered with `on_cancel` finish before the operation does, so a
                // caller who sees it cancelled also sees what the cancel undid (a withdrawn
                // render), never a window where the server still has it pending.
                let all = futures_util::future::join_all(cleanups);
                if tokio::time::timeout(CLEANUP_LIMIT, all).await.is_err() {
                    tracing::debug!("an operation's clean-up after cancel did not finish in time");
                }
            } else {
                drop(cleanups);
            }
            let change = {
                let mut st = task_shared.lock();
                if let Some(slot) = st.inner.downcast_mut::<Option<Result<T>>>() {
                    *slot = Some(result);
                }
                st.progress.percent = 100;
                st.progress.version += 1;
                let change = st.changed();
                // The last change: listeners are dropped with it (they may hold foreign
                // objects that should not live as long as the operation's handle).
                st.listeners.clear();
                change
            };
            // Listeners hear the end before the operation counts as done, so whoever waits
            // for it (`wait`, `finished`, `is_done`) finds every listener's last call made.
            notify(change);
            let callbacks = {
                let mut st = task_shared.lock();
                st.done = true;
                // A listener added while the end was being announced got the final progress
                // at once; it is not kept.
                st.listeners.clear();
                std::mem::take(&mut st.callbacks)
            };
            task_shared.cond.notify_all();
            // Run on a runtime worker thread; callers must not block in them.
            for cb in callbacks {
                cb();
            }
        });
        Ok(Self {
            shared,
            _t: std::marker::PhantomData,
        })
    }

    /// `true` once the operation finished (successfully, with an error, or cancelled).
    pub fn is_done(&self) -> bool {
        self.shared.lock().done
    }

    /// The latest progress.
    pub fn progress(&self) -> Progress {
        self.shared.lock().progress.clone()
    }

    /// Asks the operation to stop. It finishes soon after with a
    /// [`Cancelled`](crate::ErrorKind::Cancelled) error (unless it already finished).
    pub fn cancel(&self) {
        self.shared.cancel.cancel();
    }

    /// `true` once [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancel.is_cancelled()
    }

    /// The result, once: `None` while running, and after it was taken.
    pub fn take_result(&self) -> Option<Result<T>> {
        let mut st = self.shared.lock();
        if !st.done {
            return None;
        }
        st.inner
            .downcast_mut::<Option<Result<T>>>()
            .and_then(Option::take)
    }

    /// Blocks the calling thread until the operation is done (`true`) or `timeout` passes
    /// (`false`). Never call this from a runtime worker or a UI thread.
    pub fn wait_until_done(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = self.shared.lock();
        while !st.done {
            match deadline {
                None => st = self.shared.cond.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    st = self
                        .shared
                        .cond
                        .wait_timeout(st, d - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        true
    }

    /// Calls `f` with the progress after every change, the last one (percent 100) when the
    /// operation finishes; at once, on this thread, with the progress so far when something
    /// was reported already (so a listener added after [`start`](crate::Client::start) misses
    /// nothing). Later calls come from the thread that reported the change, a runtime worker:
    /// `f` must not block. A listener added while the operation runs may see one change twice
    /// or its first two out of order: keep the highest [`version`](Progress::version). Every
    /// listener added runs; they are dropped when the operation ends. When the operation is
    /// done ([`wait`](Self::wait) returns, [`finished`](Self::finished) resolves), every
    /// listener has had its last call.
    ///
    /// ```no_run
    /// # async fn demo(client: renderiq_sdk::Client) -> renderiq_sdk::Result<()> {
    /// use renderiq_sdk::call::Call;
    /// let op = client.start(Call::from_json(r#"{"call":"credits"}"#)?)?;
    /// op.on_progress(|p| println!("{}% {:?} (change {})", p.percent, p.stage, p.version));
    /// op.finished().await?;
    /// # Ok(()) }
    /// ```
    pub fn on_progress(&self, f: impl Fn(&Progress) + Send + Sync + 'static) {
        let f: Listener = Arc::new(f);
        let current = {
            let mut st = self.shared.lock();
            if !st.done {
                st.listeners.push(f.clone());
            }
            (st.progress.version > 0).then(|| st.progress.clone())
        };
        if let Some(p) = current {
            f(&p);
        }
    }

    /// Calls `f` once when the operation finishes, on a runtime worker thread (or at once, on
    /// this thread, when it already finished). `f` must not block. Every callback registered
    /// runs.
    pub fn on_complete(&self, f: impl FnOnce() + Send + 'static) {
        let mut st = self.shared.lock();
        if st.done {
            drop(st);
            f();
        } else {
            st.callbacks.push(Box::new(f));
        }
    }
}

impl<T: Clone + Send + 'static> Operation<T> {
    /// The outcome once done (`None` while running), as often as asked: unlike
    /// [`take_result`](Self::take_result) it leaves the outcome in place.
    pub fn outcome(&self) -> Option<Result<T>> {
        let st = self.shared.lock();
        Self::read(&st)
    }

    /// Blocks the calling thread until the operation is done or `timeout` passes, and answers
    /// its outcome (`None` on timeout) without consuming it. Never call this from a runtime
    /// worker or a UI thread.
    pub fn wait(&self, timeout: Option<Duration>) -> Option<Result<T>> {
        if self.wait_until_done(timeout) {
            self.outcome()
        } else {
            None
        }
    }

    /// Waits without blocking a thread until the operation is done, and answers its outcome.
    ///
    /// ```
    /// # async fn run() {
    /// let op = renderiq_sdk::operation::Operation::spawn(|_| async { Ok(7) }).unwrap();
    /// assert_eq!(op.finished().await.unwrap(), 7);
    /// # }
    /// ```
    pub async fn finished(&self) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.on_complete(move || {
            let _ = tx.send(());
        });
        let _ = rx.await;
        self.outcome().unwrap_or_else(|| Err(Error::cancelled()))
    }

    fn read(st: &StateAny) -> Option<Result<T>> {
        if !st.done {
            return None;
        }
        st.inner
            .downcast_ref::<Option<Result<T>>>()
            .and_then(Option::clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_operation_ends_with_a_cancelled_error() {
        let op = Operation::<()>::spawn(|_| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        })
        .unwrap();
        assert!(!op.is_done());
        assert!(op.take_result().is_none());
        op.cancel();
        let r = op.wait(Some(Duration::from_secs(5))).expect("finished");
        assert!(r.unwrap_err().is_cancelled());
    }

    #[test]
    fn progress_listeners_see_every_change_and_the_end() {
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let (seen_tx, seen_rx) = std::sync::mpsc::channel::<(u8, Option<String>, u64)>();
        let op = Operation::spawn(move |ctx| async move {
            ctx.report(10, Some("preparing"));
            // Wait for the listener, so the next two changes reach it as they happen.
            tokio::task::spawn_blocking(move || go_rx.recv()).await.ok();
            ctx.report(40, Some("uploading"));
            ctx.report(40, Some("uploading")); // no change, no call
            ctx.report(70, Some("processing"));
            Ok(())
        })
        .unwrap();
        let start = Instant::now();
        while op.progress().version == 0 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(2));
        }
        let tx = seen_tx.clone();
        op.on_progress(move |p| {
            tx.send((p.percent, p.stage.clone(), p.version)).ok();
        });
        // Added late: called at once with what was reported so far.
        assert_eq!(seen_rx.recv().unwrap(), (10, Some("preparing".into()), 1));
        go_tx.send(()).unwrap();
        op.wait(Some(Duration::from_secs(5)))
            .expect("finished")
            .unwrap();
        let rest: Vec<_> = seen_rx.try_iter().collect();
        assert_eq!(
            rest,
            vec![
                (40, Some("uploading".into()), 2),
                (70, Some("processing".into()), 3),
                (100, Some("processing".into()), 4),
            ]
        );
        // Added after the end: the final progress, once.
        op.on_progress(move |p| {
            seen_tx.send((p.percent, None, p.version)).ok();
        });
        assert_eq!(seen_rx.try_iter().collect::<Vec<_>>(), vec![(100, None, 4)]);
    }

    #[test]
    fn progress_is_visible_while_running_and_result_is_taken_once() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let op = Operation::spawn(move |ctx| async move {
            ctx.report(30, Some("uploading"));
            tokio::task::spawn_blocking(move || rx.recv()).await.ok();
            Ok("done")
        })
        .unwrap();
        let start = Instant::now();
        while op.progress().percent != 30 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(op.progress().stage.as_deref(), Some("uploading"));
        tx.send(()).unwrap();
        assert_eq!(
            op.wait(Some(Duration::from_secs(5))).unwrap().unwrap(),
            "done"
        );
        assert_eq!(op.outcome().unwrap().unwrap(), "done", "read again");
        let before = op.progress().version;
        assert!(before >= 2, "reported and finished: {before}");
        assert!(op.take_result().is_some());
        assert!(op.take_result().is_none(), "taken once");
        assert_eq!(op.progress().percent, 100);
        assert_eq!(op.progress().version, before, "reading changes nothing");
    }

    #[test]
    fn a_panicking_operation_still_finishes_with_an_error() {
        let op = Operation::<()>::spawn(|_| async { panic!("boom") }).unwrap();
        let err = op
            .wait(Some(Duration::from_secs(5)))
            .expect("finished")
            .unwrap_err();
        assert_eq!(err.error_code(), Some("SDK_PANIC"));
        assert!(err.to_string().contains("boom"), "{err}");
        assert!(op.is_done());
    }

    #[test]
    fn a_cancel_waits_for_the_clean_up_before_the_operation_ends() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let cleaned = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = cleaned.clone();
        let op = Operation::<()>::spawn(move |ctx| {
            ctx.on_cancel(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            });
            async move {
                let _ = tx.send(());
                std::future::pending::<()>().await;
                Ok(())
            }
        })
        .unwrap();
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        op.cancel();
        let r = op.wait(Some(Duration::from_secs(10))).expect("finished");
        assert!(r.unwrap_err().is_cancelled());
        assert!(
            cleaned.load(std::sync::atomic::Ordering::SeqCst),
            "clean-up ran first"
        );
    }

    #[test]
    fn an_operation_that_ends_without_a_cancel_drops_its_clean_ups() {
        let (tx, rx) = std::sync::mpsc::channel::<std::sync::Weak<Shared>>();
        let op = Operation::spawn(move |ctx| {
            let held = ctx.clone();
            // The clean-up holds the context, as a render's withdrawal does.
            ctx.on_cancel(async move {
                drop(held);
            });
            let _ = tx.send(Arc::downgrade(&ctx.shared));
            async { Ok(1) }
        })
        .unwrap();
        assert_eq!(op.wait(Some(Duration::from_secs(5))).unwrap().unwrap(), 1);
        let weak = rx.recv().unwrap();
        drop(op);
        let deadline = Instant::now() + Duration::from_secs(5);
        while weak.upgrade().is_some() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            weak.upgrade().is_none(),
            "the operation's state was never freed"
        );
    }

    #[test]
    fn the_completion_callback_runs_once() {
        let (tx, rx) = std::sync::mpsc::channel();
        let op = Operation::spawn(|_| async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(1)
        })
        .unwrap();
        op.on_complete(move || tx.send(()).unwrap());
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(op.is_done());
    }
}
