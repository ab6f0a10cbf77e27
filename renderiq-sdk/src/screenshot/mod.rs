//! Viewport screenshots, made ready for upload.
//!
//! Host apps hand over what they have: a PNG/JPEG/WebP file, encoded bytes, or a raw RGBA/BGRA
//! pixel buffer read back from the GPU (rows padded to a stride, often bottom-up). [`prepare`]
//! turns any of them into one upload-ready image:
//!
//! 1. decoded (format sniffed from the bytes, not the file name) with its EXIF orientation
//!    applied, or, for raw pixels, read in place: BGRA and bottom-up rows are handled without an
//!    extra copy of the full-size capture;
//! 2. down-scaled (never up-scaled) so the longest edge fits
//!    [`PrepareOptions::max_edge`](PrepareOptions::max_edge()), with a
//!    Catmull-Rom (bicubic) filter through SIMD code;
//! 3. encoded as JPEG (transparency flattened onto white), PNG or lossless WebP, with no metadata:
//!    the image is always re-encoded, so no EXIF, GPS or ICC data from the input is kept;
//! 4. kept within [`PrepareOptions::max_bytes`](PrepareOptions::max_bytes()): JPEG quality is
//!    lowered step by step, then the image is scaled down until it fits.
//!
//! # Examples
//!
//! ```
//! use renderiq_sdk::screenshot::{OutputFormat, PixelFormat, PrepareOptions, Screenshot};
//!
//! # fn main() -> renderiq_sdk::Result<()> {
//! // A 640x360 BGRA read-back whose rows are padded to 2576 bytes.
//! let (width, height, stride) = (640, 360, 2576);
//! let pixels = vec![128u8; stride * height as usize];
//! let shot = Screenshot::raw(pixels, width, height, stride, PixelFormat::Bgra8);
//!
//! let image = shot.prepare(&PrepareOptions::new().max_edge(320).format(OutputFormat::Jpeg))?;
//! assert_eq!((image.width, image.height), (320, 180));
//! assert_eq!(image.mime_type(), "image/jpeg");
//! # Ok(()) }
//! ```

mod encode;
mod jpeg;
mod resize;
mod source;

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::Error;
use crate::{ErrorKind, Result};

use self::resize::Frame;
use self::source::{Decoded, Pixels};

/// The smallest longest edge the byte budget may shrink an image to.
const MIN_EDGE: u32 = 256;
/// The lowest JPEG quality the byte budget may fall back to.
const MIN_QUALITY: u8 = 35;
/// How much JPEG quality drops per step when the output is over budget.
const QUALITY_STEP: u8 = 10;
/// The largest scale factor of one shrinking step when the output is over budget.
const SHRINK_STEP: f64 = 0.75;

/// Channel order of a raw pixel buffer. Both have 8 bits per channel, 4 bytes per pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// Red, green, blue, alpha: OpenGL/Blender read-backs, Rhino, most image libraries.
    Rgba8,
    /// Blue, green, red, alpha: Windows DIBs, Revit and SketchUp captures.
    Bgra8,
}

/// The encoding of a [`PreparedImage`].
///
/// # Examples
///
/// ```
/// use renderiq_sdk::screenshot::OutputFormat;
///
/// let format: OutputFormat = "jpg".parse().unwrap();
/// assert_eq!(format, OutputFormat::Jpeg);
/// assert_eq!(format.mime_type(), "image/jpeg");
/// assert_eq!(OutputFormat::default(), OutputFormat::Jpeg);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// PNG, lossless, keeps transparency.
    Png,
    /// JPEG with 4:2:0 chroma subsampling; transparency is flattened onto white.
    #[default]
    Jpeg,
    /// Lossless WebP, keeps transparency.
    Webp,
}

impl OutputFormat {
    /// The MIME type to upload the image with, e.g. `"image/png"`.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }

    /// The usual file extension, without the dot, e.g. `"jpg"`.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Png => "png",
            Self::Jpeg => "jpeg",
            Self::Webp => "webp",
        })
    }
}

impl FromStr for OutputFormat {
    type Err = Error;

    /// Parses `"png"`, `"jpeg"`, `"jpg"` or `"webp"`, ignoring case.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "png" => Ok(Self::Png),
            "jpeg" | "jpg" => Ok(Self::Jpeg),
            "webp" => Ok(Self::Webp),
            _ => Err(Error::invalid_input(format!(
                "unknown image format {s:?}: use \"png\", \"jpeg\" or \"webp\""
            ))),
        }
    }
}

/// Raw pixels as a host app reads them back from its viewport.
///
/// Built by [`Screenshot::raw`]; set [`bottom_up`](Self::bottom_up) for OpenGL-style buffers whose
/// first row is the bottom of the image.
#[derive(Debug, Clone)]
pub struct RawImage<'a> {
    /// The pixel bytes: `height` rows of `width * 4` bytes, `stride` bytes apart.
    pub pixels: Cow<'a, [u8]>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes from the start of one row to the start of the next (at least `width * 4`).
    pub stride: usize,
    /// Channel order of each pixel.
    pub format: PixelFormat,
    /// `true` when the first row in memory is the bottom row of the image (OpenGL, Blender).
    pub bottom_up: bool,
}

/// A viewport capture in any of the forms host apps produce.
///
/// # Examples
///
/// ```no_run
/// use renderiq_sdk::screenshot::{PixelFormat, PrepareOptions, RawImage, Screenshot};
///
/// # fn main() -> renderiq_sdk::Result<()> {
/// let from_file = Screenshot::file("viewport.png");
/// let from_bytes = Screenshot::encoded(std::fs::read("viewport.jpg").unwrap());
///
/// // An OpenGL read-back: tightly packed RGBA, bottom row first.
/// let gl_pixels = vec![0u8; 1920 * 1080 * 4];
/// let from_gl = Screenshot::Raw(RawImage {
///     pixels: gl_pixels.into(),
///     width: 1920,
///     height: 1080,
///     stride: 1920 * 4,
///     format: PixelFormat::Rgba8,
///     bottom_up: true,
/// });
/// let upload = from_gl.prepare(&PrepareOptions::default())?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub enum Screenshot<'a> {
    /// A PNG, JPEG or WebP file on disk. The format is read from the file's bytes.
    File(PathBuf),
    /// A PNG, JPEG or WebP image in memory.
    Encoded(Cow<'a, [u8]>),
    /// Raw RGBA or BGRA pixels.
    Raw(RawImage<'a>),
}

impl<'a> Screenshot<'a> {
    /// A screenshot read from the file at `path` when it is prepared.
    ///
    /// # Examples
    ///
    /// ```
    /// let shot = renderiq_sdk::Screenshot::file("viewport.png");
    /// assert!(matches!(shot, renderiq_sdk::Screenshot::File(_)));
    /// ```
    pub fn file(path: impl Into<PathBuf>) -> Screenshot<'static> {
        Screenshot::File(path.into())
    }

    /// A screenshot held as encoded PNG, JPEG or WebP bytes, borrowed or owned.
    ///
    /// # Examples
    ///
    /// ```
    /// let png: &[u8] = b"\x89PNG...";
    /// let shot = renderiq_sdk::Screenshot::encoded(png);
    /// assert!(matches!(shot, renderiq_sdk::Screenshot::Encoded(_)));
    /// ```
    pub fn encoded(bytes: impl Into<Cow<'a, [u8]>>) -> Self {
        Screenshot::Encoded(bytes.into())
    }

    /// A screenshot held as raw pixels, top row first.
    ///
    /// `stride` is the number of bytes from one row to the next, at least `width * 4`. Nothing is
    /// checked here; [`prepare`](Self::prepare) reports a buffer that does not match.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::screenshot::{PixelFormat, Screenshot};
    ///
    /// let pixels = vec![255u8; 4 * 3 * 2];
    /// let shot = Screenshot::raw(pixels, 3, 2, 12, PixelFormat::Rgba8);
    /// assert!(matches!(shot, Screenshot::Raw(ref raw) if !raw.bottom_up));
    /// ```
    pub fn raw(
        pixels: impl Into<Cow<'a, [u8]>>,
        width: u32,
        height: u32,
        stride: usize,
        format: PixelFormat,
    ) -> Self {
        Screenshot::Raw(RawImage {
            pixels: pixels.into(),
            width,
            height,
            stride,
            format,
            bottom_up: false,
        })
    }

    /// Copies borrowed bytes so the screenshot can outlive them (to move it to another thread or
    /// task).
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::Screenshot;
    ///
    /// fn keep(bytes: &[u8]) -> Screenshot<'static> {
    ///     Screenshot::encoded(bytes).into_owned()
    /// }
    /// # keep(b"");
    /// ```
    pub fn into_owned(self) -> Screenshot<'static> {
        match self {
            Screenshot::File(path) => Screenshot::File(path),
            Screenshot::Encoded(bytes) => Screenshot::Encoded(Cow::Owned(bytes.into_owned())),
            Screenshot::Raw(raw) => Screenshot::Raw(RawImage {
                pixels: Cow::Owned(raw.pixels.into_owned()),
                width: raw.width,
                height: raw.height,
                stride: raw.stride,
                format: raw.format,
                bottom_up: raw.bottom_up,
            }),
        }
    }

    /// Decodes, orients, down-scales and encodes the screenshot. Same as [`prepare`].
    ///
    /// # Errors
    ///
    /// See [`prepare`].
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::screenshot::{OutputFormat, PixelFormat, PrepareOptions, Screenshot};
    ///
    /// # fn main() -> renderiq_sdk::Result<()> {
    /// let shot = Screenshot::raw(vec![200u8; 64 * 48 * 4], 64, 48, 64 * 4, PixelFormat::Rgba8);
    /// let png = shot.prepare(&PrepareOptions::new().format(OutputFormat::Png))?;
    /// assert_eq!((png.width, png.height), (64, 48)); // never up-scaled
    /// assert!(png.bytes.starts_with(b"\x89PNG"));
    /// # Ok(()) }
    /// ```
    pub fn prepare(&self, options: &PrepareOptions) -> Result<PreparedImage> {
        prepare(self, options)
    }
}

/// How [`prepare`] sizes and encodes a screenshot.
///
/// Plain data: set it with the chained methods, read it from the public fields of the same
/// names. Values are checked when the screenshot is prepared.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::screenshot::{OutputFormat, PrepareOptions};
///
/// let options = PrepareOptions::new()
///     .max_edge(1536)
///     .format(OutputFormat::Webp)
///     .max_bytes(Some(4 * 1024 * 1024));
/// assert_eq!(options.max_edge, 1536);
/// assert_eq!(options.quality, 85);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PrepareOptions {
    /// The longest edge of the output in pixels, at least 1. Default is 2048.
    pub max_edge: u32,
    /// The output encoding. Default is [`OutputFormat::Jpeg`].
    pub format: OutputFormat,
    /// JPEG quality from 1 to 100. Default is 85.
    pub quality: u8,
    /// The most bytes the encoded image may take, or `None` for no limit. Default is 10 MiB.
    pub max_bytes: Option<usize>,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        Self {
            max_edge: 2048,
            format: OutputFormat::Jpeg,
            quality: 85,
            max_bytes: Some(10 * 1024 * 1024),
        }
    }
}

impl PrepareOptions {
    /// The default options: longest edge 2048 px, JPEG at quality 85, at most 10 MiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// The longest edge of the output in pixels; larger images are scaled down, smaller ones are
    /// left as they are. Must be at least 1.
    ///
    /// Default is 2048.
    #[must_use]
    pub fn max_edge(mut self, px: u32) -> Self {
        self.max_edge = px;
        self
    }

    /// The output encoding.
    ///
    /// Default is [`OutputFormat::Jpeg`].
    #[must_use]
    pub fn format(mut self, format: OutputFormat) -> Self {
        self.format = format;
        self
    }

    /// JPEG quality from 1 to 100 (ignored for PNG and WebP, which are lossless). The byte
    /// budget may lower it, down to 35.
    ///
    /// Default is 85.
    #[must_use]
    pub fn quality(mut self, quality: u8) -> Self {
        self.quality = quality;
        self
    }

    /// The most bytes the encoded image may take, or `None` for no limit.
    ///
    /// Default is `Some(10 * 1024 * 1024)` (10 MiB, the API's upload limit).
    #[must_use]
    pub fn max_bytes(mut self, bytes: Option<usize>) -> Self {
        self.max_bytes = bytes;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.max_edge == 0 {
            return Err(Error::invalid_input(
                "max_edge is 0: give the longest output edge in pixels, e.g. 2048",
            ));
        }
        if !(1..=100).contains(&self.quality) {
            return Err(Error::invalid_input(format!(
                "JPEG quality {} is out of range: use 1 to 100",
                self.quality
            )));
        }
        if self.max_bytes == Some(0) {
            return Err(Error::invalid_input(
                "max_bytes is 0: give a byte budget or None for no limit",
            ));
        }
        Ok(())
    }
}

/// An encoded image, ready to upload.
///
/// Its `Debug` output shows the size of the bytes, not the bytes.
#[derive(Clone)]
pub struct PreparedImage {
    /// The encoded image, without metadata.
    pub bytes: Vec<u8>,
    /// How `bytes` are encoded.
    pub format: OutputFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl PreparedImage {
    /// The MIME type of [`bytes`](Self::bytes), e.g. `"image/jpeg"`.
    pub fn mime_type(&self) -> &'static str {
        self.format.mime_type()
    }
}

impl fmt::Debug for PreparedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedImage")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Decodes, orients, down-scales and encodes a screenshot for upload.
///
/// The output's longest edge is at most `options.max_edge` (images are never up-scaled), its
/// encoding is `options.format`, and it carries no metadata. When it would exceed
/// `options.max_bytes`, JPEG quality is lowered in steps of 10 down to 35, then the image is
/// scaled down (each step to at most 0.75 of the previous edge) until it fits.
///
/// This is CPU-bound work (tens of milliseconds for a 4K capture): from async code, run it on a
/// blocking thread (`tokio::task::spawn_blocking`).
///
/// # Errors
///
/// - [`ErrorKind::InvalidInput`]: bad options (`max_edge` 0, quality outside 1–100), a raw buffer
///   that does not match its width, height and stride, or an image that cannot fit in
///   `max_bytes` even at 256 px.
/// - [`ErrorKind::Image`]: the file cannot be read, the bytes are not a PNG, JPEG or WebP image,
///   or decoding or encoding fails.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::screenshot::{prepare, PixelFormat, PrepareOptions, Screenshot};
///
/// # fn main() -> renderiq_sdk::Result<()> {
/// let (width, height) = (4000, 1000);
/// let pixels = vec![90u8; width as usize * height as usize * 4];
/// let shot = Screenshot::raw(&pixels[..], width, height, width as usize * 4, PixelFormat::Rgba8);
///
/// let image = prepare(&shot, &PrepareOptions::default())?;
/// assert_eq!((image.width, image.height), (2048, 512));
/// assert!(image.bytes.len() <= 10 * 1024 * 1024);
/// # Ok(()) }
/// ```
pub fn prepare(screenshot: &Screenshot<'_>, options: &PrepareOptions) -> Result<PreparedImage> {
    options.validate()?;
    match screenshot {
        Screenshot::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorKind::Image,
                    format!(
                        "could not read the screenshot file {}: check that it exists and is \
                         readable",
                        path.display()
                    ),
                )
                .with_source(e)
            })?;
            fit_and_encode(&Decoded::from_bytes(&bytes)?.pixels(), options)
        }
        Screenshot::Encoded(bytes) => {
            fit_and_encode(&Decoded::from_bytes(bytes)?.pixels(), options)
        }
        Screenshot::Raw(raw) => fit_and_encode(&Pixels::from_raw(raw)?, options),
    }
}

/// Scales and encodes `source`, shrinking quality and size until the output fits the budget.
fn fit_and_encode(source: &Pixels<'_>, options: &PrepareOptions) -> Result<PreparedImage> {
    let format = options.format;
    let opaque = source.is_opaque();
    let source_edge = source.width.max(source.height);
    let floor_edge = MIN_EDGE.min(source_edge);
    let mut edge = options.max_edge.min(source_edge);
    loop {
        let (width, height) = resize::fit(source.width, source.height, edge);
        let frame = render(source, width, height, format, opaque)?;
        let (bytes, overshoot) = encode_within(&frame, format, options)?;
        match bytes {
            Some(bytes) => {
                return Ok(PreparedImage {
                    bytes,
                    format,
                    width,
                    height,
                })
            }
            None if edge <= floor_edge => {
                let budget = options.max_bytes.unwrap_or(usize::MAX);
                return Err(Error::invalid_input(format!(
                    "cannot fit the image in {budget} bytes (it takes {} bytes at {width}x{height}); \
                     raise max_bytes",
                    budget.saturating_add(overshoot)
                )));
            }
            None => edge = shrink(edge, overshoot, options, floor_edge),
        }
    }
}

/// Scales `source` to `width` x `height` and readies the pixels for `format`'s encoder.
fn render<'a>(
    source: &Pixels<'a>,
    width: u32,
    height: u32,
    format: OutputFormat,
    opaque: bool,
) -> Result<Frame<'a>> {
    // The JPEG encoder reads BGRA directly; PNG and WebP need RGBA.
    let to_rgba = format != OutputFormat::Jpeg;
    let mut frame = resize::render(source, width, height, to_rgba, !opaque)?;
    if format == OutputFormat::Jpeg && !opaque {
        encode::flatten_onto_white(&mut frame);
    }
    Ok(frame)
}

/// Encodes `frame`, stepping JPEG quality down until it fits `max_bytes`.
///
/// Returns the bytes, or `None` and how many bytes the smallest attempt was over budget.
fn encode_within(
    frame: &Frame<'_>,
    format: OutputFormat,
    options: &PrepareOptions,
) -> Result<(Option<Vec<u8>>, usize)> {
    let budget = options.max_bytes.unwrap_or(usize::MAX);
    let mut overshoot = 0;
    for quality in quality_ladder(format, options.quality) {
        let bytes = encode::encode(frame, format, quality)?;
        if bytes.len() <= budget {
            return Ok((Some(bytes), 0));
        }
        overshoot = bytes.len() - budget;
    }
    Ok((None, overshoot))
}

/// The JPEG qualities to try, best first: the requested one, then down by 10 to at least 35.
/// Lossless formats have a single "quality".
fn quality_ladder(format: OutputFormat, quality: u8) -> impl Iterator<Item = u8> {
    let lowest = match format {
        OutputFormat::Jpeg => MIN_QUALITY.min(quality),
        OutputFormat::Png | OutputFormat::Webp => quality,
    };
    std::iter::successors(Some(quality), |q| q.checked_sub(QUALITY_STEP))
        .take_while(move |q| *q >= lowest)
}

/// The next longest edge to try after an output `overshoot` bytes over budget: 0.75 of `edge`,
/// or less when the output was far too big (encoded size grows about with the pixel count).
fn shrink(edge: u32, overshoot: usize, options: &PrepareOptions, floor_edge: u32) -> u32 {
    let budget = options.max_bytes.unwrap_or(usize::MAX) as f64;
    let area_ratio = budget / (budget + overshoot as f64);
    let factor = area_ratio.sqrt().min(SHRINK_STEP);
    ((f64::from(edge) * factor) as u32).clamp(floor_edge, edge.saturating_sub(1).max(floor_edge))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_ladder_steps_down_by_ten_to_thirty_five() {
        let ladder: Vec<u8> = quality_ladder(OutputFormat::Jpeg, 85).collect();
        assert_eq!(ladder, [85, 75, 65, 55, 45, 35]);
    }

    #[test]
    fn quality_ladder_keeps_a_low_requested_quality() {
        let ladder: Vec<u8> = quality_ladder(OutputFormat::Jpeg, 20).collect();
        assert_eq!(ladder, [20]);
    }

    #[test]
    fn lossless_formats_are_encoded_once_per_size() {
        assert_eq!(quality_ladder(OutputFormat::Png, 85).count(), 1);
        assert_eq!(quality_ladder(OutputFormat::Webp, 85).count(), 1);
    }

    #[test]
    fn shrink_takes_at_least_a_quarter_off_and_stops_at_the_floor() {
        let options = PrepareOptions::new().max_bytes(Some(1000));
        assert_eq!(shrink(2048, 1, &options, 256), 1536);
        assert_eq!(shrink(2048, 99_000, &options, 256), 256);
        assert_eq!(shrink(300, 1, &options, 256), 256);
    }

    #[test]
    fn output_format_parses_names_and_rejects_others() {
        assert_eq!("PNG".parse::<OutputFormat>().unwrap(), OutputFormat::Png);
        assert_eq!("jpeg".parse::<OutputFormat>().unwrap(), OutputFormat::Jpeg);
        assert_eq!("webp".parse::<OutputFormat>().unwrap(), OutputFormat::Webp);
        let err = "gif".parse::<OutputFormat>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn bad_options_are_reported_by_prepare() {
        let shot = Screenshot::raw(vec![0u8; 16], 2, 2, 8, PixelFormat::Rgba8);
        for options in [
            PrepareOptions::new().max_edge(0),
            PrepareOptions::new().quality(0),
            PrepareOptions::new().quality(101),
            PrepareOptions::new().max_bytes(Some(0)),
        ] {
            let err = shot.prepare(&options).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{options:?}");
        }
    }

    #[test]
    fn prepared_image_debug_shows_the_length_not_the_bytes() {
        let image = PreparedImage {
            bytes: vec![0xAB; 1234],
            format: OutputFormat::Png,
            width: 1,
            height: 1,
        };
        let debug = format!("{image:?}");
        assert!(debug.contains("<1234 bytes>"), "{debug}");
        assert!(!debug.contains("171"), "{debug}");
    }
}
