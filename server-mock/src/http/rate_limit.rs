//! Rate limits, kept in memory: keyed GCRA buckets of the `governor` crate, measured on the
//! server's [`Clock`] (the system clock; tests can stop or move it). A limit of N per minute lets
//! N requests through at once, then one every 60/N seconds; 0 turns a limit off. A refused
//! request is answered 429 `RATE_LIMIT_EXCEEDED` with `Retry-After`: the whole seconds until the
//! bucket lets one request through again.
//!
//! Authenticated callers ([`RateLimiter::check`]) count against two buckets, render creation
//! (`--create-rate-limit`) and everything else (`--read-rate-limit`), kept per user *and
//! platform*, and against a per-user ceiling across platforms (`--user-create-rate-limit`,
//! `--user-read-rate-limit`, twice the per-platform limits by default), so a client cannot
//! multiply its budget by changing `x-renderiq-platform`.
//!
//! The unauthenticated session routes count per client address, each route its own bucket
//! (`--auth-rate-limit`, [`RateLimiter::check_address`]), and sign-in also per email, whatever the
//! outcome (`--sign-in-rate-limit`, [`RateLimiter::check_sign_in`]). The address is the TCP peer's
//! ([`ClientAddr`](super::extract::ClientAddr)); an IPv6 client is counted by its /64, which one
//! host usually holds whole.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::Quota;
use renderiq_sdk::types::Platform;

use crate::clock::Clock;
use crate::config::Config;

/// Every this many checks a limit forgets the keys whose buckets are full again, so addresses
/// and emails seen once do not accumulate.
const SWEEP_EVERY: u32 = 4096;

/// Which limit an authenticated route counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Reads and other non-creating calls.
    Read,
    /// `POST /renders`.
    Create,
}

/// An unauthenticated session route, limited per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthRoute {
    /// `POST /auth/signin`.
    SignIn,
    /// `POST /auth/refresh`.
    Refresh,
    /// `POST /auth/signout`.
    SignOut,
}

/// The limiter shared by all requests.
#[derive(Debug)]
pub struct RateLimiter {
    read_per_platform: Limit<(String, Platform)>,
    create_per_platform: Limit<(String, Platform)>,
    read_per_user: Limit<String>,
    create_per_user: Limit<String>,
    per_address: Limit<(AuthRoute, IpAddr)>,
    per_email: Limit<String>,
}

impl RateLimiter {
    /// The limits of `config` (see the [module documentation](self)), measured on its clock.
    pub fn new(config: &Config) -> Self {
        let clock = &config.clock;
        let (read_per_user, create_per_user) = config.user_rate_limits();
        Self {
            read_per_platform: Limit::per_minute(config.read_rate_limit, clock),
            create_per_platform: Limit::per_minute(config.create_rate_limit, clock),
            read_per_user: Limit::per_minute(read_per_user, clock),
            create_per_user: Limit::per_minute(create_per_user, clock),
            per_address: Limit::per_minute(config.auth_rate_limit, clock),
            per_email: Limit::per_minute(config.sign_in_rate_limit, clock),
        }
    }

    /// Counts one authenticated request against its platform's bucket and the user's ceiling;
    /// `Err(retry_after_seconds)` when over either.
    pub fn check(&self, bucket: Bucket, user_id: &str, platform: Platform) -> Result<(), u64> {
        let (per_platform, per_user) = match bucket {
            Bucket::Read => (&self.read_per_platform, &self.read_per_user),
            Bucket::Create => (&self.create_per_platform, &self.create_per_user),
        };
        per_platform.check(&(user_id.to_owned(), platform))?;
        per_user.check(&user_id.to_owned())
    }

    /// Counts one request to an unauthenticated session route from `addr`;
    /// `Err(retry_after_seconds)` when over `--auth-rate-limit`.
    pub fn check_address(&self, route: AuthRoute, addr: IpAddr) -> Result<(), u64> {
        self.per_address.check(&(route, address_key(addr)))
    }

    /// Counts one sign-in attempt for `email` (compared case-insensitively);
    /// `Err(retry_after_seconds)` when over `--sign-in-rate-limit`.
    pub fn check_sign_in(&self, email: &str) -> Result<(), u64> {
        self.per_email.check(&email.trim().to_lowercase())
    }
}

/// The key an address is counted under: IPv4 as is (also when mapped into IPv6), IPv6 by its /64.
fn address_key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(network.into())
        }
        v4 => v4,
    }
}

/// The server's [`Clock`] as governor's clock: time since the Unix epoch.
#[derive(Debug, Clone)]
struct ServerClock(Clock);

impl governor::clock::Clock for ServerClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        // A clock before 1970 reads as the epoch; governor treats time going back as none passing.
        (self.0.now() - DateTime::<Utc>::UNIX_EPOCH)
            .to_std()
            .unwrap_or(Duration::ZERO)
    }
}

type Keyed<K> = governor::RateLimiter<
    K,
    DefaultKeyedStateStore<K>,
    ServerClock,
    governor::middleware::NoOpMiddleware<Duration>,
>;

/// One keyed limit, or none when its per-minute figure is 0.
struct Limit<K: Hash + Eq + Clone> {
    limiter: Option<Keyed<K>>,
    clock: ServerClock,
    checks: AtomicU32,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for Limit<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limit")
            .field("on", &self.limiter.is_some())
            .field("keys", &self.limiter.as_ref().map_or(0, Keyed::len))
            .finish()
    }
}

impl<K: Hash + Eq + Clone> Limit<K> {
    fn per_minute(per_minute: u32, clock: &Clock) -> Self {
        let clock = ServerClock(clock.clone());
        Self {
            limiter: NonZeroU32::new(per_minute).map(|n| {
                governor::RateLimiter::dashmap_with_clock(Quota::per_minute(n), clock.clone())
            }),
            clock,
            checks: AtomicU32::new(0),
        }
    }

    /// Takes one request from `key`'s bucket; `Err(retry_after_seconds)` when it is empty.
    fn check(&self, key: &K) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.clock));
            // Round up: retrying after the wait rounded down would still be refused.
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(adjust: impl FnOnce(&mut Config)) -> (RateLimiter, Clock) {
        let mut config = Config::default();
        adjust(&mut config);
        config.clock.freeze();
        (RateLimiter::new(&config), config.clock)
    }

    #[test]
    fn requests_over_the_limit_are_refused_with_a_retry_delay() {
        let (limiter, clock) = limiter(|c| {
            c.read_rate_limit = 2;
            c.create_rate_limit = 0;
            c.user_read_rate_limit = Some(0);
        });
        assert!(limiter.check(Bucket::Read, "u", Platform::Revit).is_ok());
        assert!(limiter.check(Bucket::Read, "u", Platform::Revit).is_ok());
        let retry = limiter
            .check(Bucket::Read, "u", Platform::Revit)
            .unwrap_err();
        // Two per minute: one comes back every 30 s.
        assert_eq!(retry, 30);
        // Another platform and another bucket have their own counts; 0 means unlimited.
        assert!(limiter.check(Bucket::Read, "u", Platform::Rhino).is_ok());
        for _ in 0..100 {
            assert!(limiter.check(Bucket::Create, "u", Platform::Revit).is_ok());
        }
        // After the wait, one more goes through.
        clock.advance(Duration::from_secs(retry));
        assert!(limiter.check(Bucket::Read, "u", Platform::Revit).is_ok());
        assert!(limiter.check(Bucket::Read, "u", Platform::Revit).is_err());
    }

    #[test]
    fn the_per_user_ceiling_holds_across_platforms() {
        let (limiter, _clock) = limiter(|c| {
            c.read_rate_limit = 2;
            c.user_read_rate_limit = Some(3);
        });
        assert!(limiter.check(Bucket::Read, "u", Platform::Revit).is_ok());
        assert!(limiter.check(Bucket::Read, "u", Platform::Revit).is_ok());
        assert!(limiter.check(Bucket::Read, "u", Platform::Rhino).is_ok());
        assert!(limiter.check(Bucket::Read, "u", Platform::Blender).is_err());
        assert!(limiter.check(Bucket::Read, "v", Platform::Blender).is_ok());
    }

    #[test]
    fn addresses_are_counted_per_route_and_ipv6_per_64() {
        let (limiter, _clock) = limiter(|c| c.auth_rate_limit = 1);
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert!(limiter.check_address(AuthRoute::SignIn, a).is_ok());
        assert!(limiter.check_address(AuthRoute::SignIn, b).is_err());
        assert!(limiter.check_address(AuthRoute::Refresh, b).is_ok());
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(limiter.check_address(AuthRoute::SignIn, mapped).is_ok());
        assert!(limiter.check_address(AuthRoute::SignIn, v4).is_err());
        assert!(limiter
            .check_address(AuthRoute::SignIn, "192.0.2.8".parse().unwrap())
            .is_ok());
    }

    #[test]
    fn emails_are_counted_case_insensitively() {
        let (limiter, _clock) = limiter(|c| c.sign_in_rate_limit = 1);
        assert!(limiter.check_sign_in("Ada@Example.com").is_ok());
        assert!(limiter.check_sign_in(" ada@example.com").is_err());
        assert!(limiter.check_sign_in("bob@example.com").is_ok());
    }
}
