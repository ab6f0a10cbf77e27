//! The async client and the routes that are one request each.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::ClientBuilder;
use crate::error::{Error, Result};
use crate::http::{Request, Transport};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::session::Session;
use crate::token_store::TokenStore;
use crate::types::*;

/// The Renderiq API client.
///
/// Cheap to clone (an `Arc` inside): build one and share it. All methods are async and
/// cancel-safe: dropping a future abandons the request.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> renderiq_sdk::Result<()> {
/// let client = renderiq_sdk::Client::builder().base_url("http://127.0.0.1:8787").build()?;
/// let user = client.sign_in("ada@example.com", "correct horse").await?;
/// println!("signed in as {}; {} credits", user.email, client.credits().await?.balance);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub transport: Transport,
    pub session: Session,
}

pub(crate) struct Parts {
    pub http: reqwest::Client,
    pub base_url: Url,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub store: Arc<dyn TokenStore>,
    pub api_key: Option<Secret>,
    pub refresh_margin: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.transport.base_url.as_str())
            .field("token_store", self.inner.session.store())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client. See [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_parts(p: Parts) -> Self {
        Self {
            inner: Arc::new(Inner {
                transport: Transport {
                    http: p.http,
                    base_url: p.base_url,
                    timeout: p.timeout,
                    retry: p.retry,
                },
                session: Session::new(p.store, p.api_key, p.refresh_margin),
            }),
        }
    }

    /// The server this client talks to.
    pub fn base_url(&self) -> &Url {
        &self.inner.transport.base_url
    }

    /// Sends an authenticated request: refreshes a stale token first, and once more after a 401.
    pub(crate) async fn send<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        let inner = &self.inner;
        let auth = inner.session.auth_header(&inner.transport).await?;
        let resp = inner.transport.send(&req, Some(&auth.value)).await?;
        if resp.status == StatusCode::UNAUTHORIZED && auth.is_bearer {
            let fresh = inner
                .session
                .refresh_after_401(&inner.transport, &auth)
                .await?;
            let resp = inner.transport.send(&req, Some(&fresh.value)).await?;
            return resp.into_data();
        }
        resp.into_data()
    }

    /// Sends a request without credentials.
    pub(crate) async fn call_anonymous<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        self.inner.transport.send(&req, None).await?.into_data()
    }

    // ---- auth -------------------------------------------------------------------------------

    /// Signs in with email and password and saves the session in the token store.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) for wrong credentials (`INVALID_CREDENTIALS`),
    /// [`TokenStore`](crate::ErrorKind::TokenStore) when the session cannot be saved.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<User> {
        if email.trim().is_empty() || password.is_empty() {
            return Err(Error::invalid_input("email and password must not be empty"));
        }
        let req = Request::post("auth/signin").json(&SignInRequest {
            email: email.trim().to_owned(),
            password: password.to_owned(),
        })?;
        let session: AuthSession = self.call_anonymous(req).await?;
        self.inner.session.set_session(&session).await?;
        Ok(session.user)
    }

    /// Uses an API key for every further request and saves it in the token store.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty key,
    /// [`TokenStore`](crate::ErrorKind::TokenStore) when it cannot be saved.
    pub async fn use_api_key(&self, key: &str) -> Result<()> {
        if key.trim().is_empty() {
            return Err(Error::invalid_input("the API key must not be empty"));
        }
        self.inner
            .session
            .set_api_key(Secret::new(key.trim()))
            .await
    }

    /// `true` when a session or API key is available (in memory or in the token store);
    /// `false`, never an error, when the token store cannot be read (a warning is logged once).
    pub async fn is_signed_in(&self) -> Result<bool> {
        self.inner.session.is_signed_in().await
    }

    /// The signed-in user.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when not signed in.
    pub async fn me(&self) -> Result<User> {
        self.send(Request::get("auth/me")).await
    }

    /// Signs out: revokes the refresh token on the server (best effort) and clears the store.
    ///
    /// # Errors
    ///
    /// [`TokenStore`](crate::ErrorKind::TokenStore) when the store cannot be cleared. A server
    /// that cannot be reached does not prevent the local sign-out.
    pub async fn sign_out(&self) -> Result<()> {
        let _ = self.inner.session.current().await;
        if let Some(refresh) = self.inner.session.refresh_token().await {
            let body = RefreshRequest {
                refresh_token: refresh.expose().to_owned(),
            };
            if let Ok(req) = Request::post("auth/signout").json(&body) {
                if let Err(e) = self.call_anonymous::<Ack>(req).await {
                    tracing::debug!(error = %e, "server-side sign-out failed; clearing locally");
                }
            }
        }
        self.inner.session.clear().await
    }

    // ---- projects, credits, settings --------------------------------------------------------

    /// The user's projects.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth), [`PermissionDenied`](crate::ErrorKind::PermissionDenied)
    /// for a key without `projects:read`.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        self.send(Request::get("projects")).await
    }

    /// Creates a project; the server derives a unique slug from the name.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty name.
    pub async fn create_project(&self, name: &str, description: Option<&str>) -> Result<Project> {
        if name.trim().is_empty() {
            return Err(Error::invalid_input("the project name must not be empty"));
        }
        let req = Request::post("projects").json(&CreateProjectRequest {
            name: name.trim().to_owned(),
            description: description.map(str::to_owned),
        })?;
        self.send(req).await
    }

    /// The credit balance.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when not signed in.
    pub async fn credits(&self) -> Result<Credits> {
        self.send(Request::get("credits")).await
    }

    /// One page of the credit ledger, newest first. `page` starts at 1.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when not signed in.
    pub async fn credit_transactions(
        &self,
        page: u32,
        limit: u32,
    ) -> Result<Page<CreditTransaction>> {
        self.send(
            Request::get("credits/transactions")
                .query("page", page.max(1))
                .query("limit", limit),
        )
        .await
    }

    /// The user's settings.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when not signed in.
    pub async fn settings(&self) -> Result<Settings> {
        self.send(Request::get("settings")).await
    }

    /// Changes the given settings and returns all of them.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an unknown style or ratio.
    pub async fn update_settings(&self, update: &SettingsUpdate) -> Result<Settings> {
        self.send(Request::patch("settings").json(update)?).await
    }

    // ---- API keys ---------------------------------------------------------------------------

    /// Creates an API key; the returned `key` is shown only this once.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for an empty name or unknown scope.
    pub async fn create_api_key(
        &self,
        name: &str,
        scopes: &[&str],
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<CreatedApiKey> {
        let req = Request::post("keys").json(&CreateApiKeyRequest {
            name: name.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_at,
        })?;
        self.send(req).await
    }

    /// The user's API keys (without their secrets).
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when not signed in.
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        self.send(Request::get("keys")).await
    }

    /// Revokes an API key.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id.
    pub async fn revoke_api_key(&self, id: &str) -> Result<()> {
        self.send::<Ack>(Request::delete(format!("keys/{}", path_segment(id)?)))
            .await
            .map(drop)
    }

    // ---- webhooks ---------------------------------------------------------------------------

    /// Registers a webhook; the returned `secret` (`whsec_…`) is shown only this once.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a bad URL or unknown event.
    pub async fn register_webhook(&self, url: &str, events: &[&str]) -> Result<CreatedWebhook> {
        let req = Request::post("webhooks/register").json(&RegisterWebhookRequest {
            url: url.to_owned(),
            events: events.iter().map(|s| (*s).to_owned()).collect(),
        })?;
        self.send(req).await
    }

    /// The user's webhooks.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when not signed in.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        self.send(Request::get("webhooks")).await
    }

    /// Deletes a webhook.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id.
    pub async fn delete_webhook(&self, id: &str) -> Result<()> {
        self.send::<Ack>(Request::delete(format!("webhooks/{}", path_segment(id)?)))
            .await
            .map(drop)
    }

    /// The secret that signs deliveries to your renders' `callback_url`s (registered webhooks
    /// have their own secrets). Verify those deliveries with
    /// [`webhooks::Webhook`](crate::webhooks::Webhook).
    ///
    /// # Errors
    ///
    /// [`PermissionDenied`](crate::ErrorKind::PermissionDenied) for a key without
    /// `webhooks:manage`.
    pub async fn callback_secret(&self) -> Result<Secret> {
        let s: CallbackSecret = self.send(Request::get("webhooks/callback-secret")).await?;
        Ok(Secret::new(s.secret))
    }

    // ---- health -----------------------------------------------------------------------------

    /// Server health; needs no sign-in.
    ///
    /// # Errors
    ///
    /// [`Network`](crate::ErrorKind::Network) when the server cannot be reached.
    pub async fn health(&self) -> Result<Health> {
        self.call_anonymous(Request::get("health")).await
    }
}

/// Checks an id before it goes into a URL path.
pub(crate) fn path_segment(id: &str) -> Result<&str> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(Error::invalid_input(format!(
            "{id:?} is not a valid id: ids are 1-128 letters, digits, '-' or '_'"
        )))
    }
}
