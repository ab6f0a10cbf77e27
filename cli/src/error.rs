//! The CLI's errors and the exit codes they map to.

use std::fmt;

use renderiq_sdk::ErrorKind;

/// Exit codes, documented in `renderiq --help`.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Any other failure.
    pub const FAILURE: u8 = 1;
    /// Bad command line (clap uses it too).
    pub const USAGE: u8 = 2;
    /// Not signed in, rejected credentials, or a missing API-key scope.
    pub const AUTH: u8 = 3;
    /// Not enough credits.
    pub const INSUFFICIENT_CREDITS: u8 = 4;
    /// Too many requests.
    pub const RATE_LIMITED: u8 = 5;
    /// No such render, project, key or webhook.
    pub const NOT_FOUND: u8 = 6;
    /// Ctrl-C while waiting.
    pub const INTERRUPTED: u8 = 130;
}

/// What a command can fail with: an SDK error, or a problem found by the CLI itself.
#[derive(Debug)]
pub enum CliError {
    /// From the SDK (the server's answer, the network, the token store, a webhook check).
    Sdk(renderiq_sdk::Error),
    /// Found by the CLI: a file it cannot read, a missing passphrase, a bad combination.
    Local {
        /// Stable snake_case kind (`io`, `config`, `usage`, `interrupted`).
        kind: &'static str,
        /// What went wrong and what to do.
        message: String,
        /// Exit code.
        exit: u8,
    },
}

impl CliError {
    /// A local failure (exit 1).
    pub fn failure(kind: &'static str, message: impl Into<String>) -> Self {
        Self::Local {
            kind,
            message: message.into(),
            exit: exit::FAILURE,
        }
    }

    /// A usage problem clap could not catch (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::Local {
            kind: "usage",
            message: message.into(),
            exit: exit::USAGE,
        }
    }

    /// A file that cannot be read or written (exit 1).
    pub fn io(what: impl fmt::Display, e: std::io::Error) -> Self {
        Self::failure("io", format!("{what}: {e}"))
    }

    /// Ctrl-C while waiting for a render (exit 130).
    pub fn interrupted(render_id: &str) -> Self {
        Self::Local {
            kind: "interrupted",
            message: format!(
                "stopped waiting; render {render_id} keeps running: \
                 `renderiq status {render_id} --wait` follows it again"
            ),
            exit: exit::INTERRUPTED,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Local { exit, .. } => *exit,
            Self::Sdk(e) => match e.kind() {
                ErrorKind::Auth | ErrorKind::PermissionDenied => exit::AUTH,
                ErrorKind::InsufficientCredits => exit::INSUFFICIENT_CREDITS,
                ErrorKind::RateLimited => exit::RATE_LIMITED,
                ErrorKind::NotFound => exit::NOT_FOUND,
                _ => exit::FAILURE,
            },
        }
    }

    /// The error as JSON: the SDK's [`to_json`](renderiq_sdk::Error::to_json) object, or the
    /// same shape for a local error. Printed as `{"error": …}` on stderr in `--json` mode.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = match self {
            Self::Sdk(e) => e.to_json(),
            Self::Local { kind, message, .. } => serde_json::json!({
                "kind": kind,
                "code": null,
                "message": message,
                "display": message,
                "status": null,
                "requestId": null,
            }),
        };
        if let Some(obj) = value.as_object_mut() {
            obj.insert("exitCode".into(), self.exit_code().into());
        }
        value
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sdk(e) => e.fmt(f),
            Self::Local { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for CliError {}

impl From<renderiq_sdk::Error> for CliError {
    fn from(e: renderiq_sdk::Error) -> Self {
        Self::Sdk(e)
    }
}
