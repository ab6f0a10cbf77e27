//! A deterministic synthetic viewport capture, shared by the `screenshot` benchmark and the
//! `prepare_bench` example (which hands the same pixels to the Pillow comparison script).
//!
//! It looks like what a CAD plugin captures: a sky gradient, a ground plane with a perspective
//! grid, flat-shaded boxes with dark outlines, and a little noise, so that both the resampler
//! and the JPEG encoder see smooth areas, hard edges and texture.

/// Width of a 4K viewport capture.
pub const WIDTH: u32 = 3840;
/// Height of a 4K viewport capture.
pub const HEIGHT: u32 = 2160;

/// Tightly packed RGBA pixels, fully opaque, the same on every run and every machine.
pub fn capture(width: u32, height: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 4);
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    for y in 0..height {
        for x in 0..width {
            let fx = x as f32 / width as f32;
            let fy = y as f32 / height as f32;
            let [r, g, b] = shade(fx, fy, width as f32);
            let grain = (xorshift(&mut rng) % 7) as f32 - 3.0;
            pixels.extend_from_slice(&[
                channel(r + grain),
                channel(g + grain),
                channel(b + grain),
                255,
            ]);
        }
    }
    pixels
}

fn channel(v: f32) -> u8 {
    v.clamp(0.0, 255.0) as u8
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn lerp(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// Boxes as (left, top, right, bottom, colour) in fractions of the frame.
const BOXES: [(f32, f32, f32, f32, [f32; 3]); 4] = [
    (0.12, 0.30, 0.34, 0.78, [205.0, 190.0, 170.0]),
    (0.40, 0.18, 0.55, 0.72, [180.0, 185.0, 195.0]),
    (0.60, 0.38, 0.86, 0.83, [150.0, 120.0, 100.0]),
    (0.30, 0.55, 0.47, 0.90, [230.0, 230.0, 225.0]),
];

const HORIZON: f32 = 0.45;

fn shade(fx: f32, fy: f32, width: f32) -> [f32; 3] {
    let edge = 2.0 / width; // outline thickness: 2 px
    for &(l, t, r, b, colour) in BOXES.iter().rev() {
        if fx >= l && fx <= r && fy >= t && fy <= b {
            let border = (fx - l)
                .min(r - fx)
                .min((fy - t) * 0.5625)
                .min((b - fy) * 0.5625);
            if border < edge {
                return [28.0, 28.0, 32.0];
            }
            // A lit front face and a darker side face, each with a soft vertical gradient.
            let side = fx > l + (r - l) * 0.7;
            let light = if side { 0.72 } else { 1.0 } * (1.0 - 0.25 * (fy - t) / (b - t));
            return colour.map(|c| c * light);
        }
    }
    if fy < HORIZON {
        return lerp([90.0, 140.0, 210.0], [225.0, 235.0, 245.0], fy / HORIZON);
    }
    // Ground plane: perspective grid fading with distance.
    let depth = 1.0 / (fy - HORIZON + 0.02);
    let u = (fx - 0.5) * depth;
    let on_line = (u * 2.0).fract().abs() < 0.02 * depth.sqrt() || (depth * 0.8).fract() < 0.04;
    let ground = lerp(
        [150.0, 150.0, 140.0],
        [185.0, 180.0, 165.0],
        (fy - HORIZON) / (1.0 - HORIZON),
    );
    if on_line {
        ground.map(|c| c * 0.6)
    } else {
        ground
    }
}
