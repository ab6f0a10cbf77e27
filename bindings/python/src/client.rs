//! `renderiq._native.Client`: the core async client driven from Python threads.
//!
//! Each method converts its arguments, runs the core call through [`run`] (GIL released,
//! Ctrl-C cancels) and returns wire objects as `dict`s; the Python layer builds the models.

use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::types::SettingsUpdate;
use renderiq_sdk::{
    Client, CreateRender, ListRenders, Quality, Render, RenderSettings, RenderStatus, WaitOptions,
};

use crate::convert::{py_to_json, to_py};
use crate::errors::err;
use crate::image::{upload_from, Upload};
use crate::operation::{finish, progress_to_py, run, PyOperation};
use crate::store::store_from;

/// Seconds from Python as a `Duration`; `ValueError` for negative, NaN or absurd values.
pub fn seconds(value: f64, name: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{name} must be a non-negative number of seconds, not {value}"
        ))
    })
}

fn parse<T: std::str::FromStr<Err = String>>(value: &str) -> PyResult<T> {
    value.parse().map_err(PyValueError::new_err)
}

/// The render settings shared by `create_render` and `start_render`, from a `dict` whose
/// keys are the Python keyword names (absent or `None` = the server's default).
fn render_settings(d: &Bound<'_, PyDict>) -> PyResult<RenderSettings> {
    let get = |k: &str| -> PyResult<Option<String>> {
        match d.get_item(k)? {
            Some(v) if !v.is_none() => Ok(Some(v.extract::<String>().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!("{k} must be a str"))
            })?)),
            _ => Ok(None),
        }
    };
    for key in d.keys() {
        let key: String = key.extract()?;
        if !FIELDS.contains(&key.as_str()) {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "unexpected render setting {key:?}; use one of {}",
                FIELDS.join(", ")
            )));
        }
    }
    Ok(RenderSettings {
        prompt: get("prompt")?,
        style: get("style")?,
        quality: get("quality")?.map(|q| parse::<Quality>(&q)).transpose()?,
        aspect_ratio: get("aspect_ratio")?,
        project_id: get("project_id")?,
        callback_url: get("callback_url")?,
        idempotency_key: get("idempotency_key")?,
    })
}

const FIELDS: [&str; 7] = [
    "prompt",
    "style",
    "quality",
    "aspect_ratio",
    "project_id",
    "callback_url",
    "idempotency_key",
];

#[pyclass(name = "Client", module = "renderiq._native", frozen)]
pub struct PyClient {
    inner: Client,
}

impl PyClient {
    fn request(
        &self,
        image: &Bound<'_, PyAny>,
        settings: RenderSettings,
    ) -> PyResult<CreateRender> {
        let req = match upload_from(image)? {
            Upload::Shot(shot) => CreateRender::new(shot),
            Upload::Prepared(p) => CreateRender::from_prepared(p),
        };
        Ok(req.settings(settings))
    }

    fn render_of(&self, render: &Bound<'_, PyAny>) -> PyResult<Render> {
        serde_json::from_value(py_to_json(render)?)
            .map_err(|e| PyValueError::new_err(format!("not a render: {e}")))
    }
}

macro_rules! call {
    ($self:ident, $py:ident, |$c:ident| $body:expr) => {{
        let $c = $self.inner.clone();
        let value = run($py, async move { $body.await })?;
        to_py($py, &value)
    }};
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

    // ---- the one call surface ----------------------------------------------------------------

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
        let call = crate::call::parse(call_json, data)?;
        let c = self.inner.clone();
        let value = run(py, async move { c.call(call).await })?;
        crate::call::to_text(&value)
    }

    /// Starts one call in the background; answers its `CallOperation` at once.
    #[pyo3(signature = (call_json, data=None))]
    fn start(
        &self,
        call_json: &str,
        data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<crate::call::PyCallOperation> {
        let call = crate::call::parse(call_json, data)?;
        let op = self.inner.start(call).map_err(err)?;
        Ok(crate::call::PyCallOperation::new(op))
    }

    // ---- auth -------------------------------------------------------------------------------

    fn sign_in(&self, py: Python<'_>, email: String, password: String) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.sign_in(&email, &password))
    }

    fn use_api_key(&self, py: Python<'_>, key: String) -> PyResult<()> {
        let c = self.inner.clone();
        run(py, async move { c.use_api_key(&key).await })
    }

    fn is_signed_in(&self, py: Python<'_>) -> PyResult<bool> {
        let c = self.inner.clone();
        run(py, async move { c.is_signed_in().await })
    }

    fn me(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.me())
    }

    fn sign_out(&self, py: Python<'_>) -> PyResult<()> {
        let c = self.inner.clone();
        run(py, async move { c.sign_out().await })
    }

    // ---- renders ----------------------------------------------------------------------------

    #[pyo3(signature = (image, fields))]
    fn create_render(
        &self,
        py: Python<'_>,
        image: &Bound<'_, PyAny>,
        fields: &Bound<'_, PyDict>,
    ) -> PyResult<Py<PyAny>> {
        let req = self.request(image, render_settings(fields)?)?;
        call!(self, py, |c| c.create_render(req))
    }

    #[pyo3(signature = (image, fields))]
    fn start_create_render(
        &self,
        image: &Bound<'_, PyAny>,
        fields: &Bound<'_, PyDict>,
    ) -> PyResult<PyOperation> {
        let req = self.request(image, render_settings(fields)?)?;
        Ok(PyOperation::new(
            self.inner.start_create_render(req).map_err(err)?,
        ))
    }

    #[pyo3(signature = (image, fields, timeout, long_poll=true))]
    fn start_render(
        &self,
        image: &Bound<'_, PyAny>,
        fields: &Bound<'_, PyDict>,
        timeout: f64,
        long_poll: bool,
    ) -> PyResult<PyOperation> {
        let req = self.request(image, render_settings(fields)?)?;
        let opts = wait_options(timeout, long_poll)?;
        Ok(PyOperation::new(
            self.inner.start_render(req, opts).map_err(err)?,
        ))
    }

    #[pyo3(signature = (id, timeout, long_poll=true))]
    fn start_wait_for_render(
        &self,
        id: &str,
        timeout: f64,
        long_poll: bool,
    ) -> PyResult<PyOperation> {
        let opts = wait_options(timeout, long_poll)?;
        Ok(PyOperation::new(
            self.inner.start_wait_for_render(id, opts).map_err(err)?,
        ))
    }

    /// Waits on this thread (GIL released); `on_progress(progress_dict)` is called from this
    /// thread whenever the progress changes. Ctrl-C or an exception from the callback cancels.
    #[pyo3(signature = (id, timeout, on_progress=None, long_poll=true))]
    fn wait_for_render(
        &self,
        py: Python<'_>,
        id: &str,
        timeout: f64,
        on_progress: Option<Py<PyAny>>,
        long_poll: bool,
    ) -> PyResult<Py<PyAny>> {
        let opts = wait_options(timeout, long_poll)?;
        let op = self.inner.start_wait_for_render(id, opts).map_err(err)?;
        let mut last = None;
        let render = finish(py, &op, |py| {
            let Some(cb) = &on_progress else {
                return Ok(());
            };
            let now = op.progress();
            if now.render.is_some() && last.as_ref() != Some(&now) {
                cb.call1(py, (progress_to_py(py, &now)?,))?;
                last = Some(now);
            }
            Ok(())
        })?;
        to_py(py, &render)
    }

    fn retrieve_render(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.retrieve_render(&id))
    }

    fn cancel_render(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.cancel_render(&id))
    }

    #[pyo3(signature = (page=1, limit=20, status=None, project_id=None))]
    fn list_renders(
        &self,
        py: Python<'_>,
        page: u32,
        limit: u32,
        status: Option<&str>,
        project_id: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let query = list_query(status, project_id)?.page(page).limit(limit);
        call!(self, py, |c| c.list_renders(&query))
    }

    /// Every matching render, fetching pages as the iterator is read.
    #[pyo3(signature = (status=None, project_id=None, page_size=20))]
    fn renders(
        &self,
        status: Option<&str>,
        project_id: Option<String>,
        page_size: u32,
    ) -> PyResult<PyRenderIter> {
        if page_size == 0 || page_size > 100 {
            return Err(PyValueError::new_err(format!(
                "page_size must be 1 to 100, not {page_size}"
            )));
        }
        let query = list_query(status, project_id)?.limit(page_size);
        Ok(PyRenderIter {
            stream: Mutex::new(Some(Box::pin(self.inner.renders(query)))),
        })
    }

    fn download_render(&self, py: Python<'_>, render: &Bound<'_, PyAny>) -> PyResult<Py<PyBytes>> {
        let render = self.render_of(render)?;
        let c = self.inner.clone();
        let bytes = run(py, async move { c.download_render(&render).await })?;
        Ok(PyBytes::new(py, &bytes).unbind())
    }

    fn download_render_to(
        &self,
        py: Python<'_>,
        render: &Bound<'_, PyAny>,
        path: std::path::PathBuf,
    ) -> PyResult<u64> {
        let render = self.render_of(render)?;
        let c = self.inner.clone();
        run(
            py,
            async move { c.download_render_to(&render, &path).await },
        )
    }

    // ---- projects, credits, settings --------------------------------------------------------

    fn projects(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.projects())
    }

    #[pyo3(signature = (name, description=None))]
    fn create_project(
        &self,
        py: Python<'_>,
        name: String,
        description: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c
            .create_project(&name, description.as_deref()))
    }

    fn credits(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.credits())
    }

    #[pyo3(signature = (page=1, limit=20))]
    fn credit_transactions(&self, py: Python<'_>, page: u32, limit: u32) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.credit_transactions(page, limit))
    }

    fn settings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.settings())
    }

    #[pyo3(signature = (default_style=None, default_quality=None, default_aspect_ratio=None, default_project_id=None, notify_on_complete=None))]
    fn update_settings(
        &self,
        py: Python<'_>,
        default_style: Option<String>,
        default_quality: Option<&str>,
        default_aspect_ratio: Option<String>,
        default_project_id: Option<String>,
        notify_on_complete: Option<bool>,
    ) -> PyResult<Py<PyAny>> {
        let update = SettingsUpdate {
            default_style,
            default_quality: default_quality.map(parse::<Quality>).transpose()?,
            default_aspect_ratio,
            default_project_id,
            notify_on_complete,
        };
        call!(self, py, |c| c.update_settings(&update))
    }

    // ---- API keys and webhooks --------------------------------------------------------------

    #[pyo3(signature = (name, scopes, expires_at=None))]
    fn create_api_key(
        &self,
        py: Python<'_>,
        name: String,
        scopes: Vec<String>,
        expires_at: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let expires_at = expires_at
            .map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|d| d.with_timezone(&chrono::Utc))
                    .map_err(|e| {
                        PyValueError::new_err(format!(
                            "expires_at {s:?} is not an ISO 8601 time: {e}"
                        ))
                    })
            })
            .transpose()?;
        let c = self.inner.clone();
        let created = run(py, async move {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            c.create_api_key(&name, &scopes, expires_at).await
        })?;
        to_py(py, &created)
    }

    fn api_keys(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.api_keys())
    }

    fn revoke_api_key(&self, py: Python<'_>, id: String) -> PyResult<()> {
        let c = self.inner.clone();
        run(py, async move { c.revoke_api_key(&id).await })
    }

    fn register_webhook(
        &self,
        py: Python<'_>,
        url: String,
        events: Vec<String>,
    ) -> PyResult<Py<PyAny>> {
        let c = self.inner.clone();
        let created = run(py, async move {
            let events: Vec<&str> = events.iter().map(String::as_str).collect();
            c.register_webhook(&url, &events).await
        })?;
        to_py(py, &created)
    }

    fn webhooks(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.webhooks())
    }

    fn delete_webhook(&self, py: Python<'_>, id: String) -> PyResult<()> {
        let c = self.inner.clone();
        run(py, async move { c.delete_webhook(&id).await })
    }

    fn health(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        call!(self, py, |c| c.health())
    }

    fn __repr__(&self) -> String {
        format!("<renderiq Client {}>", self.inner.base_url())
    }
}

/// `long_poll=false` polls with backoff instead, which shows progress while the render
/// processes on servers whose long-poll answers only at the end (the reference server's does).
fn wait_options(timeout: f64, long_poll: bool) -> PyResult<WaitOptions> {
    Ok(WaitOptions::new()
        .timeout(seconds(timeout, "timeout")?)
        .long_poll(long_poll))
}

fn list_query(status: Option<&str>, project_id: Option<String>) -> PyResult<ListRenders> {
    let mut q = ListRenders::new();
    if let Some(s) = status {
        q = q.status(parse::<RenderStatus>(&s.to_ascii_lowercase())?);
    }
    if let Some(p) = project_id {
        q = q.project_id(p);
    }
    Ok(q)
}

type RenderStream = Pin<Box<dyn Stream<Item = renderiq_sdk::Result<Render>> + Send>>;

/// Iterator over renders; each `__next__` may fetch the next page (GIL released).
#[pyclass(name = "RenderIterator", module = "renderiq._native", frozen)]
pub struct PyRenderIter {
    stream: Mutex<Option<RenderStream>>,
}

#[pymethods]
impl PyRenderIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let taken = self.stream.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(mut stream) = taken else {
            return Ok(None);
        };
        let (stream, item) = run(py, async move {
            let item = stream.next().await;
            Ok((stream, item))
        })?;
        match item {
            None => Ok(None),
            Some(result) => {
                *self.stream.lock().unwrap_or_else(|p| p.into_inner()) = Some(stream);
                Ok(Some(to_py(py, &result.map_err(err)?)?))
            }
        }
    }
}
