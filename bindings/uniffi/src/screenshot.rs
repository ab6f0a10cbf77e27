//! A render's picture as a typed value (the core's `ImageSource`): a file, encoded bytes or raw
//! pixels. The bytes travel beside the call's JSON and are attached by the core, which checks
//! every geometry rule (stride, size, length).

use renderiq_sdk::call::{ImageSource, PixelFormatName};
use serde_json::Value;

/// The byte order of raw pixels (4 bytes each).
#[derive(uniffi::Enum, Clone, Copy)]
pub enum PixelFormat {
    /// Red, green, blue, alpha: OpenGL read-backs, most image libraries, Android `Bitmap`
    /// (`ARGB_8888` is stored as RGBA bytes).
    Rgba8,
    /// Blue, green, red, alpha: Windows DIBs, `java.awt` `TYPE_4BYTE_ABGR` read back reversed,
    /// Core Graphics' BGRA contexts.
    Bgra8,
}

/// Where a render's picture comes from.
#[derive(uniffi::Enum)]
pub enum Screenshot {
    /// A PNG, JPEG or WebP file.
    File {
        /// Its path.
        path: String,
    },
    /// PNG, JPEG or WebP bytes.
    Bytes {
        /// The encoded image.
        data: Vec<u8>,
    },
    /// Raw 8-bit pixels, 4 bytes each, rows `stride` bytes apart (0: `width * 4`).
    Raw {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Bytes from one row's start to the next; 0 means `width * 4`.
        stride: u64,
        /// The byte order.
        pixel_format: PixelFormat,
        /// `true` when the first row in memory is the bottom row (OpenGL read-backs).
        bottom_up: bool,
        /// The pixels.
        pixels: Vec<u8>,
    },
}

impl Screenshot {
    /// The core's image source without its bytes (as JSON, for the call's `image` field) and
    /// the bytes to attach beside it.
    pub(crate) fn into_parts(self) -> (Value, Option<Vec<u8>>) {
        let (source, data) = match self {
            Self::File { path } => (ImageSource::File { path: path.into() }, None),
            Self::Bytes { data } => (ImageSource::Bytes { data: None }, Some(data)),
            Self::Raw {
                width,
                height,
                stride,
                pixel_format,
                bottom_up,
                pixels,
            } => (
                ImageSource::Raw {
                    width,
                    height,
                    // A stride beyond the address space cannot match any buffer: the core
                    // refuses it as it refuses every wrong stride.
                    stride: usize::try_from(stride).unwrap_or(usize::MAX),
                    pixel_format: match pixel_format {
                        PixelFormat::Rgba8 => PixelFormatName::Rgba8,
                        PixelFormat::Bgra8 => PixelFormatName::Bgra8,
                    },
                    bottom_up,
                    data: None,
                },
                Some(pixels),
            ),
        };
        // The core's own serialisation of its type: cannot fail.
        (serde_json::to_value(source).unwrap_or(Value::Null), data)
    }
}
