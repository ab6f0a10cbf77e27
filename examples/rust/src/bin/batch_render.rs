//! `batch_render`: renders every image in a folder concurrently and saves the outputs.
//!
//! ```text
//! batch_render views/ --out renders/ --prompt "dusk, warm light" --concurrency 4
//! ```
//!
//! Authentication, first found wins: `RENDERIQ_API_KEY`; `RENDERIQ_EMAIL` with
//! `RENDERIQ_PASSWORD` (signed in for this run only); else the session `renderiq login` saved in
//! the OS keychain for the same `--base-url`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use renderiq_examples::batch::{self, BatchOptions, DEFAULT_CONCURRENCY};
use renderiq_sdk::token_store::MemoryStore;
use renderiq_sdk::{Client, Platform, Quality};

/// Renders a folder of viewport screenshots with Renderiq.
#[derive(Parser)]
struct Args {
    /// Folder of PNG/JPEG/WebP screenshots.
    input: PathBuf,

    /// Folder for the outputs (created if missing).
    #[arg(long)]
    out: PathBuf,

    /// Prompt for every render.
    #[arg(long)]
    prompt: String,

    /// Style [default: your setting].
    #[arg(long)]
    style: Option<String>,

    /// Quality: standard, high, ultra [default: your setting].
    #[arg(long)]
    quality: Option<Quality>,

    /// Renders in flight at once.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: usize,

    /// Seconds to wait for one render.
    #[arg(long, default_value_t = 600)]
    timeout: u64,

    /// Server.
    #[arg(long, env = "RENDERIQ_BASE_URL", default_value = "https://renderiq.io")]
    base_url: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<bool, Box<dyn std::error::Error>> {
    let inputs = batch::find_images(&args.input)
        .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?;
    if inputs.is_empty() {
        return Err(format!("no PNG, JPEG or WebP images in {}", args.input.display()).into());
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;

    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut builder = Client::builder()
        .base_url(args.base_url.as_str())
        .platform(Platform::Other)
        .plugin("renderiq-batch-example", env!("CARGO_PKG_VERSION"));
    let sign_in = match (
        env("RENDERIQ_API_KEY"),
        env("RENDERIQ_EMAIL"),
        env("RENDERIQ_PASSWORD"),
    ) {
        (Some(key), _, _) => {
            builder = builder.api_key(key);
            None
        }
        (None, Some(email), Some(password)) => {
            builder = builder.token_store(MemoryStore::new());
            Some((email, password))
        }
        _ => None, // the keychain session of `renderiq login`
    };
    let client = builder.build()?;
    if let Some((email, password)) = sign_in {
        client.sign_in(&email, &password).await?;
    }

    let mut opts = BatchOptions::new(args.prompt).concurrency(args.concurrency);
    opts.style = args.style;
    opts.quality = args.quality;
    opts.timeout = Duration::from_secs(args.timeout);

    eprintln!(
        "rendering {} images, {} at a time",
        inputs.len(),
        opts.concurrency
    );
    let started = Instant::now();
    let outcomes = batch::render_all(&client, inputs, &args.out, &opts).await;
    print!("{}", batch::summary(&outcomes));
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    Ok(outcomes.iter().all(|o| o.result.is_ok()))
}
