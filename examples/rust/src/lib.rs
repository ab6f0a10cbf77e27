//! What an integrator embedding `renderiq-sdk` writes. Two programs, each a thin `main` over a
//! module here so the logic is tested:
//!
//! - [`batch`] / `batch_render`: renders every image of a folder concurrently, within a
//!   concurrency bound and the server's rate limits, and prints a summary.
//! - [`receiver`] / `webhook_receiver`: an axum server that verifies webhook deliveries with
//!   [`renderiq_sdk::webhooks::Webhook`] and hands on the typed events.
#![warn(missing_docs, rust_2018_idioms)]

pub mod batch;
pub mod receiver;
