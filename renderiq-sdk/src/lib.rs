//! # renderiq-sdk
//!
//! The Renderiq plugin API client, written once in Rust and shared by every desktop design tool
//! plugin (SketchUp, Revit, AutoCAD, Rhino, ArchiCAD, Blender) through thin bindings.
//!
//! It signs in and keeps the token fresh and safe in the OS keychain, prepares viewport
//! screenshots for upload, creates renders and follows them to completion, and verifies webhook
//! deliveries. The async [`Client`] lives at the crate root; [`blocking::Client`] offers the same
//! names for code without an async runtime.
//!
//! # Examples
//!
//! ```no_run
//! use renderiq_sdk::{Client, Platform, CreateRender, Screenshot};
//!
//! # async fn run() -> renderiq_sdk::Result<()> {
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:8787")
//!     .platform(Platform::Blender)
//!     .plugin("renderiq-blender", "1.0.0")
//!     .build()?;
//! client.sign_in("ada@example.com", "correct horse").await?;
//! let render = client
//!     .create_render(CreateRender::new(Screenshot::file("view.png")).prompt("dusk, warm light"))
//!     .await?;
//! let done = client.wait_for_render(&render.id).await?;
//! println!("{}", done.output_url.unwrap_or_default());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

pub mod blocking;
pub mod call;
mod client;
pub mod config;
mod error;
pub mod error_table;
mod http;
pub mod operation;
mod renders;
mod retry;
pub mod runtime;
pub mod screenshot;
mod secret;
mod session;
mod tls;
pub mod token_store;
pub mod types;
pub mod webhooks;

/// Entry points for the cargo-fuzz targets in `fuzz/` (cargo-fuzz builds with `--cfg fuzzing`);
/// not part of the API and absent from every other build.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use std::time::{Duration, SystemTime};

    /// The SDK's `Retry-After` parser (delay-seconds or an HTTP date), as the retry loop uses it.
    pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
        crate::retry::parse_retry_after(value, now)
    }
}

pub use client::Client;
pub use config::{ClientBuilder, DEFAULT_BASE_URL};
pub use error::{Error, ErrorKind, Result};
pub use operation::{Operation, Progress};
pub use renders::{CreateRender, ListRenders, RenderSettings, WaitOptions, WaitProgress};
pub use retry::RetryPolicy;
pub use screenshot::{PixelFormat, PreparedImage, Screenshot};
pub use secret::Secret;
pub use tokio_util::sync::CancellationToken;
pub use types::{Platform, Quality, Render, RenderStatus};

/// Version of this crate, sent in the `x-renderiq-sdk-version` header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust snippets, compiled as doctests so they cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
