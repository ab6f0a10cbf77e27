//! The exported `Client`: built from the core's `ClientConfig` JSON, driven through the one
//! call surface.

use std::sync::Arc;

use renderiq_sdk::call::Call;
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::Operation;
use serde_json::Value;

use crate::error::RenderiqError;
use crate::operation::CallOperation;

/// A Renderiq client. Cheap to share between threads and coroutines.
#[derive(uniffi::Object)]
pub struct Client {
    inner: renderiq_sdk::Client,
}

#[uniffi::export]
impl Client {
    /// Builds a client from the core's `ClientConfig` JSON (`baseUrl`, `platform`,
    /// `maxRetries`, `tokenStore`, …), the same text every other binding passes; the core
    /// checks every value.
    #[uniffi::constructor]
    pub fn new(config_json: String) -> Result<Arc<Self>, RenderiqError> {
        let inner = ClientConfig::from_json(&config_json)
            .and_then(ClientConfig::into_builder)
            .and_then(|b| b.build())?;
        Ok(Arc::new(Self { inner }))
    }

    /// The server's base URL, as the core normalised it.
    pub fn base_url(&self) -> String {
        self.inner.base_url().as_str().to_owned()
    }

    /// Makes one call (the JSON text of the core's `Call`, e.g. `{"call":"credits"}`) and
    /// answers its result as JSON text. A `suspend` function in Kotlin, `async` in Swift.
    ///
    /// The call runs as an operation on the core's shared runtime (the foreign executor only
    /// polls the wait); cancelling the coroutine or task drops this future, which cancels the
    /// operation under the core's rule (a render it created is withdrawn while still pending).
    ///
    /// `data` travels beside the JSON instead of base64 in it: an encoded image
    /// (`"image":{"kind":"bytes"}`) or raw pixels (`"kind":"raw"` with width, height, stride
    /// and pixel format), attached by the core's `Call::attach`.
    #[uniffi::method(default(data = None))]
    pub async fn call(
        &self,
        call_json: String,
        data: Option<Vec<u8>>,
    ) -> Result<String, RenderiqError> {
        let op = CancelOnDrop(self.inner.start(parse(&call_json, data)?)?);
        let value = op.0.finished().await?;
        to_text(&value)
    }

    /// Starts one call in the background and answers its handle at once (`data` as for
    /// `call`). Poll it from a UI timer (`isDone`, `progress`) or await `finished`.
    #[uniffi::method(default(data = None))]
    pub fn start(
        &self,
        call_json: String,
        data: Option<Vec<u8>>,
    ) -> Result<Arc<CallOperation>, RenderiqError> {
        let op = self.inner.start(parse(&call_json, data)?)?;
        Ok(Arc::new(CallOperation::new(op)))
    }
}

/// The core's `Call` from its JSON text, with `data` attached to its image.
fn parse(call_json: &str, data: Option<Vec<u8>>) -> Result<Call, RenderiqError> {
    let mut call = Call::from_json(call_json)?;
    if let Some(bytes) = data {
        call.attach(bytes)?;
    }
    Ok(call)
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
