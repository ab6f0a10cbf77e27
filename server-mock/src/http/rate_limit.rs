//! Per-minute rate limits per user and platform, in fixed one-minute windows, kept in memory.
//!
//! Two buckets: render creation (`--create-rate-limit`) and everything else an authenticated
//! caller does (`--read-rate-limit`). A limit of 0 turns its bucket off. Windows are measured
//! on the server's [`Clock`] (the system clock; tests can move it).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use renderiq_sdk::types::Platform;

use crate::clock::Clock;

const WINDOW: Duration = Duration::from_secs(60);

/// Which limit a route counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Reads and other non-creating calls.
    Read,
    /// `POST /renders`.
    Create,
}

/// The limiter shared by all requests.
#[derive(Debug)]
pub struct RateLimiter {
    read_per_minute: u32,
    create_per_minute: u32,
    clock: Clock,
    windows: Mutex<HashMap<(Bucket, String, Platform), Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: DateTime<Utc>,
    count: u32,
}

impl RateLimiter {
    /// A limiter with the given per-minute limits (0 = unlimited), on the system clock.
    pub fn new(read_per_minute: u32, create_per_minute: u32) -> Self {
        Self::with_clock(read_per_minute, create_per_minute, Clock::system())
    }

    /// [`RateLimiter::new`] measuring its windows on `clock`.
    pub fn with_clock(read_per_minute: u32, create_per_minute: u32, clock: Clock) -> Self {
        Self {
            read_per_minute,
            create_per_minute,
            clock,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request; `Err(retry_after_seconds)` when over the limit.
    pub fn check(&self, bucket: Bucket, user_id: &str, platform: Platform) -> Result<(), u64> {
        let limit = match bucket {
            Bucket::Read => self.read_per_minute,
            Bucket::Create => self.create_per_minute,
        };
        if limit == 0 {
            return Ok(());
        }
        let now = self.clock.now();
        // Time since a window started; a clock that went back counts as no time.
        let since = |start: DateTime<Utc>| (now - start).to_std().unwrap_or(Duration::ZERO);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, w| since(w.start) < WINDOW);
        }
        let window = windows
            .entry((bucket, user_id.to_owned(), platform))
            .or_insert(Window {
                start: now,
                count: 0,
            });
        if since(window.start) >= WINDOW {
            *window = Window {
                start: now,
                count: 0,
            };
        }
        if window.count >= limit {
            let left = WINDOW.saturating_sub(since(window.start));
            // Round up: retrying after `left` rounded down would still be refused.
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        window.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_over_the_limit_are_refused_with_a_retry_delay() {
        let limiter = RateLimiter::new(2, 0);
        assert!(limiter.check(Bucket::Read, "u", Platform::Revit).is_ok());
        assert!(limiter.check(Bucket::Read, "u", Platform::Revit).is_ok());
        let retry = limiter
            .check(Bucket::Read, "u", Platform::Revit)
            .unwrap_err();
        assert!((1..=60).contains(&retry));
        // Another platform and another bucket have their own counts; 0 means unlimited.
        assert!(limiter.check(Bucket::Read, "u", Platform::Rhino).is_ok());
        for _ in 0..100 {
            assert!(limiter.check(Bucket::Create, "u", Platform::Revit).is_ok());
        }
    }
}
