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
//! webhook-verify hot path) and for the few ABI-1 functions existing callers still link
//! (`renderiq_client_sign_in`, `_render_get`, `renderiq_render_start` with `RenderiqImage`,
//! `_wait_start`), which build the same calls.
//!
//! ## Conventions (the same for every function)
//!
//! - **Status codes.** Every fallible function returns an `int32_t`: `RENDERIQ_OK` (0), a
//!   code 1..=17 for the SDK's error kinds (`RENDERIQ_ERROR_AUTH` … `RENDERIQ_ERROR_DECODE`), or a
//!   code from 100 for misuse of the ABI itself (`RENDERIQ_ERROR_NULL_ARGUMENT`,
//!   `RENDERIQ_ERROR_INVALID_HANDLE`, …).
//! - **Errors.** Its last parameter is `RenderiqError** out_error`, which may be NULL. On failure
//!   it receives an error object (code, kind, message, HTTP status, request id, JSON details) that
//!   the caller frees with `renderiq_error_free`; on success it is set to NULL.
//! - **Inputs are borrowed** for the duration of the call only: `const char*` strings are
//!   NUL-terminated UTF-8; byte buffers are `(const uint8_t* data, size_t len)`. Nothing is kept
//!   after the call returns (images are copied before any background work starts).
//! - **Outputs are owned by the caller** and freed with this library's functions only:
//!   `char*` with `renderiq_string_free`, `uint8_t*` with `renderiq_bytes_free`, handles with
//!   their `_free`. Never with `free()`, `delete`, or a marshaller's allocator. On failure every
//!   output is set to NULL (or 0), so freeing unconditionally is safe. An output pointer for a
//!   JSON result may be NULL when the caller does not need the result.
//! - **Results** are the API's objects as JSON text, exactly the camelCase wire JSON of
//!   `renderiq_sdk::types` (`Render`, `User`, `Credits`, `Page`, …); small scalars are
//!   out-parameters.
//! - **Handles** (`RenderiqClient`, `RenderiqOp`, `RenderiqError`) are opaque. A handle is
//!   looked up in a registry of live objects before it is used, so a freed, foreign or
//!   wrong-type pointer (a double free included) is answered with `RENDERIQ_ERROR_INVALID_HANDLE`
//!   and never dereferenced.
//! - **No panic crosses the boundary**: each entry point catches it and returns
//!   `RENDERIQ_ERROR_PANIC`.
//! - **Threads.** A client may be used from several threads at once. Blocking calls run on the
//!   process's one shared tokio runtime; never call them from a UI thread for long work: use
//!   `renderiq_call_start` and poll its operation handle from a timer.
//!
//! ## Safety
//!
//! Every pointer argument must be NULL or valid as documented for the duration of the call:
//! strings NUL-terminated, buffers readable for `len` bytes, out-parameters writable.
//! Everything else (NULL, freed handles, invalid UTF-8, inconsistent sizes) is detected.
#![warn(missing_docs)]
#![warn(rust_2018_idioms)]
#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

mod call;
mod client;
mod error;
mod handle;
mod image;
mod memory;
mod op;
mod webhooks;

pub use call::*;
pub use client::*;
pub use error::*;
pub use image::*;
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
