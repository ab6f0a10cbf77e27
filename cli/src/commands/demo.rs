//! `renderiq demo`: the whole flow offline, with no set-up. Starts the reference server in this
//! process on a free loopback port with a fresh data folder, creates a demo user, signs in through
//! the SDK (memory token store), renders the bundled sample viewport with progress bars, waits,
//! downloads the result and says where it is.

use crate::args::DemoArgs;
use crate::error::CliError;
use crate::output::Report;

use super::Ctx;

/// The bundled sample viewport screenshot (1280x720 PNG), from `examples/assets/`.
pub const SAMPLE_VIEWPORT: &[u8] = include_bytes!("../../../examples/assets/sample-viewport.png");

/// Email of the user the demo creates.
pub const DEMO_EMAIL: &str = "demo@renderiq.local";

/// Credits the demo user starts with.
pub const DEMO_CREDITS: i64 = 100;

/// Without the `demo` feature: an error saying so.
#[cfg(not(feature = "demo"))]
pub async fn run(_ctx: &Ctx, _args: DemoArgs) -> Result<Report, CliError> {
    Err(CliError::failure(
        "config",
        "this renderiq was built without the `demo` feature; rebuild with default features",
    ))
}

/// Runs the demo and reports the output file, the render and the credits left.
///
/// # Errors
///
/// The server cannot start (no writable temp folder) or a step of the flow fails.
#[cfg(feature = "demo")]
pub async fn run(ctx: &Ctx, args: DemoArgs) -> Result<Report, CliError> {
    use std::fmt::Write as _;
    use std::time::{Duration, Instant};

    use renderiq_sdk::token_store::MemoryStore;
    use renderiq_sdk::{Client, CreateRender, Platform, Quality, Screenshot};
    use serde_json::json;

    use crate::output;
    use crate::progress;

    let started = Instant::now();
    let server_error =
        |what: &str, e: &dyn std::fmt::Display| CliError::failure("demo", format!("{what}: {e:#}"));

    // A fresh data folder: removed at the end unless --keep.
    let data = tempfile::Builder::new()
        .prefix("renderiq-demo-")
        .tempdir()
        .map_err(|e| CliError::io("cannot create a temporary folder for the demo server", e))?;
    let data_dir = data.path().to_path_buf();

    let password = format!("demo-{}", std::process::id());
    let user_dir = data_dir.clone();
    let user_password = password.clone();
    tokio::task::spawn_blocking(move || {
        renderiq_server::add_user(
            &user_dir,
            DEMO_EMAIL,
            &user_password,
            Some("Demo User"),
            DEMO_CREDITS,
        )
    })
    .await
    .map_err(|e| server_error("creating the demo user", &e))?
    .map_err(|e| server_error("creating the demo user", &e))?;

    let mut config = renderiq_server::Config::ephemeral(&data_dir);
    // Rate limits protect a shared server; the demo has one user.
    config.read_rate_limit = 0;
    config.create_rate_limit = 0;
    let server = renderiq_server::spawn(config)
        .await
        .map_err(|e| server_error("starting the reference server", &e))?;
    let base_url = server.base_url.clone();

    let result = async {
        let client = Client::builder()
            .base_url(base_url.as_str())
            .platform(Platform::Other)
            .plugin("renderiq-cli-demo", env!("CARGO_PKG_VERSION"))
            .token_store(MemoryStore::new())
            .no_proxy() // loopback: never through an office proxy
            .build()?;
        client.sign_in(DEMO_EMAIL, &password).await?;

        let bar = ctx.bars.upload();
        let created = client
            .create_render(
                CreateRender::new(Screenshot::encoded(SAMPLE_VIEWPORT))
                    .prompt(args.prompt.as_str())
                    .style(args.style.as_str())
                    .quality(Quality::High)
                    .aspect_ratio("16:9")
                    .on_upload_progress(progress::upload_progress(&bar)),
            )
            .await;
        bar.finish_and_clear();
        let created = created?;
        let render =
            super::wait_for(&client, ctx.bars, &created.id, Duration::from_secs(120)).await?;
        let bytes = client.download_render_to(&render, &args.out).await?;
        let credits = client.credits().await?;
        Ok::<_, CliError>((render, bytes, credits))
    }
    .await;

    let stopped = server.stop().await;
    let kept = if args.keep { Some(data.keep()) } else { None };
    let (render, bytes, credits) = result?;
    if let Err(e) = stopped {
        return Err(server_error("stopping the reference server", &e));
    }

    let path = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    let dims = image::ImageReader::open(&path)
        .ok()
        .and_then(|r| r.with_guessed_format().ok())
        .and_then(|r| r.into_dimensions().ok());

    let mut human = String::new();
    let _ = writeln!(
        human,
        "Rendered the sample viewport on a local reference server ({base_url}), offline."
    );
    let _ = write!(
        human,
        "  output   {} ({}",
        path.display(),
        output::human_bytes(bytes)
    );
    if let Some((w, h)) = dims {
        let _ = write!(human, ", {w}x{h}");
    }
    human.push_str(")\n");
    let _ = writeln!(
        human,
        "  render   {} ({}, {}, {} credits)",
        render.id, render.style, render.quality, render.credits_cost
    );
    let _ = writeln!(
        human,
        "  credits  {} of {DEMO_CREDITS} left",
        credits.balance
    );
    if let Some(dir) = &kept {
        let _ = writeln!(
            human,
            "  data     {} (kept: database, upload and output)",
            dir.display()
        );
    }
    let _ = writeln!(human, "  time     {:.1} s", started.elapsed().as_secs_f64());
    human.push_str(
        "Next: run your own server with `renderiq-server serve`, add a user with \
         `renderiq-server user add`, then `renderiq --base-url http://127.0.0.1:8787 login`.\n",
    );

    let json = json!({
        "render": serde_json::to_value(&render).unwrap_or_default(),
        "output": {
            "path": path.display().to_string(),
            "bytes": bytes,
            "width": dims.map(|d| d.0),
            "height": dims.map(|d| d.1),
        },
        "creditsLeft": credits.balance,
        "server": base_url,
        "dataDir": kept.as_ref().map(|d| d.display().to_string()),
    });
    Ok(Report { json, human })
}
