//! `login`, `logout`, `whoami`.

use std::io::{BufRead, IsTerminal, Write};

use crate::args::LoginArgs;
use crate::error::CliError;
use crate::output::{self, Report};
use crate::store;

use super::Ctx;

pub async fn login(ctx: &Ctx, args: LoginArgs) -> Result<Report, CliError> {
    let client = ctx.build_client(false)?;
    let where_ = store::describe(&ctx.global);

    if let (Some(key), None) = (ctx.global.api_key.as_deref(), args.email.as_deref()) {
        client.use_api_key(key).await?;
        // Check the key before keeping it; a key without a scope for `me` is still kept.
        if let Err(e) = client.me().await {
            if e.is_auth() {
                let _ = client.sign_out().await;
                return Err(e.into());
            }
        }
        return Ok(output::api_key_saved(&where_));
    }

    let email = match args.email {
        Some(e) => e,
        None if std::io::stdin().is_terminal() => prompt_line("Email: ")?,
        None => {
            return Err(CliError::usage(
                "pass --email (standard input is not a terminal)",
            ))
        }
    };
    let password = if args.password_stdin || !std::io::stdin().is_terminal() {
        read_stdin_line()?
    } else {
        rpassword::prompt_password("Password: ")
            .map_err(|e| CliError::io("could not read the password from the terminal", e))?
    };
    if password.is_empty() {
        return Err(CliError::usage("the password is empty"));
    }
    let spinner = ctx.bars.spinner("signing in");
    let result = client.sign_in(&email, &password).await;
    spinner.finish_and_clear();
    Ok(output::logged_in(&result?, &where_))
}

pub async fn logout(ctx: &Ctx) -> Result<Report, CliError> {
    ctx.build_client(false)?.sign_out().await?;
    Ok(output::logged_out())
}

pub async fn whoami(ctx: &Ctx) -> Result<Report, CliError> {
    Ok(output::user(&ctx.client()?.me().await?))
}

fn prompt_line(prompt: &str) -> Result<String, CliError> {
    let mut err = std::io::stderr();
    let _ = err.write_all(prompt.as_bytes());
    let _ = err.flush();
    let line = read_stdin_line()?;
    if line.is_empty() {
        return Err(CliError::usage("no email given"));
    }
    Ok(line)
}

/// The first line of standard input, without its line ending.
fn read_stdin_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::io("could not read standard input", e))?;
    let trimmed = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(trimmed);
    Ok(line)
}
