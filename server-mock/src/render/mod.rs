//! Rendering: the [`Generator`] trait, its two implementations and the worker pool.

use futures_util::future::BoxFuture;
use renderiq_sdk::types::Quality;

mod gemini;
mod local;
pub(crate) mod worker;

pub use gemini::GeminiGenerator;
pub use local::LocalGenerator;

/// What a generator is asked to render.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// The uploaded viewport image (PNG, JPEG or WebP bytes).
    pub input: Vec<u8>,
    /// Style name (one of `types::STYLES`).
    pub style: String,
    /// Prompt, if any.
    pub prompt: Option<String>,
    /// Aspect ratio (`"16:9"`).
    pub aspect_ratio: String,
    /// Quality.
    pub quality: Quality,
}

/// A generated image.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Encoded image bytes.
    pub bytes: Vec<u8>,
    /// File extension matching the encoding (`png`, `jpg`).
    pub extension: &'static str,
}

/// Turns a viewport image into a render.
pub trait Generator: Send + Sync + 'static {
    /// Renders `request`; the error message is shown in the failed render's `error`.
    fn generate(&self, request: GenerateRequest) -> BoxFuture<'_, anyhow::Result<Generated>>;

    /// A short name for logs.
    fn name(&self) -> &'static str;
}

/// Output size for a quality and aspect ratio: the long edge by quality, the other by ratio.
pub fn output_size(quality: Quality, aspect_ratio: &str) -> (u32, u32) {
    let long = match quality {
        Quality::Standard => 512,
        Quality::High => 768,
        Quality::Ultra => 1024,
    };
    let (w, h) = aspect_ratio
        .split_once(':')
        .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)))
        .filter(|&(w, h)| w > 0 && h > 0)
        .unwrap_or((16, 9));
    if w >= h {
        (long, (long * h / w).max(1))
    } else {
        ((long * w / h).max(1), long)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_size_follows_quality_and_ratio() {
        assert_eq!(output_size(Quality::High, "16:9"), (768, 432));
        assert_eq!(output_size(Quality::Standard, "9:16"), (288, 512));
        assert_eq!(output_size(Quality::Ultra, "1:1"), (1024, 1024));
    }
}
