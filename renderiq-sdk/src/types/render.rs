//! Renders: their quality, status and shape, and the body that creates one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Platform;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

wire_enum! {
    /// Render quality; decides the credit cost.
    #[derive(Default)]
    pub enum Quality("quality") {
        /// Fast preview: 5 credits.
        Standard = "standard",
        /// Presentation quality: 10 credits.
        #[default]
        High = "high",
        /// Print quality: 20 credits.
        Ultra = "ultra",
    }
}

impl Quality {
    /// Credits a render of this quality costs.
    ///
    /// ```
    /// assert_eq!(renderiq_sdk::types::Quality::High.credit_cost(), 10);
    /// ```
    pub fn credit_cost(self) -> i64 {
        match self {
            Self::Standard => 5,
            Self::High => 10,
            Self::Ultra => 20,
        }
    }
}

/// Render styles the service knows. The wire type is a string so new styles need no SDK update.
pub const STYLES: [&str; 6] = [
    "photorealistic",
    "sketch",
    "watercolor",
    "clay",
    "night",
    "blueprint",
];

/// Aspect ratios the service accepts.
pub const ASPECT_RATIOS: [&str; 6] = ["1:1", "4:3", "3:2", "16:9", "9:16", "21:9"];

wire_enum! {
    /// Lifecycle state of a render.
    pub enum RenderStatus("render status") {
        /// Accepted, waiting for a worker.
        Pending = "pending",
        /// A worker is generating the image.
        Processing = "processing",
        /// Done; `outputUrl` is set.
        Completed = "completed",
        /// Failed; credits were refunded.
        Failed = "failed",
        /// Cancelled before processing; credits were refunded.
        Cancelled = "cancelled",
    }
}

impl RenderStatus {
    /// `true` for completed, failed and cancelled.
    ///
    /// ```
    /// use renderiq_sdk::types::RenderStatus;
    /// assert!(RenderStatus::Failed.is_terminal());
    /// assert!(!RenderStatus::Processing.is_terminal());
    /// ```
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

wire_enum! {
    /// What a long-poll (`GET /renders/{id}?wait=S&until=…`) waits for.
    ///
    /// ```
    /// use renderiq_sdk::types::WaitUntil;
    /// assert_eq!(WaitUntil::default(), WaitUntil::End);
    /// assert_eq!(WaitUntil::Change.as_str(), "change");
    /// ```
    #[derive(Default)]
    pub enum WaitUntil("long-poll condition") {
        /// Answer when the render is completed, failed or cancelled (the default).
        #[default]
        End = "end",
        /// Answer when its status or progress moves from what it was when the request arrived,
        /// or it ends: what a client showing a progress bar wants.
        Change = "change",
    }
}

/// A render job.
///
/// The id is read from `id` or, as the original service names it, `renderId` (when both are
/// present, `id` wins); it is written as `id`.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::Render;
///
/// let r: Render = serde_json::from_str(r#"{"renderId":"rnd_1","status":"pending",
///     "style":"clay","quality":"high","aspectRatio":"16:9","creditsCost":10,
///     "createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}"#).unwrap();
/// assert_eq!(r.id, "rnd_1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", remote = "Self")]
pub struct Render {
    /// Render id.
    pub id: String,
    /// Current state.
    pub status: RenderStatus,
    /// Progress 0–100 while processing.
    #[serde(default)]
    pub progress: u8,
    /// The prompt.
    #[serde(default)]
    pub prompt: Option<String>,
    /// Style name.
    pub style: String,
    /// Quality.
    pub quality: Quality,
    /// Aspect ratio (`"16:9"`).
    pub aspect_ratio: String,
    /// Project the render belongs to.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Credits charged.
    pub credits_cost: i64,
    /// URL of the uploaded viewport image; absent once the server has deleted the file (the
    /// render was cancelled or failed, or its retention period ended).
    #[serde(default)]
    pub input_url: Option<String>,
    /// URL of the result, once completed; absent again once the retention period has ended.
    #[serde(default)]
    pub output_url: Option<String>,
    /// Why the render failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Platform that created it.
    #[serde(default)]
    pub platform: Platform,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it reached a terminal state.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
}

impl Serialize for Render {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Render::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Render {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;

        /// The wire shape, read in one pass (no detour through a JSON map, which webhook
        /// parsing would pay for on every delivery). `renderId` is a field of its own, so an
        /// answer carrying both is no duplicate field: `id` wins.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            #[serde(default)]
            id: Option<String>,
            #[serde(default)]
            render_id: Option<String>,
            status: RenderStatus,
            #[serde(default)]
            progress: u8,
            #[serde(default)]
            prompt: Option<String>,
            style: String,
            quality: Quality,
            aspect_ratio: String,
            #[serde(default)]
            project_id: Option<String>,
            credits_cost: i64,
            #[serde(default)]
            input_url: Option<String>,
            #[serde(default)]
            output_url: Option<String>,
            #[serde(default)]
            error: Option<String>,
            #[serde(default)]
            platform: Platform,
            #[serde(deserialize_with = "super::time::deserialize")]
            created_at: DateTime<Utc>,
            #[serde(deserialize_with = "super::time::deserialize")]
            updated_at: DateTime<Utc>,
            #[serde(default, deserialize_with = "super::time::deserialize_opt")]
            completed_at: Option<DateTime<Utc>>,
        }

        let w = Wire::deserialize(deserializer)?;
        Ok(Render {
            id: w
                .id
                .or(w.render_id)
                .ok_or_else(|| D::Error::missing_field("id"))?,
            status: w.status,
            progress: w.progress,
            prompt: w.prompt,
            style: w.style,
            quality: w.quality,
            aspect_ratio: w.aspect_ratio,
            project_id: w.project_id,
            credits_cost: w.credits_cost,
            input_url: w.input_url,
            output_url: w.output_url,
            error: w.error,
            platform: w.platform,
            created_at: w.created_at,
            updated_at: w.updated_at,
            completed_at: w.completed_at,
        })
    }
}

/// `POST /renders` as JSON (the multipart form carries the same fields, with the image as a file
/// part named `image`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateRenderJson {
    /// Base64 of the image bytes.
    pub uploaded_image_data: String,
    /// MIME type (`image/png`, `image/jpeg`, `image/webp`).
    pub uploaded_image_type: String,
    /// Prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// Quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// Aspect ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// Project id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// URL that receives a signed delivery when the render ends.
    #[serde(
        default,
        alias = "callback_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_url: Option<String>,
}

/// Names of the multipart form fields of `POST /renders`.
pub mod form {
    /// The image file part.
    pub const IMAGE: &str = "image";
    /// Prompt text.
    pub const PROMPT: &str = "prompt";
    /// Style.
    pub const STYLE: &str = "style";
    /// Quality.
    pub const QUALITY: &str = "quality";
    /// Aspect ratio.
    pub const ASPECT_RATIO: &str = "aspectRatio";
    /// Project id.
    pub const PROJECT_ID: &str = "projectId";
    /// Callback URL.
    pub const CALLBACK_URL: &str = "callbackUrl";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_json(id_fields: &str) -> String {
        format!(
            r#"{{{id_fields},"status":"pending","style":"clay","quality":"high",
                "aspectRatio":"16:9","creditsCost":10,"createdAt":"2025-01-01T00:00:00Z",
                "updatedAt":"2025-01-01T00:00:00Z"}}"#
        )
    }

    #[test]
    fn every_wire_enum_value_round_trips_through_serde_from_str_and_display() {
        fn check<T>(all: &[T], as_str: fn(&T) -> &'static str)
        where
            T: std::str::FromStr<Err = String>
                + Serialize
                + for<'de> Deserialize<'de>
                + std::fmt::Display
                + PartialEq
                + std::fmt::Debug,
        {
            for v in all {
                let wire = as_str(v);
                assert_eq!(serde_json::to_value(v).unwrap(), wire);
                assert_eq!(&serde_json::from_value::<T>(wire.into()).unwrap(), v);
                assert_eq!(
                    &format!(" {} ", wire.to_uppercase()).parse::<T>().unwrap(),
                    v
                );
                assert_eq!(v.to_string(), wire);
            }
        }
        check(&Quality::ALL, |q| q.as_str());
        check(&RenderStatus::ALL, |s| s.as_str());
        check(&WaitUntil::ALL, |w| w.as_str());
        check(&super::super::TransactionType::ALL, |t| t.as_str());
        check(&super::super::ErrorCode::ALL, |c| c.as_str());
        assert_eq!(
            "done".parse::<RenderStatus>().unwrap_err(),
            "unknown render status \"done\": use one of pending, processing, completed, failed, \
             cancelled"
        );
        assert!(serde_json::from_str::<Quality>("\"best\"").is_err());
    }

    #[test]
    fn render_id_is_read_from_render_id_and_written_as_id() {
        let r: Render = serde_json::from_str(&render_json(r#""renderId":"rnd_1""#)).unwrap();
        assert_eq!(r.id, "rnd_1");
        let written = serde_json::to_value(&r).unwrap();
        assert_eq!(written["id"], "rnd_1");
        assert!(written.get("renderId").is_none());
        assert_eq!(serde_json::from_value::<Render>(written).unwrap(), r);
    }

    #[test]
    fn render_with_both_id_and_render_id_keeps_id() {
        let r: Render =
            serde_json::from_str(&render_json(r#""id":"rnd_a","renderId":"rnd_b""#)).unwrap();
        assert_eq!(r.id, "rnd_a");
        let e = serde_json::from_str::<Render>(&render_json(r#""other":1"#)).unwrap_err();
        assert!(e.to_string().contains("missing field `id`"), "{e}");
    }
}
