//! The same client for code without an async runtime.
//!
//! [`blocking::Client`](Client) has the same method names as the async
//! [`Client`](crate::Client) and wraps it: each call runs on the process's shared runtime (see
//! [`runtime`](crate::runtime)) and blocks the calling thread until it ends. Do not call it from
//! a UI thread for long operations; use a background thread or the bindings' operation handles.
//!
//! # Examples
//!
//! ```no_run
//! use renderiq_sdk::blocking::Client;
//! use renderiq_sdk::{CreateRender, Screenshot};
//!
//! let client = Client::builder().base_url("http://127.0.0.1:8787").build()?;
//! client.sign_in("ada@example.com", "correct horse")?;
//! let render = client.create_render(CreateRender::new(Screenshot::file("view.png")))?;
//! let done = client.wait_for_render(&render.id)?;
//! std::fs::write("render.png", client.download_render(&done)?).unwrap();
//! # Ok::<(), renderiq_sdk::Error>(())
//! ```

use std::path::Path;

use crate::error::Result;
use crate::renders::{CreateRender, ListRenders, WaitOptions};
use crate::runtime::block_on;
use crate::types::*;

/// Blocking twin of [`crate::Client`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
}

/// Builder of a [`blocking::Client`](Client); the same settings as the async one.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    inner: crate::ClientBuilder,
}

impl ClientBuilder {
    /// Applies `f` to the async builder, so every async setting is available.
    ///
    /// ```
    /// use renderiq_sdk::{blocking, Platform};
    /// let b = blocking::Client::builder().configure(|b| b.platform(Platform::Revit));
    /// # drop(b);
    /// ```
    pub fn configure(self, f: impl FnOnce(crate::ClientBuilder) -> crate::ClientBuilder) -> Self {
        Self {
            inner: f(self.inner),
        }
    }

    /// See [`crate::ClientBuilder::base_url`].
    pub fn base_url(self, url: impl Into<String>) -> Self {
        Self {
            inner: self.inner.base_url(url),
        }
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// As [`crate::ClientBuilder::build`].
    pub fn build(self) -> Result<Client> {
        Ok(Client {
            inner: self.inner.build()?,
        })
    }
}

macro_rules! blocking_methods {
    ($( $(#[$m:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        $(
            $(#[$m])*
            ///
            /// # Errors
            ///
            /// As the async method of the same name.
            pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                block_on(self.inner.$name($($arg),*))
            }
        )*
    };
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            inner: crate::Client::builder(),
        }
    }

    /// Wraps an async client (they share their session).
    pub fn from_async(inner: crate::Client) -> Self {
        Self { inner }
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    blocking_methods! {
        /// Signs in; see [`crate::Client::sign_in`].
        fn sign_in(&self, email: &str, password: &str) -> User;
        /// Uses an API key; see [`crate::Client::use_api_key`].
        fn use_api_key(&self, key: &str) -> ();
        /// See [`crate::Client::is_signed_in`].
        fn is_signed_in(&self) -> bool;
        /// See [`crate::Client::me`].
        fn me(&self) -> User;
        /// See [`crate::Client::sign_out`].
        fn sign_out(&self) -> ();
        /// See [`crate::Client::projects`].
        fn projects(&self) -> Vec<Project>;
        /// See [`crate::Client::create_project`].
        fn create_project(&self, name: &str, description: Option<&str>) -> Project;
        /// See [`crate::Client::credits`].
        fn credits(&self) -> Credits;
        /// See [`crate::Client::credit_transactions`].
        fn credit_transactions(&self, page: u32, limit: u32) -> Page<CreditTransaction>;
        /// See [`crate::Client::settings`].
        fn settings(&self) -> Settings;
        /// See [`crate::Client::update_settings`].
        fn update_settings(&self, update: &SettingsUpdate) -> Settings;
        /// See [`crate::Client::create_api_key`].
        fn create_api_key(&self, name: &str, scopes: &[&str], expires_at: Option<chrono::DateTime<chrono::Utc>>) -> CreatedApiKey;
        /// See [`crate::Client::api_keys`].
        fn api_keys(&self) -> Vec<ApiKey>;
        /// See [`crate::Client::revoke_api_key`].
        fn revoke_api_key(&self, id: &str) -> ();
        /// See [`crate::Client::register_webhook`].
        fn register_webhook(&self, url: &str, events: &[&str]) -> CreatedWebhook;
        /// See [`crate::Client::webhooks`].
        fn webhooks(&self) -> Vec<Webhook>;
        /// See [`crate::Client::delete_webhook`].
        fn delete_webhook(&self, id: &str) -> ();
        /// See [`crate::Client::callback_secret`].
        fn callback_secret(&self) -> crate::Secret;
        /// See [`crate::Client::health`].
        fn health(&self) -> Health;
        /// See [`crate::Client::create_render`].
        fn create_render(&self, req: CreateRender) -> Render;
        /// See [`crate::Client::retrieve_render`].
        fn retrieve_render(&self, id: &str) -> Render;
        /// See [`crate::Client::cancel_render`].
        fn cancel_render(&self, id: &str) -> Render;
        /// See [`crate::Client::list_renders`].
        fn list_renders(&self, query: &ListRenders) -> Page<Render>;
        /// See [`crate::Client::wait_for_render`].
        fn wait_for_render(&self, id: &str) -> Render;
        /// See [`crate::Client::wait_for_render_with`].
        fn wait_for_render_with(&self, id: &str, opts: WaitOptions) -> Render;
        /// See [`crate::Client::download_render`].
        fn download_render(&self, render: &Render) -> Vec<u8>;
    }

    /// See [`crate::Client::download_render_to`].
    ///
    /// # Errors
    ///
    /// As the async method.
    pub fn download_render_to(&self, render: &Render, path: impl AsRef<Path>) -> Result<u64> {
        block_on(self.inner.download_render_to(render, path))
    }
}
