//! The exported `Client`: built from the core's `ClientConfig` JSON, driven through the one
//! call surface.

use std::sync::Arc;

use renderiq_sdk::call::{Call, Language};
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::Operation;
use serde_json::{json, Value};

use crate::error::RenderiqError;
use crate::operation::{CallOperation, ProgressListener};
use crate::screenshot::Screenshot;

/// A Renderiq client. Cheap to share between threads and coroutines.
#[derive(uniffi::Object)]
pub struct Client {
    inner: renderiq_sdk::Client,
    /// Whose names the errors' hints use: the config's `sdkLanguage` (`swift`), else Kotlin.
    language: Language,
}

/// Where the client keeps the signed-in session.
#[derive(uniffi::Enum)]
pub enum TokenStore {
    /// The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service); where none
    /// is reachable the core falls back to memory.
    Keychain,
    /// A file sealed with a key derived from `passphrase` (headless machines, CI).
    EncryptedFile {
        /// The file.
        path: String,
        /// The passphrase the key is derived from.
        passphrase: String,
    },
    /// In memory only: signed out when the process ends.
    Memory,
}

/// Typed client options: the same settings as the config JSON, with the core's defaults for
/// those left `null`.
#[derive(uniffi::Record)]
pub struct ClientOptions {
    /// The server, e.g. `https://renderiq.io/api/plugins` or a reference server's URL.
    #[uniffi(default)]
    pub base_url: Option<String>,
    /// The host application: `sketchup`, `revit`, `autocad`, `rhino`, `archicad`, `blender`,
    /// `other`.
    #[uniffi(default)]
    pub platform: Option<String>,
    /// Where the session is kept (default: the keychain).
    #[uniffi(default)]
    pub token_store: Option<TokenStore>,
    /// An API key (`rq_live_…`) instead of a signed-in session.
    #[uniffi(default)]
    pub api_key: Option<String>,
    /// The plugin's name, sent in the telemetry headers.
    #[uniffi(default)]
    pub plugin_name: Option<String>,
    /// The plugin's version.
    #[uniffi(default)]
    pub plugin_version: Option<String>,
    /// Per-request timeout in milliseconds.
    #[uniffi(default)]
    pub timeout_ms: Option<u64>,
    /// Retries of transient failures.
    #[uniffi(default)]
    pub max_retries: Option<u32>,
    /// `kotlin` (default) or `swift`: whose names the errors' hints use.
    #[uniffi(default)]
    pub sdk_language: Option<String>,
}

impl ClientOptions {
    /// The core's config JSON of these options (the core checks every value).
    fn to_config(&self) -> Value {
        let mut config = json!({
            "baseUrl": self.base_url,
            "platform": self.platform,
            "apiKey": self.api_key,
            "pluginName": self.plugin_name,
            "pluginVersion": self.plugin_version,
            "timeoutMs": self.timeout_ms,
            "maxRetries": self.max_retries,
            "sdkLanguage": self.sdk_language,
        });
        config["tokenStore"] = match &self.token_store {
            None => Value::Null,
            Some(TokenStore::Keychain) => json!("keychain"),
            Some(TokenStore::Memory) => json!("memory"),
            Some(TokenStore::EncryptedFile { path, passphrase }) => {
                json!({"file": path, "passphrase": passphrase})
            }
        };
        if let Value::Object(map) = &mut config {
            map.retain(|_, v| !v.is_null());
        }
        config
    }
}

#[uniffi::export]
impl Client {
    /// Builds a client from the core's `ClientConfig` JSON (`baseUrl`, `platform`,
    /// `maxRetries`, `tokenStore`, …), the same text every other binding passes; the core
    /// checks every value.
    #[uniffi::constructor]
    pub fn new(config_json: String) -> Result<Arc<Self>, RenderiqError> {
        let mut config = ClientConfig::from_json(&config_json)?;
        let language = match config.sdk_language.as_deref() {
            Some("swift") => Language::Swift,
            _ => Language::Kotlin,
        };
        config
            .sdk_language
            .get_or_insert_with(|| language.as_str().to_owned());
        let inner = config
            .into_builder()
            .and_then(|b| b.build())
            .map_err(|e| RenderiqError::from_core(e, language))?;
        Ok(Arc::new(Self { inner, language }))
    }

    /// Builds a client from typed options (`ClientOptions(baseUrl = …, tokenStore =
    /// TokenStore.Memory)`); the same rules as the config JSON.
    #[uniffi::constructor]
    pub fn with_options(options: ClientOptions) -> Result<Arc<Self>, RenderiqError> {
        Self::new(options.to_config().to_string())
    }

    /// The server's base URL, as the core normalised it.
    pub fn base_url(&self) -> String {
        self.inner.base_url().as_str().to_owned()
    }

    /// Makes one call (the JSON text of the core's `Call`, e.g. `{"call":"credits"}`) and
    /// answers its result as JSON text. A `suspend` function in Kotlin, `async` in Swift.
    ///
    /// The call runs as an operation on the core's shared runtime (the foreign executor only
    /// polls the wait); cancelling the Kotlin coroutine drops this future, which cancels the
    /// operation under the core's rule (a render it created is withdrawn while still pending).
    /// Swift: uniffi 0.32's generated `async` functions ignore task cancellation, so a cancelled
    /// task keeps waiting; use `start` and `CallOperation.cancel` in
    /// `withTaskCancellationHandler` (bindings/uniffi/swift/README.md).
    ///
    /// `data` travels beside the JSON instead of base64 in it: an encoded image
    /// (`"image":{"kind":"bytes"}`) or raw pixels (`"kind":"raw"` with width, height, stride
    /// and pixel format), attached by the core's `Call::attach`.
    ///
    /// `listener` (optional) hears the call's progress after every change, the last at 100 %.
    #[uniffi::method(default(data = None, listener = None))]
    pub async fn call(
        &self,
        call_json: String,
        data: Option<Vec<u8>>,
        listener: Option<Box<dyn ProgressListener>>,
    ) -> Result<String, RenderiqError> {
        self.run(self.begin(&call_json, data.map(Picture::Data), listener)?)
            .await
    }

    /// Makes a call whose picture is `screenshot` (a file, encoded bytes or raw pixels),
    /// set as the call's `image`: `create_render`, `render` or `prepare_image`. Otherwise as
    /// `call`.
    #[uniffi::method(default(listener = None))]
    pub async fn call_with_screenshot(
        &self,
        call_json: String,
        screenshot: Screenshot,
        listener: Option<Box<dyn ProgressListener>>,
    ) -> Result<String, RenderiqError> {
        let picture = Some(Picture::Screenshot(screenshot));
        self.run(self.begin(&call_json, picture, listener)?).await
    }

    /// Starts one call in the background and answers its handle at once (`data` as for
    /// `call`). Poll it from a UI timer (`isDone`, `progress`) or await `finished`.
    #[uniffi::method(default(data = None, listener = None))]
    pub fn start(
        &self,
        call_json: String,
        data: Option<Vec<u8>>,
        listener: Option<Box<dyn ProgressListener>>,
    ) -> Result<Arc<CallOperation>, RenderiqError> {
        let op = self.begin(&call_json, data.map(Picture::Data), listener)?;
        Ok(Arc::new(CallOperation::new(op, self.language)))
    }

    /// Starts a call whose picture is `screenshot` (see `call_with_screenshot`) and answers its
    /// handle at once.
    #[uniffi::method(default(listener = None))]
    pub fn start_with_screenshot(
        &self,
        call_json: String,
        screenshot: Screenshot,
        listener: Option<Box<dyn ProgressListener>>,
    ) -> Result<Arc<CallOperation>, RenderiqError> {
        let op = self.begin(&call_json, Some(Picture::Screenshot(screenshot)), listener)?;
        Ok(Arc::new(CallOperation::new(op, self.language)))
    }
}

/// What comes beside a call's JSON: bytes for its `image`, or the whole picture.
enum Picture {
    Data(Vec<u8>),
    Screenshot(Screenshot),
}

impl Client {
    /// Starts the core's `Call` from its JSON text, `data` attached to its image, `listener`
    /// registered with the core's `Operation::on_progress`.
    fn begin(
        &self,
        call_json: &str,
        picture: Option<Picture>,
        listener: Option<Box<dyn ProgressListener>>,
    ) -> Result<Operation<Value>, RenderiqError> {
        let (with_image, data) = match picture {
            None => (None, None),
            Some(Picture::Data(bytes)) => (None, Some(bytes)),
            Some(Picture::Screenshot(shot)) => {
                let (image, bytes) = shot.into_parts();
                // Text that is not a JSON object is left as it is, for the core to refuse.
                let with_image = serde_json::from_str::<Value>(call_json)
                    .ok()
                    .filter(Value::is_object)
                    .map(|mut call| {
                        call["image"] = image;
                        call.to_string()
                    });
                (with_image, bytes)
            }
        };
        let text = with_image.as_deref().unwrap_or(call_json);
        let mut call = Call::from_json(text).map_err(|e| self.error(e))?;
        if let Some(bytes) = data {
            call.attach(bytes).map_err(|e| self.error(e))?;
        }
        let op = self.inner.start(call).map_err(|e| self.error(e))?;
        if let Some(listener) = listener {
            crate::operation::listen(&op, listener);
        }
        Ok(op)
    }

    /// Awaits a call's result; dropping this future (the coroutine or task cancelled) cancels
    /// the call.
    async fn run(&self, op: Operation<Value>) -> Result<String, RenderiqError> {
        let op = CancelOnDrop(op);
        let value = op.0.finished().await.map_err(|e| self.error(e))?;
        to_text(&value)
    }

    fn error(&self, e: renderiq_sdk::Error) -> RenderiqError {
        RenderiqError::from_core(e, self.language)
    }
}

/// Cancels the operation when the awaiting future is dropped before it finished.
struct CancelOnDrop(Operation<Value>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.0.is_done() {
            self.0.cancel();
        }
    }
}

pub(crate) fn to_text(value: &Value) -> Result<String, RenderiqError> {
    serde_json::to_string(value)
        .map_err(|e| RenderiqError::decode(format!("could not write the result as JSON: {e}")))
}
