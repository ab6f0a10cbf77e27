//! Screenshot preparation through the public API, on real pixel data.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use image::{ImageFormat, RgbaImage};
use renderiq_sdk::screenshot::{
    prepare, OutputFormat, PixelFormat, PrepareOptions, RawImage, Screenshot,
};
use renderiq_sdk::ErrorKind;

/// A deterministic RGBA test card: gradients, hard edges and a little noise.
fn pattern(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        let noise = ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 17) as u8;
        let grid = if x % 16 == 0 || y % 16 == 0 { 60 } else { 0 };
        image::Rgba([
            (x * 255 / width.max(1)) as u8 ^ grid,
            (y * 255 / height.max(1)) as u8,
            128u8.wrapping_add(noise),
            255,
        ])
    })
}

/// Uniform noise that JPEG cannot compress well (xorshift, fixed seed).
fn noise(width: u32, height: u32) -> RgbaImage {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    RgbaImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [r, g, b, ..] = state.to_le_bytes();
        image::Rgba([r, g, b, 255])
    })
}

/// `image` as BGRA rows of `stride` bytes, padding filled with junk.
fn to_bgra(image: &RgbaImage, stride: usize) -> Vec<u8> {
    let mut out = vec![0xCD; stride * image.height() as usize];
    for (row, src) in out.chunks_mut(stride).zip(image.rows()) {
        for (dst, px) in row.chunks_exact_mut(4).zip(src) {
            dst.copy_from_slice(&[px[2], px[1], px[0], px[3]]);
        }
    }
    out
}

fn tight(image: &RgbaImage) -> Screenshot<'_> {
    Screenshot::raw(
        image.as_raw().as_slice(),
        image.width(),
        image.height(),
        image.width() as usize * 4,
        PixelFormat::Rgba8,
    )
}

fn encode(image: &RgbaImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => image::DynamicImage::ImageRgba8(image.clone())
            .to_rgb8()
            .write_to(&mut out, format),
        _ => image.write_to(&mut out, format),
    }
    .unwrap();
    out.into_inner()
}

fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("the output decodes")
}

fn png() -> PrepareOptions {
    PrepareOptions::new().format(OutputFormat::Png)
}

#[test]
fn bgra_with_padded_stride_gives_the_same_pixels_as_tight_rgba() {
    let image = pattern(300, 200);
    let stride = 300 * 4 + 52;
    let bgra = to_bgra(&image, stride);
    let padded = Screenshot::raw(&bgra[..], 300, 200, stride, PixelFormat::Bgra8);

    for options in [
        png(),
        png().max_edge(128),
        PrepareOptions::new().max_edge(128),
    ] {
        let expected = tight(&image).prepare(&options).unwrap();
        let actual = padded.prepare(&options).unwrap();
        assert_eq!(
            decode(&actual.bytes).to_rgba8(),
            decode(&expected.bytes).to_rgba8(),
            "{options:?}"
        );
        assert_eq!(
            (actual.width, actual.height),
            (expected.width, expected.height)
        );
    }
}

#[test]
fn bgra_at_source_size_comes_out_as_rgba() {
    let image = pattern(40, 30);
    let bgra = to_bgra(&image, 40 * 4);
    let shot = Screenshot::raw(bgra, 40, 30, 40 * 4, PixelFormat::Bgra8);
    let out = shot.prepare(&png()).unwrap();
    assert_eq!(decode(&out.bytes).to_rgba8(), image);
}

#[test]
fn bottom_up_buffer_is_flipped_upright() {
    let image = pattern(120, 90);
    let mut flipped = image.clone();
    image::imageops::flip_vertical_in_place(&mut flipped);
    let mut shot = tight(&flipped);
    if let Screenshot::Raw(raw) = &mut shot {
        raw.bottom_up = true;
    }

    for options in [png(), png().max_edge(60)] {
        let expected = tight(&image).prepare(&options).unwrap();
        let actual = shot.prepare(&options).unwrap();
        assert_eq!(
            decode(&actual.bytes).to_rgba8(),
            decode(&expected.bytes).to_rgba8()
        );
    }
}

#[test]
fn jpeg_output_decodes_with_the_expected_dimensions() {
    let image = pattern(3000, 1000);
    let out = tight(&image).prepare(&PrepareOptions::default()).unwrap();
    assert_eq!(out.format, OutputFormat::Jpeg);
    assert_eq!(out.mime_type(), "image/jpeg");
    assert_eq!((out.width, out.height), (2048, 683));
    let decoded = decode(&out.bytes);
    assert_eq!((decoded.width(), decoded.height()), (2048, 683));
}

#[test]
fn tall_images_fit_their_height_into_max_edge() {
    let image = pattern(500, 1000);
    let out = tight(&image).prepare(&png().max_edge(400)).unwrap();
    assert_eq!((out.width, out.height), (200, 400));
}

#[test]
fn small_images_are_never_up_scaled() {
    let image = pattern(64, 48);
    for format in [OutputFormat::Jpeg, OutputFormat::Png, OutputFormat::Webp] {
        let out = tight(&image)
            .prepare(&PrepareOptions::new().format(format))
            .unwrap();
        assert_eq!((out.width, out.height), (64, 48));
        assert_eq!(decode(&out.bytes).width(), 64);
    }
}

#[test]
fn jpeg_output_stays_within_a_small_byte_budget_for_a_noisy_image() {
    let image = noise(1024, 768);
    let budget = 60_000;
    let options = PrepareOptions::new().max_bytes(Some(budget));
    let out = tight(&image).prepare(&options).unwrap();
    assert!(out.bytes.len() <= budget, "{} > {budget}", out.bytes.len());
    let decoded = decode(&out.bytes);
    assert_eq!((decoded.width(), decoded.height()), (out.width, out.height));
    assert!(
        out.width < 1024,
        "a noisy image this size must be scaled down to fit"
    );
}

#[test]
fn jpeg_quality_drops_before_the_image_shrinks() {
    let image = pattern(800, 600);
    let full = tight(&image).prepare(&PrepareOptions::new()).unwrap();
    let budget = full.bytes.len() * 3 / 4;
    let out = tight(&image)
        .prepare(&PrepareOptions::new().max_bytes(Some(budget)))
        .unwrap();
    assert!(out.bytes.len() <= budget);
    assert_eq!(
        (out.width, out.height),
        (800, 600),
        "lower quality alone fits"
    );
}

#[test]
fn lossless_output_is_scaled_down_to_fit_the_budget() {
    let image = noise(600, 400);
    let budget = 200_000;
    for format in [OutputFormat::Png, OutputFormat::Webp] {
        let options = PrepareOptions::new().format(format).max_bytes(Some(budget));
        let out = tight(&image).prepare(&options).unwrap();
        assert!(
            out.bytes.len() <= budget,
            "{format}: {} > {budget}",
            out.bytes.len()
        );
        assert!(out.width < 600);
        assert_eq!(decode(&out.bytes).width(), out.width);
    }
}

#[test]
fn impossible_budget_is_invalid_input_that_says_raise_max_bytes() {
    let image = noise(800, 800);
    let err = tight(&image)
        .prepare(&PrepareOptions::new().max_bytes(Some(500)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("raise max_bytes"), "{err}");
}

#[test]
fn stride_smaller_than_a_row_is_invalid_input() {
    let shot = Screenshot::raw(vec![0u8; 4096], 32, 8, 32 * 4 - 1, PixelFormat::Rgba8);
    let err = shot.prepare(&PrepareOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("stride"), "{err}");
}

#[test]
fn buffer_shorter_than_its_rows_is_invalid_input() {
    let shot = Screenshot::raw(vec![0u8; 32 * 8 * 4 - 1], 32, 8, 32 * 4, PixelFormat::Bgra8);
    let err = shot.prepare(&PrepareOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("1023 bytes"), "{err}");
}

#[test]
fn zero_width_or_height_is_invalid_input() {
    for (width, height) in [(0, 10), (10, 0), (0, 0)] {
        let shot = Screenshot::raw(vec![0u8; 400], width, height, 40, PixelFormat::Rgba8);
        let err = shot.prepare(&PrepareOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{width}x{height}");
    }
}

#[test]
fn huge_dimensions_are_invalid_input_not_a_panic() {
    let shot = Screenshot::Raw(RawImage {
        pixels: vec![0u8; 64].into(),
        width: u32::MAX,
        height: u32::MAX,
        stride: usize::MAX,
        format: PixelFormat::Rgba8,
        bottom_up: true,
    });
    let err = shot.prepare(&PrepareOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn garbage_bytes_are_an_image_error() {
    let err = Screenshot::encoded(&b"definitely not an image"[..])
        .prepare(&PrepareOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Image);
}

#[test]
fn truncated_png_is_an_image_error() {
    let bytes = encode(&pattern(64, 64), ImageFormat::Png);
    let err = Screenshot::encoded(&bytes[..bytes.len() / 2])
        .prepare(&PrepareOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Image);
}

#[test]
fn missing_file_is_an_image_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-view.png");
    let err = Screenshot::file(&path)
        .prepare(&PrepareOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Image);
    assert!(err.to_string().contains("no-such-view.png"), "{err}");
}

#[test]
fn file_format_is_sniffed_from_the_bytes_not_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("actually-a-png.jpg");
    std::fs::write(&path, encode(&pattern(90, 60), ImageFormat::Png)).unwrap();
    let out = Screenshot::file(&path).prepare(&png()).unwrap();
    assert_eq!(decode(&out.bytes).to_rgba8(), pattern(90, 60));
}

#[test]
fn png_jpeg_and_webp_files_are_all_read() {
    let dir = tempfile::tempdir().unwrap();
    let image = pattern(200, 100);
    for (name, format) in [
        ("view.png", ImageFormat::Png),
        ("view.jpg", ImageFormat::Jpeg),
        ("view.webp", ImageFormat::WebP),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, encode(&image, format)).unwrap();
        let out = Screenshot::file(&path)
            .prepare(&PrepareOptions::new().max_edge(100))
            .unwrap();
        assert_eq!((out.width, out.height), (100, 50), "{name}");
    }
}

/// A JPEG whose EXIF block says "rotate 90° clockwise to display" (orientation 6).
fn jpeg_with_exif_orientation_6(image: &RgbaImage) -> Vec<u8> {
    let jpeg = encode(image, ImageFormat::Jpeg);
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2A\x00\x00\x00\x08"); // big-endian, IFD0 at offset 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&[0x00, 0x06, 0x00, 0x00]); // value 6, padded
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let payload = [&b"Exif\x00\x00"[..], &tiff].concat();
    let length = u16::try_from(payload.len() + 2).unwrap();

    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn jpeg_exif_orientation_is_applied_and_not_copied() {
    // 80x40, red in the top-left quarter, blue elsewhere.
    let image = RgbaImage::from_fn(80, 40, |x, y| {
        if x < 40 && y < 20 {
            image::Rgba([255, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 255, 255])
        }
    });
    let input = jpeg_with_exif_orientation_6(&image);
    assert!(input.windows(4).any(|w| w == b"Exif"));

    for format in [OutputFormat::Jpeg, OutputFormat::Png] {
        let out = Screenshot::encoded(&input[..])
            .prepare(&PrepareOptions::new().format(format))
            .unwrap();
        assert_eq!(
            (out.width, out.height),
            (40, 80),
            "{format}: rotated to portrait"
        );
        assert!(
            !out.bytes.windows(4).any(|w| w == b"Exif"),
            "{format}: no EXIF"
        );

        // Turned clockwise, the top-left corner is now the top-right one.
        let decoded = decode(&out.bytes).to_rgb8();
        let top_right = decoded.get_pixel(30, 10);
        let top_left = decoded.get_pixel(10, 10);
        assert!(
            top_right[0] > 200 && top_right[2] < 60,
            "{format}: {top_right:?}"
        );
        assert!(
            top_left[0] < 60 && top_left[2] > 200,
            "{format}: {top_left:?}"
        );
    }
}

#[test]
fn jpeg_output_flattens_transparency_onto_white() {
    let clear = RgbaImage::from_pixel(32, 32, image::Rgba([0, 0, 0, 0]));
    let out = tight(&clear).prepare(&PrepareOptions::default()).unwrap();
    let decoded = decode(&out.bytes).to_rgb8();
    assert!(
        decoded.pixels().all(|p| p.0.iter().all(|&c| c >= 250)),
        "white"
    );
}

#[test]
fn png_and_webp_keep_transparency() {
    let image = RgbaImage::from_fn(64, 64, |x, _| image::Rgba([200, 100, 50, (x * 4) as u8]));
    for format in [OutputFormat::Png, OutputFormat::Webp] {
        let out = tight(&image)
            .prepare(&PrepareOptions::new().format(format))
            .unwrap();
        assert_eq!(decode(&out.bytes).to_rgba8(), image, "{format}");
    }
}

#[test]
fn translucent_bgra_is_resized_with_its_alpha() {
    let image = RgbaImage::from_fn(200, 100, |x, _| {
        image::Rgba([255, 0, 0, if x < 100 { 0 } else { 255 }])
    });
    let bgra = to_bgra(&image, 200 * 4);
    let shot = Screenshot::raw(bgra, 200, 100, 200 * 4, PixelFormat::Bgra8);
    let out = shot.prepare(&png().max_edge(50)).unwrap();
    let decoded = decode(&out.bytes).to_rgba8();
    // Colour of transparent pixels must not bleed: visible pixels stay pure red.
    for px in decoded.pixels().filter(|p| p[3] > 0) {
        assert_eq!(&px.0[..3], &[255, 0, 0], "{px:?}");
    }
}

#[test]
fn grayscale_png_input_is_accepted() {
    let gray = image::GrayImage::from_fn(50, 50, |x, y| image::Luma([(x + y) as u8]));
    let mut bytes = Cursor::new(Vec::new());
    gray.write_to(&mut bytes, ImageFormat::Png).unwrap();
    let out = Screenshot::encoded(bytes.into_inner())
        .prepare(&png())
        .unwrap();
    assert_eq!(decode(&out.bytes).to_luma8(), gray);
}

#[test]
fn owned_screenshot_outlives_the_borrowed_buffer() {
    let owned = {
        let image = pattern(30, 20);
        tight(&image).into_owned()
    };
    let out = owned.prepare(&png()).unwrap();
    assert_eq!(decode(&out.bytes).to_rgba8(), pattern(30, 20));
}

#[test]
fn prepare_function_and_method_agree() {
    let image = pattern(100, 100);
    let options = PrepareOptions::new().max_edge(50).quality(70);
    let a = prepare(&tight(&image), &options).unwrap();
    let b = tight(&image).prepare(&options).unwrap();
    assert_eq!(a.bytes, b.bytes);
}

#[test]
fn prepared_image_debug_does_not_dump_the_bytes() {
    let out = tight(&pattern(16, 16)).prepare(&png()).unwrap();
    let debug = format!("{out:?}");
    assert!(
        debug.contains(&format!("<{} bytes>", out.bytes.len())),
        "{debug}"
    );
    assert!(debug.len() < 200, "{debug}");
}

/// Found by the `ffi_call` fuzz target: an 87-byte PNG (its checksums fixed
/// here: fuzz builds skip them) whose header declares 9731 × 150994946
/// RGBA pixels. Decoding it tried to allocate 5.9 TB and aborted the process; it is now refused
/// from the header as an image error.
#[test]
fn a_png_declaring_terabytes_of_pixels_is_refused_before_decoding() {
    let png = hex_bytes(
        "89504e470d0a1a0a0000000d49484452000026030900000208060000005ffe95d5000000114944415478\
         9c63389162f41f861990398585858585e256846d8585858500b7170e2fd191ec4d0000000049454e44ae\
         426082",
    );
    for format in [OutputFormat::Png, OutputFormat::Jpeg] {
        let err = prepare(
            &Screenshot::encoded(png.as_slice()),
            &PrepareOptions::new().format(format),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Image);
        assert!(
            err.message().contains("9731x150994946"),
            "{}",
            err.message()
        );
    }
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}
