//! `Renderiq::Native`: the magnus extension under the `renderiq` gem.
//!
//! This is the lowest of the Ruby binding's three layers (native → `Renderiq::Backend::Native`
//! → the public `Renderiq::Client`). It mirrors the C ABI's shape (JSON documents in and out,
//! operation handles) so the Ruby layers above are shared with the Fiddle backend. Users never
//! call it directly.
#![warn(rust_2018_idioms)]

mod client;
mod error;
mod gvl;
mod operation;
mod webhook;

use magnus::prelude::*;
use magnus::{function, method, Error, Ruby};

use client::{RbClient, RbScreenshot};
use operation::RbOperation;

/// The version of the JSON shapes this extension exchanges with the Ruby layer. The Ruby layer
/// checks it at load, like the C ABI's `renderiq_abi_version()`.
const ABI_VERSION: u32 = 2;

#[magnus::init(name = "renderiq_native")]
fn init(ruby: &Ruby) -> Result<(), Error> {
    let renderiq = ruby.define_module("Renderiq")?;
    let native = renderiq.define_module("Native")?;
    native.define_singleton_method("abi_version", function!(|| ABI_VERSION, 0))?;
    native.define_singleton_method("sdk_version", function!(|| renderiq_sdk::VERSION, 0))?;
    native.define_singleton_method("error_table_json", function!(error::table_json, 0))?;
    native.define_singleton_method("webhook_verify", function!(webhook::verify, 5))?;
    native.define_singleton_method("webhook_event", function!(webhook::event, 4))?;
    native.define_singleton_method("webhook_sign", function!(webhook::sign, 4))?;

    let shot = native.define_class("Screenshot", ruby.class_object())?;
    shot.undef_default_alloc_func();
    shot.define_singleton_method("file", function!(RbScreenshot::file, 1))?;
    shot.define_singleton_method("encoded", function!(RbScreenshot::encoded, 1))?;
    shot.define_singleton_method("raw", function!(RbScreenshot::raw, 6))?;

    let op = native.define_class("Operation", ruby.class_object())?;
    op.undef_default_alloc_func();
    op.define_method("done?", method!(RbOperation::done, 0))?;
    op.define_method("cancel", method!(RbOperation::cancel, 0))?;
    op.define_method("cancelled?", method!(RbOperation::cancelled, 0))?;
    op.define_method("progress_json", method!(RbOperation::progress_json, 0))?;
    op.define_method("wait", method!(RbOperation::wait, 1))?;
    op.define_method("take", method!(RbOperation::take, 0))?;
    op.define_method("outcome", method!(RbOperation::outcome, 0))?;

    let c = native.define_class("Client", ruby.class_object())?;
    c.undef_default_alloc_func();
    c.define_singleton_method("new", function!(RbClient::new, 1))?;
    c.define_method("call", method!(RbClient::call, 2))?;
    c.define_method("start", method!(RbClient::start, 2))?;
    c.define_method("start_sign_in", method!(RbClient::start_sign_in, 2))?;
    c.define_method("start_use_api_key", method!(RbClient::start_use_api_key, 1))?;
    c.define_method(
        "start_is_signed_in",
        method!(RbClient::start_is_signed_in, 0),
    )?;
    c.define_method("start_me", method!(RbClient::start_me, 0))?;
    c.define_method("start_sign_out", method!(RbClient::start_sign_out, 0))?;
    c.define_method(
        "start_create_render",
        method!(RbClient::start_create_render, 2),
    )?;
    c.define_method(
        "start_create_and_wait",
        method!(RbClient::start_create_and_wait, 3),
    )?;
    c.define_method("start_get_render", method!(RbClient::start_get_render, 1))?;
    c.define_method(
        "start_list_renders",
        method!(RbClient::start_list_renders, 1),
    )?;
    c.define_method(
        "start_cancel_render",
        method!(RbClient::start_cancel_render, 1),
    )?;
    c.define_method(
        "start_wait_for_render",
        method!(RbClient::start_wait_for_render, 2),
    )?;
    c.define_method(
        "start_download_render",
        method!(RbClient::start_download_render, 2),
    )?;
    c.define_method("start_projects", method!(RbClient::start_projects, 0))?;
    c.define_method(
        "start_create_project",
        method!(RbClient::start_create_project, 2),
    )?;
    c.define_method("start_credits", method!(RbClient::start_credits, 0))?;
    c.define_method(
        "start_credit_transactions",
        method!(RbClient::start_credit_transactions, 2),
    )?;
    c.define_method("start_settings", method!(RbClient::start_settings, 0))?;
    c.define_method(
        "start_update_settings",
        method!(RbClient::start_update_settings, 1),
    )?;
    c.define_method(
        "start_create_api_key",
        method!(RbClient::start_create_api_key, 3),
    )?;
    c.define_method("start_api_keys", method!(RbClient::start_api_keys, 0))?;
    c.define_method(
        "start_revoke_api_key",
        method!(RbClient::start_revoke_api_key, 1),
    )?;
    c.define_method(
        "start_register_webhook",
        method!(RbClient::start_register_webhook, 2),
    )?;
    c.define_method("start_webhooks", method!(RbClient::start_webhooks, 0))?;
    c.define_method(
        "start_delete_webhook",
        method!(RbClient::start_delete_webhook, 1),
    )?;
    c.define_method("start_health", method!(RbClient::start_health, 0))?;
    Ok(())
}
