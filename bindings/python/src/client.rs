//! `renderiq._native.Client`: the core client, driven from Python threads through the one call
//! surface (`call`, `start`), plus the one data path that answers raw bytes (`download`).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::Client;

use crate::call::{parse, to_text, PyCallOperation};
use crate::errors::err;
use crate::operation::run;
use crate::store::store_from;

#[pyclass(name = "Client", module = "renderiq._native", frozen)]
pub struct PyClient {
    inner: Client,
}

#[pymethods]
impl PyClient {
    /// Builds a client from the core's `ClientConfig` JSON (`baseUrl`, `platform`, `maxRetries`,
    /// `tokenStore`, …), which checks every value; `token_store` is an `EncryptedFileStore`
    /// object that replaces the configuration's store.
    #[new]
    #[pyo3(signature = (config_json, token_store=None))]
    fn new(config_json: &str, token_store: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut builder = ClientConfig::from_json(config_json)
            .and_then(ClientConfig::into_builder)
            .map_err(err)?;
        if let Some(store) = token_store.filter(|s| !s.is_none()) {
            builder = builder.shared_token_store(store_from(store)?);
        }
        Ok(Self {
            inner: builder.build().map_err(err)?,
        })
    }

    #[getter]
    fn base_url(&self) -> String {
        self.inner.base_url().as_str().to_owned()
    }

    /// Makes one call (its JSON text, the core's `Call`) on this thread with the GIL released;
    /// answers the result as JSON text. `data` (bytes-like) is attached to the call's image.
    /// Ctrl-C cancels the call, withdrawing a render it created while that is still pending.
    #[pyo3(signature = (call_json, data=None))]
    fn call(
        &self,
        py: Python<'_>,
        call_json: &str,
        data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let call = parse(call_json, data)?;
        let c = self.inner.clone();
        let value = run(py, async move { c.call(call).await })?;
        to_text(&value)
    }

    /// Starts one call in the background; answers its `CallOperation` at once.
    #[pyo3(signature = (call_json, data=None))]
    fn start(&self, call_json: &str, data: Option<&Bound<'_, PyAny>>) -> PyResult<PyCallOperation> {
        let call = parse(call_json, data)?;
        Ok(PyCallOperation::new(self.inner.start(call).map_err(err)?))
    }

    /// A completed render's image as bytes (the `download_render` call writes a file instead).
    fn download(&self, py: Python<'_>, id: String) -> PyResult<Py<PyBytes>> {
        let c = self.inner.clone();
        let bytes = run(py, async move {
            let render = c.retrieve_render(&id).await?;
            c.download_render(&render).await
        })?;
        Ok(PyBytes::new(py, &bytes).unbind())
    }

    fn __repr__(&self) -> String {
        format!("<renderiq Client {}>", self.inner.base_url())
    }
}
