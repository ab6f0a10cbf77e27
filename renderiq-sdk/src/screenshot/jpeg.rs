//! A baseline JPEG encoder for screenshots: 8-bit YCbCr, 4:2:0 chroma, the quantisation and
//! Huffman tables of ITU T.81 Annex K scaled by quality as libjpeg scales them, and libjpeg's
//! rounding throughout (colour conversion, chroma averaging, its accurate integer DCT,
//! quantisation), so a file is the size libjpeg-turbo's (Pillow's) is at the same quality:
//! within 0.2% on the benches' 2048x1152 frames.
//!
//! It exists for speed: one pass over the frame, sixteen rows at a time. Each band is converted
//! to planar Y, Cb and Cr in loops the compiler vectorises, then each 16x16 macroblock's six
//! blocks are transformed, quantised and entropy-coded (visiting only the non-zero
//! coefficients) while the band is still in cache; on x86-64 with AVX2 the same code runs
//! compiled for it. A 2048x1152 frame takes about 6 ms where `jpeg-encoder`, used before, took
//! about 10 (see the README's screenshot figures).

use super::source::Layout;

/// Luminance quantisation at quality 50 (T.81 Annex K, table K.1), in natural order.
const LUMA_QUANT: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, //
    12, 12, 14, 19, 26, 58, 60, 55, //
    14, 13, 16, 24, 40, 57, 69, 56, //
    14, 17, 22, 29, 51, 87, 80, 62, //
    18, 22, 37, 56, 68, 109, 103, 77, //
    24, 35, 55, 64, 81, 104, 113, 92, //
    49, 64, 78, 87, 103, 121, 120, 101, //
    72, 92, 95, 98, 112, 100, 103, 99, //
];

/// Chrominance quantisation at quality 50 (table K.2), in natural order.
const CHROMA_QUANT: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, //
    18, 21, 26, 66, 99, 99, 99, 99, //
    24, 26, 56, 99, 99, 99, 99, 99, //
    47, 66, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
];

/// The natural index of each coefficient in zig-zag order.
const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// A Huffman table as a DHT segment carries it: how many codes of each length 1..=16, and the
/// symbols in code order (T.81 Annex K.3).
struct HuffmanSpec {
    counts: [u8; 16],
    symbols: &'static [u8],
}

const LUMA_DC: HuffmanSpec = HuffmanSpec {
    counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    symbols: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

const CHROMA_DC: HuffmanSpec = HuffmanSpec {
    counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
    symbols: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

const LUMA_AC: HuffmanSpec = HuffmanSpec {
    counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
    symbols: &[
        0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
        0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52,
        0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25,
        0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
        0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
        0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83,
        0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
        0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
        0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3,
        0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8,
        0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
    ],
};

const CHROMA_AC: HuffmanSpec = HuffmanSpec {
    counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
    symbols: &[
        0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
        0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33,
        0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18,
        0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
        0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63,
        0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
        0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
        0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
        0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
        0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
        0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
    ],
};

/// Encodes tight, top-down `pixels` (`layout`, `width` x `height`, both 1..=65535) as a baseline
/// JFIF file at `quality` (1..=100; lower is clamped to 1).
///
/// On x86-64 CPUs with AVX2 the same code runs compiled for it (twice the vector width). No
/// fused multiply-add is enabled, so both builds give the same bytes.
pub(crate) fn encode(
    pixels: &[u8],
    width: u16,
    height: u16,
    layout: Layout,
    quality: u8,
) -> Vec<u8> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `encode_avx2` only needs AVX2, which this CPU has (checked just above).
        return unsafe { encode_avx2(pixels, width, height, layout, quality) };
    }
    encode_any(pixels, width, height, layout, quality)
}

/// [`encode_any`] compiled for AVX2; everything it calls is inlined into it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn encode_avx2(
    pixels: &[u8],
    width: u16,
    height: u16,
    layout: Layout,
    quality: u8,
) -> Vec<u8> {
    encode_any(pixels, width, height, layout, quality)
}

#[inline(always)]
fn encode_any(pixels: &[u8], width: u16, height: u16, layout: Layout, quality: u8) -> Vec<u8> {
    let (w, h) = (usize::from(width), usize::from(height));
    let bpp = layout.bytes_per_pixel();
    debug_assert!(w > 0 && h > 0 && pixels.len() >= w * h * bpp);
    let luma_q = scaled_table(&LUMA_QUANT, quality);
    let chroma_q = scaled_table(&CHROMA_QUANT, quality);
    let mut out = Vec::with_capacity(w * h / 5 + 1024);
    write_headers(&mut out, width, height, &luma_q, &chroma_q);

    let luma = Quantizer::new(&luma_q);
    let chroma = Quantizer::new(&chroma_q);
    let tables = [
        Codes::new(&LUMA_DC),
        Codes::new(&LUMA_AC),
        Codes::new(&CHROMA_DC),
        Codes::new(&CHROMA_AC),
    ];
    let mut bits = BitWriter::new(out);
    let mut band = Band::new(w);
    let mut dc = [0i32; 3];
    let row_bytes = w * bpp;
    let mut block: Block = [[0.0; 8]; 8];
    let mut coefs = [0i32; 64];
    for top in (0..h).step_by(16) {
        let row = |y: usize| {
            let y = (top + y).min(h - 1);
            &pixels[y * row_bytes..(y + 1) * row_bytes]
        };
        match layout {
            Layout::Rgb8 => band.fill::<3, 0, 2>(row),
            Layout::Rgba8 => band.fill::<4, 0, 2>(row),
            Layout::Bgra8 => band.fill::<4, 2, 0>(row),
        }
        for mx in 0..band.padded / 16 {
            for (by, bx) in [(0, 0), (0, 8), (8, 0), (8, 8)] {
                copy_block(&band.y, band.padded, by, mx * 16 + bx, &mut block);
                luma.quantize(&block, &mut coefs);
                bits.block(&coefs, &mut dc[0], &tables[0], &tables[1]);
            }
            let half = band.padded / 2;
            copy_block(&band.cb, half, 0, mx * 8, &mut block);
            chroma.quantize(&block, &mut coefs);
            bits.block(&coefs, &mut dc[1], &tables[2], &tables[3]);
            copy_block(&band.cr, half, 0, mx * 8, &mut block);
            chroma.quantize(&block, &mut coefs);
            bits.block(&coefs, &mut dc[2], &tables[2], &tables[3]);
        }
    }
    let mut out = bits.finish();
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// `base` scaled for `quality` as libjpeg's `jpeg_quality_scaling` does, each entry 1..=255.
fn scaled_table(base: &[u16; 64], quality: u8) -> [u16; 64] {
    let q = u32::from(quality.clamp(1, 100));
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
    base.map(|v| ((u32::from(v) * scale + 50) / 100).clamp(1, 255) as u16)
}

fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn write_headers(out: &mut Vec<u8>, width: u16, height: u16, luma: &[u16; 64], chroma: &[u16; 64]) {
    out.extend_from_slice(&[0xFF, 0xD8]);
    // JFIF 1.01, no units, 1:1 pixel aspect, no thumbnail.
    segment(out, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let mut dqt = Vec::with_capacity(130);
    for (id, table) in [luma, chroma].into_iter().enumerate() {
        dqt.push(id as u8);
        dqt.extend(ZIGZAG.iter().map(|&i| table[usize::from(i)] as u8));
    }
    segment(out, 0xDB, &dqt);
    let [h1, h0] = height.to_be_bytes();
    let [w1, w0] = width.to_be_bytes();
    // 8-bit, three components: Y sampled 2x2 with table 0, Cb and Cr 1x1 with table 1.
    segment(
        out,
        0xC0,
        &[8, h1, h0, w1, w0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
    );
    let mut dht = Vec::with_capacity(420);
    for (class_id, spec) in [
        (0x00, &LUMA_DC),
        (0x10, &LUMA_AC),
        (0x01, &CHROMA_DC),
        (0x11, &CHROMA_AC),
    ] {
        dht.push(class_id);
        dht.extend_from_slice(&spec.counts);
        dht.extend_from_slice(spec.symbols);
    }
    segment(out, 0xC4, &dht);
    segment(out, 0xDA, &[3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
}

/// Sixteen rows of the frame as level-shifted planes: Y at full resolution, Cb and Cr averaged
/// over 2x2 pixels. `padded` is the width rounded up to 16; the right edge and the rows past the
/// bottom repeat the last pixel, as T.81 suggests for partial blocks.
struct Band {
    width: usize,
    padded: usize,
    y: Vec<f32>,
    cb: Vec<f32>,
    cr: Vec<f32>,
    /// Cb and Cr of a row pair, summed down each column, before averaging.
    chroma_sums: [Vec<f32>; 2],
}

impl Band {
    fn new(width: usize) -> Self {
        let padded = width.div_ceil(16) * 16;
        Self {
            width,
            padded,
            y: vec![0.0; padded * 16],
            cb: vec![0.0; padded / 2 * 8],
            cr: vec![0.0; padded / 2 * 8],
            chroma_sums: [vec![0.0; padded], vec![0.0; padded]],
        }
    }

    /// Converts the sixteen rows `row(0..16)` (pixels of `BPP` bytes, red at byte `RED`, blue at
    /// `BLUE`). Constant offsets let the compiler vectorise the loops.
    ///
    /// The samples are those libjpeg computes: each pixel's Y, Cb and Cr rounded to integers,
    /// then Cb and Cr averaged over 2x2 pixels with its alternating rounding bias. The DCT then
    /// sees the values other encoders' DCTs see, so the file has their size at the same quality.
    #[inline(always)]
    fn fill<'p, const BPP: usize, const RED: usize, const BLUE: usize>(
        &mut self,
        row: impl Fn(usize) -> &'p [u8],
    ) {
        let (w, padded, half) = (self.width, self.padded, self.padded / 2);
        for pair in 0..8 {
            let [cb_sum, cr_sum] = &mut self.chroma_sums;
            for (i, y) in [2 * pair, 2 * pair + 1].into_iter().enumerate() {
                let luma = &mut self.y[y * padded..(y + 1) * padded];
                let pixels = row(y).chunks_exact(BPP).zip(luma.iter_mut());
                let sums = cb_sum.iter_mut().zip(cr_sum.iter_mut());
                // The first row of a pair stores its samples; the second adds to them.
                let keep = if i == 0 { 0.0 } else { 1.0 };
                for ((px, l), (cb, cr)) in pixels.zip(sums) {
                    let (r, g, b) = (f32::from(px[RED]), f32::from(px[1]), f32::from(px[BLUE]));
                    *l = to_sample(0.299 * r + 0.587 * g + 0.114 * b) - 128.0;
                    *cb = *cb * keep + to_sample(-0.168_736 * r - 0.331_264 * g + 0.5 * b + 128.0);
                    *cr = *cr * keep + to_sample(0.5 * r - 0.418_688 * g - 0.081_312 * b + 128.0);
                }
                let last = luma[w - 1];
                luma[w..].fill(last);
            }
            for c in [&mut *cb_sum, &mut *cr_sum] {
                let last = c[w - 1];
                c[w..].fill(last);
            }
            let cb = &mut self.cb[pair * half..(pair + 1) * half];
            let cr = &mut self.cr[pair * half..(pair + 1) * half];
            let pairs = cb_sum.chunks_exact(2).zip(cr_sum.chunks_exact(2));
            for (x, ((cb, cr), (cb_sum, cr_sum))) in
                cb.iter_mut().zip(cr.iter_mut()).zip(pairs).enumerate()
            {
                // (sum + bias) / 4 rounded down, bias 1 and 2 in turn; every value here is a
                // multiple of 1/4, so rounding to nearest after taking off 3/8 is the floor.
                let bias = if x % 2 == 0 { 1.0 } else { 2.0 };
                let floor = |sum: f32| to_sample((sum + bias) * 0.25 - 0.375) - 128.0;
                *cb = floor(cb_sum[0] + cb_sum[1]);
                *cr = floor(cr_sum[0] + cr_sum[1]);
            }
        }
    }
}

/// Copies the 8x8 block at (`top`, `left`) of a plane `stride` samples wide into `block`.
#[inline(always)]
fn copy_block(plane: &[f32], stride: usize, top: usize, left: usize, block: &mut Block) {
    for (dst, src) in block.iter_mut().zip(plane[top * stride..].chunks(stride)) {
        dst.copy_from_slice(&src[left..left + 8]);
    }
}

/// 1.5 * 2^23: added to an `f32` of magnitude under 2^22, it puts the value rounded to the nearest
/// integer in the low bits of the sum's mantissa.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// `v` rounded to the nearest integer, as the 8-bit sample a JPEG's colour conversion stores
/// (libjpeg's): the DCT then sees the same values as in other encoders, and so the file is as
/// large as theirs at the same quality.
#[inline(always)]
fn to_sample(v: f32) -> f32 {
    (v + ROUND_MAGIC) - ROUND_MAGIC
}

/// Eight rows of eight samples.
type Block = [[f32; 8]; 8];

/// The forward DCT of one 8x8 block and its quantisation, with the integer arithmetic and
/// rounding of libjpeg's accurate ("islow") transform: the same coefficients as the encoders
/// screenshots are compared with, so the same file size at the same quality.
struct Quantizer {
    /// Half of each coefficient's divisor (the table entry times 8, the transform's scale),
    /// added before dividing to round half away from zero; natural order.
    halves: [i32; 64],
    /// 1 / divisor.
    inverses: [f32; 64],
}

impl Quantizer {
    fn new(table: &[u16; 64]) -> Self {
        Self {
            halves: table.map(|q| i32::from(q) * 4),
            inverses: table.map(|q| 1.0 / (f32::from(q) * 8.0)),
        }
    }

    #[inline(always)]
    fn quantize(&self, block: &Block, coefs: &mut [i32; 64]) {
        // Rows first as libjpeg does (the pass works down columns: transposed on the way in),
        // then the columns. The samples are whole numbers: converted exactly by the 1.5 * 2^23
        // addition, which vectorises where `as i32` is a checked conversion per value.
        let mut b = [[0i32; 8]; 8];
        for (x, row) in block.iter().enumerate() {
            for (y, &v) in row.iter().enumerate() {
                b[y][x] = whole(v);
            }
        }
        dct_columns::<true>(&mut b);
        transpose(&mut b);
        dct_columns::<false>(&mut b);
        let values = b.as_flattened();
        for i in 0..64 {
            // libjpeg's (|v| + divisor / 2) / divisor, signed back. In floating point with 0.5
            // added to the numerator, which keeps the quotient's floor exact (its fraction is a
            // whole number of 1/divisor), and the floor taken by rounding x - 1/2.
            let v = values[i];
            let sign = v >> 31;
            let n = ((v ^ sign) - sign + self.halves[i]) as f32 + 0.5;
            let q = whole(n * self.inverses[i] - 0.5);
            // Baseline JPEG codes AC values of at most 10 bits; 8-bit samples stay within.
            coefs[i] = ((q ^ sign) - sign).clamp(-1023, 1023);
        }
    }
}

/// `v` rounded to the nearest whole number (`|v|` < 2^22), through the 1.5 * 2^23 addition.
#[inline(always)]
fn whole(v: f32) -> i32 {
    ((v + ROUND_MAGIC).to_bits() as i32) - ROUND_MAGIC.to_bits() as i32
}

/// Fixed-point bits of the transform's constants and of its first pass's extra precision.
const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;

/// `x` in units of 2^-13 (libjpeg's `FIX`), rounded.
const fn fix(x: f64) -> i32 {
    (x * 8192.0 + 0.5) as i32
}

/// `(x + 2^(n-1)) >> n`: `x / 2^n` rounded.
#[inline(always)]
fn descale(x: i32, n: u32) -> i32 {
    (x + (1 << (n - 1))) >> n
}

/// One pass of the Loeffler-Ligtenberg-Moschytz DCT (as in libjpeg's `jfdctint.c`) down each of
/// the eight columns at once. The first pass keeps `PASS1_BITS` of extra precision (the plain
/// even sums scaled up, the weighted outputs descaled by `CONST_BITS - PASS1_BITS`); the second
/// takes it off again (by `PASS1_BITS` and `CONST_BITS + PASS1_BITS`).
#[inline(always)]
fn dct_columns<const FIRST_PASS: bool>(b: &mut [[i32; 8]; 8]) {
    let shift = if FIRST_PASS {
        CONST_BITS - PASS1_BITS
    } else {
        CONST_BITS + PASS1_BITS
    };
    let [d0, d1, d2, d3, d4, d5, d6, d7] = *b;
    for x in 0..8 {
        let tmp0 = d0[x] + d7[x];
        let tmp7 = d0[x] - d7[x];
        let tmp1 = d1[x] + d6[x];
        let tmp6 = d1[x] - d6[x];
        let tmp2 = d2[x] + d5[x];
        let tmp5 = d2[x] - d5[x];
        let tmp3 = d3[x] + d4[x];
        let tmp4 = d3[x] - d4[x];

        let tmp10 = tmp0 + tmp3;
        let tmp13 = tmp0 - tmp3;
        let tmp11 = tmp1 + tmp2;
        let tmp12 = tmp1 - tmp2;
        if FIRST_PASS {
            b[0][x] = (tmp10 + tmp11) << PASS1_BITS;
            b[4][x] = (tmp10 - tmp11) << PASS1_BITS;
        } else {
            b[0][x] = descale(tmp10 + tmp11, PASS1_BITS);
            b[4][x] = descale(tmp10 - tmp11, PASS1_BITS);
        }
        let z1 = (tmp12 + tmp13) * fix(0.541_196_100);
        b[2][x] = descale(z1 + tmp13 * fix(0.765_366_865), shift);
        b[6][x] = descale(z1 - tmp12 * fix(1.847_759_065), shift);

        let z1 = tmp4 + tmp7;
        let z2 = tmp5 + tmp6;
        let z3 = tmp4 + tmp6;
        let z4 = tmp5 + tmp7;
        let z5 = (z3 + z4) * fix(1.175_875_602);
        let tmp4 = tmp4 * fix(0.298_631_336);
        let tmp5 = tmp5 * fix(2.053_119_869);
        let tmp6 = tmp6 * fix(3.072_711_026);
        let tmp7 = tmp7 * fix(1.501_321_110);
        let z1 = z1 * -fix(0.899_976_223);
        let z2 = z2 * -fix(2.562_915_447);
        let z3 = z3 * -fix(1.961_570_560) + z5;
        let z4 = z4 * -fix(0.390_180_644) + z5;
        b[7][x] = descale(tmp4 + z1 + z3, shift);
        b[5][x] = descale(tmp5 + z2 + z4, shift);
        b[3][x] = descale(tmp6 + z2 + z3, shift);
        b[1][x] = descale(tmp7 + z1 + z4, shift);
    }
}

/// Swaps rows and columns in place.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // each step touches two cells, (y, x) and (x, y)
fn transpose(b: &mut [[i32; 8]; 8]) {
    for y in 0..8 {
        for x in y + 1..8 {
            let t = b[y][x];
            b[y][x] = b[x][y];
            b[x][y] = t;
        }
    }
}

/// A Huffman table as (code, length) per symbol, built from its DHT form (T.81 Annex C).
struct Codes {
    code: [u16; 256],
    len: [u8; 256],
}

impl Codes {
    fn new(spec: &HuffmanSpec) -> Self {
        let (mut code, mut len) = ([0u16; 256], [0u8; 256]);
        let mut next = 0u16;
        let mut symbols = spec.symbols.iter();
        for (bits, &count) in (1u8..).zip(spec.counts.iter()) {
            for _ in 0..count {
                if let Some(&s) = symbols.next() {
                    code[usize::from(s)] = next;
                    len[usize::from(s)] = bits;
                }
                next += 1;
            }
            next <<= 1;
        }
        Self { code, len }
    }
}

/// The entropy-coded segment: bits gathered in a 64-bit word and written as bytes, each 0xFF
/// followed by a stuffed 0x00.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    /// Bits in `acc`, at most 63 between calls.
    used: u32,
}

impl BitWriter {
    fn new(out: Vec<u8>) -> Self {
        Self {
            out,
            acc: 0,
            used: 0,
        }
    }

    #[inline(always)]
    fn put(&mut self, value: u32, len: u32) {
        debug_assert!(len <= 27);
        self.acc = (self.acc << len) | u64::from(value & ((1 << len) - 1));
        self.used += len;
        if self.used >= 32 {
            self.used -= 32;
            let word = (self.acc >> self.used) as u32;
            let bytes = word.to_be_bytes();
            // A word without an 0xFF byte (nearly all of them) goes out in one piece.
            if (word & 0x8080_8080) & !(word.wrapping_add(0x0101_0101)) == 0 {
                self.out.extend_from_slice(&bytes);
            } else {
                bytes.into_iter().for_each(|b| self.push_stuffed(b));
            }
        }
    }

    /// `symbol`'s Huffman code from `codes`.
    #[inline(always)]
    fn code(&mut self, codes: &Codes, symbol: usize) {
        self.put(u32::from(codes.code[symbol]), u32::from(codes.len[symbol]));
    }

    /// One byte of entropy-coded data: an 0xFF is followed by a stuffed 0x00.
    #[inline(always)]
    fn push_stuffed(&mut self, b: u8) {
        self.out.push(b);
        if b == 0xFF {
            self.out.push(0);
        }
    }

    /// One quantised block (natural order): DC as a difference from `dc`, then the AC
    /// coefficients in zig-zag order as (run, size) symbols.
    #[inline(always)]
    fn block(&mut self, coefs: &[i32; 64], dc: &mut i32, dc_codes: &Codes, ac_codes: &Codes) {
        let diff = coefs[0] - *dc;
        *dc = coefs[0];
        let size = magnitude_bits(diff);
        self.code(dc_codes, size as usize);
        if size > 0 {
            self.put(extra_bits(diff, size), size);
        }
        // The AC coefficients in zig-zag order and a bit per non-zero one: the loop below visits
        // only those (a block at quality 85 has a handful), not 63 positions with a branch each.
        let mut zigzag = [0i32; 64];
        for (z, &i) in zigzag.iter_mut().zip(ZIGZAG.iter()) {
            *z = coefs[usize::from(i)];
        }
        let mut nonzero = 0u64;
        for (i, &v) in zigzag.iter().enumerate() {
            nonzero |= u64::from(v != 0) << i;
        }
        nonzero &= !1;
        let mut last = 0u32;
        while nonzero != 0 {
            let i = nonzero.trailing_zeros();
            nonzero &= nonzero - 1;
            let mut run = i - last - 1;
            last = i;
            while run > 15 {
                self.code(ac_codes, 0xF0);
                run -= 16;
            }
            let v = zigzag[i as usize];
            let size = magnitude_bits(v);
            let symbol = ((run << 4) | size) as usize;
            self.code(ac_codes, symbol);
            self.put(extra_bits(v, size), size);
        }
        if last != 63 {
            self.code(ac_codes, 0x00);
        }
    }

    /// Pads the last byte with 1 bits and returns the output.
    fn finish(mut self) -> Vec<u8> {
        let pad = (8 - self.used % 8) % 8;
        self.put((1 << pad) - 1, pad);
        while self.used >= 8 {
            self.used -= 8;
            self.push_stuffed((self.acc >> self.used) as u8);
        }
        self.out
    }
}

/// The JPEG size category of `v`: how many bits its magnitude takes (0 for 0).
#[inline(always)]
fn magnitude_bits(v: i32) -> u32 {
    32 - v.unsigned_abs().leading_zeros()
}

/// The `size` low bits that follow a category: `v` itself, or `v - 1` for a negative `v`.
#[inline(always)]
fn extra_bits(v: i32, size: u32) -> u32 {
    let v = if v < 0 { v - 1 } else { v };
    (v as u32) & ((1 << size) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: usize, h: usize, bpp: usize) -> Vec<u8> {
        let mut px = Vec::with_capacity(w * h * bpp);
        for y in 0..h {
            for x in 0..w {
                let v = [
                    (x * 255 / w.max(1)) as u8,
                    (y * 255 / h.max(1)) as u8,
                    ((x + 2 * y) * 255 / (w + 2 * h)) as u8,
                    255,
                ];
                px.extend_from_slice(&v[..bpp]);
            }
        }
        px
    }

    fn psnr(a: &[u8], b: &[u8]) -> f64 {
        let mse = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum::<f64>()
            / a.len() as f64;
        10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
    }

    fn decode_rgb(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
        let img = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
            .expect("a decodable JPEG")
            .into_rgb8();
        (img.width(), img.height(), img.into_raw())
    }

    /// The same pixels (RGB) through `jpeg-encoder`, 4:2:0, as the SDK encoded before.
    fn jpeg_encoder_file(rgb: &[u8], w: usize, h: usize, quality: u8) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
        enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        enc.encode(rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    fn rgb_of(px: &[u8], bpp: usize) -> Vec<u8> {
        px.chunks_exact(bpp)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect()
    }

    #[test]
    fn the_tables_are_those_of_the_standard() {
        let mut seen = [false; 64];
        for &z in &ZIGZAG {
            assert!(!seen[usize::from(z)]);
            seen[usize::from(z)] = true;
        }
        // Every AC symbol a baseline coder can emit, each exactly once, as many as counted.
        let mut all: Vec<u8> = vec![0x00, 0xF0];
        all.extend((0..16u8).flat_map(|run| (1..=10u8).map(move |size| run << 4 | size)));
        all.sort_unstable();
        for spec in [&LUMA_AC, &CHROMA_AC] {
            let count: usize = spec.counts.iter().map(|&c| usize::from(c)).sum();
            assert_eq!(count, spec.symbols.len());
            let mut symbols = spec.symbols.to_vec();
            symbols.sort_unstable();
            assert_eq!(symbols, all);
        }
        for spec in [&LUMA_DC, &CHROMA_DC] {
            let count: usize = spec.counts.iter().map(|&c| usize::from(c)).sum();
            assert_eq!(count, 12);
        }
        assert_eq!(scaled_table(&LUMA_QUANT, 50), LUMA_QUANT);
        assert_eq!(scaled_table(&LUMA_QUANT, 100), [1; 64]);
        assert_eq!(scaled_table(&CHROMA_QUANT, 1), [255; 64]);
    }

    #[test]
    fn a_frame_decodes_to_its_pixels_at_every_size_and_layout() {
        for (w, h) in [
            (1, 1),
            (7, 3),
            (16, 16),
            (17, 9),
            (33, 1),
            (64, 48),
            (250, 131),
        ] {
            for layout in [Layout::Rgb8, Layout::Rgba8] {
                let bpp = layout.bytes_per_pixel();
                let px = gradient(w, h, bpp);
                let jpeg = encode(&px, w as u16, h as u16, layout, 95);
                assert!(
                    jpeg.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]) && jpeg.ends_with(&[0xFF, 0xD9])
                );
                let (dw, dh, rgb) = decode_rgb(&jpeg);
                assert_eq!((dw, dh), (w as u32, h as u32));
                let p = psnr(&rgb, &rgb_of(&px, bpp));
                let theirs = psnr(
                    &decode_rgb(&jpeg_encoder_file(&rgb_of(&px, bpp), w, h, 95)).2,
                    &rgb_of(&px, bpp),
                );
                // As faithful as the encoder used before (but for a few tiny, steep images, where
                // rounding decides: 7x3 reads 25.5 against 27.4 dB).
                let fair = if w * h >= 64 { theirs - 0.5 } else { 24.0 };
                assert!(
                    p > fair,
                    "{w}x{h} {layout:?}: {p:.1} dB, before {theirs:.1}"
                );
            }
        }
    }

    #[test]
    fn the_vector_build_writes_the_same_bytes_as_the_portable_one() {
        let px = gradient(200, 120, 4);
        assert_eq!(
            encode(&px, 200, 120, Layout::Rgba8, 85),
            encode_any(&px, 200, 120, Layout::Rgba8, 85)
        );
    }

    #[test]
    fn bgra_is_read_with_red_and_blue_swapped() {
        let rgba = gradient(40, 24, 4);
        let bgra: Vec<u8> = rgba
            .chunks_exact(4)
            .flat_map(|p| [p[2], p[1], p[0], p[3]])
            .collect();
        assert_eq!(
            encode(&rgba, 40, 24, Layout::Rgba8, 85),
            encode(&bgra, 40, 24, Layout::Bgra8, 85)
        );
    }

    #[test]
    fn quality_trades_size_for_fidelity_as_libjpeg_does() {
        let px = gradient(256, 128, 3);
        let mut last: Option<(usize, f64)> = None;
        for q in [35, 60, 85, 95] {
            let jpeg = encode(&px, 256, 128, Layout::Rgb8, q);
            let (_, _, rgb) = decode_rgb(&jpeg);
            let p = psnr(&rgb, &px);
            if let Some((size, prev)) = last {
                assert!(
                    jpeg.len() > size && p > prev,
                    "q{q}: {} bytes, {p:.1} dB",
                    jpeg.len()
                );
            }
            last = Some((jpeg.len(), p));
        }
    }

    #[test]
    fn stuffed_bytes_and_negative_coefficients_round_trip() {
        // Noise makes large AC values of both signs and 0xFF bytes in the entropy-coded data.
        let mut state = 0x2545_f491_u32;
        let px: Vec<u8> = (0..96 * 64 * 3)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        let jpeg = encode(&px, 96, 64, Layout::Rgb8, 100);
        let body = &jpeg[2..jpeg.len() - 2];
        let sos = body.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let scan = &body[sos + 14..];
        assert!(
            scan.windows(2).any(|w| w == [0xFF, 0x00]),
            "no stuffed byte to test"
        );
        let (_, _, rgb) = decode_rgb(&jpeg);
        // Luma at full quality stays close; noise's chroma is averaged away by 4:2:0.
        let luma = |p: &[u8]| {
            p.chunks_exact(3)
                .map(|c| {
                    (0.299 * f64::from(c[0]) + 0.587 * f64::from(c[1]) + 0.114 * f64::from(c[2]))
                        as u8
                })
                .collect::<Vec<_>>()
        };
        let p = psnr(&luma(&rgb), &luma(&px));
        assert!(p > 38.0, "luma PSNR {p:.1} dB");
    }

    #[test]
    fn output_matches_libjpeg_style_encoders_in_size_and_quality() {
        // jpeg-encoder (a dev-dependency, the encoder used before) writes the same tables; on an
        // image with detail and flat areas ours must be as faithful at about the same size.
        let (w, h) = (320usize, 200usize);
        let mut px = gradient(w, h, 3);
        for (i, p) in px.iter_mut().enumerate().filter(|(i, _)| i % 97 < 30) {
            *p = p.wrapping_add((i % 13) as u8 * 9);
        }
        for q in [50, 85] {
            let ours = encode(&px, w as u16, h as u16, Layout::Rgb8, q);
            let theirs = jpeg_encoder_file(&px, w, h, q);
            // Its chroma is downsampled differently from libjpeg's, which shows on noise: within
            // a tenth here. Against libjpeg-turbo itself (Pillow) the benches check 1%.
            let ratio = ours.len() as f64 / theirs.len() as f64;
            assert!(
                (0.9..1.1).contains(&ratio),
                "q{q}: {} vs {} bytes",
                ours.len(),
                theirs.len()
            );
            let (p_ours, p_theirs) = (
                psnr(&decode_rgb(&ours).2, &px),
                psnr(&decode_rgb(&theirs).2, &px),
            );
            assert!(
                p_ours > p_theirs - 0.3,
                "q{q}: {p_ours:.2} vs {p_theirs:.2} dB"
            );
        }
    }
}
