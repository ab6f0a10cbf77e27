//! Bounded image work: every image the server decodes is measured from its header first, decoded
//! under allocation limits, and its working memory is reserved from one budget shared by all
//! renders.
//!
//! - **Pixel limit** (`--max-image-pixels`, default 40 MP): an upload (multipart or base64 JSON)
//!   declaring more pixels is refused with 413 `PAYLOAD_TOO_LARGE` before any pixel is decoded;
//!   a decompression bomb (a small PNG declaring 8192×8192 RGBA16) ends there.
//! - **Decoder limits**: every decode sets [`image::Limits`] (edge limit and `max_alloc` = the
//!   memory budget), so a header that lies cannot make the decoder allocate more.
//! - **Memory budget** (`--image-memory-budget-mb`, default 384 MiB): a render reserves the
//!   decoded size of its input plus [`RENDER_WORKING_BYTES`] before decoding and holds the
//!   reservation until its output is encoded; renders that would exceed the budget together wait
//!   for each other. An image that alone needs more than the budget is refused at upload (413).
//! - Generated outputs (Gemini) are checked from their header against the same pixel limit.

use std::io::Cursor;
use std::sync::Arc;

use anyhow::Context as _;
use image::{DynamicImage, ImageDecoder as _, ImageFormat, ImageReader};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Config;

/// Default of `--max-image-pixels`: 40 megapixels.
pub const DEFAULT_MAX_IMAGE_PIXELS: u64 = 40_000_000;
/// Default of `--image-memory-budget-mb`.
pub const DEFAULT_IMAGE_MEMORY_BUDGET_MB: u64 = 384;
/// Working memory of a render besides its decoded input: the output-sized buffers of scaling,
/// styling and encoding (at most 1024×1024 pixels).
pub const RENDER_WORKING_BYTES: u64 = 48 * MIB;

const MIB: u64 = 1024 * 1024;
/// What reading an image's header (its metadata chunks) may allocate.
const HEADER_ALLOC_BYTES: u64 = 16 * MIB;

/// Why an image is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefusal {
    /// Not an image the server reads, or a corrupt header: 400 `INVALID_INPUT`.
    #[error("{0}")]
    Invalid(String),
    /// Larger than a limit: 413 `PAYLOAD_TOO_LARGE`. The message names the flag.
    #[error("{0}")]
    TooLarge(String),
}

/// What an image header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHeader {
    /// The format sniffed from the first bytes.
    pub format: ImageFormat,
    /// File extension for storing it (`png`, `jpg`, `webp`).
    pub extension: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes of the decoded pixels (width × height × bytes per pixel of its colour type).
    pub decoded_bytes: u64,
}

impl ImageHeader {
    /// Width × height.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// The numeric limits of [`ImageLimits`], without the shared budget: what an upload is checked
/// against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageBounds {
    /// Largest image in pixels (`--max-image-pixels`).
    pub max_pixels: u64,
    /// Longest edge in pixels (`--max-image-edge`).
    pub max_edge: u32,
    /// The memory budget in bytes (`--image-memory-budget-mb`).
    pub budget_bytes: u64,
}

impl ImageBounds {
    /// The bounds `config` sets.
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_pixels: config.max_image_pixels.max(1),
            max_edge: config.max_image_edge.max(1),
            budget_bytes: config
                .image_memory_budget_mb
                .clamp(1, u64::from(u32::MAX))
                .saturating_mul(MIB),
        }
    }

    /// Reads the header of `bytes` (PNG, JPEG or WebP only) without decoding any pixel and
    /// checks it against the pixel limit and the memory budget. The edge limit is left to the
    /// caller (an upload answers it as a field error).
    ///
    /// # Errors
    ///
    /// [`ImageRefusal::Invalid`] for another format or a corrupt header,
    /// [`ImageRefusal::TooLarge`] over a limit.
    pub fn check(&self, bytes: &[u8]) -> Result<ImageHeader, ImageRefusal> {
        let header = read_header(bytes)?;
        if header.pixels() > self.max_pixels {
            return Err(ImageRefusal::TooLarge(format!(
                "image is {}x{} ({:.1} megapixels); the limit is {:.1} megapixels \
                 (--max-image-pixels): send a smaller image",
                header.width,
                header.height,
                megapixels(header.pixels()),
                megapixels(self.max_pixels),
            )));
        }
        let needed = working_bytes(&header);
        if needed > self.budget_bytes {
            return Err(ImageRefusal::TooLarge(format!(
                "image is {}x{}: rendering it needs {} MiB; the server's image memory budget is \
                 {} MiB (--image-memory-budget-mb): send a smaller or 8-bit image",
                header.width,
                header.height,
                needed.div_ceil(MIB),
                self.budget_bytes / MIB,
            )));
        }
        Ok(header)
    }

    /// The allocation limits every decoder runs under: the edge limit, and at most the memory
    /// budget in total, whatever the header claimed.
    pub fn decoder_limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.max_edge);
        limits.max_image_height = Some(self.max_edge);
        limits.max_alloc = Some(self.budget_bytes);
        limits
    }
}

/// Memory a render of this image holds: its decoded pixels plus [`RENDER_WORKING_BYTES`].
fn working_bytes(header: &ImageHeader) -> u64 {
    header.decoded_bytes.saturating_add(RENDER_WORKING_BYTES)
}

/// The limits of one server, with the memory budget its renders share. Cheap to clone; clones
/// share the budget.
#[derive(Debug, Clone)]
pub struct ImageLimits {
    bounds: ImageBounds,
    budget: Arc<Semaphore>,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self::from_config(&Config::default())
    }
}

impl ImageLimits {
    /// The limits `config` sets (`--max-image-pixels`, `--max-image-edge`,
    /// `--image-memory-budget-mb`), with a fresh budget.
    pub fn from_config(config: &Config) -> Self {
        let bounds = ImageBounds::from_config(config);
        let permits = usize::try_from(bounds.budget_bytes / MIB).unwrap_or(usize::MAX >> 4);
        Self {
            bounds,
            budget: Arc::new(Semaphore::new(permits)),
        }
    }

    /// The numeric limits.
    pub fn bounds(&self) -> ImageBounds {
        self.bounds
    }

    /// Decodes `bytes` within the limits: checks the header ([`ImageLimits::check`] and the edge
    /// limit), waits for its working memory in the shared budget, then decodes on the blocking
    /// pool with the decoder's allocation limit set. Keep the returned reservation until the
    /// work on the image is done.
    ///
    /// # Errors
    ///
    /// A refused header, or a decoding failure (including a decoder that would exceed its
    /// allocation limit).
    pub async fn decode(
        &self,
        bytes: Vec<u8>,
    ) -> anyhow::Result<(DynamicImage, OwnedSemaphorePermit)> {
        let bounds = self.bounds;
        let header = bounds.check(&bytes)?;
        if header.width.max(header.height) > bounds.max_edge {
            anyhow::bail!(
                "image is {}x{}; the longest edge may be {} pixels (--max-image-edge)",
                header.width,
                header.height,
                bounds.max_edge
            );
        }
        let permits = u32::try_from(working_bytes(&header).div_ceil(MIB)).unwrap_or(u32::MAX);
        let reservation = Arc::clone(&self.budget)
            .acquire_many_owned(permits)
            .await
            .context("the image memory budget is closed")?;
        let limits = bounds.decoder_limits();
        let image = tokio::task::spawn_blocking(move || {
            let mut reader = ImageReader::with_format(Cursor::new(&bytes), header.format);
            reader.limits(limits);
            reader.decode()
        })
        .await?
        .map_err(|e| anyhow::anyhow!("cannot decode the image: {e}"))?;
        Ok((image, reservation))
    }
}

fn megapixels(pixels: u64) -> f64 {
    pixels as f64 / 1e6
}

/// The format from the first bytes (PNG, JPEG or WebP only) and what its header declares.
fn read_header(bytes: &[u8]) -> Result<ImageHeader, ImageRefusal> {
    let (extension, format) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("png", ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("jpg", ImageFormat::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        ("webp", ImageFormat::WebP)
    } else {
        return Err(ImageRefusal::Invalid(
            "not a PNG, JPEG or WebP image".to_owned(),
        ));
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Reading a header allocates nothing of the image's size, only its metadata chunks (bounded
    // here, as compressed text or colour profiles can be bombs too). No edge limit, so that an
    // oversized image is reported with its size rather than as a decoder error.
    let mut limits = image::Limits::no_limits();
    limits.max_alloc = Some(HEADER_ALLOC_BYTES);
    reader.limits(limits);
    let decoder = reader
        .into_decoder()
        .map_err(|e| ImageRefusal::Invalid(format!("unreadable {extension} image: {e}")))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageRefusal::Invalid("image has no pixels".to_owned()));
    }
    Ok(ImageHeader {
        format,
        extension,
        width,
        height,
        decoded_bytes: decoder.total_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::new(w, h);
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    fn bounds(max_pixels: u64, budget_mb: u64) -> ImageBounds {
        limits(max_pixels, budget_mb).bounds()
    }

    fn limits(max_pixels: u64, budget_mb: u64) -> ImageLimits {
        ImageLimits::from_config(&Config {
            max_image_pixels: max_pixels,
            image_memory_budget_mb: budget_mb,
            ..Config::default()
        })
    }

    #[test]
    fn the_pixel_limit_is_inclusive_and_named_in_the_refusal() {
        let limits = bounds(100 * 100, 384);
        let header = limits.check(&png(100, 100)).unwrap();
        assert_eq!(
            (header.width, header.height, header.decoded_bytes),
            (100, 100, 30_000)
        );
        let ImageRefusal::TooLarge(message) = limits.check(&png(101, 100)).unwrap_err() else {
            panic!("expected TooLarge");
        };
        assert!(message.contains("--max-image-pixels"), "{message}");
    }

    #[test]
    fn an_image_needing_more_than_the_memory_budget_is_refused() {
        // 49 MiB: the working bytes alone leave 1 MiB for the decoded input.
        let limits = bounds(u64::MAX, 49);
        assert!(limits.check(&png(500, 500)).is_ok());
        let ImageRefusal::TooLarge(message) = limits.check(&png(700, 700)).unwrap_err() else {
            panic!("expected TooLarge");
        };
        assert!(message.contains("--image-memory-budget-mb"), "{message}");
    }

    #[test]
    fn other_bytes_are_invalid() {
        assert!(matches!(
            ImageLimits::default().bounds().check(b"GIF89a...."),
            Err(ImageRefusal::Invalid(_))
        ));
        assert!(matches!(
            ImageLimits::default()
                .bounds()
                .check(b"\x89PNG\r\n\x1a\nbroken"),
            Err(ImageRefusal::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn decoding_reserves_memory_from_the_shared_budget_until_released() {
        let limits = limits(u64::MAX, 60);
        let (image, reservation) = limits.decode(png(64, 48)).await.unwrap();
        assert_eq!((image.width(), image.height()), (64, 48));
        assert_eq!(limits.budget.available_permits(), 60 - 49);
        // A second render does not fit beside the first: it waits until the first ends.
        let second = tokio::spawn({
            let limits = limits.clone();
            async move { limits.decode(png(64, 48)).await.map(|_| ()) }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!second.is_finished());
        drop(reservation);
        second.await.unwrap().unwrap();
        assert_eq!(limits.budget.available_permits(), 60);
    }
}
