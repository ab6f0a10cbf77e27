//! Encoding a [`Frame`]: JPEG with our own baseline encoder ([`super::jpeg`]), PNG and lossless
//! WebP with `image`.
//!
//! Encoders get pixels only, never metadata, so the output carries no EXIF, GPS or ICC data.

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};

use super::resize::Frame;
use super::source::Layout;
use super::OutputFormat;
use crate::error::Error;
use crate::{ErrorKind, Result};

/// The largest edge a JPEG can have.
const JPEG_MAX_EDGE: u32 = u16::MAX as u32;

/// Deflate level for PNG. On a noisy 2048x1152 capture level 2 takes 73 ms for 2.05 MB where
/// `image`'s default level takes 690 ms for 1.76 MB; on flat renders both give the same size.
const PNG_COMPRESSION: CompressionType = CompressionType::Level(2);

/// Encodes `frame` as `format`; `quality` applies to JPEG only.
///
/// PNG and WebP need RGB(A) frames: BGRA is swapped before (see `resize::render`).
pub(crate) fn encode(frame: &Frame<'_>, format: OutputFormat, quality: u8) -> Result<Vec<u8>> {
    match format {
        OutputFormat::Jpeg => encode_jpeg(frame, quality),
        OutputFormat::Png => encode_png(frame),
        OutputFormat::Webp => encode_webp(frame),
    }
}

fn encode_jpeg(frame: &Frame<'_>, quality: u8) -> Result<Vec<u8>> {
    let (Ok(width), Ok(height)) = (u16::try_from(frame.width), u16::try_from(frame.height)) else {
        return Err(Error::invalid_input(format!(
            "a JPEG can be at most {JPEG_MAX_EDGE} pixels wide and high, not {}x{}: lower \
             max_edge or choose PNG",
            frame.width, frame.height
        )));
    };
    // 4:2:0 at every quality: screenshots for an AI render gain nothing from full-resolution
    // chroma. RGB, RGBA and BGRA are read as they are (alpha ignored: flattened before).
    Ok(super::jpeg::encode(
        &frame.data,
        width,
        height,
        frame.layout,
        quality,
    ))
}

fn encode_png(frame: &Frame<'_>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, PNG_COMPRESSION, PngFilter::Adaptive)
        .write_image(&frame.data, frame.width, frame.height, color_type(frame)?)
        .map_err(|e| encode_error(OutputFormat::Png, e))?;
    Ok(out)
}

fn encode_webp(frame: &Frame<'_>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .encode(&frame.data, frame.width, frame.height, color_type(frame)?)
        .map_err(|e| encode_error(OutputFormat::Webp, e))?;
    Ok(out)
}

fn color_type(frame: &Frame<'_>) -> Result<ExtendedColorType> {
    match frame.layout {
        Layout::Rgb8 => Ok(ExtendedColorType::Rgb8),
        Layout::Rgba8 => Ok(ExtendedColorType::Rgba8),
        Layout::Bgra8 => Err(Error::new(
            ErrorKind::Image,
            "internal error: BGRA pixels reached the PNG/WebP encoder; please report this",
        )),
    }
}

/// A first guess at the JPEG size (about 1.5 bits per pixel), to avoid regrowing the buffer.
fn encode_error(format: OutputFormat, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::new(
        ErrorKind::Image,
        format!("could not encode the screenshot as {format}: {e}"),
    )
    .with_source(e)
}

/// Composites translucent pixels onto white, as a JPEG has no alpha. Works for RGBA and BGRA.
pub(crate) fn flatten_onto_white(frame: &mut Frame<'_>) {
    if !frame.layout.has_alpha() {
        return;
    }
    for px in frame.data.to_mut().chunks_exact_mut(4) {
        let alpha = u32::from(px[3]);
        if alpha == 255 {
            continue;
        }
        let white = 255 * (255 - alpha);
        for channel in &mut px[..3] {
            *channel = ((u32::from(*channel) * alpha + white + 127) / 255) as u8;
        }
        px[3] = 255;
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn frame(data: Vec<u8>, width: u32, height: u32, layout: Layout) -> Frame<'static> {
        Frame {
            data: Cow::Owned(data),
            width,
            height,
            layout,
        }
    }

    #[test]
    fn transparent_pixels_become_white_and_opaque_ones_stay() {
        let mut f = frame(
            vec![10, 20, 30, 0, 10, 20, 30, 255, 0, 0, 0, 128],
            3,
            1,
            Layout::Rgba8,
        );
        flatten_onto_white(&mut f);
        assert_eq!(
            &f.data[..],
            &[255, 255, 255, 255, 10, 20, 30, 255, 127, 127, 127, 255]
        );
    }

    #[test]
    fn jpeg_wider_than_65535_pixels_is_refused_with_advice() {
        let f = frame(vec![0; 70_000 * 3], 70_000, 1, Layout::Rgb8);
        let err = encode(&f, OutputFormat::Jpeg, 85).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains("max_edge"), "{err}");
    }

    #[test]
    fn jpeg_output_starts_with_soi_and_has_no_exif() {
        let f = frame(vec![90; 16 * 16 * 4], 16, 16, Layout::Bgra8);
        let jpeg = encode(&f, OutputFormat::Jpeg, 85).unwrap();
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
        assert!(!jpeg.windows(4).any(|w| w == b"Exif"));
    }
}
