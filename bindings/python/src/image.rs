//! Screenshots from Python: paths, encoded bytes, raw pixel buffers; `prepare_image`.

use std::path::PathBuf;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use renderiq_sdk::screenshot::{OutputFormat, PrepareOptions, RawImage};
use renderiq_sdk::{PixelFormat, PreparedImage, Screenshot};

use crate::errors::err;

/// Raw 8-bit RGBA or BGRA pixels as a host app reads them back from its viewport.
///
/// `data` is any bytes-like object (bytes, bytearray, memoryview, array.array, a NumPy array):
/// `height` rows of `width * 4` bytes, `stride` bytes apart (default `width * 4`). A `bytes`
/// object is kept as it is; other buffers are copied once, so later changes to them do not
/// affect the image.
#[pyclass(name = "RawImage", module = "renderiq._native", frozen)]
pub struct PyRawImage {
    data: Py<PyBytes>,
    #[pyo3(get)]
    width: u32,
    #[pyo3(get)]
    height: u32,
    #[pyo3(get)]
    stride: usize,
    format: PixelFormat,
    #[pyo3(get)]
    bottom_up: bool,
}

#[pymethods]
impl PyRawImage {
    #[new]
    #[pyo3(signature = (data, width, height, stride=None, pixel_format="rgba", bottom_up=false))]
    fn new(
        data: &Bound<'_, PyAny>,
        width: i64,
        height: i64,
        stride: Option<i64>,
        pixel_format: &str,
        bottom_up: bool,
    ) -> PyResult<Self> {
        let py = data.py();
        let format = match pixel_format.to_ascii_lowercase().as_str() {
            "rgba" => PixelFormat::Rgba8,
            "bgra" => PixelFormat::Bgra8,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "pixel_format must be \"rgba\" or \"bgra\", not {pixel_format:?}"
                )))
            }
        };
        if width <= 0 || height <= 0 || width > i64::from(u32::MAX) || height > i64::from(u32::MAX)
        {
            return Err(PyValueError::new_err(format!(
                "width and height must be positive pixel counts, not {width}x{height}"
            )));
        }
        let row = width as u64 * 4;
        let stride = stride.unwrap_or(row as i64);
        if stride < row as i64 {
            return Err(PyValueError::new_err(format!(
                "stride {stride} is smaller than a row of {width} pixels ({row} bytes)"
            )));
        }
        let bytes = bytes_of(data, "data")?;
        let have = bytes.bind(py).as_bytes().len() as u64;
        let need = stride as u64 * (height as u64 - 1) + row;
        if have < need {
            return Err(PyValueError::new_err(format!(
                "data has {have} bytes but a {width}x{height} image with a stride of {stride} \
                 needs at least {need}"
            )));
        }
        Ok(Self {
            data: bytes,
            width: width as u32,
            height: height as u32,
            stride: stride as usize,
            format,
            bottom_up,
        })
    }

    /// The pixel bytes.
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    /// `"rgba"` or `"bgra"`.
    #[getter]
    fn pixel_format(&self) -> &'static str {
        match self.format {
            PixelFormat::Rgba8 => "rgba",
            PixelFormat::Bgra8 => "bgra",
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "RawImage(width={}, height={}, stride={}, pixel_format={:?}, bottom_up={})",
            self.width,
            self.height,
            self.stride,
            self.pixel_format(),
            if self.bottom_up { "True" } else { "False" }
        )
    }
}

impl PyRawImage {
    fn screenshot<'a>(&self, pixels: &'a [u8]) -> Screenshot<'a> {
        Screenshot::Raw(RawImage {
            pixels: pixels.into(),
            width: self.width,
            height: self.height,
            stride: self.stride,
            format: self.format,
            bottom_up: self.bottom_up,
        })
    }
}

/// An encoded image ready to upload: `data` (bytes), `width`, `height`, `mime_type`, `format`.
#[pyclass(name = "PreparedImage", module = "renderiq._native", frozen)]
pub struct PyPreparedImage {
    data: Py<PyBytes>,
    #[pyo3(get)]
    width: u32,
    #[pyo3(get)]
    height: u32,
    format: OutputFormat,
}

#[pymethods]
impl PyPreparedImage {
    /// The encoded bytes (JPEG, PNG or WebP), without metadata.
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    /// `"image/jpeg"`, `"image/png"` or `"image/webp"`.
    #[getter]
    fn mime_type(&self) -> &'static str {
        self.format.mime_type()
    }

    /// `"jpeg"`, `"png"` or `"webp"`.
    #[getter]
    fn format(&self) -> String {
        self.format.to_string()
    }

    fn __bytes__(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.data.bind(py).as_bytes().len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "PreparedImage(width={}, height={}, mime_type={:?}, <{} bytes>)",
            self.width,
            self.height,
            self.format.mime_type(),
            self.data.bind(py).as_bytes().len()
        )
    }
}

impl PyPreparedImage {
    fn from_core(py: Python<'_>, p: PreparedImage) -> Self {
        Self {
            data: PyBytes::new(py, &p.bytes).unbind(),
            width: p.width,
            height: p.height,
            format: p.format,
        }
    }

    fn to_core(&self, py: Python<'_>) -> PreparedImage {
        PreparedImage {
            bytes: self.data.bind(py).as_bytes().to_vec(),
            format: self.format,
            width: self.width,
            height: self.height,
        }
    }
}

/// `bytes` as they are; any other buffer (bytearray, memoryview, array, NumPy) copied into bytes.
pub fn bytes_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Py<PyBytes>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.clone().unbind());
    }
    let py = obj.py();
    let not_bytes = || {
        PyTypeError::new_err(format!(
            "{what} must be a bytes-like object (bytes, bytearray, memoryview, array, NumPy \
             array), not {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    };
    if obj.is_instance_of::<PyString>() {
        return Err(not_bytes());
    }
    let view = py
        .import("builtins")?
        .getattr("memoryview")?
        .call1((obj,))
        .map_err(|_| not_bytes())?;
    Ok(view
        .call_method0("tobytes")?
        .cast_into::<PyBytes>()?
        .unbind())
}

/// What `create_render` uploads.
pub enum Upload {
    Shot(Screenshot<'static>),
    Prepared(PreparedImage),
}

fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<Option<PathBuf>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(PathBuf::from(s.to_cow()?.into_owned())));
    }
    if obj.hasattr("__fspath__")? {
        let p = obj.py().import("os")?.getattr("fspath")?.call1((obj,))?;
        if let Ok(s) = p.cast::<PyString>() {
            return Ok(Some(PathBuf::from(s.to_cow()?.into_owned())));
        }
        return Err(PyTypeError::new_err(
            "image paths must be str paths, not bytes paths",
        ));
    }
    Ok(None)
}

fn image_type_error(obj: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "image must be a file path (str or os.PathLike), encoded image bytes, a \
         renderiq.RawImage or a renderiq.PreparedImage, not {}",
        obj.get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    ))
}

/// The upload for `create_render`: owned, as it moves to the runtime.
pub fn upload_from(obj: &Bound<'_, PyAny>) -> PyResult<Upload> {
    let py = obj.py();
    if let Some(path) = path_of(obj)? {
        return Ok(Upload::Shot(Screenshot::file(path)));
    }
    if let Ok(raw) = obj.cast::<PyRawImage>() {
        let raw = raw.get();
        return Ok(Upload::Shot(
            raw.screenshot(raw.data.bind(py).as_bytes()).into_owned(),
        ));
    }
    if let Ok(prepared) = obj.cast::<PyPreparedImage>() {
        return Ok(Upload::Prepared(prepared.get().to_core(py)));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Upload::Shot(Screenshot::encoded(b.as_bytes().to_vec())));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Upload::Shot(Screenshot::encoded(b.to_vec())));
    }
    // Any other buffer (memoryview, array.array, NumPy) holding an encoded image.
    let bytes = bytes_of(obj, "image").map_err(|_| image_type_error(obj))?;
    let owned = bytes.bind(py).as_bytes().to_vec();
    Ok(Upload::Shot(Screenshot::encoded(owned)))
}

/// Decodes, orients, down-scales and encodes a screenshot for upload, exactly as
/// `create_render` does, and returns the result.
#[pyfunction]
#[pyo3(signature = (image, max_edge=2048, format="jpeg", quality=85, max_bytes=None))]
pub fn prepare_image(
    py: Python<'_>,
    image: &Bound<'_, PyAny>,
    max_edge: i64,
    format: &str,
    quality: i64,
    max_bytes: Option<i64>,
) -> PyResult<PyPreparedImage> {
    if !(1..=i64::from(u32::MAX)).contains(&max_edge) {
        return Err(PyValueError::new_err(format!(
            "max_edge must be at least 1, not {max_edge}"
        )));
    }
    if !(1..=100).contains(&quality) {
        return Err(PyValueError::new_err(format!(
            "quality must be 1 to 100, not {quality}"
        )));
    }
    if max_bytes.is_some_and(|b| b <= 0) {
        return Err(PyValueError::new_err(
            "max_bytes must be positive, or None for no limit",
        ));
    }
    let format: OutputFormat = format.parse().map_err(|_| {
        PyValueError::new_err(format!(
            "format must be \"jpeg\", \"png\" or \"webp\", not {format:?}"
        ))
    })?;
    let options = PrepareOptions::new()
        .max_edge(max_edge as u32)
        .format(format)
        .quality(quality as u8)
        .max_bytes(max_bytes.map(|b| b as usize));

    // Bytes are borrowed, not copied: `bytes` objects are immutable and stay alive (held by
    // `image`) for the whole call, while the GIL is released.
    let prepared = if let Some(path) = path_of(image)? {
        let shot = Screenshot::file(path);
        py.detach(|| shot.prepare(&options))
    } else if let Ok(raw) = image.cast::<PyRawImage>() {
        let raw = raw.get();
        let data = raw.data.bind(py).clone();
        let shot = raw.screenshot(data.as_bytes());
        py.detach(|| shot.prepare(&options))
    } else if let Ok(prepared) = image.cast::<PyPreparedImage>() {
        let p = prepared.get();
        let data = p.data.bind(py).clone();
        let shot = Screenshot::encoded(data.as_bytes());
        py.detach(|| shot.prepare(&options))
    } else if let Ok(b) = image.cast::<PyBytes>() {
        let shot = Screenshot::encoded(b.as_bytes());
        py.detach(|| shot.prepare(&options))
    } else {
        // Any other buffer (bytearray, memoryview, array.array, NumPy): copied once.
        let bytes = bytes_of(image, "image").map_err(|_| image_type_error(image))?;
        let data = bytes.bind(py).clone();
        let shot = Screenshot::encoded(data.as_bytes());
        py.detach(|| shot.prepare(&options))
    }
    .map_err(err)?;
    Ok(PyPreparedImage::from_core(py, prepared))
}
