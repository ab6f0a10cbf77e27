//! Google's Gemini image API as a generator (`RENDERIQ_GENERATOR=gemini`, `GEMINI_API_KEY`).
//!
//! Sends `POST {base}/v1beta/models/{model}:generateContent` with the prompt and the viewport as
//! inline data, and takes the first inline image of the answer. The answer is read up to
//! [`MAX_ANSWER_BYTES`], and the image in it must pass the server's image limits (checked from
//! its header) before it is stored.

use std::time::Duration;

use anyhow::{bail, Context as _};
use base64::Engine as _;
use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::{GenerateRequest, Generated, Generator};
use crate::image_limits::ImageBounds;

/// Largest Gemini answer read (JSON with a base64 image).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Calls the Gemini `generateContent` endpoint.
#[derive(Debug, Clone)]
pub struct GeminiGenerator {
    client: reqwest::Client,
    base_url: String,
    model: String,
    api_key: String,
    images: ImageBounds,
}

impl GeminiGenerator {
    /// A generator for `model` at `base_url` (no trailing `/v1beta`).
    ///
    /// # Errors
    ///
    /// The HTTP client cannot be built.
    pub fn new(base_url: &str, model: &str, api_key: &str) -> anyhow::Result<Self> {
        let client = crate::tls::client_builder()?
            .timeout(Duration::from_secs(120))
            .build()
            .context("building the Gemini HTTP client")?;
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            api_key: api_key.to_owned(),
            images: ImageBounds::from_config(&crate::Config::default()),
        })
    }

    /// Checks generated images against `bounds` (default: the default flags' limits).
    #[must_use]
    pub fn with_image_bounds(mut self, bounds: ImageBounds) -> Self {
        self.images = bounds;
        self
    }

    fn instruction(request: &GenerateRequest) -> String {
        let mut text = format!(
            "Render this architectural viewport as a finished {} visualisation with aspect ratio {}, \
             keeping the geometry and camera exactly as they are.",
            request.style, request.aspect_ratio
        );
        if let Some(prompt) = &request.prompt {
            text.push(' ');
            text.push_str(prompt);
        }
        text
    }

    async fn call(&self, request: GenerateRequest) -> anyhow::Result<Generated> {
        let mime = sniff_mime(&request.input);
        let body = json!({
            "contents": [{
                "role": "user",
                "parts": [
                    { "text": Self::instruction(&request) },
                    { "inline_data": {
                        "mime_type": mime,
                        "data": base64::engine::general_purpose::STANDARD.encode(&request.input),
                    } }
                ]
            }],
            "generationConfig": {
                "responseModalities": ["TEXT", "IMAGE"],
                "imageConfig": { "aspectRatio": request.aspect_ratio },
            }
        });
        let url = format!(
            "{}/v1beta/models/{}:generateContent",
            self.base_url, self.model
        );
        let response = self
            .client
            .post(&url)
            .header("x-goog-api-key", &self.api_key)
            .json(&body)
            .send()
            .await
            .context("calling the Gemini API")?;
        let status = response.status();
        let body = read_capped(response, MAX_ANSWER_BYTES).await?;
        let value: Value = serde_json::from_slice(&body).context("reading the Gemini answer")?;
        if !status.is_success() {
            let message = value["error"]["message"].as_str().unwrap_or("no message");
            bail!("Gemini API answered {status}: {message}");
        }
        let generated = parse_image(&value)?;
        self.images
            .check(&generated.bytes)
            .map_err(|e| anyhow::anyhow!("the Gemini image is refused: {e}"))?;
        Ok(generated)
    }
}

impl Generator for GeminiGenerator {
    fn generate(&self, request: GenerateRequest) -> BoxFuture<'_, anyhow::Result<Generated>> {
        Box::pin(self.call(request))
    }

    fn name(&self) -> &'static str {
        "gemini"
    }
}

/// The body of `response`, failing once it passes `limit` bytes.
async fn read_capped(mut response: reqwest::Response, limit: usize) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .context("reading the Gemini answer")?
    {
        if body.len() + chunk.len() > limit {
            bail!("the Gemini answer is larger than {limit} bytes");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn sniff_mime(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "image/png"
    }
}

/// The first inline image of a `generateContent` answer (REST answers use camelCase; snake_case
/// is accepted too).
fn parse_image(value: &Value) -> anyhow::Result<Generated> {
    let candidates = value["candidates"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for candidate in candidates {
        let parts = candidate["content"]["parts"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for part in parts {
            let inline = if part["inlineData"].is_object() {
                &part["inlineData"]
            } else {
                &part["inline_data"]
            };
            let Some(data) = inline["data"].as_str() else {
                continue;
            };
            let mime = inline["mimeType"]
                .as_str()
                .or_else(|| inline["mime_type"].as_str())
                .unwrap_or("image/png");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .context("the Gemini image is not valid base64")?;
            let extension = match mime {
                "image/jpeg" => "jpg",
                "image/webp" => "webp",
                _ => "png",
            };
            return Ok(Generated { bytes, extension });
        }
    }
    let reason = candidates
        .first()
        .and_then(|c| c["finishReason"].as_str())
        .or_else(|| value["promptFeedback"]["blockReason"].as_str())
        .unwrap_or("no image in the answer");
    bail!("Gemini returned no image: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_inline_image_is_taken_from_the_answer() {
        let answer = json!({
            "candidates": [{ "content": { "parts": [
                { "text": "here you go" },
                { "inlineData": { "mimeType": "image/png", "data": "iVBORw0KGgo=" } }
            ] } }]
        });
        let image = parse_image(&answer).unwrap();
        assert_eq!(image.extension, "png");
        assert!(image.bytes.starts_with(b"\x89PNG"));
    }

    #[test]
    fn an_answer_without_image_is_an_error_naming_the_reason() {
        let answer =
            json!({ "candidates": [{ "finishReason": "SAFETY", "content": { "parts": [] } }] });
        assert!(parse_image(&answer)
            .unwrap_err()
            .to_string()
            .contains("SAFETY"));
    }
}
