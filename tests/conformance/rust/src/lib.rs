//! The Rust runner of the conformance suite (`tests/conformance/README.md`): every scenario
//! file runs through [`Client::call`](renderiq_sdk::Client::call) and
//! [`Client::start`](renderiq_sdk::Client::start), webhooks through
//! [`renderiq_sdk::webhooks`].

pub mod buffers;
pub mod expect;
pub mod matching;
pub mod scenario;
pub mod setup;
pub mod vars;
