//! The exported `Client`: built from the core's `ClientConfig` JSON, driven through the one
//! call surface.

use std::sync::Arc;

use renderiq_sdk::call::Call;
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::Operation;
use serde_json::Value;

use crate::error::RenderiqError;

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
    pub async fn call(&self, call_json: String) -> Result<String, RenderiqError> {
        let call = Call::from_json(&call_json)?;
        let op = CancelOnDrop(self.inner.start(call)?);
        let value = op.0.finished().await?;
        to_text(&value)
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

fn to_text(value: &Value) -> Result<String, RenderiqError> {
    serde_json::to_string(value).map_err(|e| {
        RenderiqError::decode(format!("could not write the result as JSON: {e}"))
    })
}
