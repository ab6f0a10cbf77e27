//! Images handed over by the host (`RenderiqImage`) and the render parameters JSON.

use std::ffi::c_char;

use renderiq_sdk::call::{ImageSource, PixelFormatName, PrepareSpec, RawGeometry, RenderRequest};
use renderiq_sdk::RenderSettings;
use serde::Deserialize;

use crate::error::{FfiError, FfiResult};
use crate::memory::{bytes_arg, json_arg, str_arg};

/// `RenderiqImage.kind`: a PNG, JPEG or WebP file at `path`.
pub const RENDERIQ_IMAGE_FILE: u32 = 1;
/// `RenderiqImage.kind`: PNG, JPEG or WebP bytes in `data` / `len`.
pub const RENDERIQ_IMAGE_ENCODED: u32 = 2;
/// `RenderiqImage.kind`: raw pixels in `data` / `len`, described by `width`, `height`, `stride`,
/// `pixel_format` and `bottom_up`.
pub const RENDERIQ_IMAGE_RAW: u32 = 3;
/// `RenderiqImage.pixel_format`: 4 bytes per pixel, red first (OpenGL read-backs).
pub const RENDERIQ_PIXEL_RGBA8: u32 = 1;
/// `RenderiqImage.pixel_format`: 4 bytes per pixel, blue first (Windows DIBs, Revit captures).
pub const RENDERIQ_PIXEL_BGRA8: u32 = 2;

/// A viewport capture, borrowed for the duration of one call and copied before any background
/// work starts (so the caller may free or reuse its memory as soon as the call returns).
///
/// Zero-initialise it and set the fields of its `kind`:
/// - `RENDERIQ_IMAGE_FILE`: `path` (UTF-8).
/// - `RENDERIQ_IMAGE_ENCODED`: `data`, `len` (PNG, JPEG or WebP bytes).
/// - `RENDERIQ_IMAGE_RAW`: `data`, `len`, `width`, `height`, `stride` (bytes from one row's
///   start to the next; 0 means `width * 4`), `pixel_format` (`RENDERIQ_PIXEL_RGBA8` or
///   `RENDERIQ_PIXEL_BGRA8`), `bottom_up` (1 when the first row in memory is the image's bottom
///   row, as OpenGL reads it back; else 0). `len` must be at least
///   `stride * (height - 1) + width * 4`; only that many bytes are read.
///
/// Inconsistent fields are answered with `RENDERIQ_ERROR_INVALID_ARGUMENT`, never with a read
/// outside the buffer.
#[repr(C)]
pub struct RenderiqImage {
    /// `RENDERIQ_IMAGE_FILE`, `RENDERIQ_IMAGE_ENCODED` or `RENDERIQ_IMAGE_RAW`.
    pub kind: u32,
    /// File path, UTF-8, NUL-terminated (`RENDERIQ_IMAGE_FILE` only).
    pub path: *const c_char,
    /// The bytes (`RENDERIQ_IMAGE_ENCODED` and `RENDERIQ_IMAGE_RAW`).
    pub data: *const u8,
    /// Number of readable bytes at `data`.
    pub len: usize,
    /// Width in pixels (`RENDERIQ_IMAGE_RAW`).
    pub width: u32,
    /// Height in pixels (`RENDERIQ_IMAGE_RAW`).
    pub height: u32,
    /// Bytes from one row's start to the next, at least `width * 4`; 0 means `width * 4`
    /// (`RENDERIQ_IMAGE_RAW`).
    pub stride: usize,
    /// `RENDERIQ_PIXEL_RGBA8` or `RENDERIQ_PIXEL_BGRA8` (`RENDERIQ_IMAGE_RAW`).
    pub pixel_format: u32,
    /// 1 when the first row in memory is the bottom row of the image, else 0
    /// (`RENDERIQ_IMAGE_RAW`).
    pub bottom_up: u32,
}

/// Copies a borrowed `RenderiqImage` into an owned image source. The core checks the fields
/// (one place for every binding); only what C alone can get wrong (NULL, an unknown `kind` or
/// `pixel_format` number) is checked here.
pub(crate) unsafe fn image_source_arg(image: *const RenderiqImage) -> FfiResult<ImageSource> {
    let Some(img) = image.as_ref() else {
        return Err(FfiError::null("`image`"));
    };
    match img.kind {
        RENDERIQ_IMAGE_FILE => Ok(ImageSource::File {
            path: str_arg(img.path, "image->path")?.into(),
        }),
        RENDERIQ_IMAGE_ENCODED => Ok(ImageSource::Bytes {
            data: Some(bytes_arg(img.data, img.len, "image->data")?.to_vec()),
        }),
        RENDERIQ_IMAGE_RAW => {
            let pixel_format = match img.pixel_format {
                RENDERIQ_PIXEL_RGBA8 => PixelFormatName::Rgba8,
                RENDERIQ_PIXEL_BGRA8 => PixelFormatName::Bgra8,
                other => {
                    return Err(FfiError::invalid_argument(format!(
                        "`pixel_format` {other} is unknown: use RENDERIQ_PIXEL_RGBA8 (1) or RENDERIQ_PIXEL_BGRA8 (2)"
                    )))
                }
            };
            let bottom_up = match img.bottom_up {
                0 => false,
                1 => true,
                other => {
                    return Err(FfiError::invalid_argument(format!("`bottom_up` is {other}: use 0 or 1")))
                }
            };
            // Only the bytes the image covers are read and copied.
            let geometry = RawGeometry::check(img.width, img.height, img.stride, img.len)?;
            Ok(ImageSource::Raw {
                width: img.width,
                height: img.height,
                stride: geometry.stride,
                pixel_format,
                bottom_up,
                data: Some(bytes_arg(img.data, geometry.needed, "image->data")?.to_vec()),
            })
        }
        other => Err(FfiError::invalid_argument(format!(
            "`image->kind` {other} is unknown: use RENDERIQ_IMAGE_FILE (1), RENDERIQ_IMAGE_ENCODED (2) or RENDERIQ_IMAGE_RAW (3)"
        ))),
    }
}

/// The render parameters JSON of the typed entry points: the settings and preparation fields
/// of a `RenderRequest`, flat.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RenderParams {
    prompt: Option<String>,
    style: Option<String>,
    quality: Option<renderiq_sdk::Quality>,
    aspect_ratio: Option<String>,
    project_id: Option<String>,
    callback_url: Option<String>,
    idempotency_key: Option<String>,
    max_edge: Option<u32>,
    format: Option<String>,
    max_bytes: Option<u64>,
    jpeg_quality: Option<u8>,
}

impl RenderParams {
    fn prepare(&self) -> PrepareSpec {
        PrepareSpec {
            max_edge: self.max_edge,
            format: self.format.clone(),
            jpeg_quality: self.jpeg_quality,
            max_bytes: self.max_bytes,
        }
    }

    fn into_request(self, image: ImageSource) -> RenderRequest {
        let prepare = self.prepare();
        RenderRequest {
            image,
            settings: RenderSettings {
                prompt: self.prompt,
                style: self.style,
                quality: self.quality,
                aspect_ratio: self.aspect_ratio,
                project_id: self.project_id,
                callback_url: self.callback_url,
                idempotency_key: self.idempotency_key,
            },
            prepare,
            wait: None,
        }
    }
}

/// The render request for a borrowed image and params JSON.
pub(crate) unsafe fn render_request(
    image: *const RenderiqImage,
    params_json: *const c_char,
) -> FfiResult<RenderRequest> {
    let params: RenderParams = json_arg(params_json, "params_json")?.unwrap_or_default();
    Ok(params.into_request(image_source_arg(image)?))
}
