//! Who waits for which render: the wake-ups of the render long-polls
//! (`GET /renders/{id}?wait=`).
//!
//! Each render someone waits for has one entry, shared by its waiters and dropped with the last
//! of them; a change of a render wakes that render's waiters only, so 10,000 long-polls over 100
//! renders cost a change 100 wake-ups, not 10,000. An entry counts the changes announced for its
//! render; a waiter remembers the count it has seen, so a change announced between the waiter's
//! read of the render and its wait is not missed.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use renderiq_server::http::render_watch::RenderWatch;
//!
//! let watch = RenderWatch::default();
//! let mut waiter = watch.watch("rnd_1");
//! // ... read the render, find nothing new, then wait:
//! watch.changed("rnd_1");
//! waiter.changed().await; // answers at once: the change came after `watch`
//! assert_eq!(watch.watched(), 1);
//! drop(waiter);
//! assert_eq!(watch.watched(), 0);
//! # }
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::poison::lock;

/// The renders waited for, and their waiters' wake-ups.
#[derive(Debug, Default)]
pub struct RenderWatch {
    renders: Arc<Mutex<HashMap<Box<str>, Arc<Entry>>>>,
}

#[derive(Debug, Default)]
struct Entry {
    /// Changes announced for this render while it was watched.
    changes: AtomicU64,
    wake: Notify,
}

impl Entry {
    fn announce(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.wake.notify_waiters();
    }
}

/// One waiter's hold on a render's changes; see [`RenderWatch::watch`].
#[derive(Debug)]
pub struct Waiter {
    renders: Arc<Mutex<HashMap<Box<str>, Arc<Entry>>>>,
    render_id: Box<str>,
    entry: Arc<Entry>,
    seen: u64,
}

impl RenderWatch {
    /// Starts watching `render_id`: [`Waiter::changed`] answers at the first change announced
    /// after this call. Watch before reading the render, so no change falls between the two.
    pub fn watch(&self, render_id: &str) -> Waiter {
        let entry = Arc::clone(lock(&self.renders).entry(render_id.into()).or_default());
        let seen = entry.changes.load(Ordering::Acquire);
        Waiter {
            renders: Arc::clone(&self.renders),
            render_id: render_id.into(),
            entry,
            seen,
        }
    }

    /// Wakes the waiters of `render_id`, if any.
    pub fn changed(&self, render_id: &str) {
        let entry = lock(&self.renders).get(render_id).cloned();
        if let Some(entry) = entry {
            entry.announce();
        }
    }

    /// Wakes every waiter (changes may have been missed, e.g. while the PostgreSQL listener was
    /// reconnecting).
    pub fn changed_all(&self) {
        let entries: Vec<Arc<Entry>> = lock(&self.renders).values().cloned().collect();
        for entry in entries {
            entry.announce();
        }
    }

    /// Renders with at least one waiter now.
    pub fn watched(&self) -> usize {
        lock(&self.renders).len()
    }
}

impl Waiter {
    /// Answers when a change of the render is announced that this waiter has not seen yet
    /// (at once when one came since the last answer, or since [`RenderWatch::watch`]).
    pub async fn changed(&mut self) {
        loop {
            let notified = self.entry.wake.notified();
            tokio::pin!(notified);
            // Registered before the count is read: an announcement after the read wakes it.
            notified.as_mut().enable();
            let now = self.entry.changes.load(Ordering::Acquire);
            if now != self.seen {
                self.seen = now;
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut renders = lock(&self.renders);
        // The map's reference and ours: we are the last waiter of this render.
        if Arc::strong_count(&self.entry) == 2 {
            renders.remove(&self.render_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn answers(waiter: &mut Waiter) -> bool {
        tokio::time::timeout(Duration::from_millis(50), waiter.changed())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_change_wakes_the_waiters_of_its_render_only() {
        let watch = RenderWatch::default();
        let mut a1 = watch.watch("a");
        let mut a2 = watch.watch("a");
        let mut b = watch.watch("b");
        watch.changed("a");
        assert!(answers(&mut a1).await);
        assert!(answers(&mut a2).await);
        assert!(!answers(&mut b).await, "b did not change");
        assert!(!answers(&mut a1).await, "a change is answered once");
        watch.changed("nobody-waits");
        assert_eq!(watch.watched(), 2);
    }

    #[tokio::test]
    async fn a_change_while_the_waiter_is_not_waiting_is_not_missed() {
        let watch = Arc::new(RenderWatch::default());
        let mut waiter = watch.watch("a");
        watch.changed("a");
        watch.changed("a");
        assert!(answers(&mut waiter).await);
        assert!(
            !answers(&mut waiter).await,
            "both changes were seen at once"
        );
        let waiting = tokio::spawn(async move {
            waiter.changed().await;
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        watch.changed("a");
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn changed_all_wakes_every_waiter_and_the_last_waiter_frees_its_entry() {
        let watch = RenderWatch::default();
        let mut a = watch.watch("a");
        let mut b = watch.watch("b");
        watch.changed_all();
        assert!(answers(&mut a).await);
        assert!(answers(&mut b).await);
        let a2 = watch.watch("a");
        drop(a);
        assert_eq!(watch.watched(), 2, "a still has a waiter");
        drop(a2);
        drop(b);
        assert_eq!(watch.watched(), 0);
    }
}
