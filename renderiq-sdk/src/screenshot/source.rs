//! Reading a screenshot's pixels: decoding encoded images and checking raw buffers.
//!
//! Both end as a [`Pixels`] view, which borrows the rows where they are (padded, bottom-up or
//! BGRA) so the full-size capture is never copied just to normalise it.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use super::{PixelFormat, RawImage};
use crate::error::Error;
use crate::{ErrorKind, Result};

/// The most memory an encoded screenshot may decode into, from the size its header declares:
/// 512 MiB (a 16384 × 8192 RGBA capture).
pub(crate) const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;

/// Channel order of the pixels the pipeline works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// 3 bytes per pixel (decoded JPEGs and opaque PNGs).
    Rgb8,
    /// 4 bytes per pixel.
    Rgba8,
    /// 4 bytes per pixel, blue first.
    Bgra8,
}

impl Layout {
    pub(crate) fn bytes_per_pixel(self) -> usize {
        match self {
            Self::Rgb8 => 3,
            Self::Rgba8 | Self::Bgra8 => 4,
        }
    }

    pub(crate) fn has_alpha(self) -> bool {
        self != Self::Rgb8
    }
}

/// A checked, borrowed image: `height` rows of `width` pixels, `stride` bytes apart.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pixels<'a> {
    data: &'a [u8],
    pub(crate) width: u32,
    pub(crate) height: u32,
    stride: usize,
    pub(crate) layout: Layout,
    bottom_up: bool,
}

impl<'a> Pixels<'a> {
    /// Checks a raw buffer against its width, height and stride.
    pub(crate) fn from_raw(raw: &'a RawImage<'_>) -> Result<Self> {
        let layout = match raw.format {
            PixelFormat::Rgba8 => Layout::Rgba8,
            PixelFormat::Bgra8 => Layout::Bgra8,
        };
        let (width, height, stride) = (raw.width, raw.height, raw.stride);
        if width == 0 || height == 0 {
            return Err(Error::invalid_input(format!(
                "the raw image is {width}x{height} pixels: width and height must be at least 1"
            )));
        }
        let too_big = || {
            Error::invalid_input(format!(
                "a {width}x{height} image with a stride of {stride} bytes is too large to address"
            ))
        };
        let row_bytes = (width as usize).checked_mul(4).ok_or_else(too_big)?;
        if stride < row_bytes {
            return Err(Error::invalid_input(format!(
                "the stride is {stride} bytes but a row of {width} pixels needs at least \
                 {row_bytes}: pass the distance between row starts in bytes (width * 4 or more)"
            )));
        }
        let needed = stride
            .checked_mul(height as usize - 1)
            .and_then(|n| n.checked_add(row_bytes))
            .ok_or_else(too_big)?;
        let data = &raw.pixels[..];
        if data.len() < needed {
            return Err(Error::invalid_input(format!(
                "the pixel buffer holds {} bytes but a {width}x{height} image with a stride of \
                 {stride} bytes needs {needed}: check width, height and stride",
                data.len()
            )));
        }
        Ok(Self {
            data: &data[..needed],
            width,
            height,
            stride,
            layout,
            bottom_up: raw.bottom_up,
        })
    }

    /// Tight, top-down pixels of a known layout; `data` holds exactly `width * height` pixels.
    pub(crate) fn tight(data: &'a [u8], width: u32, height: u32, layout: Layout) -> Self {
        let stride = width as usize * layout.bytes_per_pixel();
        debug_assert_eq!(data.len(), stride * height as usize);
        Self {
            data,
            width,
            height,
            stride,
            layout,
            bottom_up: false,
        }
    }

    fn row_bytes(&self) -> usize {
        self.width as usize * self.layout.bytes_per_pixel()
    }

    /// The rows from the top of the image to the bottom.
    pub(crate) fn rows(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let Self {
            data,
            height,
            stride,
            bottom_up,
            ..
        } = *self;
        let row_bytes = self.row_bytes();
        (0..height as usize).map(move |y| {
            let y = if bottom_up {
                height as usize - 1 - y
            } else {
                y
            };
            &data[y * stride..y * stride + row_bytes]
        })
    }

    /// The pixels as one top-down buffer without padding, if that is how they are stored.
    pub(crate) fn as_tight(&self) -> Option<&'a [u8]> {
        let row_bytes = self.row_bytes();
        let tight = self.height == 1 || (self.stride == row_bytes && !self.bottom_up);
        tight.then(|| &self.data[..row_bytes * self.height as usize])
    }

    /// `true` when every pixel is fully opaque (or the layout has no alpha).
    pub(crate) fn is_opaque(&self) -> bool {
        if !self.layout.has_alpha() {
            return true;
        }
        // AND-ing whole pixels over a row, without an early exit, vectorises well (2.5x faster
        // than folding the alpha bytes alone); the alpha byte is the top byte of each word.
        self.rows().all(|row| {
            let all = row.chunks_exact(4).fold(u32::MAX, |acc, px| {
                acc & u32::from_le_bytes([px[0], px[1], px[2], px[3]])
            });
            all >> 24 == 0xFF
        })
    }
}

/// An image decoded from PNG, JPEG or WebP bytes, upright, tightly packed.
#[derive(Debug)]
pub(crate) struct Decoded {
    buf: Vec<u8>,
    width: u32,
    height: u32,
    layout: Layout,
}

impl Decoded {
    /// Decodes `bytes`, sniffing the format from its signature and applying EXIF orientation.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| decode_error("could not read the screenshot", e))?;
        if !matches!(
            reader.format(),
            Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)
        ) {
            return Err(Error::new(
                ErrorKind::Image,
                "the screenshot is not a PNG, JPEG or WebP image: export the viewport in one of \
                 those formats or pass raw pixels",
            ));
        }
        let mut decoder = reader
            .into_decoder()
            .map_err(|e| decode_error("could not decode the screenshot", e))?;
        // The header's size, checked before any pixel is allocated: a file of a few bytes can
        // declare terabytes of pixels, and failing to allocate them aborts the process.
        if decoder.total_bytes() > MAX_DECODED_BYTES {
            let (width, height) = decoder.dimensions();
            return Err(Error::new(
                ErrorKind::Image,
                format!(
                    "the screenshot declares {width}x{height} pixels, more than {} MiB decoded: \
                     export a smaller image",
                    MAX_DECODED_BYTES / (1024 * 1024)
                ),
            ));
        }
        // A damaged EXIF block should not stop the upload: fall back to the stored orientation.
        let orientation = decoder
            .orientation()
            .unwrap_or(image::metadata::Orientation::NoTransforms);
        let mut image = DynamicImage::from_decoder(decoder)
            .map_err(|e| decode_error("could not decode the screenshot", e))?;
        image.apply_orientation(orientation);
        Self::from_image(image)
    }

    fn from_image(image: DynamicImage) -> Result<Self> {
        let (width, height) = (image.width(), image.height());
        if width == 0 || height == 0 {
            return Err(Error::new(
                ErrorKind::Image,
                format!("the screenshot is {width}x{height} pixels: it has no pixels to upload"),
            ));
        }
        let (buf, layout) = match image {
            DynamicImage::ImageRgb8(rgb) => (rgb.into_raw(), Layout::Rgb8),
            DynamicImage::ImageRgba8(rgba) => (rgba.into_raw(), Layout::Rgba8),
            other if other.color().has_alpha() => (other.into_rgba8().into_raw(), Layout::Rgba8),
            other => (other.into_rgb8().into_raw(), Layout::Rgb8),
        };
        Ok(Self {
            buf,
            width,
            height,
            layout,
        })
    }

    /// A view of the decoded pixels.
    pub(crate) fn pixels(&self) -> Pixels<'_> {
        Pixels {
            data: &self.buf,
            width: self.width,
            height: self.height,
            stride: self.width as usize * self.layout.bytes_per_pixel(),
            layout: self.layout,
            bottom_up: false,
        }
    }
}

fn decode_error(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(
        ErrorKind::Image,
        format!("{what}: {e}; check that the file is a complete PNG, JPEG or WebP image"),
    )
    .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pixels: Vec<u8>, width: u32, height: u32, stride: usize) -> RawImage<'static> {
        RawImage {
            pixels: pixels.into(),
            width,
            height,
            stride,
            format: PixelFormat::Rgba8,
            bottom_up: false,
        }
    }

    #[test]
    fn last_row_may_omit_its_padding() {
        // 2 rows of 2 pixels, stride 12: the second row needs only 8 bytes.
        let image = raw(vec![0; 12 + 8], 2, 2, 12);
        assert!(Pixels::from_raw(&image).is_ok());
        let short = raw(vec![0; 12 + 7], 2, 2, 12);
        assert_eq!(
            Pixels::from_raw(&short).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn stride_overflow_is_invalid_input_not_a_panic() {
        let image = raw(vec![0; 16], 2, u32::MAX, usize::MAX / 2);
        let err = Pixels::from_raw(&image).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains("too large"), "{err}");
    }

    #[test]
    fn bottom_up_rows_come_out_top_first() {
        let mut image = raw((0..24).collect(), 2, 3, 8);
        image.bottom_up = true;
        let pixels = Pixels::from_raw(&image).unwrap();
        let firsts: Vec<u8> = pixels.rows().map(|row| row[0]).collect();
        assert_eq!(firsts, [16, 8, 0]);
        assert!(pixels.as_tight().is_none());
    }

    #[test]
    fn tight_top_down_buffer_is_used_in_place() {
        let image = raw(vec![7; 32], 2, 4, 8);
        let pixels = Pixels::from_raw(&image).unwrap();
        assert_eq!(pixels.as_tight().map(<[u8]>::len), Some(32));
    }

    #[test]
    fn opacity_scan_ignores_row_padding() {
        // Opaque pixels, transparent padding bytes.
        let mut bytes = vec![0u8; 12 * 2];
        for row in bytes.chunks_mut(12) {
            row[..8].copy_from_slice(&[1, 2, 3, 255, 4, 5, 6, 255]);
        }
        let image = raw(bytes, 2, 2, 12);
        assert!(Pixels::from_raw(&image).unwrap().is_opaque());
        let mut translucent = image.clone();
        translucent.pixels.to_mut()[7] = 254;
        assert!(!Pixels::from_raw(&translucent).unwrap().is_opaque());
    }
}
