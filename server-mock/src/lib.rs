//! # renderiq-server
//!
//! The reference server of the Renderiq plugin API: every route under `/api/plugins`, state in an
//! embedded SQLite database, credits as a ledger, a worker pool rendering with a pluggable
//! [`Generator`](render::Generator), signed webhook deliveries, uploads and outputs served under
//! `/cdn/`.
//!
//! Start it in-process (tests, the CLI's `demo`) with [`spawn`]:
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let dir = std::env::temp_dir().join("renderiq-demo");
//! renderiq_server::add_user(&dir, "ada@example.com", "correct horse", Some("Ada"), 100)?;
//! let server = renderiq_server::spawn(renderiq_server::Config::ephemeral(&dir)).await?;
//! println!("listening on {}", server.base_url);
//! server.stop().await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs, rust_2018_idioms)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use renderiq_sdk::types::{Credits, User};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub mod admin;
pub mod cdn;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod http;
pub mod image_limits;
pub mod metrics;
pub mod outbound;
pub mod poison;
pub mod private_fs;
pub mod render;
pub mod retention;
pub mod serve;
pub mod serve_lock;
pub mod storage;
pub mod store;
pub mod testing;
pub mod tls;

pub use clock::Clock;
pub use config::{Config, GeneratorKind};
pub use http::{app, AppState};
pub use store::Store;

use http::password::PasswordHashing;
use http::rate_limit::RateLimiter;
use render::{GeminiGenerator, Generator, LocalGenerator};

/// A server started by [`spawn`]. Dropping it asks the server to stop; [`RunningServer::stop`]
/// also waits until it has.
#[derive(Debug)]
pub struct RunningServer {
    /// Base URL clients use (`http://127.0.0.1:PORT`, or `--public-url`).
    pub base_url: String,
    /// The address the listener is bound to.
    pub addr: SocketAddr,
    /// Cancel to shut the server down gracefully.
    pub shutdown: CancellationToken,
    waiters: Arc<http::waiters::Waiters>,
    join: Option<JoinHandle<anyhow::Result<()>>>,
}

impl RunningServer {
    /// How many render long-polls (`GET /renders/{id}?wait=`) the user holds open right now:
    /// the count `--max-waiters-per-user` caps. For monitoring and tests that need a long-poll to
    /// have reached the server before they go on.
    ///
    /// ```no_run
    /// # async fn demo(server: renderiq_server::RunningServer) {
    /// assert_eq!(server.held_long_polls("usr_1"), 0);
    /// # }
    /// ```
    pub fn held_long_polls(&self, user_id: &str) -> usize {
        self.waiters.held_by(user_id)
    }

    /// Stops accepting connections, lets in-flight requests and renders finish, and waits.
    ///
    /// # Errors
    ///
    /// The server failed while running.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.wait_inner().await
    }

    /// Waits until the server stops (after [`RunningServer::shutdown`] is cancelled).
    ///
    /// # Errors
    ///
    /// The server failed while running.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        self.wait_inner().await
    }

    async fn wait_inner(&mut self) -> anyhow::Result<()> {
        match self.join.take() {
            Some(join) => join.await.context("server task")?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Starts the server with the built-in generator chosen by `config.generator`.
///
/// Opens (and migrates) the database, fails and refunds renders a previous run left processing,
/// binds the listener (port 0 picks one), starts the workers and serves until
/// [`RunningServer::shutdown`] is cancelled.
///
/// # Errors
///
/// The data dir, database or address cannot be used, or the Gemini generator lacks its key.
pub async fn spawn(config: Config) -> anyhow::Result<RunningServer> {
    let generator: Arc<dyn Generator> = match config.generator {
        GeneratorKind::Local => Arc::new(LocalGenerator {
            test_hooks: config.test_hooks,
            images: image_limits::ImageLimits::from_config(&config),
        }),
        GeneratorKind::Gemini => {
            let key = config
                .gemini_api_key
                .as_ref()
                .map(renderiq_sdk::Secret::expose);
            let Some(key) = key.filter(|k| !k.is_empty()) else {
                bail!("RENDERIQ_GENERATOR=gemini needs GEMINI_API_KEY");
            };
            Arc::new(
                GeminiGenerator::new(&config.gemini_base_url, &config.gemini_model, key)?
                    .with_image_bounds(image_limits::ImageBounds::from_config(&config)),
            )
        }
    };
    spawn_with_generator(config, generator).await
}

/// [`spawn`] with a generator of your own.
///
/// # Errors
///
/// As [`spawn`].
pub async fn spawn_with_generator(
    config: Config,
    generator: Arc<dyn Generator>,
) -> anyhow::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let base_url = match config
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/'))
    {
        Some(url) if !url.is_empty() => url.to_owned(),
        _ => local_url(addr),
    };
    let shutdown = CancellationToken::new();
    let state = prepare(config, &base_url, generator, shutdown.clone()).await?;
    // Held until the workers have stopped: one server per SQLite file.
    let serving = serve_lock::acquire(&state.config.database()?)?;
    let workers = start_workers(&state);
    let token = shutdown.clone();
    let limits = serve::Limits::from_config(&state.config);
    let waiters = state.waiters.clone();
    let serve = serve::serve(listener, app(state), limits, token.clone());
    let join = tokio::spawn(async move {
        let served = serve.await;
        token.cancel();
        for worker in workers {
            // A worker finishes the render in hand; renders still processing after this are
            // failed and refunded at the next start.
            let _ = tokio::time::timeout(Duration::from_secs(30), worker).await;
        }
        drop(serving);
        served.context("serving HTTP")
    });
    tracing::info!(%addr, %base_url, "renderiq server started");
    Ok(RunningServer {
        base_url,
        addr,
        shutdown,
        waiters,
        join: Some(join),
    })
}

/// Builds the [`AppState`] of a server whose links start with `public_url`: opens and migrates
/// the database and loads the token secret; renders a previous run left processing are taken
/// over by the workers once their lease runs out. Starts no worker and no listener: serve
/// [`app`]`(state)` yourself, or drive it in-process in tests.
///
/// # Errors
///
/// The data dir or database cannot be used.
pub async fn prepare(
    config: Config,
    public_url: &str,
    generator: Arc<dyn Generator>,
    shutdown: CancellationToken,
) -> anyhow::Result<AppState> {
    config.validate()?;
    private_fs::create_dir(&config.data_dir)
        .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
    let database = config.database()?;
    let (links_url, ttl, clock) = (
        public_url.trim_end_matches('/').to_owned(),
        config.cdn_link_ttl_seconds,
        config.clock.clone(),
    );
    let (store, jwt, links, admin_secret) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let store = open(&database)?;
            let jwt = http::auth::JwtKeys::load(&store)?;
            let links = cdn::CdnLinks::load(&store, &links_url, ttl, clock)?;
            let admin_secret = store::secrets::get_or_create_blocking(
                &store,
                "admin_session",
                &http::random_token(48),
            )?;
            Ok((store, jwt, links, admin_secret))
        })
        .await??;
    // Renders a previous run left processing are taken over by the workers when their lease
    // runs out (`--render-lease-seconds`), here or on another server of the same database.
    let lease = Arc::new(store::renders::Lease {
        owner: store::new_id("srv"),
        duration_ms: i64::try_from(config.render_lease_seconds.saturating_mul(1000))
            .unwrap_or(i64::MAX),
        max_attempts: config.render_max_attempts,
    });
    tracing::info!(instance = %lease.owner, "server instance");
    let storage =
        storage::Storage::open_url_or_folder(config.storage_url.as_deref(), config.storage_dir())?;
    let config_max_waiters = config.max_waiters_per_user;
    let proxies = Arc::new(http::proxies::TrustedProxies::new(
        config.trusted_proxies.clone(),
    ));
    let metrics = Arc::new(metrics::Metrics::default());
    let state = AppState::new(http::Shared {
        rate_limiter: Arc::new(RateLimiter::new(&config, &store)),
        passwords: Arc::new(PasswordHashing::new(config.password_hash_permits())),
        deliverer: delivery::Deliverer::new(
            &config,
            store.clone(),
            shutdown.clone(),
            Arc::clone(&metrics),
        )?,
        metrics,
        admin_secret: admin_secret.into(),
        config: Arc::new(config),
        store,
        jwt: Arc::new(jwt),
        public_url: public_url.trim_end_matches('/').into(),
        storage,
        render_watch: Arc::default(),
        work_available: Arc::new(Notify::new()),
        generator,
        shutdown,
        cdn: links,
        waiters: Arc::new(http::waiters::Waiters::new(config_max_waiters)),
        lease,
        proxies,
    });
    Ok(state)
}

/// Starts `config.workers` render workers (at least one), the webhook deliverer and the storage
/// sweeper ([`retention`]); they stop when the state's shutdown token is cancelled, a worker
/// after finishing the render in hand. Deliveries still queued are resumed by the next start.
pub fn start_workers(state: &AppState) -> Vec<JoinHandle<()>> {
    let mut tasks: Vec<JoinHandle<()>> = (0..state.config.workers.max(1))
        .map(|i| tokio::spawn(render::worker::run(state.clone(), i)))
        .chain([state.deliverer.start(), retention::start_sweeper(state)])
        .collect();
    // Long-polls here answer for changes made by the other servers of a PostgreSQL database.
    match state.listen_to_other_servers() {
        Ok(Some(thread)) => tasks.push(tokio::task::spawn_blocking(move || {
            let _ = thread.join();
        })),
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "could not listen for the other servers' render changes")
        }
    }
    tasks
}

/// `http://ADDR`, with a wildcard address replaced by loopback so the URL is usable.
fn local_url(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    format!("http://{addr}")
}

/// Opens the database of a data dir, or the one at `database_url` (`postgres://…`,
/// `sqlite://…`), creating and migrating it if needed. Blocking.
///
/// # Errors
///
/// The database cannot be opened or migrated.
pub fn open_database(data_dir: &Path, database_url: Option<&str>) -> anyhow::Result<Store> {
    open(&config::database(data_dir, database_url)?)
}

fn open(database: &config::Database) -> anyhow::Result<Store> {
    match database {
        config::Database::Sqlite(path) => Store::open(path),
        config::Database::Postgres(url) => Store::connect(url.expose()),
    }
}

/// Creates a user with an argon2 password hash and an optional starting grant of credits.
/// Safe while a server runs on the same database.
///
/// # Errors
///
/// An invalid email or empty password, an email already taken, or a database failure.
pub fn create_user(
    store: &Store,
    email: &str,
    password: &str,
    name: Option<&str>,
    credits: i64,
) -> anyhow::Result<User> {
    let email = email.trim();
    if email.is_empty() || !email.contains('@') {
        bail!("invalid email {email:?}");
    }
    if password.is_empty() {
        bail!("the password must not be empty");
    }
    if credits < 0 {
        bail!("credits must not be negative");
    }
    let hash = http::password::hash_password(password)?;
    Ok(store::users::create_blocking(
        store,
        email,
        name.filter(|n| !n.is_empty()),
        &hash,
        credits,
    )?)
}

/// [`create_user`] on the default database of `data_dir`.
///
/// # Errors
///
/// As [`create_user`] and [`open_database`].
pub fn add_user(
    data_dir: impl AsRef<Path>,
    email: &str,
    password: &str,
    name: Option<&str>,
    credits: i64,
) -> anyhow::Result<User> {
    create_user(
        &open_database(data_dir.as_ref(), None)?,
        email,
        password,
        name,
        credits,
    )
}

/// Grants `amount` credits to the user with `email`; returns the balance after.
///
/// # Errors
///
/// Unknown email, a non-positive amount, or a database failure.
pub fn grant_credits(store: &Store, email: &str, amount: i64) -> anyhow::Result<Credits> {
    if amount <= 0 {
        bail!("the amount must be positive");
    }
    match store::credits::grant_by_email_blocking(
        store,
        email.trim(),
        amount,
        "granted by an administrator",
    ) {
        Err(store::Error::NotFound(_)) => bail!("no user with email {email}"),
        granted => Ok(granted?),
    }
}
