//! `renderiq._native`: the Rust core of the `renderiq` Python package.
//!
//! This module is internal. Users import `renderiq`, whose Python layer converts arguments and
//! results into idiomatic types; see `python/renderiq/`. The layers, as in the other bindings:
//! `renderiq._native` (this crate) → `renderiq._bridge` (thin internal wrapper: argument and
//! model conversion) → `renderiq` (the public API).

mod call;
mod client;
mod convert;
mod errors;
mod image;
mod operation;
mod store;
mod webhooks;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SDK_VERSION", renderiq_sdk::VERSION)?;
    // `True` in a debug build (maturin develop): benchmarks warn, as the image code is ~20x slower.
    m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    errors::register(m)?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<client::PyRenderIter>()?;
    m.add_class::<operation::PyOperation>()?;
    m.add_class::<call::PyCallOperation>()?;
    m.add_class::<image::PyRawImage>()?;
    m.add_class::<image::PyPreparedImage>()?;
    m.add_class::<store::PyEncryptedFileStore>()?;
    m.add_class::<webhooks::PyWebhook>()?;
    m.add_function(wrap_pyfunction!(image::prepare_image, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::parse_event, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::generate_secret, m)?)?;
    Ok(())
}
