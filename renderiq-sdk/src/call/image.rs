//! Where a render's picture comes from, as data: a file, encoded bytes, or raw pixels.
//!
//! This is the one place raw-image geometry is checked; every binding hands the fields over
//! unchanged and gets the same [`InvalidInput`](crate::ErrorKind::InvalidInput) error for a bad
//! stride, size or length.

use std::borrow::Cow;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::screenshot::{OutputFormat, PixelFormat, PrepareOptions, RawImage, Screenshot};

/// The image of a render request.
///
/// `bytes` and `raw` may leave `data` out when the bytes travel beside the call (the C ABI's
/// borrowed buffer, a Python `bytes` object); [`attach`](Self::attach) puts them in.
///
/// ```
/// use renderiq_sdk::call::ImageSource;
///
/// let src: ImageSource = serde_json::from_str(
///     r#"{"kind":"raw","width":2,"height":1,"pixelFormat":"bgra8","bottomUp":true}"#,
/// ).unwrap();
/// let mut src = src;
/// src.attach(vec![0; 8]).unwrap();
/// assert!(src.into_screenshot().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum ImageSource {
    /// A PNG, JPEG or WebP file.
    File {
        /// Its path.
        path: PathBuf,
    },
    /// PNG, JPEG or WebP bytes (base64 in JSON).
    Bytes {
        /// The bytes; absent when attached beside the call.
        #[serde(default, with = "base64_opt", skip_serializing_if = "Option::is_none")]
        data: Option<Vec<u8>>,
    },
    /// Raw 8-bit pixels, 4 bytes each.
    Raw {
        /// Width in pixels, at least 1.
        width: u32,
        /// Height in pixels, at least 1.
        height: u32,
        /// Bytes from one row's start to the next; 0 (the default) means `width * 4`.
        #[serde(default)]
        stride: usize,
        /// `"rgba8"` or `"bgra8"`.
        pixel_format: PixelFormatName,
        /// `true` when the first row in memory is the image's bottom row (OpenGL read-backs).
        #[serde(default)]
        bottom_up: bool,
        /// The pixels (base64 in JSON); absent when attached beside the call.
        #[serde(default, with = "base64_opt", skip_serializing_if = "Option::is_none")]
        data: Option<Vec<u8>>,
    },
}

/// The wire name of a [`PixelFormat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormatName {
    /// Red first.
    Rgba8,
    /// Blue first.
    Bgra8,
}

impl From<PixelFormatName> for PixelFormat {
    fn from(f: PixelFormatName) -> Self {
        match f {
            PixelFormatName::Rgba8 => PixelFormat::Rgba8,
            PixelFormatName::Bgra8 => PixelFormat::Bgra8,
        }
    }
}

impl ImageSource {
    /// Puts bytes that travelled beside the call into a `bytes` or `raw` source.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a `file` source or one that already
    /// holds its data.
    pub fn attach(&mut self, bytes: Vec<u8>) -> Result<()> {
        match self {
            Self::Bytes { data } | Self::Raw { data, .. } if data.is_none() => {
                *data = Some(bytes);
                Ok(())
            }
            Self::File { .. } => Err(file_takes_no_bytes()),
            _ => Err(holds_data()),
        }
    }

    /// `true` when a `bytes` or `raw` source still waits for its data.
    pub fn needs_data(&self) -> bool {
        matches!(
            self,
            Self::Bytes { data: None } | Self::Raw { data: None, .. }
        )
    }

    /// Checks every field and builds the screenshot. Raw pixels past the last row are not kept.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) naming the field to fix.
    pub fn into_screenshot(self) -> Result<Screenshot<'static>> {
        match self {
            Self::File { path } => {
                if path.as_os_str().is_empty() {
                    return Err(field_error("path", "the image path is empty"));
                }
                Ok(Screenshot::file(path))
            }
            Self::Bytes { data } => {
                let data = data.ok_or_else(missing_data)?;
                check_encoded(&data)?;
                Ok(Screenshot::encoded(data))
            }
            Self::Raw {
                width,
                height,
                stride,
                pixel_format,
                bottom_up,
                data,
            } => {
                let data = data.ok_or_else(missing_data)?;
                let geometry = RawGeometry::check(width, height, stride, data.len())?;
                let mut pixels = data;
                pixels.truncate(geometry.needed);
                Ok(Screenshot::Raw(RawImage {
                    pixels: Cow::Owned(pixels),
                    width,
                    height,
                    stride: geometry.stride,
                    format: pixel_format.into(),
                    bottom_up,
                }))
            }
        }
    }

    /// Checks every field and builds a screenshot that borrows its bytes, copying none: the
    /// source's own `data`, or `attached` (bytes that travelled beside the call, such as a
    /// Python `bytes` object) when it has none. Raw pixels past the last row are left out.
    ///
    /// ```
    /// use renderiq_sdk::call::ImageSource;
    /// use renderiq_sdk::Screenshot;
    ///
    /// let src: ImageSource = serde_json::from_str(
    ///     r#"{"kind":"raw","width":2,"height":1,"pixelFormat":"rgba8"}"#,
    /// ).unwrap();
    /// let pixels = vec![0u8; 8];
    /// let shot = src.screenshot(Some(&pixels)).unwrap();
    /// assert!(matches!(shot, Screenshot::Raw(ref raw) if raw.pixels.len() == 8));
    /// ```
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) naming the field to fix, and as
    /// [`attach`](Self::attach) does for bytes attached to a `file` source or to one that holds
    /// its data already.
    pub fn screenshot<'a>(&'a self, attached: Option<&'a [u8]>) -> Result<Screenshot<'a>> {
        let data = |own: &'a Option<Vec<u8>>| match (own, attached) {
            (Some(_), Some(_)) => Err(holds_data()),
            (Some(own), None) => Ok(&own[..]),
            (None, Some(attached)) => Ok(attached),
            (None, None) => Err(missing_data()),
        };
        match self {
            Self::File { .. } if attached.is_some() => Err(file_takes_no_bytes()),
            Self::File { path } => {
                if path.as_os_str().is_empty() {
                    return Err(field_error("path", "the image path is empty"));
                }
                Ok(Screenshot::file(path.clone()))
            }
            Self::Bytes { data: own } => {
                let data = data(own)?;
                check_encoded(data)?;
                Ok(Screenshot::encoded(data))
            }
            Self::Raw {
                width,
                height,
                stride,
                pixel_format,
                bottom_up,
                data: own,
            } => {
                let data = data(own)?;
                let geometry = RawGeometry::check(*width, *height, *stride, data.len())?;
                Ok(Screenshot::Raw(RawImage {
                    pixels: Cow::Borrowed(&data[..geometry.needed]),
                    width: *width,
                    height: *height,
                    stride: geometry.stride,
                    format: (*pixel_format).into(),
                    bottom_up: *bottom_up,
                }))
            }
        }
    }
}

/// Encoded image bytes must not be empty.
fn check_encoded(data: &[u8]) -> Result<()> {
    if data.is_empty() {
        return Err(field_error(
            "data",
            "the image bytes are empty: pass PNG, JPEG or WebP bytes",
        ));
    }
    Ok(())
}

/// The checked layout of a raw pixel buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawGeometry {
    /// Bytes from one row's start to the next.
    pub stride: usize,
    /// Bytes the image covers: `stride * (height - 1) + width * 4`.
    pub needed: usize,
}

impl RawGeometry {
    /// Checks a `width` × `height` image with `stride` (0 = `width * 4`) against a buffer of
    /// `len` bytes.
    ///
    /// ```
    /// use renderiq_sdk::call::RawGeometry;
    /// let g = RawGeometry::check(3, 2, 16, 28).unwrap();
    /// assert_eq!((g.stride, g.needed), (16, 28));
    /// assert!(RawGeometry::check(3, 2, 8, 100).is_err()); // stride shorter than a row
    /// ```
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) naming the field to fix.
    pub fn check(width: u32, height: u32, stride: usize, len: usize) -> Result<Self> {
        if width == 0 || height == 0 {
            return Err(field_error(
                "width",
                format!(
                    "the raw image is {width}x{height} pixels: width and height must be at least 1"
                ),
            ));
        }
        let too_big = || {
            field_error(
                "stride",
                format!("a {width}x{height} image with a stride of {stride} bytes is too large to address"),
            )
        };
        let row = (width as usize).checked_mul(4).ok_or_else(too_big)?;
        let stride = if stride == 0 { row } else { stride };
        if stride < row {
            return Err(field_error(
                "stride",
                format!("the stride is {stride} bytes but a row of {width} pixels needs at least {row} (width * 4)"),
            ));
        }
        let needed = stride
            .checked_mul(height as usize - 1)
            .and_then(|n| n.checked_add(row))
            .filter(|n| *n <= isize::MAX as usize)
            .ok_or_else(too_big)?;
        if len < needed {
            return Err(field_error(
                "data",
                format!(
                    "the pixel buffer is {len} bytes but a {width}x{height} image with a stride of \
                     {stride} bytes needs at least {needed} (stride * (height - 1) + width * 4)"
                ),
            ));
        }
        Ok(Self { stride, needed })
    }
}

/// How a screenshot is prepared for upload, as data; absent fields keep
/// [`PrepareOptions::default`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrepareSpec {
    /// Longest edge in pixels (default 2048).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_edge: Option<u32>,
    /// `"jpeg"` (default), `"png"` or `"webp"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// JPEG quality 1–100 (default 85).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jpeg_quality: Option<u8>,
    /// Byte budget of the encoded image (default 10 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
}

impl PrepareSpec {
    /// The options these fields describe.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an unknown format or a quality
    /// outside 1–100.
    pub fn options(&self) -> Result<PrepareOptions> {
        let mut o = PrepareOptions::new();
        if let Some(e) = self.max_edge {
            if e == 0 {
                return Err(field_error("maxEdge", "maxEdge must be at least 1 pixel"));
            }
            o = o.max_edge(e);
        }
        if let Some(f) = &self.format {
            let format: OutputFormat = f
                .parse()
                .map_err(|e: Error| field_error("format", e.message().to_owned()))?;
            o = o.format(format);
        }
        if let Some(q) = self.jpeg_quality {
            if !(1..=100).contains(&q) {
                return Err(field_error(
                    "jpegQuality",
                    format!("jpegQuality is {q}: use 1 to 100"),
                ));
            }
            o = o.quality(q);
        }
        if let Some(b) = self.max_bytes {
            o = o.max_bytes(Some(usize::try_from(b).unwrap_or(usize::MAX)));
        }
        Ok(o)
    }
}

fn file_takes_no_bytes() -> Error {
    Error::invalid_input(
        "the image is a file path, so it takes no attached bytes: use kind \"bytes\" or \"raw\"",
    )
}

fn holds_data() -> Error {
    Error::invalid_input(
        "the image holds its data already: send the bytes either inline or attached, not both",
    )
}

fn missing_data() -> Error {
    field_error(
        "data",
        "the image has no data: put it in `data` (base64) or attach the bytes to the call",
    )
}

pub(crate) fn field_error(field: &str, message: impl Into<String>) -> Error {
    let message = message.into();
    Error::invalid_input(message.clone()).with_details(serde_json::json!({ field: message }))
}

mod base64_opt {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| {
            base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|e| serde::de::Error::custom(format!("`data` is not base64: {e}")))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_geometry_is_checked_once_for_every_binding() {
        assert!(RawGeometry::check(0, 1, 0, 100).is_err());
        let e = RawGeometry::check(2, 2, 4, 100).unwrap_err();
        assert!(e.message().contains("stride"), "{e}");
        let e = RawGeometry::check(2, 2, 0, 15).unwrap_err();
        assert!(e.details().unwrap()["data"].as_str().is_some());
        assert_eq!(RawGeometry::check(2, 2, 12, 20).unwrap().needed, 20);
        assert!(RawGeometry::check(u32::MAX, u32::MAX, 0, 10).is_err());
    }

    #[test]
    fn attached_bytes_fill_a_source_once() {
        let mut s = ImageSource::Bytes { data: None };
        assert!(s.needs_data());
        s.attach(vec![1]).unwrap();
        assert!(s.attach(vec![2]).is_err());
        let mut f = ImageSource::File {
            path: "a.png".into(),
        };
        assert!(f.attach(vec![1]).is_err());
    }

    #[test]
    fn raw_pixels_past_the_last_row_are_dropped() {
        let src = ImageSource::Raw {
            width: 1,
            height: 2,
            stride: 8,
            pixel_format: PixelFormatName::Rgba8,
            bottom_up: false,
            data: Some(vec![7; 20]),
        };
        match src.into_screenshot().unwrap() {
            Screenshot::Raw(raw) => assert_eq!(raw.pixels.len(), 12),
            _ => panic!("not raw"),
        }
    }

    #[test]
    fn borrowed_screenshot_takes_attached_bytes_as_attach_does() {
        let pixels = [7u8; 20];
        let raw = ImageSource::Raw {
            width: 1,
            height: 2,
            stride: 8,
            pixel_format: PixelFormatName::Bgra8,
            bottom_up: true,
            data: None,
        };
        match raw.screenshot(Some(&pixels)).unwrap() {
            Screenshot::Raw(shot) => {
                assert!(matches!(shot.pixels, Cow::Borrowed(_)), "copied");
                assert_eq!(
                    shot.pixels.len(),
                    12,
                    "bytes past the last row are left out"
                );
                assert_eq!(
                    (shot.stride, shot.format, shot.bottom_up),
                    (8, PixelFormat::Bgra8, true)
                );
            }
            _ => panic!("not raw"),
        }
        let missing = raw.screenshot(None).unwrap_err();
        assert!(missing.details().unwrap()["data"].as_str().is_some());
        assert!(raw.screenshot(Some(&pixels[..11])).is_err(), "short buffer");

        let own = ImageSource::Bytes {
            data: Some(vec![1]),
        };
        assert!(matches!(
            own.screenshot(None),
            Ok(Screenshot::Encoded(Cow::Borrowed(b"\x01")))
        ));
        assert!(own.screenshot(Some(&[2])).is_err(), "inline and attached");
        assert!(
            ImageSource::Bytes { data: None }
                .screenshot(Some(&[]))
                .is_err(),
            "empty"
        );
        let file = ImageSource::File {
            path: "a.png".into(),
        };
        assert!(file.screenshot(Some(&[1])).is_err());
        assert!(matches!(file.screenshot(None), Ok(Screenshot::File(_))));
    }

    #[test]
    fn prepare_spec_rejects_bad_values_with_the_field_name() {
        let e = PrepareSpec {
            jpeg_quality: Some(0),
            ..Default::default()
        }
        .options()
        .unwrap_err();
        assert!(e.details().unwrap().get("jpegQuality").is_some());
        let e = PrepareSpec {
            format: Some("gif".into()),
            ..Default::default()
        }
        .options()
        .unwrap_err();
        assert!(e.details().unwrap().get("format").is_some());
    }
}
