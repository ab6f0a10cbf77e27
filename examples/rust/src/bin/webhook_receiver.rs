//! `webhook_receiver`: receives Renderiq webhook deliveries, verifies each with the webhook's
//! `whsec_` secret and prints the typed event; a delivery that does not verify gets a 401.
//!
//! Against a reference server on this machine, start it with `--allow-private-webhooks` (it
//! refuses loopback webhook targets otherwise):
//!
//! ```text
//! RENDERIQ_WEBHOOK_SECRET=whsec_... cargo run -p renderiq-examples --bin webhook_receiver -- --bind 127.0.0.1:3000
//! renderiq webhooks register http://127.0.0.1:3000/webhooks/renderiq --event render.completed
//! ```

use std::net::SocketAddr;

use clap::Parser;
use renderiq_examples::receiver;
use renderiq_sdk::webhooks::Webhook;

/// Verifies Renderiq webhook deliveries and prints their events.
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "RENDERIQ_WEBHOOK_BIND", default_value = "127.0.0.1:3000")]
    bind: SocketAddr,

    /// The webhook's signing secret, shown once by `renderiq webhooks register`.
    #[arg(long, env = "RENDERIQ_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let webhook = Webhook::new(&args.secret)?;
    let app = receiver::app(webhook, |event| println!("{}", receiver::describe(event)));
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    eprintln!(
        "listening on http://{}{}",
        listener.local_addr()?,
        receiver::PATH
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
