//! `Renderiq::Native::Client`: the core's one call surface.
//!
//! `start(call_json, data)` takes any call of the core's
//! `renderiq_sdk::call::Call` as its JSON, with image bytes beside it (`data`, a binary String
//! or nil) instead of base64 inside; the same shape as the C ABI the Fiddle backend uses.

use magnus::{Error, RString, Ruby};
use renderiq_sdk::call::Call;
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::Client;

use crate::error;
use crate::operation::RbOperation;

/// A client of the Renderiq API. Cheap to share between threads.
#[magnus::wrap(class = "Renderiq::Native::Client", free_immediately, size)]
pub struct RbClient {
    client: Client,
}

impl RbClient {
    /// `Client.new(config_json)`: the SDK's `ClientConfig` document, as `renderiq_client_new`.
    pub fn new(ruby: &Ruby, config_json: String) -> Result<Self, Error> {
        let client = ClientConfig::from_json(&config_json)
            .and_then(|c| c.into_builder())
            .and_then(|b| b.build())
            .map_err(|e| error::raise(ruby, &e))?;
        Ok(Self { client })
    }

    /// `start(call_json, data)`: starts the call as an operation. A call that is not valid
    /// raises `Renderiq::ValidationError` here; the call's own failures are its outcome.
    pub fn start(
        ruby: &Ruby,
        rb_self: &Self,
        call_json: String,
        data: Option<RString>,
    ) -> Result<RbOperation, Error> {
        let mut call = Call::from_json(&call_json).map_err(|e| error::raise(ruby, &e))?;
        if let Some(bytes) = data {
            // SAFETY: the slice is copied at once, before any Ruby code can run.
            let bytes = unsafe { bytes.as_slice() }.to_vec();
            call.attach(bytes).map_err(|e| error::raise(ruby, &e))?;
        }
        rb_self
            .client
            .start(call)
            .map(RbOperation::new)
            .map_err(|e| error::raise(ruby, &e))
    }
}
