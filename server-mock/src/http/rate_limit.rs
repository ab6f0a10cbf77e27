//! Rate limits: keyed GCRA buckets measured on the server's [`Clock`] (the system clock; tests
//! can stop or move it). On SQLite (one server per file) they are kept in memory by the
//! `governor` crate; on PostgreSQL they are rows of the database ([`store::rate_limits`]), so
//! that every server sharing it counts against the same buckets (`--rate-limits memory` keeps
//! them in each server's memory instead: faster, but N servers let a client through N times).
//! A database failure while counting lets the request through (and is logged): the limits
//! protect the service, they must not take it down. A limit of N per minute lets
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
use crate::store::{self, Store};

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
    per_minute: PerMinute,
    kept: Kept,
}

/// The limits, in requests per minute (0: off).
#[derive(Debug, Clone, Copy)]
struct PerMinute {
    read_per_platform: u32,
    create_per_platform: u32,
    read_per_user: u32,
    create_per_user: u32,
    per_address: u32,
    per_email: u32,
}

/// Where rate-limit buckets are kept (`--rate-limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeptIn {
    /// In each server's memory: the fastest, but N servers let a client through N times.
    Memory,
    /// In the database, shared by every server on it.
    Database,
}

/// The buckets.
#[derive(Debug)]
enum Kept {
    Memory(Box<InMemory>),
    Database {
        store: Store,
        clock: Clock,
        checks: AtomicU32,
    },
}

#[derive(Debug)]
struct InMemory {
    read_per_platform: Limit<(String, Platform)>,
    create_per_platform: Limit<(String, Platform)>,
    read_per_user: Limit<String>,
    create_per_user: Limit<String>,
    per_address: Limit<(AuthRoute, IpAddr)>,
    per_email: Limit<String>,
}

impl RateLimiter {
    /// The limits of `config` (see the [module documentation](self)), measured on its clock and
    /// kept where `--rate-limits` says: by default in memory on SQLite, in `store` on PostgreSQL.
    pub fn new(config: &Config, store: &Store) -> Self {
        let clock = &config.clock;
        let (read_per_user, create_per_user) = config.user_rate_limits();
        let per_minute = PerMinute {
            read_per_platform: config.read_rate_limit,
            create_per_platform: config.create_rate_limit,
            read_per_user,
            create_per_user,
            per_address: config.auth_rate_limit,
            per_email: config.sign_in_rate_limit,
        };
        let kept_in = config.rate_limits.unwrap_or(match store.backend() {
            store::Backend::Postgres => KeptIn::Database,
            store::Backend::Sqlite => KeptIn::Memory,
        });
        let kept = if kept_in == KeptIn::Database {
            Kept::Database {
                store: store.clone(),
                clock: clock.clone(),
                checks: AtomicU32::new(0),
            }
        } else {
            Kept::Memory(Box::new(InMemory {
                read_per_platform: Limit::per_minute(per_minute.read_per_platform, clock),
                create_per_platform: Limit::per_minute(per_minute.create_per_platform, clock),
                read_per_user: Limit::per_minute(per_minute.read_per_user, clock),
                create_per_user: Limit::per_minute(per_minute.create_per_user, clock),
                per_address: Limit::per_minute(per_minute.per_address, clock),
                per_email: Limit::per_minute(per_minute.per_email, clock),
            }))
        };
        Self { per_minute, kept }
    }

    /// `true` when the buckets are rows of the database, shared by its servers.
    pub fn is_shared(&self) -> bool {
        matches!(self.kept, Kept::Database { .. })
    }

    /// Counts one authenticated request against its platform's bucket and the user's ceiling;
    /// `Err(retry_after_seconds)` when over either.
    pub async fn check(
        &self,
        bucket: Bucket,
        user_id: &str,
        platform: Platform,
    ) -> Result<(), u64> {
        let m = &self.per_minute;
        match &self.kept {
            Kept::Memory(limits) => {
                let (per_platform, per_user) = match bucket {
                    Bucket::Read => (&limits.read_per_platform, &limits.read_per_user),
                    Bucket::Create => (&limits.create_per_platform, &limits.create_per_user),
                };
                per_platform.check(&(user_id.to_owned(), platform))?;
                per_user.check(&user_id.to_owned())
            }
            Kept::Database { .. } => {
                let (letter, per_platform, per_user) = match bucket {
                    Bucket::Read => ('r', m.read_per_platform, m.read_per_user),
                    Bucket::Create => ('c', m.create_per_platform, m.create_per_user),
                };
                self.take_shared(&[
                    (
                        format!("{letter}p:{user_id}:{}", platform.as_str()),
                        per_platform,
                    ),
                    (format!("{letter}u:{user_id}"), per_user),
                ])
                .await
            }
        }
    }

    /// Counts one request to an unauthenticated session route from `addr`;
    /// `Err(retry_after_seconds)` when over `--auth-rate-limit`.
    pub async fn check_address(&self, route: AuthRoute, addr: IpAddr) -> Result<(), u64> {
        let key = (route, address_key(addr));
        match &self.kept {
            Kept::Memory(limits) => limits.per_address.check(&key),
            Kept::Database { .. } => {
                self.take_shared(&[(
                    format!("a:{route:?}:{}", key.1),
                    self.per_minute.per_address,
                )])
                .await
            }
        }
    }

    /// Counts one sign-in attempt for `email` (compared case-insensitively);
    /// `Err(retry_after_seconds)` when over `--sign-in-rate-limit`.
    pub async fn check_sign_in(&self, email: &str) -> Result<(), u64> {
        let email = email.trim().to_lowercase();
        match &self.kept {
            Kept::Memory(limits) => limits.per_email.check(&email),
            Kept::Database { .. } => {
                self.take_shared(&[(format!("e:{email}"), self.per_minute.per_email)])
                    .await
            }
        }
    }

    /// One request from each `(key, per minute)` bucket kept in the database (0: off).
    async fn take_shared(&self, buckets: &[(String, u32)]) -> Result<(), u64> {
        let Kept::Database {
            store,
            clock,
            checks,
        } = &self.kept
        else {
            return Ok(());
        };
        let takes: Vec<store::rate_limits::Take> = buckets
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(key, n)| store::rate_limits::Take {
                key: key.clone(),
                interval_us: 60_000_000 / i64::from(*n),
                burst: i64::from(*n),
            })
            .collect();
        if takes.is_empty() {
            return Ok(());
        }
        let now_us = clock.now().timestamp_micros();
        if checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            let store = store.clone();
            tokio::spawn(async move {
                if let Err(e) = store::rate_limits::sweep(&store, now_us).await {
                    tracing::warn!(error = %e, "forgetting full rate-limit buckets failed");
                }
            });
        }
        match store::rate_limits::take(store, now_us, takes).await {
            Ok(None) => Ok(()),
            // Round up: retrying after the wait rounded down would still be refused.
            Ok(Some(wait_us)) => {
                let wait_us = u64::try_from(wait_us).unwrap_or(1);
                Err(wait_us.div_ceil(1_000_000).max(1))
            }
            Err(e) => {
                tracing::warn!(error = %e, "counting a request against the shared rate limits failed; letting it through");
                Ok(())
            }
        }
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

    /// A limiter of `config` as adjusted, its buckets in memory, and the same limits with their
    /// buckets in a database; both on one stopped clock.
    fn limiters(adjust: impl Fn(&mut Config)) -> ([RateLimiter; 2], Clock, tempfile::TempDir) {
        let mut config = Config::default();
        adjust(&mut config);
        config.clock.freeze();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("rl.db")).unwrap();
        config.rate_limits = Some(KeptIn::Memory);
        let memory = RateLimiter::new(&config, &store);
        config.rate_limits = Some(KeptIn::Database);
        let database = RateLimiter::new(&config, &store);
        assert!(database.is_shared() && !memory.is_shared());
        ([memory, database], config.clock, dir)
    }

    #[tokio::test]
    async fn requests_over_the_limit_are_refused_with_a_retry_delay() {
        let (limiters, clock, _dir) = limiters(|c| {
            c.read_rate_limit = 2;
            c.create_rate_limit = 0;
            c.user_read_rate_limit = Some(0);
        });
        for limiter in &limiters {
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Revit)
                .await
                .is_ok());
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Revit)
                .await
                .is_ok());
            let retry = limiter
                .check(Bucket::Read, "u", Platform::Revit)
                .await
                .unwrap_err();
            // Two per minute: one comes back every 30 s.
            assert_eq!(retry, 30);
            // Another platform and another bucket have their own counts; 0 means unlimited.
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Rhino)
                .await
                .is_ok());
            for _ in 0..100 {
                assert!(limiter
                    .check(Bucket::Create, "u", Platform::Revit)
                    .await
                    .is_ok());
            }
            // After the wait, one more goes through.
            clock.advance(Duration::from_secs(retry));
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Revit)
                .await
                .is_ok());
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Revit)
                .await
                .is_err());
        }
    }

    #[tokio::test]
    async fn the_per_user_ceiling_holds_across_platforms() {
        let (limiters, _clock, _dir) = limiters(|c| {
            c.read_rate_limit = 2;
            c.user_read_rate_limit = Some(3);
        });
        for limiter in &limiters {
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Revit)
                .await
                .is_ok());
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Revit)
                .await
                .is_ok());
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Rhino)
                .await
                .is_ok());
            assert!(limiter
                .check(Bucket::Read, "u", Platform::Blender)
                .await
                .is_err());
            assert!(limiter
                .check(Bucket::Read, "v", Platform::Blender)
                .await
                .is_ok());
        }
    }

    #[tokio::test]
    async fn addresses_are_counted_per_route_and_ipv6_per_64() {
        let (limiters, _clock, _dir) = limiters(|c| c.auth_rate_limit = 1);
        for limiter in &limiters {
            let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
            let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
            assert!(limiter.check_address(AuthRoute::SignIn, a).await.is_ok());
            assert!(limiter.check_address(AuthRoute::SignIn, b).await.is_err());
            assert!(limiter.check_address(AuthRoute::Refresh, b).await.is_ok());
            let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
            let v4: IpAddr = "192.0.2.7".parse().unwrap();
            assert!(limiter
                .check_address(AuthRoute::SignIn, mapped)
                .await
                .is_ok());
            assert!(limiter.check_address(AuthRoute::SignIn, v4).await.is_err());
            assert!(limiter
                .check_address(AuthRoute::SignIn, "192.0.2.8".parse().unwrap())
                .await
                .is_ok());
        }
    }

    #[tokio::test]
    async fn emails_are_counted_case_insensitively() {
        let (limiters, _clock, _dir) = limiters(|c| c.sign_in_rate_limit = 1);
        for limiter in &limiters {
            assert!(limiter.check_sign_in("Ada@Example.com").await.is_ok());
            assert!(limiter.check_sign_in(" ada@example.com").await.is_err());
            assert!(limiter.check_sign_in("bob@example.com").await.is_ok());
        }
    }
}
