//! Screenshot preparation of untrusted bytes (`renderiq_sdk::screenshot::prepare`): encoded
//! PNG/JPEG/WebP files and raw pixel buffers with any geometry.
//!
//! Input: 9 option bytes (output format, longest edge, quality, byte budget, source kind, raw
//! width, height, stride slack, pixel format/orientation), then the image bytes. Checks, besides
//! "never panics": a refusal is an `InvalidInput` or `Image` error; an accepted image has the
//! requested format and magic bytes, is no larger than the source nor the longest edge, keeps
//! within the byte budget, and decodes back to its stated size.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use renderiq_sdk::screenshot::{OutputFormat, PixelFormat, PrepareOptions, Screenshot};
use renderiq_sdk::ErrorKind;

fuzz_target!(|data: &[u8]| {
    let Some((head, image)) = data.split_first_chunk::<9>() else {
        return;
    };
    let format =
        [OutputFormat::Jpeg, OutputFormat::Png, OutputFormat::Webp][usize::from(head[0] % 3)];
    // Small edges keep the run fast; 0 is refused by the options' own check.
    let max_edge = u32::from(head[1] % 128) * 2;
    let quality = head[2] % 105;
    let max_bytes = (head[3] != 0).then(|| usize::from(head[3]) * 97);
    let options = PrepareOptions::new()
        .format(format)
        .max_edge(max_edge)
        .quality(quality)
        .max_bytes(max_bytes);

    let (shot, source_size) = if head[4] & 1 == 0 {
        let size = image::ImageReader::new(Cursor::new(image))
            .with_guessed_format()
            .ok()
            .and_then(|r| r.into_dimensions().ok());
        (Screenshot::encoded(image), size)
    } else {
        let width = u32::from(head[5] % 48);
        let height = u32::from(head[6] % 48);
        // Mostly a plausible stride, sometimes a short or odd one (prepare must refuse it).
        let stride = match head[7] {
            255 => 0,
            254 => 1,
            slack => width as usize * 4 + usize::from(slack % 9),
        };
        let pixel_format = if head[8] & 1 == 0 {
            PixelFormat::Rgba8
        } else {
            PixelFormat::Bgra8
        };
        let mut shot = Screenshot::raw(image, width, height, stride, pixel_format);
        if let Screenshot::Raw(raw) = &mut shot {
            raw.bottom_up = head[8] & 2 != 0;
        }
        (shot, Some((width, height)))
    };

    match shot.prepare(&options) {
        Ok(prepared) => {
            assert_eq!(prepared.format, format);
            assert!(prepared.width >= 1 && prepared.height >= 1);
            assert!(prepared.width.max(prepared.height) <= max_edge);
            if let Some((w, h)) = source_size {
                assert!(prepared.width <= w && prepared.height <= h, "up-scaled");
            }
            if let Some(budget) = max_bytes {
                assert!(prepared.bytes.len() <= budget, "over the byte budget");
            }
            let expected = match format {
                OutputFormat::Png => image::ImageFormat::Png,
                OutputFormat::Jpeg => image::ImageFormat::Jpeg,
                OutputFormat::Webp => image::ImageFormat::WebP,
            };
            assert_eq!(image::guess_format(&prepared.bytes).ok(), Some(expected));
            let decoded = image::load_from_memory_with_format(&prepared.bytes, expected)
                .expect("a prepared image decodes");
            assert_eq!(
                (decoded.width(), decoded.height()),
                (prepared.width, prepared.height)
            );
        }
        Err(e) => assert!(
            matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Image),
            "unexpected error kind {:?}: {e}",
            e.kind()
        ),
    }
});
