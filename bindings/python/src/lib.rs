//! `renderiq._native`: the Rust core of the `renderiq` Python package.
//!
//! This module is internal. Users import `renderiq`, whose Python layer builds the core's calls
//! from keyword arguments and turns results into model classes; see `python/renderiq/`. Every
//! request goes through `Client.call` / `Client.start`; the only other entry points carry raw
//! bytes (`Client.download`, `prepare_image`), the token store and webhook verification.

mod call;
mod client;
mod convert;
mod errors;
mod image;
mod operation;
mod store;
mod text;
mod webhooks;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SDK_VERSION", renderiq_sdk::VERSION)?;
    // `True` in a debug build (maturin develop): benchmarks warn, as the image code is ~20x slower.
    m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<call::PyCallOperation>()?;
    m.add_class::<store::PyEncryptedFileStore>()?;
    m.add_class::<webhooks::PyWebhook>()?;
    m.add_function(wrap_pyfunction!(image::check_raw, m)?)?;
    m.add_function(wrap_pyfunction!(image::prepare_image, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::generate_secret, m)?)?;
    Ok(())
}
