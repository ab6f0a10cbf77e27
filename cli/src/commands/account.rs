//! `credits`, `projects`, `settings`, `keys`, `health`.

use renderiq_sdk::types::SettingsUpdate;

use crate::args::{CreditsArgs, CreditsCommand, KeysCommand, ProjectsCommand, SettingsCommand};
use crate::error::CliError;
use crate::output::{self, Report};

use super::Ctx;

pub async fn credits(ctx: &Ctx, args: CreditsArgs) -> Result<Report, CliError> {
    let client = ctx.client()?;
    Ok(match args.command {
        None => output::credits(&client.credits().await?),
        Some(CreditsCommand::Transactions(p)) => {
            output::transactions(&client.credit_transactions(p.page, p.limit).await?)
        }
    })
}

pub async fn projects(ctx: &Ctx, cmd: ProjectsCommand) -> Result<Report, CliError> {
    let client = ctx.client()?;
    Ok(match cmd {
        ProjectsCommand::List => output::projects(&client.projects().await?),
        ProjectsCommand::Create { name, description } => {
            output::project(&client.create_project(&name, description.as_deref()).await?)
        }
    })
}

pub async fn settings(ctx: &Ctx, cmd: SettingsCommand) -> Result<Report, CliError> {
    let client = ctx.client()?;
    Ok(match cmd {
        SettingsCommand::Get => output::settings(&client.settings().await?),
        SettingsCommand::Set(a) => {
            let update = SettingsUpdate {
                default_style: a.default_style,
                default_quality: a.default_quality.map(Into::into),
                default_aspect_ratio: a.default_aspect_ratio,
                default_project_id: a.default_project,
                notify_on_complete: a.notify_on_complete,
            };
            output::settings(&client.update_settings(&update).await?)
        }
    })
}

pub async fn keys(ctx: &Ctx, cmd: KeysCommand) -> Result<Report, CliError> {
    let client = ctx.client()?;
    Ok(match cmd {
        KeysCommand::Create {
            name,
            scopes,
            expires_at,
        } => {
            let scopes: Vec<&str> = scopes
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect();
            output::created_key(&client.create_api_key(&name, &scopes, expires_at).await?)
        }
        KeysCommand::List => output::keys(&client.api_keys().await?),
        KeysCommand::Revoke(a) => {
            client.revoke_api_key(&a.id).await?;
            output::removed("API key", &a.id)
        }
    })
}

pub async fn health(ctx: &Ctx) -> Result<Report, CliError> {
    let client = ctx.client()?;
    let spinner = ctx.bars.spinner("checking the server");
    let health = client.health().await;
    spinner.finish_and_clear();
    Ok(output::health(&health?, client.base_url().as_str()))
}
