//! Sizing: fitting the output into the longest edge and resampling with `fast_image_resize`.

use std::borrow::Cow;

use fast_image_resize::images::{Image, TypedImageRef};
use fast_image_resize::pixels::InnerPixel;
use fast_image_resize::pixels::U8x4;
use fast_image_resize::{FilterType, ImageView, PixelTrait, ResizeAlg, ResizeOptions, Resizer};

use super::source::{Layout, Pixels};
use crate::error::Error;
use crate::{ErrorKind, Result};

/// The resampling filter: Catmull-Rom, the bicubic filter of Pillow, Photoshop and most viewers.
/// It keeps CAD line work crisp at a third of Lanczos3's kernel width.
const FILTER: FilterType = FilterType::CatmullRom;

/// Upright, tightly packed pixels ready for an encoder.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub(crate) data: Cow<'a, [u8]>,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) layout: Layout,
}

/// The size of a `width` x `height` image scaled down so its longest edge is at most `max_edge`,
/// keeping the aspect ratio. Never larger than the input; never 0.
pub(crate) fn fit(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_edge {
        return (width, height);
    }
    let scale = |short: u32| {
        let scaled =
            (u64::from(short) * u64::from(max_edge) + u64::from(long) / 2) / u64::from(long);
        (scaled as u32).max(1)
    };
    if width >= height {
        (max_edge, scale(height))
    } else {
        (scale(width), max_edge)
    }
}

/// Produces the `width` x `height` frame an encoder needs from `src`.
///
/// At the source size, a tight top-down buffer is borrowed as it is; other buffers are packed in
/// one pass. Otherwise the image is resampled straight from the source rows. `to_rgba` swaps
/// BGRA to RGBA on the way (on the smaller side of the resize). `use_alpha` weights colours by
/// alpha while resampling, which only matters for images that are not fully opaque.
pub(crate) fn render<'a>(
    src: &Pixels<'a>,
    width: u32,
    height: u32,
    to_rgba: bool,
    use_alpha: bool,
) -> Result<Frame<'a>> {
    let to_rgba = to_rgba && src.layout == Layout::Bgra8;
    let data = if (width, height) == (src.width, src.height) {
        match src.as_tight() {
            Some(tight) if !to_rgba => Cow::Borrowed(tight),
            _ => Cow::Owned(pack(src, to_rgba)),
        }
    } else {
        let mut data = resample(src, width, height, use_alpha)?;
        if to_rgba {
            swap_red_blue(&mut data);
        }
        Cow::Owned(data)
    };
    let layout = if to_rgba { Layout::Rgba8 } else { src.layout };
    Ok(Frame {
        data,
        width,
        height,
        layout,
    })
}

/// Copies the rows of `src` into one tight top-down buffer, swapping red and blue if asked.
fn pack(src: &Pixels<'_>, swap: bool) -> Vec<u8> {
    let row_bytes = src.width as usize * src.layout.bytes_per_pixel();
    let mut out = vec![0; row_bytes * src.height as usize];
    for (dst, row) in out.chunks_exact_mut(row_bytes).zip(src.rows()) {
        if swap {
            copy_swapping_red_blue(dst, row);
        } else {
            dst.copy_from_slice(row);
        }
    }
    out
}

/// Resamples `src` to `width` x `height` with [`FILTER`].
///
/// Through `fast_image_resize`'s typed entry point, built with its `only_u8x4` feature: the
/// untyped `resize` matches on every pixel type it knows (16-bit, float, grey...) and 3-byte
/// pixels have convolution kernels of their own, about 1 MB of each shipped library together.
/// Captures are 4-byte pixels; a 3-byte image (a decoded JPEG file) is widened to opaque RGBA,
/// resampled, and narrowed back, two cheap passes beside its decoding.
fn resample(src: &Pixels<'_>, width: u32, height: u32, use_alpha: bool) -> Result<Vec<u8>> {
    match src.layout {
        Layout::Rgb8 => {
            let widened = rgb_to_rgba(src);
            let wide = Pixels::tight(&widened, src.width, src.height, Layout::Rgba8);
            let mut out = resample_as::<U8x4>(&wide, width, height, false)?;
            rgba_to_rgb_in_place(&mut out);
            Ok(out)
        }
        Layout::Rgba8 | Layout::Bgra8 => resample_as::<U8x4>(src, width, height, use_alpha),
    }
}

/// The rows of a 3-byte `src` as one tight top-down RGBA buffer, alpha 255.
fn rgb_to_rgba(src: &Pixels<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.width as usize * src.height as usize * 4);
    for row in src.rows() {
        for px in row.chunks_exact(3) {
            out.extend_from_slice(&[px[0], px[1], px[2], 0xFF]);
        }
    }
    out
}

/// Drops every fourth byte, keeping the first three of each pixel, and shortens `pixels`.
fn rgba_to_rgb_in_place(pixels: &mut Vec<u8>) {
    let count = pixels.len() / 4;
    for i in 0..count {
        pixels.copy_within(i * 4..i * 4 + 3, i * 3);
    }
    pixels.truncate(count * 3);
}

fn resample_as<P: PixelTrait>(
    src: &Pixels<'_>,
    width: u32,
    height: u32,
    use_alpha: bool,
) -> Result<Vec<u8>> {
    let could_not = |e: &dyn std::fmt::Display| {
        Error::new(
            ErrorKind::Image,
            format!("could not resize the screenshot: {e}"),
        )
    };
    let rows = src
        .rows()
        .map(|row| TypedImageRef::<P>::from_buffer(src.width, 1, row))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| could_not(&e).with_source(e))?;
    let view = TypedRows {
        width: src.width,
        rows,
    };
    let mut dst = Image::new(width, height, P::pixel_type());
    let mut dst_view = dst
        .typed_image_mut::<P>()
        .ok_or_else(|| could_not(&"the output buffer has another pixel type"))?;
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FILTER))
        .use_alpha(use_alpha);
    Resizer::new()
        .resize_typed(&view, &mut dst_view, &options)
        .map_err(|e| could_not(&e).with_source(e))?;
    Ok(dst.into_vec())
}

/// Swaps the first and third byte of every 4-byte pixel: BGRA <-> RGBA.
fn swap_red_blue(pixels: &mut [u8]) {
    for px in pixels.chunks_exact_mut(4) {
        let v = u32::from_le_bytes([px[0], px[1], px[2], px[3]]);
        px.copy_from_slice(&swapped(v).to_le_bytes());
    }
}

fn copy_swapping_red_blue(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
        let v = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        d.copy_from_slice(&swapped(v).to_le_bytes());
    }
}

/// Byte 0 <-> byte 2 of a little-endian pixel; written with masks so it vectorises.
#[inline(always)]
fn swapped(v: u32) -> u32 {
    (v & 0xFF00_FF00) | ((v >> 16) & 0xFF) | ((v & 0xFF) << 16)
}

/// The source rows as `fast_image_resize` reads them: any order, any stride, no copy.
struct TypedRows<'a, P> {
    width: u32,
    rows: Vec<TypedImageRef<'a, P>>,
}

// SAFETY: every row is a `TypedImageRef` built with this `width` and a height of 1, which
// checked that it holds at least `width` pixels, as the trait requires.
unsafe impl<P: InnerPixel> ImageView for TypedRows<'_, P> {
    type Pixel = P;

    fn width(&self) -> u32 {
        self.width
    }

    fn height(&self) -> u32 {
        self.rows.len() as u32
    }

    fn iter_rows(&self, start_row: u32) -> impl Iterator<Item = &[P]> {
        let rows = self.rows.get(start_row as usize..).unwrap_or_default();
        rows.iter().map(|row| &row.pixels()[..self.width as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_ratio_of_a_4k_capture() {
        assert_eq!(fit(3840, 2160, 2048), (2048, 1152));
        assert_eq!(fit(2160, 3840, 2048), (1152, 2048));
    }

    #[test]
    fn fit_never_up_scales() {
        assert_eq!(fit(800, 600, 2048), (800, 600));
        assert_eq!(fit(2048, 10, 2048), (2048, 10));
    }

    #[test]
    fn fit_keeps_thin_images_at_least_one_pixel_wide() {
        assert_eq!(fit(10_000, 1, 100), (100, 1));
        assert_eq!(fit(1, 10_000, 100), (1, 100));
    }

    #[test]
    fn three_byte_pixels_widen_to_opaque_rgba_and_narrow_back() {
        let data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        let src = Pixels::tight(&data, 2, 2, Layout::Rgb8);
        let mut wide = rgb_to_rgba(&src);
        assert_eq!(
            wide,
            [1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255]
        );
        rgba_to_rgb_in_place(&mut wide);
        assert_eq!(wide, data);
    }

    #[test]
    fn a_three_byte_image_resamples_to_three_byte_pixels_of_its_colour() {
        let data = [10u8, 200, 30].repeat(40 * 20);
        let src = Pixels::tight(&data, 40, 20, Layout::Rgb8);
        let out = resample(&src, 20, 10, false).unwrap();
        assert_eq!(out, [10u8, 200, 30].repeat(20 * 10));
    }

    #[test]
    fn red_and_blue_swap_in_every_pixel() {
        let mut px = [1, 2, 3, 4, 5, 6, 7, 8];
        swap_red_blue(&mut px);
        assert_eq!(px, [3, 2, 1, 4, 7, 6, 5, 8]);
    }
}
