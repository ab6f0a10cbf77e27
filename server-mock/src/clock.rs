//! The server's clock for expiry decisions and long-poll deadlines: the system clock, which tests
//! can move forward or stop.
//!
//! A test-only hook: the `serve` command always runs on the plain system clock. Tests keep a
//! clone of [`Config::clock`](crate::Config::clock) (clones share one clock) and call
//! [`Clock::advance`] to let an access token or API key expire without sleeping, or
//! [`Clock::freeze`] so that a long-poll can end only through the event it waits for, never
//! through its deadline.
//!
//! Used for: access-token expiry (issuing and checking), refresh-token times (issue, expiry, use
//! and the grace window after a rotation), API-key expiry (creating and checking), the `?wait=`
//! deadline of a render long-poll and the rate-limit buckets. Other timestamps stored on records,
//! render delays and webhook retry times stay on the system clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::poison::lock;

/// See the [module documentation](self). Cheap to clone; clones share the clock.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Added to the system time, in milliseconds.
    offset_ms: AtomicI64,
    /// When set, the system time the clock stopped at.
    frozen_at: Mutex<Option<DateTime<Utc>>>,
    /// Notified when the clock is moved.
    moved: Notify,
}

impl Clock {
    /// The system clock (what [`Default`] gives).
    pub fn system() -> Self {
        Self::default()
    }

    /// The current time on this clock.
    pub fn now(&self) -> DateTime<Utc> {
        let base = self.frozen_at().unwrap_or_else(Utc::now);
        base + chrono::Duration::milliseconds(self.inner.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves the clock forward by `by` (test hook); wakes sleepers whose deadline has come.
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4);
        self.inner.offset_ms.fetch_add(ms, Ordering::SeqCst);
        self.inner.moved.notify_waiters();
    }

    /// Stops the clock at the current time (test hook): from now on only [`Clock::advance`]
    /// moves it.
    pub fn freeze(&self) {
        let mut frozen = lock(&self.inner.frozen_at);
        frozen.get_or_insert_with(Utc::now);
    }

    fn frozen_at(&self) -> Option<DateTime<Utc>> {
        *lock(&self.inner.frozen_at)
    }

    /// Sleeps until this clock reads `deadline` or later.
    ///
    /// On a running clock this is one timer for the time left; a [`Clock::advance`] meanwhile
    /// wakes it through `moved`, which is registered before the time left is read, so no
    /// advance can be missed and no periodic re-check is needed.
    pub async fn sleep_until(&self, deadline: DateTime<Utc>) {
        loop {
            let moved = self.inner.moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            let left = deadline - self.now();
            let Ok(left) = left.to_std() else {
                return;
            };
            if left.is_zero() {
                return;
            }
            if self.frozen_at().is_some() {
                moved.await;
            } else {
                tokio::select! {
                    () = moved => {}
                    () = tokio::time::sleep(left) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_and_clones_share_it() {
        let clock = Clock::system();
        let shared = clock.clone();
        let before = clock.now();
        shared.advance(std::time::Duration::from_secs(7200));
        assert!(clock.now() - before >= chrono::Duration::hours(2));
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let clock = Clock::system();
        clock.freeze();
        let t = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(clock.now(), t);
        clock.advance(std::time::Duration::from_secs(1));
        assert_eq!(clock.now() - t, chrono::Duration::seconds(1));
    }

    #[tokio::test]
    async fn a_sleep_on_a_frozen_clock_ends_when_the_clock_is_advanced_past_it() {
        let clock = Clock::system();
        clock.freeze();
        let deadline = clock.now() + chrono::Duration::seconds(5);
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(deadline).await }
        });
        clock.advance(std::time::Duration::from_secs(2));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(std::time::Duration::from_secs(3));
        tokio::time::timeout(std::time::Duration::from_secs(30), sleeper)
            .await
            .expect("woken by the advance")
            .unwrap();
    }
}
