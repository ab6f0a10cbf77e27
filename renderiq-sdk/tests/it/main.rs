//! The integration tests of this crate, in one test binary: one link instead of one per
//! file, which saves minutes of build time and gigabytes of `target/` in CI. Each module
//! is one former `tests/<name>.rs`; run one with `cargo test --test it <module>::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod creating_post_retries;
mod dropping_the_wait;
mod errors;
mod hostile_server;
mod polling;
mod proxy_and_tls;
mod refresh_on_401;
mod renders;
mod retry_after;
mod screenshot;
mod token_store;
mod webhooks;
