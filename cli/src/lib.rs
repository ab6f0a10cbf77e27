//! The `renderiq` command-line tool, as a library so its parts are tested directly.
//!
//! - [`args`]: the command line (clap);
//! - [`commands`]: one function per command, returning a [`output::Report`];
//! - [`output`]: human and JSON forms of every result and error;
//! - [`store`]: the token store chosen with `--token-store`;
//! - [`progress`]: progress bars on stderr;
//! - [`error`]: errors and exit codes.
#![warn(missing_docs, rust_2018_idioms)]

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

pub mod args;
pub mod commands;
pub mod error;
pub mod output;
pub mod progress;
pub mod store;

pub use args::Cli;
pub use error::CliError;

/// Parses `args` (program name first), runs the command and prints its result: the human form
/// on stdout, or with `--json` one JSON document on stdout and errors as JSON on stderr.
/// Returns the exit code (see [`error::exit`]).
pub fn main(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version exit 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(error::exit::USAGE));
        }
    };
    let json = cli.global.json;
    let bars = progress::Bars::new(!json && std::io::stderr().is_terminal());

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let err = CliError::io("cannot start the async runtime", e);
            report_error(&err, json);
            return ExitCode::from(err.exit_code());
        }
    };
    let result = runtime.block_on(commands::run(cli, bars));
    // A blocking read of stdin or the keychain must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(2));

    match result {
        Ok(report) => {
            report.print(json);
            let _ = std::io::stdout().flush();
            ExitCode::SUCCESS
        }
        Err(err) => {
            report_error(&err, json);
            ExitCode::from(err.exit_code())
        }
    }
}

fn report_error(err: &CliError, json: bool) {
    let text = if json {
        format!("{}\n", output::error_json(err))
    } else {
        output::error_human(err)
    };
    let _ = std::io::stderr().write_all(text.as_bytes());
}
