//! Times `screenshot::prepare` on a synthetic 3840x2160 RGBA viewport capture (down-scale to a
//! 2048 px edge, JPEG quality 85) and prints one JSON line. Used by `bench/screenshot_vs_pillow.py`.
//!
//! ```text
//! cargo run --release -p renderiq-sdk --example prepare_bench -- \
//!     [--iterations 20] [--raw-in capture.rgba] [--raw-out capture.rgba] [--jpeg-out out.jpg]
//! ```
//!
//! `--raw-in` times another 3840x2160 capture (tight RGBA rows, e.g. `python_bench.py`'s frame,
//! for a profile of that work) instead of the synthetic one; `--raw-out` writes the capture's
//! pixels (tight RGBA rows) so another tool can time the same work on the same image;
//! `--jpeg-out` writes the prepared JPEG.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/support/viewport.rs"]
mod viewport;

use std::time::Instant;

use renderiq_sdk::screenshot::{OutputFormat, PixelFormat, PrepareOptions, Screenshot};

const MAX_EDGE: u32 = 2048;
const QUALITY: u8 = 85;
const WARMUP: u32 = 2;

struct Args {
    iterations: u32,
    raw_in: Option<String>,
    raw_out: Option<String>,
    jpeg_out: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        iterations: 20,
        raw_in: None,
        raw_out: None,
        jpeg_out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--iterations" => {
                args.iterations = value()?.parse().map_err(|e| format!("--iterations: {e}"))?;
            }
            "--raw-in" => args.raw_in = Some(value()?),
            "--raw-out" => args.raw_out = Some(value()?),
            "--jpeg-out" => args.jpeg_out = Some(value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.iterations == 0 {
        return Err("--iterations must be at least 1".into());
    }
    Ok(args)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args().inspect_err(|_| {
        eprintln!("usage: prepare_bench [--iterations N] [--raw-in PATH] [--raw-out PATH] [--jpeg-out PATH]");
    })?;
    let (width, height) = (viewport::WIDTH, viewport::HEIGHT);
    let pixels = match &args.raw_in {
        Some(path) => {
            let pixels = std::fs::read(path)?;
            if pixels.len() != width as usize * height as usize * 4 {
                return Err(format!("{path}: not {width}x{height} tight RGBA pixels").into());
            }
            pixels
        }
        None => viewport::capture(width, height),
    };
    if let Some(path) = &args.raw_out {
        std::fs::write(path, &pixels)?;
    }

    let shot = Screenshot::raw(
        &pixels[..],
        width,
        height,
        width as usize * 4,
        PixelFormat::Rgba8,
    );
    let options = PrepareOptions::new()
        .max_edge(MAX_EDGE)
        .format(OutputFormat::Jpeg)
        .quality(QUALITY)
        .max_bytes(None);

    let mut prepared = shot.prepare(&options)?;
    for _ in 1..WARMUP {
        prepared = shot.prepare(&options)?;
    }
    let start = Instant::now();
    for _ in 0..args.iterations {
        prepared = std::hint::black_box(shot.prepare(&options)?);
    }
    let seconds_per_image = start.elapsed().as_secs_f64() / f64::from(args.iterations);

    if let Some(path) = &args.jpeg_out {
        std::fs::write(path, &prepared.bytes)?;
    }
    println!(
        "{{\"width\": {width}, \"height\": {height}, \"out_width\": {}, \"out_height\": {}, \
         \"quality\": {QUALITY}, \"filter\": \"catmull-rom\", \"iterations\": {}, \
         \"seconds_per_image\": {seconds_per_image:.6}, \"bytes\": {}}}",
        prepared.width,
        prepared.height,
        args.iterations,
        prepared.bytes.len()
    );
    Ok(())
}
