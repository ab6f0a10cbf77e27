//! Server configuration: the `serve` command's flags, each also readable from the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use renderiq_sdk::Secret;

use crate::clock::Clock;

/// Default bind address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8787";
/// Default data directory (database, uploads, outputs).
pub const DEFAULT_DATA_DIR: &str = "./renderiq-data";
/// File name of the SQLite database inside the data directory.
pub const DATABASE_FILE: &str = "renderiq.db";
/// Default Gemini endpoint.
pub const DEFAULT_GEMINI_BASE_URL: &str = "https://generativelanguage.googleapis.com";
/// Default Gemini image model.
pub const DEFAULT_GEMINI_MODEL: &str = "gemini-2.5-flash-image";

/// Default `--auth-rate-limit`: requests per minute per client address to each auth route.
pub const DEFAULT_AUTH_RATE_LIMIT: u32 = 60;
/// Default `--sign-in-rate-limit`: sign-in attempts per minute per email (a burst of 10, then
/// one every 6 s).
pub const DEFAULT_SIGN_IN_RATE_LIMIT: u32 = 10;
/// Default `--refresh-grace-seconds`.
pub const DEFAULT_REFRESH_GRACE_SECONDS: u64 = 30;
/// Longest accepted `--token-ttl-seconds`, `--refresh-ttl-seconds`, `--refresh-grace-seconds`
/// and `--cdn-link-ttl-seconds`: 10 years (longer lifetimes are refused by the flags and at
/// startup rather than overflowing date arithmetic).
pub const MAX_TTL_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// Which [`Generator`](crate::render::Generator) renders images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GeneratorKind {
    /// The built-in offline image pipeline ([`LocalGenerator`](crate::render::LocalGenerator)).
    #[default]
    Local,
    /// Google's Gemini image API ([`GeminiGenerator`](crate::render::GeminiGenerator)).
    Gemini,
}

/// Everything `renderiq-server serve` can be told.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "RENDERIQ_BIND", default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,

    /// Directory holding the database, uploads and outputs.
    #[arg(long, env = "RENDERIQ_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// Keep uploads and outputs in an S3-compatible bucket, `s3://bucket` or
    /// `s3://bucket/prefix`, instead of `<data dir>/files`; the endpoint and credentials come
    /// from `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
    /// (`AWS_ALLOW_HTTP=true` for an `http://` endpoint).
    #[arg(long, env = "RENDERIQ_STORAGE_URL")]
    pub storage_url: Option<String>,

    /// Database URL: `postgres://user:password@host/db` for PostgreSQL (several servers may
    /// share it), or `sqlite://path/to/file.db`; default: `renderiq.db` in the data dir.
    /// `Debug` prints it as `<redacted>` (it may hold a password).
    #[arg(long, env = "RENDERIQ_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret>,

    /// Base URL used in `outputUrl`/`inputUrl`; default: `http://<bound address>`.
    #[arg(long, env = "RENDERIQ_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Render workers running concurrently.
    #[arg(long, env = "RENDERIQ_WORKERS", default_value_t = 2)]
    pub workers: usize,

    /// Simulated generation time per render, spread over progress steps.
    #[arg(long, env = "RENDERIQ_RENDER_DELAY_MS", default_value_t = 300)]
    pub render_delay_ms: u64,

    /// How long a worker holds a render it claimed without renewing it. The worker renews it
    /// every third of this while it works; when a server dies its renders are taken over by any
    /// server on the same database once their lease runs out.
    #[arg(long, env = "RENDERIQ_RENDER_LEASE_SECONDS", default_value_t = 30)]
    pub render_lease_seconds: u64,

    /// Times a render is claimed before one whose lease runs out again is failed and refunded
    /// instead of taken over (a render that keeps killing its servers).
    #[arg(long, env = "RENDERIQ_RENDER_MAX_ATTEMPTS", default_value_t = 3)]
    pub render_max_attempts: u32,

    /// Requests per minute per user and platform for everything but render creation (0 = off).
    #[arg(long, env = "RENDERIQ_READ_RATE_LIMIT", default_value_t = 600)]
    pub read_rate_limit: u32,

    /// Render creations per minute per user and platform (0 = off).
    #[arg(long, env = "RENDERIQ_CREATE_RATE_LIMIT", default_value_t = 30)]
    pub create_rate_limit: u32,

    /// Lifetime of access tokens (JWT).
    #[arg(long, env = "RENDERIQ_TOKEN_TTL_SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TTL_SECONDS))]
    pub token_ttl_seconds: u64,

    /// Lifetime of refresh tokens.
    #[arg(long, env = "RENDERIQ_REFRESH_TTL_SECONDS", default_value_t = 30 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TTL_SECONDS))]
    pub refresh_ttl_seconds: u64,

    /// First retry delay of a failed webhook delivery; doubles on each attempt.
    #[arg(long, env = "RENDERIQ_WEBHOOK_RETRY_BASE_MS", default_value_t = 1000)]
    pub webhook_retry_base_ms: u64,

    /// Attempts per webhook delivery (first try included).
    #[arg(long, env = "RENDERIQ_WEBHOOK_MAX_ATTEMPTS", default_value_t = 5)]
    pub webhook_max_attempts: u32,

    /// Consecutive failed deliveries after which a webhook is disabled.
    #[arg(long, env = "RENDERIQ_WEBHOOK_MAX_FAILURES", default_value_t = 5)]
    pub webhook_max_failures: u32,

    /// Timeout of one webhook delivery attempt.
    #[arg(long, env = "RENDERIQ_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,

    /// Let webhooks and render `callbackUrl`s target loopback, private, link-local and other
    /// internal addresses. For local development only: off, the server refuses them at
    /// registration and again at each delivery, so it cannot be made to send requests into its
    /// own network.
    #[arg(long, env = "RENDERIQ_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,

    /// Where rate-limit buckets are kept: `memory` (each server its own) or `database` (shared
    /// by the servers of one database); default: `database` on PostgreSQL, `memory` on SQLite.
    #[arg(long, env = "RENDERIQ_RATE_LIMITS", value_enum)]
    pub rate_limits: Option<crate::http::rate_limit::KeptIn>,

    /// A load balancer (address or network, repeatable; comma-separated in the environment)
    /// whose `X-Forwarded-For` says who the client is, for the per-address limits. Without it
    /// the header is never read: any client could write it.
    #[arg(
        long = "trusted-proxy",
        env = "RENDERIQ_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<crate::http::proxies::ProxyNet>,

    /// Most webhooks one user may have registered.
    #[arg(long, env = "RENDERIQ_MAX_WEBHOOKS_PER_USER", default_value_t = 20)]
    pub max_webhooks_per_user: u32,

    /// Webhook and callback deliveries in flight at once, over all users (at least 1).
    #[arg(long, env = "RENDERIQ_WEBHOOK_CONCURRENCY", default_value_t = 8)]
    pub webhook_concurrency: usize,

    /// Largest accepted upload (decoded image bytes).
    #[arg(long, env = "RENDERIQ_MAX_UPLOAD_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub max_upload_bytes: usize,

    /// Largest accepted image edge in pixels.
    #[arg(long, env = "RENDERIQ_MAX_IMAGE_EDGE", default_value_t = 8192)]
    pub max_image_edge: u32,

    // Bounded image work and storage hygiene (issue 11).
    /// Largest accepted image in pixels (width × height), checked from the header before any
    /// decoding; larger uploads get 413 `PAYLOAD_TOO_LARGE`.
    #[arg(long, env = "RENDERIQ_MAX_IMAGE_PIXELS", default_value_t = crate::image_limits::DEFAULT_MAX_IMAGE_PIXELS)]
    pub max_image_pixels: u64,

    /// Memory (MiB) that image decoding and resizing may use across all renders at once; also
    /// each decoder's allocation limit. An image needing more on its own is refused at upload.
    #[arg(long, env = "RENDERIQ_IMAGE_MEMORY_BUDGET_MB", default_value_t = crate::image_limits::DEFAULT_IMAGE_MEMORY_BUDGET_MB)]
    pub image_memory_budget_mb: u64,

    /// Days a completed render's input and output files are kept; then a sweep (at start and
    /// hourly) deletes them and the render's `inputUrl`/`outputUrl` become null (0 = forever).
    #[arg(long, env = "RENDERIQ_RETENTION_DAYS", default_value_t = crate::retention::DEFAULT_RETENTION_DAYS)]
    pub retention_days: u32,

    /// Renders a user may have pending or processing at once; the next create gets 409
    /// `CONFLICT` and is not charged (0 = no limit).
    #[arg(long, env = "RENDERIQ_MAX_PENDING_RENDERS", default_value_t = crate::retention::DEFAULT_MAX_PENDING_RENDERS)]
    pub max_pending_renders: u32,

    /// Image generator.
    #[arg(long, env = "RENDERIQ_GENERATOR", value_enum, default_value_t = GeneratorKind::Local)]
    pub generator: GeneratorKind,

    /// Test hooks for the SDKs' suites: the local generator fails a render whose prompt contains
    /// `[fail]` (to exercise refunds). Off by default: a shipped server renders every prompt.
    #[arg(long, env = "RENDERIQ_TEST_HOOKS")]
    pub test_hooks: bool,

    /// Answers every render read from the database instead of keeping each render's answer
    /// until it changes (SQLite; see `store::RenderMemo`). For a tool that must change render
    /// rows beside a running server, and to measure the database path.
    #[arg(long, env = "RENDERIQ_NO_RENDER_MEMO")]
    pub no_render_memo: bool,

    /// Turns on the operator dashboard under `/admin`, signed in with this token (at least 16
    /// characters); without it `/admin` is off (404).
    #[arg(long, env = "RENDERIQ_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,

    /// Serves `/metrics` (Prometheus text format) to scrapes sending
    /// `Authorization: Bearer <token>`; without it `/metrics` is off (404).
    #[arg(long, env = "RENDERIQ_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,

    /// Gemini API key (generator `gemini`). `Debug` prints it as `<redacted>`.
    #[arg(long, env = "GEMINI_API_KEY", hide_env_values = true)]
    pub gemini_api_key: Option<Secret>,

    /// Gemini API base URL (generator `gemini`); override to test against a local peer.
    #[arg(long, env = "GEMINI_BASE_URL", default_value = DEFAULT_GEMINI_BASE_URL)]
    pub gemini_base_url: String,

    /// Gemini model (generator `gemini`).
    #[arg(long, env = "GEMINI_MODEL", default_value = DEFAULT_GEMINI_MODEL)]
    pub gemini_model: String,

    // Abuse limits of sign-in and sessions (issue 11). Every limit is a GCRA bucket: the given
    // number at once, then refilled evenly over the minute (see `http::rate_limit`).
    /// Requests per minute per client address to each of sign-in, refresh and sign-out (0 = off).
    #[arg(long, env = "RENDERIQ_AUTH_RATE_LIMIT", default_value_t = DEFAULT_AUTH_RATE_LIMIT)]
    pub auth_rate_limit: u32,

    /// Sign-in attempts per minute per email, right or wrong password (0 = off).
    #[arg(long, env = "RENDERIQ_SIGN_IN_RATE_LIMIT", default_value_t = DEFAULT_SIGN_IN_RATE_LIMIT)]
    pub sign_in_rate_limit: u32,

    /// Requests per minute per user across all platforms for everything but render creation
    /// (0 = off); default: twice `--read-rate-limit`.
    #[arg(long, env = "RENDERIQ_USER_READ_RATE_LIMIT")]
    pub user_read_rate_limit: Option<u32>,

    /// Render creations per minute per user across all platforms (0 = off); default: twice
    /// `--create-rate-limit`.
    #[arg(long, env = "RENDERIQ_USER_CREATE_RATE_LIMIT")]
    pub user_create_rate_limit: Option<u32>,

    /// Password hashes (sign-in checks) computed at once; default: the number of CPUs.
    #[arg(long, env = "RENDERIQ_PASSWORD_HASH_CONCURRENCY")]
    pub password_hash_concurrency: Option<usize>,

    /// Seconds after a refresh during which the same refresh token, presented again, gets the
    /// same new refresh token instead of revoking its family (0 = no grace).
    #[arg(long, env = "RENDERIQ_REFRESH_GRACE_SECONDS", default_value_t = DEFAULT_REFRESH_GRACE_SECONDS)]
    pub refresh_grace_seconds: u64,

    // -- Connections, CDN links and long-polls (issue 11) -----------------------------------
    /// Seconds a client has to send a complete request head (also the longest idle time of a
    /// kept-alive connection); slower connections are closed.
    #[arg(
        long,
        env = "RENDERIQ_HEADER_READ_TIMEOUT_SECONDS",
        default_value_t = 10
    )]
    pub header_read_timeout_seconds: u64,

    /// Longest silence, in seconds, within a request body before the request fails.
    #[arg(
        long,
        env = "RENDERIQ_REQUEST_BODY_TIMEOUT_SECONDS",
        default_value_t = 60
    )]
    pub request_body_timeout_seconds: u64,

    /// Connections served at once; further clients wait in the listen backlog until one closes.
    #[arg(long, env = "RENDERIQ_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Render long-polls (`?wait=`) one user may hold at once; beyond it a long-poll answers at
    /// once with the current state (the SDKs then poll with backoff).
    #[arg(long, env = "RENDERIQ_MAX_WAITERS_PER_USER", default_value_t = 20)]
    pub max_waiters_per_user: usize,

    /// Lifetime of the signed `/cdn/` links in render JSON (`inputUrl`, `outputUrl`); every
    /// read of a render mints fresh ones.
    #[arg(long, env = "RENDERIQ_CDN_LINK_TTL_SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TTL_SECONDS))]
    pub cdn_link_ttl_seconds: u64,
    // -- end of the connection flags ---------------------------------------------------------
    /// The clock of expiry checks and long-poll deadlines: the system clock, except in tests,
    /// which keep a clone to move it forward or stop it ([`Clock`]). Not a flag.
    #[arg(skip)]
    pub clock: Clock,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            public_url: None,
            workers: 2,
            render_delay_ms: 300,
            render_lease_seconds: 30,
            render_max_attempts: 3,
            read_rate_limit: 600,
            create_rate_limit: 30,
            token_ttl_seconds: 3600,
            refresh_ttl_seconds: 30 * 24 * 3600,
            webhook_retry_base_ms: 1000,
            webhook_max_attempts: 5,
            webhook_max_failures: 5,
            webhook_timeout_ms: 10_000,
            allow_private_webhooks: false,
            trusted_proxies: Vec::new(),
            storage_url: None,
            rate_limits: None,
            max_webhooks_per_user: 20,
            webhook_concurrency: 8,
            max_upload_bytes: 20 * 1024 * 1024,
            max_image_edge: 8192,
            max_image_pixels: crate::image_limits::DEFAULT_MAX_IMAGE_PIXELS,
            image_memory_budget_mb: crate::image_limits::DEFAULT_IMAGE_MEMORY_BUDGET_MB,
            retention_days: crate::retention::DEFAULT_RETENTION_DAYS,
            max_pending_renders: crate::retention::DEFAULT_MAX_PENDING_RENDERS,
            generator: GeneratorKind::Local,
            test_hooks: false,
            no_render_memo: false,
            metrics_token: None,
            admin_token: None,
            gemini_api_key: None,
            gemini_base_url: DEFAULT_GEMINI_BASE_URL.to_owned(),
            gemini_model: DEFAULT_GEMINI_MODEL.to_owned(),
            auth_rate_limit: DEFAULT_AUTH_RATE_LIMIT,
            sign_in_rate_limit: DEFAULT_SIGN_IN_RATE_LIMIT,
            user_read_rate_limit: None,
            user_create_rate_limit: None,
            password_hash_concurrency: None,
            refresh_grace_seconds: DEFAULT_REFRESH_GRACE_SECONDS,
            header_read_timeout_seconds: 10,
            request_body_timeout_seconds: 60,
            max_connections: 1024,
            max_waiters_per_user: 20,
            cdn_link_ttl_seconds: 3600,
            clock: Clock::system(),
        }
    }
}

impl Config {
    /// Defaults with the given data directory and a free loopback port: what tests and the
    /// `demo` command want.
    pub fn ephemeral(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            ..Self::default()
        }
    }

    /// Refuses settings the server cannot run with: a lifetime of 0 or over
    /// [`MAX_TTL_SECONDS`], a grace window longer than the refresh lifetime, a password-hash
    /// concurrency of 0. [`spawn`](crate::spawn) calls it first.
    ///
    /// # Errors
    ///
    /// The first invalid setting, naming its flag.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (flag, value) in [
            ("--token-ttl-seconds", self.token_ttl_seconds),
            ("--refresh-ttl-seconds", self.refresh_ttl_seconds),
        ] {
            if !(1..=MAX_TTL_SECONDS).contains(&value) {
                bail!("{flag} {value} is out of range: use 1 to {MAX_TTL_SECONDS} (10 years)");
            }
        }
        if self.refresh_grace_seconds > self.refresh_ttl_seconds {
            bail!(
                "--refresh-grace-seconds {} is longer than --refresh-ttl-seconds {}: use at most \
                 the refresh lifetime (0 turns the grace window off)",
                self.refresh_grace_seconds,
                self.refresh_ttl_seconds
            );
        }
        if self.render_lease_seconds == 0 || self.render_lease_seconds > 3600 {
            bail!(
                "--render-lease-seconds {} is out of range: use 1 to 3600 (a worker renews its \
                 lease every third of it)",
                self.render_lease_seconds
            );
        }
        for (flag, token) in [
            ("--admin-token", &self.admin_token),
            ("--metrics-token", &self.metrics_token),
        ] {
            if token.as_ref().is_some_and(|t| t.expose().len() < 16) {
                bail!(
                    "{flag} is shorter than 16 characters: use a long random one \
                     (for example `openssl rand -hex 24`)"
                );
            }
        }
        if self.render_max_attempts == 0 {
            bail!("--render-max-attempts must be 1 or more (1: never take a render over)");
        }
        if self.password_hash_concurrency == Some(0) {
            bail!(
                "--password-hash-concurrency must be 1 or more (leave it unset for the CPU count)"
            );
        }
        Ok(())
    }

    /// Password hashes computed at once: `--password-hash-concurrency`, else the CPU count.
    pub fn password_hash_permits(&self) -> usize {
        self.password_hash_concurrency
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
            .max(1)
    }

    /// The per-user ceilings across platforms: `(read, create)` per minute, each defaulting to
    /// twice its per-platform limit (0 = off).
    pub fn user_rate_limits(&self) -> (u32, u32) {
        (
            self.user_read_rate_limit
                .unwrap_or(self.read_rate_limit.saturating_mul(2)),
            self.user_create_rate_limit
                .unwrap_or(self.create_rate_limit.saturating_mul(2)),
        )
    }

    /// The database: from `--database-url`, else `renderiq.db` in the data dir.
    ///
    /// # Errors
    ///
    /// A database URL that is neither `postgres:` nor `sqlite:`.
    pub fn database(&self) -> anyhow::Result<Database> {
        database(
            &self.data_dir,
            self.database_url.as_ref().map(Secret::expose),
        )
    }

    /// Directory where uploads and outputs are stored (served under `/cdn/`).
    pub fn storage_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}

/// Where the server keeps its rows.
#[derive(Debug, Clone)]
pub enum Database {
    /// A SQLite file (the embedded default).
    Sqlite(PathBuf),
    /// A PostgreSQL database; the URL may hold a password (`Debug` redacts it).
    Postgres(Secret),
}

/// The database named by `database_url` (`postgres://…`, `postgresql://…`, `sqlite://path`), or
/// the data dir's `renderiq.db` when there is none.
///
/// # Errors
///
/// Another scheme, or a SQLite URL naming no file.
pub fn database(data_dir: &Path, database_url: Option<&str>) -> anyhow::Result<Database> {
    let Some(url) = database_url else {
        return Ok(Database::Sqlite(data_dir.join(DATABASE_FILE)));
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Database::Postgres(Secret::new(url)));
    }
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .with_context(|| {
            format!(
                "unsupported database URL {}: use postgres://user:password@host/db or \
                 sqlite://path/to/file.db",
                crate::store::redact_url(url)
            )
        })?;
    if rest.is_empty() || rest.starts_with(":memory:") {
        bail!("database URL {url:?} names no file: use sqlite://path/to/file.db");
    }
    Ok(Database::Sqlite(PathBuf::from(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_gemini_key() {
        let config = Config {
            gemini_api_key: Some(Secret::new("AIza-very-secret")),
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
    }

    #[test]
    fn lifetimes_beyond_ten_years_are_refused_by_the_flags() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            config: Config,
        }
        let parse = |args: &[&str]| {
            <Cli as clap::Parser>::try_parse_from([&["serve"], args].concat()).map(|c| c.config)
        };
        let ok = parse(&["--cdn-link-ttl-seconds", "60"]).unwrap();
        assert_eq!(ok.cdn_link_ttl_seconds, 60);
        for flag in [
            "--token-ttl-seconds",
            "--refresh-ttl-seconds",
            "--cdn-link-ttl-seconds",
        ] {
            assert!(parse(&[flag, "18446744073709551615"]).is_err(), "{flag}");
            assert!(parse(&[flag, "0"]).is_err(), "{flag}");
        }
        let defaults = parse(&[]).unwrap();
        assert_eq!(
            defaults.header_read_timeout_seconds,
            Config::default().header_read_timeout_seconds
        );
        assert_eq!(defaults.max_connections, Config::default().max_connections);
        assert_eq!(
            defaults.max_waiters_per_user,
            Config::default().max_waiters_per_user
        );
        assert_eq!(
            defaults.cdn_link_ttl_seconds,
            Config::default().cdn_link_ttl_seconds
        );
        assert_eq!(
            defaults.request_body_timeout_seconds,
            Config::default().request_body_timeout_seconds
        );
    }

    #[test]
    fn the_default_bind_address_is_the_flag_default() {
        assert_eq!(
            Config::default().bind,
            DEFAULT_BIND.parse::<SocketAddr>().unwrap()
        );
    }

    #[test]
    fn database_url_names_a_sqlite_file_or_a_postgres_database() {
        let dir = Path::new("/data");
        let sqlite = |url| match database(dir, url).unwrap() {
            Database::Sqlite(path) => path,
            other => panic!("{other:?}"),
        };
        assert_eq!(sqlite(None), dir.join(DATABASE_FILE));
        assert_eq!(
            sqlite(Some("sqlite:///tmp/x.db")),
            PathBuf::from("/tmp/x.db")
        );
        assert_eq!(sqlite(Some("sqlite:rel.db")), PathBuf::from("rel.db"));
        for url in ["postgres://rq:pw@db/x", "postgresql://rq@db/x"] {
            match database(dir, Some(url)).unwrap() {
                Database::Postgres(u) => assert_eq!(u.expose(), url),
                other => panic!("{other:?}"),
            }
        }
        let e = database(dir, Some("mysql://rq:s3cret@db/x")).unwrap_err();
        let e = format!("{e:#}");
        assert!(e.contains("postgres://") && !e.contains("s3cret"), "{e}");
    }

    #[test]
    fn debug_never_prints_the_database_password() {
        let config = Config {
            database_url: Some(Secret::new("postgres://rq:s3cret@db/x")),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn lifetimes_that_would_overflow_are_refused_naming_the_flag() {
        assert!(Config::default().validate().is_ok());
        let huge = Config {
            token_ttl_seconds: u64::MAX,
            ..Config::default()
        };
        let message = huge.validate().unwrap_err().to_string();
        assert!(message.contains("--token-ttl-seconds"), "{message}");
        for bad in [
            Config {
                refresh_ttl_seconds: MAX_TTL_SECONDS + 1,
                ..Config::default()
            },
            Config {
                token_ttl_seconds: 0,
                ..Config::default()
            },
            Config {
                refresh_grace_seconds: u64::MAX,
                ..Config::default()
            },
            Config {
                password_hash_concurrency: Some(0),
                ..Config::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        let longest = Config {
            token_ttl_seconds: MAX_TTL_SECONDS,
            refresh_ttl_seconds: MAX_TTL_SECONDS,
            ..Config::default()
        };
        assert!(longest.validate().is_ok());
    }

    #[test]
    fn per_user_ceilings_default_to_twice_the_per_platform_limits() {
        let config = Config::default();
        assert_eq!(config.user_rate_limits(), (1200, 60));
        let off = Config {
            read_rate_limit: 0,
            user_create_rate_limit: Some(7),
            ..Config::default()
        };
        assert_eq!(off.user_rate_limits(), (0, 7));
    }
}
