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

    /// Database URL (`sqlite://path/to/file.db`); default: `renderiq.db` in the data dir.
    #[arg(long, env = "RENDERIQ_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Base URL used in `outputUrl`/`inputUrl`; default: `http://<bound address>`.
    #[arg(long, env = "RENDERIQ_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Render workers running concurrently.
    #[arg(long, env = "RENDERIQ_WORKERS", default_value_t = 2)]
    pub workers: usize,

    /// Simulated generation time per render, spread over progress steps.
    #[arg(long, env = "RENDERIQ_RENDER_DELAY_MS", default_value_t = 300)]
    pub render_delay_ms: u64,

    /// Requests per minute per user and platform for everything but render creation (0 = off).
    #[arg(long, env = "RENDERIQ_READ_RATE_LIMIT", default_value_t = 600)]
    pub read_rate_limit: u32,

    /// Render creations per minute per user and platform (0 = off).
    #[arg(long, env = "RENDERIQ_CREATE_RATE_LIMIT", default_value_t = 30)]
    pub create_rate_limit: u32,

    /// Lifetime of access tokens (JWT).
    #[arg(long, env = "RENDERIQ_TOKEN_TTL_SECONDS", default_value_t = 3600)]
    pub token_ttl_seconds: u64,

    /// Lifetime of refresh tokens.
    #[arg(long, env = "RENDERIQ_REFRESH_TTL_SECONDS", default_value_t = 30 * 24 * 3600)]
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

    /// Gemini API key (generator `gemini`). `Debug` prints it as `<redacted>`.
    #[arg(long, env = "GEMINI_API_KEY", hide_env_values = true)]
    pub gemini_api_key: Option<Secret>,

    /// Gemini API base URL (generator `gemini`); override to test against a local peer.
    #[arg(long, env = "GEMINI_BASE_URL", default_value = DEFAULT_GEMINI_BASE_URL)]
    pub gemini_base_url: String,

    /// Gemini model (generator `gemini`).
    #[arg(long, env = "GEMINI_MODEL", default_value = DEFAULT_GEMINI_MODEL)]
    pub gemini_model: String,

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
            read_rate_limit: 600,
            create_rate_limit: 30,
            token_ttl_seconds: 3600,
            refresh_ttl_seconds: 30 * 24 * 3600,
            webhook_retry_base_ms: 1000,
            webhook_max_attempts: 5,
            webhook_max_failures: 5,
            webhook_timeout_ms: 10_000,
            max_upload_bytes: 20 * 1024 * 1024,
            max_image_edge: 8192,
            max_image_pixels: crate::image_limits::DEFAULT_MAX_IMAGE_PIXELS,
            image_memory_budget_mb: crate::image_limits::DEFAULT_IMAGE_MEMORY_BUDGET_MB,
            retention_days: crate::retention::DEFAULT_RETENTION_DAYS,
            max_pending_renders: crate::retention::DEFAULT_MAX_PENDING_RENDERS,
            generator: GeneratorKind::Local,
            test_hooks: false,
            gemini_api_key: None,
            gemini_base_url: DEFAULT_GEMINI_BASE_URL.to_owned(),
            gemini_model: DEFAULT_GEMINI_MODEL.to_owned(),
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

    /// Path of the SQLite file: from `--database-url`, else `renderiq.db` in the data dir.
    ///
    /// # Errors
    ///
    /// A database URL that is not `sqlite:`.
    pub fn database_path(&self) -> anyhow::Result<PathBuf> {
        database_path(&self.data_dir, self.database_url.as_deref())
    }

    /// Directory where uploads and outputs are stored (served under `/cdn/`).
    pub fn storage_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}

/// Resolves the SQLite file from a data dir and an optional `sqlite://` URL.
///
/// # Errors
///
/// A URL of another scheme: only SQLite is supported.
pub fn database_path(data_dir: &Path, database_url: Option<&str>) -> anyhow::Result<PathBuf> {
    let Some(url) = database_url else {
        return Ok(data_dir.join(DATABASE_FILE));
    };
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .with_context(|| {
            format!("unsupported database URL {url:?}: use sqlite://path/to/file.db")
        })?;
    if rest.is_empty() || rest.starts_with(":memory:") {
        bail!("database URL {url:?} names no file: use sqlite://path/to/file.db");
    }
    Ok(PathBuf::from(rest))
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
    fn the_default_bind_address_is_the_flag_default() {
        assert_eq!(
            Config::default().bind,
            DEFAULT_BIND.parse::<SocketAddr>().unwrap()
        );
    }

    #[test]
    fn database_url_is_parsed_as_a_sqlite_path() {
        let dir = Path::new("/data");
        assert_eq!(database_path(dir, None).unwrap(), dir.join(DATABASE_FILE));
        assert_eq!(
            database_path(dir, Some("sqlite:///tmp/x.db")).unwrap(),
            PathBuf::from("/tmp/x.db")
        );
        assert_eq!(
            database_path(dir, Some("sqlite:rel.db")).unwrap(),
            PathBuf::from("rel.db")
        );
        assert!(database_path(dir, Some("postgres://x")).is_err());
    }
}
