//! When and how long to wait before repeating a failed request.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Retry policy for transient failures: connection errors, timeouts, 408, 429 and 5xx.
///
/// Requests that create something (render creation) are retried only with an
/// `Idempotency-Key`, the same key on every attempt; other creating POSTs are retried only when
/// the server certainly did not act (a refused connection or a 429).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use renderiq_sdk::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_retries(3).initial_backoff(Duration::from_millis(250));
/// assert_eq!(policy.max_retries, 3);
/// assert_eq!(policy.max_backoff, Duration::from_secs(8));
/// ```
///
/// Plain data: set it with the chained methods, read it from the public fields of the same
/// names.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default is 2.
    pub max_retries: u32,
    /// Delay before the first retry; doubles on each further retry. Default is 500 ms.
    pub initial_backoff: Duration,
    /// Upper bound of the doubling delay. Default is 8 s.
    pub max_backoff: Duration,
    /// Longest `Retry-After` waited out; a longer one is returned to the caller. Default is 60 s.
    pub max_retry_after: Duration,
    /// Randomise delays by up to 25 %. Default is `true`.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Retries after the first attempt. Default is 2.
    #[must_use]
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Delay before the first retry; doubles on each further retry. Default is 500 ms.
    #[must_use]
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Upper bound of the doubling delay. Default is 8 s.
    #[must_use]
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Longest `Retry-After` the SDK waits on its own; a longer one is returned to the caller
    /// as a [`RateLimited`](crate::ErrorKind::RateLimited) error. Default is 60 s.
    #[must_use]
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Randomise delays by up to 25 % so many plugins do not retry in step. Default is `true`.
    #[must_use]
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The delay before retry number `retry` (0-based), without a server hint.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX));
        let capped = exp.min(self.max_backoff);
        if self.jitter {
            let factor = 1.0 - rand::thread_rng().gen_range(0.0..0.25);
            capped.mul_f64(factor)
        } else {
            capped
        }
    }

    /// The delay to honour for a server's `Retry-After`, or `None` if it is beyond the cap.
    pub(crate) fn honour_retry_after(&self, after: Duration) -> Option<Duration> {
        (after <= self.max_retry_after).then_some(after)
    }
}

/// Parses `Retry-After` as delay-seconds or an HTTP date. Whatever the server sends, this never
/// panics: a delay too long for a `Duration` (`1e300`) is `Duration::MAX`, which
/// [`RetryPolicy::honour_retry_after`] then declines to wait for.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
        }
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_never_panics_and_huge_delays_are_not_waited_for() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for value in ["1e300", "18446744073709551616", "99999999999999999999.5"] {
            let after = parse_retry_after(value, now);
            assert_eq!(after, Some(Duration::MAX), "{value}");
            assert_eq!(
                RetryPolicy::default().honour_retry_after(Duration::MAX),
                None
            );
        }
        for value in ["-1", "NaN", "inf", "", "soon", "1e-400x"] {
            assert_eq!(parse_retry_after(value, now), None, "{value}");
        }
        assert_eq!(parse_retry_after(" 2 ", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("0.25", now),
            Some(Duration::from_millis(250))
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default().jitter(false);
        assert_eq!(p.backoff(0), Duration::from_millis(500));
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(2), Duration::from_secs(2));
        assert_eq!(p.backoff(10), Duration::from_secs(8));
        assert_eq!(p.backoff(40), Duration::from_secs(8));
    }

    #[test]
    fn jitter_stays_within_a_quarter_below() {
        let p = RetryPolicy::default();
        for _ in 0..100 {
            let d = p.backoff(1);
            assert!(
                d <= Duration::from_secs(1) && d > Duration::from_millis(750),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retry_after_beyond_the_cap_is_not_honoured() {
        let p = RetryPolicy::default().max_retry_after(Duration::from_secs(10));
        assert_eq!(
            p.honour_retry_after(Duration::from_secs(3)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.honour_retry_after(Duration::from_secs(11)), None);
    }
}
