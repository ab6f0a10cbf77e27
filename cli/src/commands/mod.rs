//! The commands: each takes the parsed arguments and returns a [`Report`] or a [`CliError`].

use std::time::Duration;

use renderiq_sdk::{Client, Platform, Render, WaitOptions};

use crate::args::{Cli, Command, GlobalArgs};
use crate::error::CliError;
use crate::output::Report;
use crate::progress::{self, Bars};
use crate::store;

mod account;
mod auth;
#[cfg_attr(not(feature = "demo"), allow(unused))]
pub mod demo;
mod renders;
mod webhooks;

/// What every command gets: the global options and whether to draw progress bars.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The global options.
    pub global: GlobalArgs,
    /// Progress bars on stderr (hidden ones when not drawn).
    pub bars: Bars,
}

impl Ctx {
    /// The client for the global options: base URL, token store, API key.
    ///
    /// # Errors
    ///
    /// A bad base URL or token-store setting.
    pub fn client(&self) -> Result<Client, CliError> {
        self.build_client(true)
    }

    fn build_client(&self, with_api_key: bool) -> Result<Client, CliError> {
        let mut builder = Client::builder()
            .base_url(self.global.base_url.as_str())
            .platform(Platform::Other)
            .plugin("renderiq-cli", env!("CARGO_PKG_VERSION"))
            .shared_token_store(store::open(&self.global)?);
        if with_api_key {
            if let Some(key) = self
                .global
                .api_key
                .as_deref()
                .filter(|k| !k.trim().is_empty())
            {
                builder = builder.api_key(key.trim());
            }
        }
        Ok(builder.build()?)
    }
}

/// Runs the command `cli` names.
///
/// # Errors
///
/// Whatever the command fails with.
pub async fn run(cli: Cli, bars: Bars) -> Result<Report, CliError> {
    let ctx = Ctx {
        global: cli.global,
        bars,
    };
    match cli.command {
        Command::Login(args) => auth::login(&ctx, args).await,
        Command::Logout => auth::logout(&ctx).await,
        Command::Whoami => auth::whoami(&ctx).await,
        Command::Credits(args) => account::credits(&ctx, args).await,
        Command::Projects(cmd) => account::projects(&ctx, cmd).await,
        Command::Settings(cmd) => account::settings(&ctx, cmd).await,
        Command::Health => account::health(&ctx).await,
        Command::Keys(cmd) => account::keys(&ctx, cmd).await,
        Command::Render(args) => renders::render(&ctx, args).await,
        Command::Status(args) => renders::status(&ctx, args).await,
        Command::Renders(cmd) => renders::list(&ctx, cmd).await,
        Command::Download(args) => renders::download(&ctx, args).await,
        Command::Cancel(args) => renders::cancel(&ctx, args).await,
        Command::Webhooks(cmd) => webhooks::manage(&ctx, cmd).await,
        Command::Webhook(cmd) => webhooks::delivery(cmd).await,
        Command::Demo(args) => demo::run(&ctx, args).await,
    }
}

/// Follows a render to its end with a progress bar; Ctrl-C stops waiting (not the render).
pub(crate) async fn wait_for(
    client: &Client,
    bars: Bars,
    id: &str,
    timeout: Duration,
) -> Result<Render, CliError> {
    let bar = bars.wait(id);
    let mut opts = WaitOptions::new()
        .timeout(timeout)
        .on_progress(progress::wait_progress(&bar));
    if bars.visible() {
        // The server answers a long-poll early only when the render ends; short holds let the
        // bar show the progress in between, and the end is still seen at once.
        opts = opts.long_poll_wait(Duration::from_secs(1));
    }
    let interrupted = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let result = tokio::select! {
        r = client.wait_for_render_with(id, opts) => r.map_err(CliError::from),
        () = interrupted => Err(CliError::interrupted(id)),
    };
    bar.finish_and_clear();
    result
}
