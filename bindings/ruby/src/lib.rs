//! `Renderiq::Native`: the magnus extension under the `renderiq` gem.
//!
//! The lowest layer of the Ruby binding, the same shape as the C ABI the Fiddle backend uses:
//! a client whose `start(call_json, data)` starts any call of the core, an operation to poll
//! or wait on (GVL released), and the webhook functions. Users never call it directly.
#![warn(rust_2018_idioms)]

mod client;
mod error;
mod gvl;
mod operation;
mod webhook;

use magnus::prelude::*;
use magnus::{function, method, Error, Ruby};

use client::RbClient;
use operation::RbOperation;

/// The version of the shapes this extension exchanges with the Ruby layer, checked at load
/// like the C ABI's `renderiq_abi_version()`.
const ABI_VERSION: u32 = 4;

#[magnus::init(name = "renderiq_native")]
fn init(ruby: &Ruby) -> Result<(), Error> {
    let native = ruby.define_module("Renderiq")?.define_module("Native")?;
    native.define_singleton_method("abi_version", function!(|| ABI_VERSION, 0))?;
    native.define_singleton_method("sdk_version", function!(|| renderiq_sdk::VERSION, 0))?;
    native.define_singleton_method("webhook_verify", function!(webhook::verify, 5))?;
    native.define_singleton_method("webhook_sign", function!(webhook::sign, 4))?;

    let op = native.define_class("Operation", ruby.class_object())?;
    op.undef_default_alloc_func();
    op.define_method("done?", method!(RbOperation::done, 0))?;
    op.define_method("cancel", method!(RbOperation::cancel, 0))?;
    op.define_method("cancelled?", method!(RbOperation::cancelled, 0))?;
    op.define_method("progress_json", method!(RbOperation::progress_json, 0))?;
    op.define_method("wait", method!(RbOperation::wait, 1))?;
    op.define_method("outcome", method!(RbOperation::outcome, 0))?;

    let c = native.define_class("Client", ruby.class_object())?;
    c.undef_default_alloc_func();
    c.define_singleton_method("new", function!(RbClient::new, 1))?;
    c.define_method("start", method!(RbClient::start, 2))?;
    Ok(())
}
