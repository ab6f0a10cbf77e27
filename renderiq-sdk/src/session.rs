//! The signed-in session: which credential to send, and refreshing it exactly once.
//!
//! The access token is refreshed ahead of its expiry (by the configured margin) and once after a
//! 401. Refreshes are single-flight: every caller that finds the token stale waits on one mutex;
//! the first does the refresh, the rest see the new token when they get the lock and send no
//! request of their own. The rotated refresh token is saved to the store before the new access
//! token is handed out; a refresh the server rejects clears the store and surfaces as an auth
//! error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::HeaderValue;
use tokio::sync::{Mutex, OnceCell, RwLock};

use crate::error::{Error, ErrorKind, Result};
use crate::http::{Request, Transport};
use crate::secret::Secret;
use crate::token_store::{Credential, StoredSession, TokenStore};
use crate::types::{AuthSession, RefreshRequest};

/// `Authorization: Bearer <token>`, marked sensitive so it is never logged.
fn bearer_header(token: &Secret) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        Error::new(
            ErrorKind::Auth,
            "the stored token is not valid; sign in again",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// The header to send plus what it was made from (to detect a concurrent refresh).
pub(crate) struct AuthHeader {
    pub value: HeaderValue,
    pub is_bearer: bool,
    access_token: Option<Secret>,
}

impl AuthHeader {
    fn bearer(session: &StoredSession) -> Result<Self> {
        Ok(Self {
            value: bearer_header(&session.access_token)?,
            is_bearer: true,
            access_token: Some(session.access_token.clone()),
        })
    }
}

pub(crate) struct Session {
    store: Arc<dyn TokenStore>,
    state: RwLock<Option<Credential>>,
    loaded: OnceCell<()>,
    refresh_lock: Mutex<()>,
    margin: Duration,
    /// Set once `is_signed_in` has warned about an unreadable store.
    warned_unreadable: AtomicBool,
}

impl Session {
    pub fn new(store: Arc<dyn TokenStore>, api_key: Option<Secret>, margin: Duration) -> Self {
        let explicit = api_key.is_some();
        let loaded = OnceCell::new();
        if explicit {
            // An API key given to the builder wins over whatever the store holds.
            let _ = loaded.set(());
        }
        Self {
            store,
            state: RwLock::new(api_key.map(Credential::ApiKey)),
            loaded,
            refresh_lock: Mutex::new(()),
            margin,
            warned_unreadable: AtomicBool::new(false),
        }
    }

    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    async fn ensure_loaded(&self) -> Result<()> {
        self.loaded
            .get_or_try_init(|| async {
                let store = self.store.clone();
                let saved = blocking(move || store.load()).await?;
                *self.state.write().await = saved;
                Ok::<(), Error>(())
            })
            .await
            .map(|_| ())
    }

    /// The current credential, loading it from the store the first time.
    pub async fn current(&self) -> Result<Option<Credential>> {
        self.ensure_loaded().await?;
        Ok(self.state.read().await.clone())
    }

    /// `true` when a credential is present. A store that cannot be read answers `false` (with
    /// one warning per client): the host then offers to sign in, and the next request reports
    /// what is wrong with the store.
    pub async fn is_signed_in(&self) -> Result<bool> {
        match self.current().await {
            Ok(credential) => Ok(credential.is_some()),
            Err(e) => {
                if !self.warned_unreadable.swap(true, Ordering::Relaxed) {
                    // Store errors name the store and the cause, never a token.
                    tracing::warn!("the token store could not be read, so not signed in: {e}");
                }
                Ok(false)
            }
        }
    }

    /// Saves a new session (store first, then memory).
    pub async fn set_session(&self, session: &AuthSession) -> Result<StoredSession> {
        let stored = StoredSession {
            access_token: Secret::new(session.access_token.clone()),
            refresh_token: Secret::new(session.refresh_token.clone()),
            expires_at: session.expires_at,
            email: Some(session.user.email.clone()),
        };
        self.save(Credential::Session(stored.clone())).await?;
        Ok(stored)
    }

    /// Switches to API-key auth and saves the key.
    pub async fn set_api_key(&self, key: Secret) -> Result<()> {
        self.save(Credential::ApiKey(key)).await
    }

    async fn save(&self, cred: Credential) -> Result<()> {
        let store = self.store.clone();
        let saved = cred.clone();
        blocking(move || store.save(&saved)).await?;
        let _ = self.loaded.set(());
        *self.state.write().await = Some(cred);
        Ok(())
    }

    /// Forgets the session, in memory and in the store.
    pub async fn clear(&self) -> Result<()> {
        *self.state.write().await = None;
        let _ = self.loaded.set(());
        let store = self.store.clone();
        blocking(move || store.clear()).await
    }

    /// The refresh token of a bearer session, for sign-out.
    pub async fn refresh_token(&self) -> Option<Secret> {
        match &*self.state.read().await {
            Some(Credential::Session(s)) => Some(s.refresh_token.clone()),
            _ => None,
        }
    }

    fn is_fresh(&self, s: &StoredSession) -> bool {
        let margin = chrono::Duration::from_std(self.margin).unwrap_or_default();
        s.expires_at - margin > Utc::now()
    }

    /// The `Authorization` header for the next request, refreshing a stale token first.
    pub async fn auth_header(&self, transport: &Transport) -> Result<AuthHeader> {
        match self.current().await? {
            None => Err(Error::not_signed_in()),
            Some(Credential::ApiKey(k)) => Ok(AuthHeader {
                value: bearer_header(&k)?,
                is_bearer: false,
                access_token: None,
            }),
            Some(Credential::Session(s)) if self.is_fresh(&s) => AuthHeader::bearer(&s),
            Some(Credential::Session(s)) => self.refresh(transport, Some(&s.access_token)).await,
        }
    }

    /// Refreshes after a 401 on a request sent with `used`.
    pub async fn refresh_after_401(
        &self,
        transport: &Transport,
        used: &AuthHeader,
    ) -> Result<AuthHeader> {
        self.refresh(transport, used.access_token.as_ref()).await
    }

    /// Single-flight refresh. `seen` is the access token the caller found stale: if another
    /// caller already replaced it, that result is used and no request is sent.
    async fn refresh(&self, transport: &Transport, seen: Option<&Secret>) -> Result<AuthHeader> {
        let _guard = self.refresh_lock.lock().await;
        let current = self.state.read().await.clone();
        let session = match current {
            None => return Err(Error::not_signed_in()),
            Some(Credential::ApiKey(_)) => {
                return Err(Error::new(
                    ErrorKind::Auth,
                    "the API key was rejected: it may be revoked or expired; create a new key",
                )
                .with_code("AUTH_REQUIRED"))
            }
            Some(Credential::Session(s)) => s,
        };
        if seen != Some(&session.access_token) && self.is_fresh(&session) {
            // Someone refreshed while we waited for the lock.
            return AuthHeader::bearer(&session);
        }
        tracing::debug!("refreshing the access token");
        let req = Request::post("auth/refresh").json(&RefreshRequest {
            refresh_token: session.refresh_token.expose().to_owned(),
        })?;
        let resp = transport.send(&req, None).await?;
        if resp.status.as_u16() == 401 || resp.status.as_u16() == 403 {
            let err = resp.into_error();
            self.clear().await?;
            return Err(Error::new(
                ErrorKind::Auth,
                format!(
                    "the session expired and could not be refreshed ({}); sign in again",
                    err.message()
                ),
            )
            .with_status(err.status().unwrap_or(401))
            .with_code(err.error_code().unwrap_or("AUTH_REQUIRED"))
            .with_request_id(err.request_id().map(str::to_owned)));
        }
        let fresh: AuthSession = resp.into_data()?;
        // Rotation: the new refresh token is persisted before the new access token is used.
        let stored = self.set_session(&fresh).await?;
        AuthHeader::bearer(&stored)
    }
}

/// Runs token-store work on a blocking thread (the keychain may block on D-Bus or a prompt).
async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        Error::new(ErrorKind::TokenStore, "the token store task failed").with_source(e)
    })?
}
