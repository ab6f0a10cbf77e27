//! The built-in offline generator: a deterministic image pipeline over the uploaded image.
//!
//! Centre-crops the upload to the aspect ratio, scales it to the quality's size, applies the
//! style's filter and encodes a PNG. The same input always gives the same bytes. With test
//! hooks on (`--test-hooks`), a prompt containing `[fail]` makes it fail (the refund path).
//!
//! Its memory is bounded ([`crate::image_limits`]): the input is decoded only after its header
//! passed the limits and its working memory was reserved from the shared budget, and the crop
//! is scaled straight from the decoded image (no full-size copy or conversion).

use futures_util::future::BoxFuture;
use image::{imageops, DynamicImage, GenericImageView as _, RgbImage};

use super::{output_size, GenerateRequest, Generated, Generator};
use crate::http::renders::FAIL_MARKER;
use crate::image_limits::ImageLimits;

/// The offline image pipeline.
#[derive(Debug, Clone, Default)]
pub struct LocalGenerator {
    /// Fail a render whose prompt contains `[fail]` (`--test-hooks`); off by default.
    pub test_hooks: bool,
    /// Pixel limit, decoder limits and the memory budget the renders share.
    pub images: ImageLimits,
}

impl Generator for LocalGenerator {
    fn generate(&self, mut request: GenerateRequest) -> BoxFuture<'_, anyhow::Result<Generated>> {
        Box::pin(async move {
            if self.test_hooks
                && request
                    .prompt
                    .as_deref()
                    .is_some_and(|p| p.contains(FAIL_MARKER))
            {
                anyhow::bail!("generation failed: the prompt asked for a failure ({FAIL_MARKER})");
            }
            let (source, reservation) = self
                .images
                .decode(std::mem::take(&mut request.input))
                .await
                .map_err(|e| anyhow::anyhow!("cannot use the uploaded image: {e:#}"))?;
            tokio::task::spawn_blocking(move || {
                // Held until the output is encoded: the working memory stays reserved.
                let _reservation = reservation;
                render(&source, &request)
            })
            .await?
        })
    }

    fn name(&self) -> &'static str {
        "local"
    }
}

fn render(source: &DynamicImage, request: &GenerateRequest) -> anyhow::Result<Generated> {
    let (w, h) = output_size(request.quality, &request.aspect_ratio);
    let mut img = fit(source, w, h);
    stylize(&mut img, &request.style);
    let mut bytes = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut bytes,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    );
    img.write_with_encoder(encoder)?;
    Ok(Generated {
        bytes,
        extension: "png",
    })
}

/// Centre crop to the target ratio, then scale to exactly `w`×`h`. The crop is a view and the
/// scaling reads the decoded pixels as they are, so no full-size buffer is added.
fn fit(source: &DynamicImage, w: u32, h: u32) -> RgbImage {
    let (sw, sh) = source.dimensions();
    // Crop so that sw'/sh' == w/h.
    let (cw, ch) = if u64::from(sw) * u64::from(h) > u64::from(sh) * u64::from(w) {
        (
            ((u64::from(sh) * u64::from(w)) / u64::from(h)).max(1) as u32,
            sh,
        )
    } else {
        (
            sw,
            ((u64::from(sw) * u64::from(h)) / u64::from(w)).max(1) as u32,
        )
    };
    let cropped = imageops::crop_imm(source, (sw - cw) / 2, (sh - ch) / 2, cw, ch);
    DynamicImage::ImageRgba8(imageops::thumbnail(&*cropped, w, h)).into_rgb8()
}

fn luma(p: &[u8]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

fn clamp(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

fn stylize(img: &mut RgbImage, style: &str) {
    match style {
        "sketch" => {
            let edges = edge_map(img);
            for (p, e) in img.pixels_mut().zip(edges) {
                let v = clamp(255.0 - e * 1.6);
                p.0 = [v, v, clamp(f32::from(v) * 0.97)];
            }
        }
        "watercolor" => {
            box_blur(img, 2);
            for p in img.pixels_mut() {
                for c in &mut p.0 {
                    // Posterize to 6 levels, then wash towards paper white.
                    let level = (f32::from(*c) / 255.0 * 5.0).round() / 5.0 * 255.0;
                    *c = clamp(level * 0.8 + 255.0 * 0.2);
                }
            }
        }
        "clay" => {
            for p in img.pixels_mut() {
                let l = luma(&p.0);
                for c in &mut p.0 {
                    let desaturated = f32::from(*c) * 0.2 + l * 0.8;
                    *c = clamp(desaturated * 0.6 + 105.0);
                }
            }
        }
        "night" => {
            for p in img.pixels_mut() {
                let l = luma(&p.0);
                let [r, g, b] = p.0.map(f32::from);
                p.0 = if l > 200.0 {
                    // Bright areas become lit windows.
                    [clamp(l), clamp(l * 0.85), clamp(l * 0.5)]
                } else {
                    [clamp(r * 0.35), clamp(g * 0.4), clamp(b * 0.55 + 40.0)]
                };
            }
        }
        "blueprint" => {
            let edges = edge_map(img);
            for (p, e) in img.pixels_mut().zip(edges) {
                p.0 = if e > 40.0 {
                    [235, 242, 255]
                } else {
                    [22, 62, 140]
                };
            }
        }
        // "photorealistic" and anything unknown: more contrast, warmer light.
        _ => {
            for p in img.pixels_mut() {
                let [r, g, b] = p.0.map(|c| (f32::from(c) - 128.0) * 1.15 + 128.0);
                p.0 = [clamp(r * 1.06 + 4.0), clamp(g * 1.01), clamp(b * 0.92)];
            }
        }
    }
}

/// Sobel gradient magnitude of the luminance, one value per pixel.
fn edge_map(img: &RgbImage) -> Vec<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let lum: Vec<f32> = img.pixels().map(|p| luma(&p.0)).collect();
    let at = |x: usize, y: usize| lum[y * w + x];
    let mut out = vec![0.0; w * h];
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let gx = at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2.0 * at(x - 1, y)
                - at(x - 1, y + 1);
            let gy = at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2.0 * at(x, y - 1)
                - at(x + 1, y - 1);
            out[y * w + x] = (gx * gx + gy * gy).sqrt() / 4.0;
        }
    }
    out
}

/// Separable box blur of radius `r`.
fn box_blur(img: &mut RgbImage, r: usize) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return;
    }
    let mut buf: Vec<[f32; 3]> = img.pixels().map(|p| p.0.map(f32::from)).collect();
    let mut tmp = buf.clone();
    for pass in 0..2 {
        let (len, lines) = if pass == 0 { (w, h) } else { (h, w) };
        for line in 0..lines {
            let idx = |i: usize| {
                if pass == 0 {
                    line * w + i
                } else {
                    i * w + line
                }
            };
            let mut acc = [0.0f32; 3];
            let mut count = 0.0f32;
            for i in 0..=r.min(len - 1) {
                for c in 0..3 {
                    acc[c] += buf[idx(i)][c];
                }
                count += 1.0;
            }
            for i in 0..len {
                tmp[idx(i)] = acc.map(|a| a / count);
                if i + r + 1 < len {
                    for c in 0..3 {
                        acc[c] += buf[idx(i + r + 1)][c];
                    }
                    count += 1.0;
                }
                if i >= r {
                    for c in 0..3 {
                        acc[c] -= buf[idx(i - r)][c];
                    }
                    count -= 1.0;
                }
            }
        }
        std::mem::swap(&mut buf, &mut tmp);
    }
    for (p, v) in img.pixels_mut().zip(buf) {
        p.0 = v.map(clamp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use renderiq_sdk::types::{Quality, STYLES};

    fn sample_png() -> Vec<u8> {
        let img = RgbImage::from_fn(120, 80, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 3) as u8, 128])
        });
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    fn request(style: &str, prompt: Option<&str>) -> GenerateRequest {
        GenerateRequest {
            input: sample_png(),
            style: style.to_owned(),
            prompt: prompt.map(str::to_owned),
            aspect_ratio: "4:3".to_owned(),
            quality: Quality::Standard,
        }
    }

    #[tokio::test]
    async fn every_style_renders_deterministically_at_the_requested_size() {
        for style in STYLES {
            let a = LocalGenerator::default()
                .generate(request(style, None))
                .await
                .unwrap();
            let b = LocalGenerator::default()
                .generate(request(style, None))
                .await
                .unwrap();
            assert_eq!(a.bytes, b.bytes, "{style} is not deterministic");
            let img = image::load_from_memory(&a.bytes).unwrap();
            assert_eq!((img.width(), img.height()), (512, 384), "{style}");
        }
    }

    #[tokio::test]
    async fn the_fail_marker_fails_generation_only_with_test_hooks() {
        let hooked = LocalGenerator {
            test_hooks: true,
            ..LocalGenerator::default()
        };
        let err = hooked
            .generate(request("sketch", Some("x [fail] y")))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("[fail]"));
        let shipped = LocalGenerator::default();
        let rendered = shipped
            .generate(request("sketch", Some("x [fail] y")))
            .await;
        assert!(rendered.is_ok(), "a shipped server renders every prompt");
    }
}
