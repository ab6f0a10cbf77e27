//! Screenshot preparation on a synthetic 4K viewport capture: down-scale to a 2048 px edge and
//! encode, the work every render upload does.
//!
//! ```text
//! cargo bench -p renderiq-sdk --bench screenshot
//! ```

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/viewport.rs"]
mod viewport;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use renderiq_sdk::screenshot::{OutputFormat, PixelFormat, PrepareOptions, RawImage, Screenshot};

fn options(format: OutputFormat) -> PrepareOptions {
    PrepareOptions::new()
        .max_edge(2048)
        .format(format)
        .quality(85)
        .max_bytes(None)
}

/// The capture as a Blender/OpenGL read-back would hand it over: BGRA, rows padded to a
/// 64-byte multiple, bottom row first.
fn bgra_bottom_up(rgba: &[u8], width: u32, height: u32) -> Screenshot<'static> {
    let row = width as usize * 4;
    let stride = row.next_multiple_of(64) + 64;
    let mut pixels = vec![0u8; stride * height as usize];
    for (y, src) in rgba.chunks_exact(row).enumerate() {
        let dst_row = &mut pixels[(height as usize - 1 - y) * stride..][..row];
        for (d, s) in dst_row.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
            d.copy_from_slice(&[s[2], s[1], s[0], s[3]]);
        }
    }
    Screenshot::Raw(RawImage {
        pixels: pixels.into(),
        width,
        height,
        stride,
        format: PixelFormat::Bgra8,
        bottom_up: true,
    })
}

fn screenshot(c: &mut Criterion) {
    let (width, height) = (viewport::WIDTH, viewport::HEIGHT);
    let rgba = viewport::capture(width, height);
    let tight = Screenshot::raw(
        &rgba[..],
        width,
        height,
        width as usize * 4,
        PixelFormat::Rgba8,
    );
    let read_back = bgra_bottom_up(&rgba, width, height);

    let mut group = c.benchmark_group("prepare_3840x2160");
    group
        .throughput(Throughput::Elements(1))
        .sample_size(30)
        .measurement_time(Duration::from_secs(8));

    let jpeg = options(OutputFormat::Jpeg);
    group.bench_function("rgba_to_2048_jpeg_q85", |b| {
        b.iter(|| black_box(tight.prepare(&jpeg).unwrap()))
    });
    group.bench_function("bgra_padded_bottom_up_to_2048_jpeg_q85", |b| {
        b.iter(|| black_box(read_back.prepare(&jpeg).unwrap()))
    });
    let png = options(OutputFormat::Png);
    group.sample_size(10);
    group.bench_function("rgba_to_2048_png", |b| {
        b.iter(|| black_box(tight.prepare(&png).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, screenshot);
criterion_main!(benches);
