//! The command line, as clap types. Parsing only: the commands live in [`crate::commands`].

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use renderiq_sdk::types::{Quality, RenderStatus};

/// The production API, the default of `--base-url`.
pub use renderiq_sdk::DEFAULT_BASE_URL;

/// Text printed after `renderiq --help`.
pub const AFTER_HELP: &str = "\
Environment:
  RENDERIQ_BASE_URL           server to talk to (same as --base-url)
  RENDERIQ_API_KEY            API key to authenticate with instead of a saved session
  RENDERIQ_TOKEN_STORE        keychain | file | memory (same as --token-store)
  RENDERIQ_TOKEN_FILE         session file of the `file` store
  RENDERIQ_TOKEN_PASSPHRASE   passphrase that encrypts the session file (`file` store)
  RENDERIQ_WEBHOOK_SECRET     whsec_ secret for `webhook verify`

Exit codes:
  0  success
  1  failure (network, server, a render that failed, a webhook that does not verify, ...)
  2  usage error: unknown command, missing or invalid argument
  3  authentication or permission: sign in with `renderiq login` or check the API key's scopes
  4  insufficient credits
  5  rate limited: wait for the delay shown and try again
  6  not found
  130  interrupted (Ctrl-C) while waiting; the render keeps running on the server

Try it offline, with no account: `renderiq demo`";

/// The Renderiq command-line tool: sign in, render viewport screenshots, follow renders, manage
/// API keys and webhooks.
#[derive(Debug, Parser)]
#[command(name = "renderiq", version, about, long_about = None, after_help = AFTER_HELP)]
#[command(propagate_version = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Server to talk to, e.g. http://127.0.0.1:8787 for a local reference server.
    #[arg(long, global = true, env = "RENDERIQ_BASE_URL", default_value = DEFAULT_BASE_URL)]
    pub base_url: String,

    /// Machine output: one JSON document on stdout; errors as JSON on stderr.
    #[arg(long, global = true)]
    pub json: bool,

    /// Where the session is kept between runs.
    #[arg(
        long,
        global = true,
        env = "RENDERIQ_TOKEN_STORE",
        value_enum,
        default_value_t = StoreKind::Keychain
    )]
    pub token_store: StoreKind,

    /// Session file of `--token-store file` [default: ~/.config/renderiq/session.bin].
    #[arg(long, global = true, env = "RENDERIQ_TOKEN_FILE", value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Authenticate with this API key instead of the saved session.
    #[arg(
        long,
        global = true,
        env = "RENDERIQ_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
}

/// Where the session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// The OS keychain (Windows Credential Manager, macOS Keychain, Secret Service).
    Keychain,
    /// A file encrypted with RENDERIQ_TOKEN_PASSPHRASE, for machines without a keychain.
    File,
    /// Nothing saved: the session lasts for one command (with --api-key, or for `demo`).
    Memory,
}

impl StoreKind {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keychain => "keychain",
            Self::File => "file",
            Self::Memory => "memory",
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in with email and password and save the session (with --api-key: save the key).
    Login(LoginArgs),
    /// Sign out: revoke the session on the server and forget it here.
    Logout,
    /// Show the signed-in user.
    Whoami,
    /// Show the credit balance, or the ledger with `credits transactions`.
    Credits(CreditsArgs),
    /// List or create projects.
    #[command(subcommand)]
    Projects(ProjectsCommand),
    /// Render a viewport screenshot.
    Render(RenderArgs),
    /// Show a render's state; with --wait, follow it to the end.
    Status(StatusArgs),
    /// List renders.
    #[command(subcommand)]
    Renders(RendersCommand),
    /// Download a completed render's output image.
    Download(DownloadArgs),
    /// Cancel a render that has not started processing (its credits are refunded).
    Cancel(IdArg),
    /// Create, list or revoke API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Register, list or delete webhooks.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Work with one webhook delivery.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Show or change the default render settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Check that the server is up.
    Health,
    /// Try everything offline: run a local reference server, render a sample viewport, save it.
    Demo(DemoArgs),
}

/// `renderiq login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Account email; asked for when not given.
    #[arg(long, env = "RENDERIQ_EMAIL")]
    pub email: Option<String>,

    /// Read the password from the first line of standard input (for scripts).
    #[arg(long)]
    pub password_stdin: bool,
}

/// `renderiq credits`.
#[derive(Debug, Args)]
pub struct CreditsArgs {
    /// `transactions` for the ledger; nothing for the balance.
    #[command(subcommand)]
    pub command: Option<CreditsCommand>,
}

/// `renderiq credits …`.
#[derive(Debug, Subcommand)]
pub enum CreditsCommand {
    /// The credit ledger, newest first.
    Transactions(PageArgs),
}

/// Paging options.
#[derive(Debug, Clone, Copy, Args)]
pub struct PageArgs {
    /// Page number, from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,

    /// Items per page (the server caps it at 100).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
}

/// `renderiq projects …`.
#[derive(Debug, Subcommand)]
pub enum ProjectsCommand {
    /// List projects.
    List,
    /// Create a project.
    Create {
        /// Project name.
        name: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
}

/// Render quality on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QualityArg {
    /// Fast preview (5 credits).
    Standard,
    /// Presentation quality (10 credits).
    High,
    /// Print quality (20 credits).
    Ultra,
}

impl From<QualityArg> for Quality {
    fn from(q: QualityArg) -> Self {
        match q {
            QualityArg::Standard => Quality::Standard,
            QualityArg::High => Quality::High,
            QualityArg::Ultra => Quality::Ultra,
        }
    }
}

/// Render state on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    /// Waiting for a worker.
    Pending,
    /// Being generated.
    Processing,
    /// Done.
    Completed,
    /// Failed (refunded).
    Failed,
    /// Cancelled (refunded).
    Cancelled,
}

impl From<StatusArg> for RenderStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Pending => RenderStatus::Pending,
            StatusArg::Processing => RenderStatus::Processing,
            StatusArg::Completed => RenderStatus::Completed,
            StatusArg::Failed => RenderStatus::Failed,
            StatusArg::Cancelled => RenderStatus::Cancelled,
        }
    }
}

/// `renderiq render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The viewport screenshot (PNG, JPEG or WebP).
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,

    /// What to render, e.g. "dusk, warm interior light, wet pavement".
    #[arg(long)]
    pub prompt: String,

    /// Style: photorealistic, sketch, watercolor, clay, night, blueprint, ... [default: your setting]
    #[arg(long)]
    pub style: Option<String>,

    /// Quality, which sets the cost [default: your setting]
    #[arg(long, value_enum)]
    pub quality: Option<QualityArg>,

    /// Aspect ratio such as 16:9 [default: your setting]
    #[arg(long, value_parser = parse_aspect_ratio)]
    pub aspect_ratio: Option<String>,

    /// Project id to file the render under.
    #[arg(long, value_name = "PROJECT_ID")]
    pub project: Option<String>,

    /// URL that receives a signed webhook delivery when the render ends.
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,

    /// Idempotency key: repeating the command with the same key creates and charges one render.
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,

    /// Wait until the render ends.
    #[arg(long)]
    pub wait: bool,

    /// Give up waiting after this many seconds (the render keeps running).
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// Save the output image here (implies --wait).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `renderiq status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Render id.
    pub id: String,

    /// Follow the render until it ends.
    #[arg(long)]
    pub wait: bool,

    /// Give up waiting after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

/// `renderiq renders …`.
#[derive(Debug, Subcommand)]
pub enum RendersCommand {
    /// List renders, newest first.
    List(ListRendersArgs),
}

/// `renderiq renders list`.
#[derive(Debug, Args)]
pub struct ListRendersArgs {
    /// Only renders in this state.
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,

    /// Only renders of this project.
    #[arg(long, value_name = "PROJECT_ID")]
    pub project: Option<String>,

    /// Paging.
    #[command(flatten)]
    pub paging: PageArgs,
}

/// `renderiq download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Render id.
    pub id: String,

    /// Where to save the image.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// A command that takes one id.
#[derive(Debug, Args)]
pub struct IdArg {
    /// The id.
    pub id: String,
}

/// `renderiq keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key; it is shown once.
    Create {
        /// A name to recognise the key by.
        name: String,
        /// Scope to grant (repeat or separate with commas): renders:create, renders:read,
        /// projects:read, projects:write, credits:read, settings:read, settings:write,
        /// webhooks:manage, keys:manage.
        #[arg(
            long = "scope",
            value_name = "SCOPE",
            required = true,
            value_delimiter = ','
        )]
        scopes: Vec<String>,
        /// Expiry: an RFC 3339 time (2026-01-31T12:00:00Z) or a date (2026-01-31).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        expires_at: Option<DateTime<Utc>>,
    },
    /// List API keys (without their secrets).
    List,
    /// Revoke an API key.
    Revoke(IdArg),
}

/// `renderiq webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Register a webhook; its whsec_ signing secret is shown once.
    Register {
        /// HTTPS (or loopback HTTP) URL receiving deliveries.
        url: String,
        /// Event to deliver (repeat or separate with commas): render.completed, render.failed,
        /// render.cancelled [default: all]
        #[arg(long = "event", value_name = "EVENT", value_delimiter = ',')]
        events: Vec<String>,
    },
    /// List webhooks.
    List,
    /// Delete a webhook.
    Delete(IdArg),
}

/// `renderiq webhook …`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Verify a delivery's signature and print its event. Exits 1 when it does not verify.
    Verify(VerifyArgs),
}

/// `renderiq webhook verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The webhook's whsec_ signing secret.
    #[arg(long, env = "RENDERIQ_WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: String,

    /// A request header, 'name: value' (repeatable): webhook-id, webhook-timestamp,
    /// webhook-signature.
    #[arg(long = "header", short = 'H', value_name = "'NAME: VALUE'", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,

    /// File of request headers: 'name: value' lines (as in an HTTP dump) or a JSON object.
    #[arg(long, value_name = "FILE")]
    pub headers_file: Option<PathBuf>,

    /// The raw request body; `-` reads standard input [default: the body after the headers of
    /// an HTTP dump given with --headers-file, else standard input]
    #[arg(long, value_name = "FILE|-")]
    pub body_file: Option<String>,

    /// Verify as if the time were this (unix seconds), for old deliveries.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub now: Option<i64>,
}

/// `renderiq settings …`.
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Show the settings.
    Get,
    /// Change settings.
    Set(SettingsSetArgs),
}

/// `renderiq settings set`: at least one option.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct SettingsSetArgs {
    /// Default style of new renders.
    #[arg(long)]
    pub default_style: Option<String>,

    /// Default quality.
    #[arg(long, value_enum)]
    pub default_quality: Option<QualityArg>,

    /// Default aspect ratio.
    #[arg(long, value_parser = parse_aspect_ratio)]
    pub default_aspect_ratio: Option<String>,

    /// Default project id.
    #[arg(long, value_name = "PROJECT_ID")]
    pub default_project: Option<String>,

    /// Send webhook deliveries when renders end.
    #[arg(long, value_name = "BOOL")]
    pub notify_on_complete: Option<bool>,
}

/// `renderiq demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to save the rendered image.
    #[arg(long, value_name = "FILE", default_value = "renderiq-demo.png")]
    pub out: PathBuf,

    /// Keep the demo server's data folder (database, uploads, outputs) and print where it is.
    #[arg(long)]
    pub keep: bool,

    /// Prompt of the demo render.
    #[arg(
        long,
        default_value = "warm evening light, photorealistic, people on the terrace"
    )]
    pub prompt: String,

    /// Style of the demo render.
    #[arg(long, default_value = "photorealistic")]
    pub style: String,
}

/// `W:H` with positive integers, e.g. `16:9`.
pub fn parse_aspect_ratio(s: &str) -> Result<String, String> {
    let ok = s.split_once(':').is_some_and(|(w, h)| {
        [w, h]
            .iter()
            .all(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()))
            && w.parse::<u32>().is_ok_and(|n| n > 0)
            && h.parse::<u32>().is_ok_and(|n| n > 0)
    });
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "{s:?} is not an aspect ratio: use W:H, e.g. 16:9, 4:3, 1:1"
        ))
    }
}

/// An RFC 3339 time, or a date meaning its midnight UTC.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(format!(
        "{s:?} is not a time: use 2026-01-31 or 2026-01-31T12:00:00Z"
    ))
}

/// `name: value`.
pub fn parse_header(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() && !name.trim().contains(' ') => {
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!(
            "{s:?} is not a header: use 'name: value', e.g. 'webhook-id: msg_123'"
        )),
    }
}
