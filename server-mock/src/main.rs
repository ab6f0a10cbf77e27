//! `renderiq-server`: serve the plugin API, add users, grant credits.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use renderiq_server::config::DEFAULT_DATA_DIR;
use renderiq_server::Config;

/// The Renderiq reference server.
#[derive(Debug, Parser)]
#[command(name = "renderiq-server", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the plugin API.
    Serve(Box<Config>),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage credits.
    #[command(subcommand)]
    Credits(CreditsCommand),
}

/// Where the admin commands find the database (the same as `serve`'s).
#[derive(Debug, clap::Args)]
struct Store {
    /// Data directory of the server.
    #[arg(long, env = "RENDERIQ_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Database URL (`postgres://user:password@host/db` or `sqlite://path`); default: the data
    /// dir's database.
    #[arg(long, env = "RENDERIQ_DATABASE_URL", hide_env_values = true)]
    database_url: Option<renderiq_sdk::Secret>,
}

impl Store {
    /// Opens (creating and migrating if needed) the database these arguments name.
    fn open(&self) -> anyhow::Result<renderiq_server::Store> {
        renderiq_server::open_database(
            &self.data_dir,
            self.database_url.as_ref().map(renderiq_sdk::Secret::expose),
        )
    }
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user.
    Add {
        /// Email (the sign-in name).
        #[arg(long)]
        email: String,
        /// Password.
        #[arg(long, env = "RENDERIQ_PASSWORD", hide_env_values = true)]
        password: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Credits granted at creation.
        #[arg(long, default_value_t = 0)]
        credits: i64,
        /// Make the user an admin: they sign in to the operator dashboard (`/admin`) with this
        /// email and password, and the dashboard is on without `--admin-token`.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        store: Store,
    },
}

#[derive(Debug, Subcommand)]
enum CreditsCommand {
    /// Grant credits to a user.
    Grant {
        /// The user's email.
        #[arg(long)]
        email: String,
        /// Credits to add.
        #[arg(long)]
        amount: i64,
        #[command(flatten)]
        store: Store,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "renderiq_server=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(config) => serve(*config),
        Command::User(UserCommand::Add {
            email,
            password,
            name,
            credits,
            admin,
            store,
        }) => {
            let db = store.open()?;
            let user =
                renderiq_server::create_user(&db, &email, &password, name.as_deref(), credits)?;
            if admin {
                renderiq_server::store::admin::set_admin_blocking(&db, &user.email, true)?;
            }
            println!(
                "created {} {} ({}) with {credits} credits",
                if admin { "admin" } else { "user" },
                user.email,
                user.id
            );
            Ok(())
        }
        Command::Credits(CreditsCommand::Grant {
            email,
            amount,
            store,
        }) => {
            let db = store.open()?;
            let credits = renderiq_server::grant_credits(&db, &email, amount)?;
            println!(
                "granted {amount} credits to {email}; balance {}",
                credits.balance
            );
            Ok(())
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(async {
        let server = renderiq_server::spawn(config).await?;
        println!(
            "Renderiq reference server listening on http://{}",
            server.addr
        );
        if server.base_url != format!("http://{}", server.addr) {
            println!("Public URL: {}", server.base_url);
        }
        shutdown_signal().await;
        eprintln!("shutting down: finishing in-flight requests and renders");
        server.stop().await
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
