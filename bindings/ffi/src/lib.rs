//! # renderiq-ffi: the C ABI of the Renderiq SDK
//!
//! This crate builds `librenderiq` (`.so`/`.dylib`/`.dll` and a static library) and generates
//! `include/renderiq.h` with cbindgen. C and C++ add-ons (ArchiCAD) link it directly, through the
//! header-only C++17 wrapper `include/renderiq.hpp`; the C# binding (Revit, AutoCAD) calls it
//! through P/Invoke; Ruby's Fiddle backend loads it at run time. No SDK logic lives here: every
//! request is a `renderiq_sdk::call::Call` made through `renderiq_call` / `renderiq_call_start`
//! (defaults, validation and waiting are the core's); this crate converts handles, borrowed
//! buffers, JSON text and errors. Typed entry points remain only where a data path needs them
//! (`renderiq_image_prepare` and `renderiq_client_render_download` hand bytes back, the
//! webhook-verify hot path).
//!
//! The rules every function follows (status codes, the `out_error` object, borrowed inputs
//! and caller-owned outputs, checked handles, no panic across the boundary, threads, the
//! safety contract of pointer arguments) are written once, in this crate's README ("Rules of
//! the ABI"), and summed up at the top of `renderiq.h`.
#![warn(missing_docs)]
#![warn(rust_2018_idioms)]
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

mod call;
mod client;
mod error;
mod error_kinds;
mod handle;
mod memory;
mod op;
mod webhooks;

pub use call::*;
pub use client::*;
pub use error::*;
pub use error_kinds::*;
pub use memory::*;
pub use op::*;
pub use webhooks::*;

/// Version of the C ABI described by this header. It changes whenever a function, struct or
/// constant changes incompatibly; every wrapper compares it with `renderiq_abi_version()` when
/// it loads the library.
///
/// Version 2: `renderiq_call` / `renderiq_call_start` / `renderiq_op_outcome`, progress JSON with
/// `version`, handles that are never reused (generation counters).
pub const RENDERIQ_ABI_VERSION: u32 = 2;

/// The ABI version of the loaded library. Compare it with `RENDERIQ_ABI_VERSION` from the
/// header you compiled against; they must be equal.
#[no_mangle]
pub extern "C" fn renderiq_abi_version() -> u32 {
    RENDERIQ_ABI_VERSION
}

/// The SDK version of the loaded library, e.g. `"0.1.0"`: a static string, never freed.
#[no_mangle]
pub extern "C" fn renderiq_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// How many objects this library has handed out and not yet had back: clients, operations,
/// errors, strings and byte buffers. A diagnostic for tests and leak hunting: it returns to its
/// earlier value once everything allocated since was freed.
#[no_mangle]
pub extern "C" fn renderiq_live_object_count() -> u64 {
    std::panic::catch_unwind(handle::live_objects).unwrap_or(0)
}
