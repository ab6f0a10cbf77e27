//! `render`, `status`, `renders list`, `download`, `cancel`.

use std::time::Duration;

use renderiq_sdk::{CreateRender, ListRenders, Screenshot};

use crate::args::{DownloadArgs, IdArg, RenderArgs, RendersCommand, StatusArgs};
use crate::error::CliError;
use crate::output::{self, Report};
use crate::progress;

use super::{wait_for, Ctx};

pub async fn render(ctx: &Ctx, args: RenderArgs) -> Result<Report, CliError> {
    // A missing file is the likeliest mistake: say so before talking to the server.
    std::fs::metadata(&args.image)
        .map_err(|e| CliError::io(format_args!("cannot read {}", args.image.display()), e))?;
    let client = ctx.client()?;

    let mut req = CreateRender::new(Screenshot::file(&args.image)).prompt(args.prompt);
    if let Some(s) = args.style {
        req = req.style(s);
    }
    if let Some(q) = args.quality {
        req = req.quality(q.into());
    }
    if let Some(a) = args.aspect_ratio {
        req = req.aspect_ratio(a);
    }
    if let Some(p) = args.project {
        req = req.project_id(p);
    }
    if let Some(u) = args.callback_url {
        req = req.callback_url(u);
    }
    if let Some(k) = args.idempotency_key {
        req = req.idempotency_key(k);
    }
    let bar = ctx.bars.upload();
    let created = client
        .create_render(req.on_upload_progress(progress::upload_progress(&bar)))
        .await;
    bar.finish_and_clear();
    let mut render = created?;

    if !(args.wait || args.out.is_some()) {
        return Ok(output::render_created(&render, None));
    }
    if !render.status.is_terminal() {
        render = wait_for(
            &client,
            ctx.bars,
            &render.id,
            Duration::from_secs(args.timeout),
        )
        .await?;
    }
    let saved = match &args.out {
        Some(path) => {
            let spinner = ctx.bars.spinner("downloading");
            let bytes = client.download_render_to(&render, path).await;
            spinner.finish_and_clear();
            Some((path.as_path(), bytes?))
        }
        None => None,
    };
    Ok(output::render_created(&render, saved))
}

pub async fn status(ctx: &Ctx, args: StatusArgs) -> Result<Report, CliError> {
    let client = ctx.client()?;
    let render = if args.wait {
        wait_for(
            &client,
            ctx.bars,
            &args.id,
            Duration::from_secs(args.timeout),
        )
        .await?
    } else {
        client.retrieve_render(&args.id).await?
    };
    Ok(output::render(&render))
}

pub async fn list(ctx: &Ctx, cmd: RendersCommand) -> Result<Report, CliError> {
    let client = ctx.client()?;
    let RendersCommand::List(a) = cmd;
    let mut q = ListRenders::new().page(a.paging.page).limit(a.paging.limit);
    if let Some(s) = a.status {
        q = q.status(s.into());
    }
    if let Some(p) = a.project {
        q = q.project_id(p);
    }
    Ok(output::renders(&client.list_renders(&q).await?))
}

pub async fn download(ctx: &Ctx, args: DownloadArgs) -> Result<Report, CliError> {
    let client = ctx.client()?;
    let render = client.retrieve_render(&args.id).await?;
    let spinner = ctx.bars.spinner("downloading");
    let bytes = client.download_render_to(&render, &args.out).await;
    spinner.finish_and_clear();
    Ok(output::downloaded(&render.id, &args.out, bytes?))
}

pub async fn cancel(ctx: &Ctx, args: IdArg) -> Result<Report, CliError> {
    let render = ctx.client()?.cancel_render(&args.id).await?;
    let mut report = output::render(&render);
    report
        .human
        .insert_str(0, "cancelled; its credits were refunded\n");
    Ok(report)
}
