//! The one call surface: every request a binding can make, as data.
//!
//! A [`Call`] is a serde enum tagged by `"call"`, with the API's camelCase field names. Every
//! binding builds one (from keyword arguments, a Ruby hash, a C# record, C++ structs) and hands
//! it to one of two entry points: [`Client::call`] answers with the result as JSON, and
//! [`Client::start`] runs it as an [`Operation`] that a host UI thread polls. All defaults,
//! validation and value rules live here, once; a binding never checks a value range itself.
//!
//! The result of every call is the API object as camelCase JSON (`Render`, `User`, `Page`, …),
//! `null` for calls without one.
//!
//! # Examples
//!
//! ```
//! use renderiq_sdk::call::Call;
//!
//! let call: Call = serde_json::from_str(
//!     r#"{"call":"render","image":{"kind":"file","path":"view.png"},
//!         "settings":{"prompt":"dusk"},"wait":{"timeoutMs":60000}}"#,
//! ).unwrap();
//! assert_eq!(call.name(), "render");
//! assert!(call.creates_render());
//! ```

mod dispatch;
mod image;
mod naming;

use serde::{Deserialize, Serialize};

pub use dispatch::prepared_info;
pub use image::{ImageSource, PixelFormatName, PrepareSpec, RawGeometry};
pub use naming::{Language, CALL_NAMES};

use crate::error::{Error, Result};
use crate::renders::{ListRenders, RenderSettings, WaitOptions};
use crate::types::SettingsUpdate;

/// The events a webhook subscribes to when the call names none: every render outcome.
pub const DEFAULT_WEBHOOK_EVENTS: [&str; 3] =
    ["render.completed", "render.failed", "render.cancelled"];

/// The page size of list calls when the call names none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// The largest page size the API serves.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Every request a binding can make. See the [module documentation](self).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "call",
    rename_all = "snake_case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
#[non_exhaustive]
pub enum Call {
    /// Signs in with e-mail and password; answers the `User`.
    SignIn {
        /// The account's e-mail.
        email: String,
        /// Its password (never logged).
        password: String,
    },
    /// Uses an API key instead of a session; answers `null`.
    UseApiKey {
        /// The key, `rq_…` (never logged).
        key: String,
    },
    /// Signs out on the server and forgets the session; answers `null`.
    SignOut {},
    /// Answers `true` when a session or API key is at hand; `false` (never an error) when the
    /// token store cannot be read.
    IsSignedIn {},
    /// The signed-in `User`.
    Me {},
    /// The server's `Health` (no sign-in needed).
    Health {},
    /// The `Credits` balance.
    Credits {},
    /// A `Page` of credit transactions.
    CreditTransactions {
        /// Paging.
        #[serde(default, flatten)]
        page: PageQuery,
    },
    /// The user's projects, a list of `Project`.
    Projects {},
    /// Creates a `Project`.
    CreateProject {
        /// Its name, not blank.
        name: String,
        /// A description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// The user's `Settings`.
    Settings {},
    /// Changes the user's settings; answers the new `Settings`.
    UpdateSettings {
        /// The fields to change; a field this SDK does not know is refused (a misspelt
        /// setting would otherwise change nothing, silently).
        #[serde(deserialize_with = "known_settings")]
        settings: SettingsUpdate,
    },
    /// Creates an API key; answers the `CreatedApiKey` (its secret shown once).
    CreateApiKey {
        /// A name to recognise it by.
        name: String,
        /// Its scopes, at least one (see [`scopes`](crate::types::scopes)).
        scopes: Vec<String>,
        /// When it expires; default never.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// The user's API keys, a list of `ApiKey`.
    ApiKeys {},
    /// Revokes an API key; answers `null`.
    RevokeApiKey {
        /// Its id.
        id: String,
    },
    /// Registers a webhook; answers the `CreatedWebhook` (its signing secret shown once).
    RegisterWebhook {
        /// The http(s) URL that receives deliveries.
        url: String,
        /// The events; default [`DEFAULT_WEBHOOK_EVENTS`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        events: Option<Vec<String>>,
    },
    /// The user's webhooks, a list of `Webhook`.
    Webhooks {},
    /// Deletes a webhook; answers `null`.
    DeleteWebhook {
        /// Its id.
        id: String,
    },
    /// The secret that signs per-render callback deliveries, as a JSON string.
    CallbackSecret {},
    /// Prepares the image and creates a render; answers the new `Render` without waiting.
    CreateRender(RenderRequest),
    /// Creates a render and waits for it to end; answers the ended `Render`.
    Render(RenderRequest),
    /// One render's current state.
    RetrieveRender {
        /// Its id.
        id: String,
    },
    /// A `Page` of renders, newest first.
    ListRenders(ListRenders),
    /// Withdraws a pending render (credits refunded); answers the `Render`.
    CancelRender {
        /// Its id.
        id: String,
    },
    /// Waits for a render to end; answers the ended `Render`.
    WaitForRender {
        /// Its id.
        id: String,
        /// How to wait.
        #[serde(default)]
        wait: WaitSpec,
    },
    /// Downloads a completed render's image to a file; answers `{"path", "bytes"}`.
    DownloadRender {
        /// The render's id.
        id: String,
        /// Where to write the image.
        path: std::path::PathBuf,
    },
    /// Prepares an image as [`CreateRender`](Call::CreateRender) would, without uploading it;
    /// answers `{"mimeType", "format", "width", "height", "size"}` (the bytes are available
    /// through [`Client::prepare_image`] and the C ABI's `renderiq_prepare_image`).
    PrepareImage {
        /// The image.
        image: ImageSource,
        /// How to prepare it.
        #[serde(default)]
        prepare: PrepareSpec,
    },
}

impl std::fmt::Debug for Call {
    /// Names the call and its fields, never a password, key or image bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignIn { email, .. } => f
                .debug_struct("SignIn")
                .field("email", email)
                .field("password", &"<redacted>")
                .finish(),
            Self::UseApiKey { .. } => f.write_str("UseApiKey { key: <redacted> }"),
            Self::CreateRender(r) | Self::Render(r) => write!(f, "{} {r:?}", self.name()),
            other => match serde_json::to_string(other) {
                Ok(json) => f.write_str(&json),
                Err(_) => f.write_str(other.name()),
            },
        }
    }
}

impl Call {
    /// Parses a call from its JSON text.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) naming the unknown call or field.
    ///
    /// ```
    /// use renderiq_sdk::call::Call;
    /// assert!(Call::from_json(r#"{"call":"me"}"#).is_ok());
    /// let e = Call::from_json(r#"{"call":"me","x":1}"#).unwrap_err();
    /// assert!(e.message().contains("x"));
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| {
            // serde's message names an unknown call or field and lists the allowed ones, but
            // not the field whose value it refused: find that field by leaving each out.
            match refused_field(json) {
                Some(field) => {
                    image::field_error(&field, format!("the call's `{field}` is not valid: {e}"))
                }
                None => Error::invalid_input(format!("the call is not valid: {e}")),
            }
        })
    }

    /// The call's snake_case name, e.g. `"create_render"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SignIn { .. } => "sign_in",
            Self::UseApiKey { .. } => "use_api_key",
            Self::SignOut {} => "sign_out",
            Self::IsSignedIn {} => "is_signed_in",
            Self::Me {} => "me",
            Self::Health {} => "health",
            Self::Credits {} => "credits",
            Self::CreditTransactions { .. } => "credit_transactions",
            Self::Projects {} => "projects",
            Self::CreateProject { .. } => "create_project",
            Self::Settings {} => "settings",
            Self::UpdateSettings { .. } => "update_settings",
            Self::CreateApiKey { .. } => "create_api_key",
            Self::ApiKeys {} => "api_keys",
            Self::RevokeApiKey { .. } => "revoke_api_key",
            Self::RegisterWebhook { .. } => "register_webhook",
            Self::Webhooks {} => "webhooks",
            Self::DeleteWebhook { .. } => "delete_webhook",
            Self::CallbackSecret {} => "callback_secret",
            Self::CreateRender(_) => "create_render",
            Self::Render(_) => "render",
            Self::RetrieveRender { .. } => "retrieve_render",
            Self::ListRenders(_) => "list_renders",
            Self::CancelRender { .. } => "cancel_render",
            Self::WaitForRender { .. } => "wait_for_render",
            Self::DownloadRender { .. } => "download_render",
            Self::PrepareImage { .. } => "prepare_image",
        }
    }

    /// `true` for the calls that create a render. Cancelling such a call's [`Operation`]
    /// withdraws the render when it is still pending, which refunds its credits.
    pub fn creates_render(&self) -> bool {
        matches!(self, Self::CreateRender(_) | Self::Render(_))
    }

    /// Puts bytes that travelled beside the call (the C ABI's borrowed buffer, a Python
    /// `bytes`) into its image.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) when the call has no image that takes
    /// bytes.
    pub fn attach(&mut self, bytes: Vec<u8>) -> Result<()> {
        match self {
            Self::CreateRender(r) | Self::Render(r) => r.image.attach(bytes),
            Self::PrepareImage { image, .. } => image.attach(bytes),
            other => Err(Error::invalid_input(format!(
                "`{}` takes no image bytes: attach them to create_render, render or prepare_image",
                other.name()
            ))),
        }
    }
}

/// A [`SettingsUpdate`] whose every field is one the type has.
fn known_settings<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<SettingsUpdate, D::Error> {
    use serde::de::Error as _;
    let value = serde_json::Value::deserialize(d)?;
    // Every field set, so that its serialisation lists them all: a field added to the type is
    // known here at once (the literal does not compile without it).
    let every = SettingsUpdate {
        default_style: Some(String::new()),
        default_quality: Some(crate::types::Quality::default()),
        default_aspect_ratio: Some(String::new()),
        default_project_id: Some(String::new()),
        notify_on_complete: Some(false),
    };
    let known = serde_json::to_value(every).map_err(D::Error::custom)?;
    if let (Some(given), Some(known)) = (value.as_object(), known.as_object()) {
        if let Some(unknown) = given.keys().find(|k| !known.contains_key(*k)) {
            let names: Vec<&str> = known.keys().map(String::as_str).collect();
            return Err(D::Error::custom(format!(
                "unknown setting `{unknown}`, expected one of {}",
                names.join(", ")
            )));
        }
    }
    serde_json::from_value(value).map_err(D::Error::custom)
}

/// The top-level field of a call that could not be read: the one whose absence makes the rest
/// readable (or only missing). Runs on the error path only.
fn refused_field(json: &str) -> Option<String> {
    let serde_json::Value::Object(fields) = serde_json::from_str(json).ok()? else {
        return None;
    };
    fields.keys().filter(|k| *k != "call").find_map(|key| {
        let mut rest = fields.clone();
        rest.remove(key);
        match serde_json::from_value::<Call>(serde_json::Value::Object(rest)) {
            Ok(_) => Some(key.clone()),
            Err(e) if e.to_string().contains(&format!("missing field `{key}`")) => {
                Some(key.clone())
            }
            Err(_) => None,
        }
    })
}

/// What to render: the image, the render settings, how to prepare the image and, for
/// [`Call::Render`], how to wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenderRequest {
    /// The picture.
    pub image: ImageSource,
    /// Prompt, style, quality, … (each optional: absent = the user's default).
    #[serde(default)]
    pub settings: RenderSettings,
    /// How the picture is prepared for upload.
    #[serde(default)]
    pub prepare: PrepareSpec,
    /// How [`Call::Render`] waits; not allowed on [`Call::CreateRender`], which does not wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<WaitSpec>,
}

/// Paging of a list call; absent fields mean page 1 of [`DEFAULT_PAGE_SIZE`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    /// 1-based page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Page size, 1 to [`MAX_PAGE_SIZE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl PageQuery {
    /// The checked page and page size.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for page 0 or a size outside
    /// 1–[`MAX_PAGE_SIZE`].
    ///
    /// ```
    /// use renderiq_sdk::call::PageQuery;
    /// assert_eq!(PageQuery::default().resolve().unwrap(), (1, 20));
    /// assert!(PageQuery { page: Some(0), limit: None }.resolve().is_err());
    /// ```
    pub fn resolve(&self) -> Result<(u32, u32)> {
        let page = self.page.unwrap_or(1);
        if page == 0 {
            return Err(image::field_error("page", "page is 0: pages start at 1"));
        }
        let limit = self.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(image::field_error(
                "limit",
                format!("limit is {limit}: use 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        Ok((page, limit))
    }
}

/// How a wait polls, as data; absent fields keep [`WaitOptions::default`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaitSpec {
    /// Give up after this long (default 10 minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Use the server's long-poll (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_poll: Option<bool>,
    /// How long one long-poll request may wait on the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_poll_wait_ms: Option<u64>,
    /// First delay between polls without long-poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval_ms: Option<u64>,
    /// Longest delay between polls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_poll_interval_ms: Option<u64>,
}

impl WaitSpec {
    /// The wait options these fields describe.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a zero timeout.
    pub fn options(&self) -> Result<WaitOptions> {
        use std::time::Duration;
        let mut o = WaitOptions::new();
        if let Some(t) = self.timeout_ms {
            if t == 0 {
                return Err(image::field_error(
                    "timeoutMs",
                    "timeoutMs is 0: give the wait some time, or leave it out for the default",
                ));
            }
            o = o.timeout(Duration::from_millis(t));
        }
        if let Some(l) = self.long_poll {
            o = o.long_poll(l);
        }
        if let Some(w) = self.long_poll_wait_ms {
            o = o.long_poll_wait(Duration::from_millis(w));
        }
        if let Some(p) = self.poll_interval_ms {
            o = o.poll_interval(Duration::from_millis(p));
        }
        if let Some(p) = self.max_poll_interval_ms {
            o = o.max_poll_interval(Duration::from_millis(p));
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_name_round_trips_and_is_listed() {
        let calls = [
            r#"{"call":"sign_in","email":"a@b.c","password":"p"}"#,
            r#"{"call":"sign_out"}"#,
            r#"{"call":"credit_transactions","page":2}"#,
            r#"{"call":"update_settings","settings":{"defaultStyle":"sketch"}}"#,
            r#"{"call":"create_render","image":{"kind":"bytes","data":"AAEC"}}"#,
            r#"{"call":"list_renders","status":"completed","limit":5}"#,
            r#"{"call":"wait_for_render","id":"r1","wait":{"timeoutMs":5}}"#,
        ];
        for json in calls {
            let call = Call::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert!(CALL_NAMES.contains(&call.name()), "{}", call.name());
            let again = Call::from_json(&serde_json::to_string(&call).unwrap()).unwrap();
            assert_eq!(again, call);
        }
    }

    #[test]
    fn unknown_calls_and_fields_are_named() {
        let e = Call::from_json(r#"{"call":"fly"}"#).unwrap_err();
        assert!(e.message().contains("create_render"), "{e}");
        let e = Call::from_json(r#"{"call":"wait_for_render","id":"r","wait":{"timeoutMs":-1}}"#)
            .unwrap_err();
        assert!(
            e.details().is_some_and(|d| d.get("wait").is_some()),
            "{e}: {:?}",
            e.details()
        );
        let e = Call::from_json(r#"{"call":"create_project","nmae":"x"}"#).unwrap_err();
        assert!(e.message().contains("nmae"), "{e}");
        let e = Call::from_json(r#"{"call":"credits","page":2}"#).unwrap_err();
        assert!(e.message().contains("page"), "{e}");
        let e = Call::from_json(r#"{"call":"update_settings","settings":{"defaultStyel":"x"}}"#)
            .unwrap_err();
        assert!(e.message().contains("defaultStyel"), "{e}");
        assert!(e.message().contains("defaultStyle"), "{e}");
        assert!(
            e.details().is_some_and(|d| d.get("settings").is_some()),
            "{e}"
        );
        let ok = Call::from_json(r#"{"call":"update_settings","settings":{"defaultStyle":"x"}}"#);
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c =
            Call::from_json(r#"{"call":"sign_in","email":"a@b.c","password":"hunter2"}"#).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        let c = Call::from_json(r#"{"call":"use_api_key","key":"rq_secret"}"#).unwrap();
        assert!(!format!("{c:?}").contains("rq_secret"));
    }

    #[test]
    fn page_sizes_are_checked_here() {
        assert!(PageQuery {
            page: None,
            limit: Some(101)
        }
        .resolve()
        .is_err());
        assert_eq!(
            PageQuery {
                page: Some(3),
                limit: Some(100)
            }
            .resolve()
            .unwrap(),
            (3, 100)
        );
    }
}
