//! The integration tests of this crate, in one test binary: one link instead of one per
//! file, which saves minutes of build time and gigabytes of `target/` in CI. Each module
//! is one former `tests/<name>.rs`; run one with `cargo test --test it <module>::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod admin;
mod auth;
mod auth_abuse;
mod cdn_links;
mod connections;
mod crash;
mod credits;
mod database;
mod db_limits;
mod faults;
mod gemini;
mod image_bomb;
mod image_limits;
mod instances;
mod keys;
mod metrics;
mod openapi;
mod outbound;
mod process;
mod projects;
mod rate_limit;
mod render_memo;
mod renders;
mod sdk;
mod sdk_retries;
mod settings;
mod storage_hygiene;
mod webhooks;
