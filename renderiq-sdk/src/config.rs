//! Building a [`Client`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::token_store::{MemoryStore, TokenStore};

/// The most retries a client may be configured with: each waits up to 8 s (more when the
/// server asks), so more would hold a plugin's button for minutes.
pub const MAX_RETRIES: u32 = 10;
use crate::types::{headers, Platform};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://renderiq.io";

/// Configures and builds a [`Client`]. Created by [`Client::builder`].
///
/// A bad value (say, a malformed base URL) is kept and reported by [`build`](Self::build).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use renderiq_sdk::{Client, Platform};
/// use renderiq_sdk::token_store::MemoryStore;
///
/// let client = Client::builder()
///     .base_url("http://127.0.0.1:8787")
///     .platform(Platform::Sketchup)
///     .plugin("renderiq-sketchup", "2.1.0")
///     .timeout(Duration::from_secs(30))
///     .token_store(MemoryStore::new())
///     .build()
///     .unwrap();
/// # drop(client);
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    platform: Platform,
    plugin_name: String,
    plugin_version: String,
    sdk_language: String,
    sdk_language_version: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    token_store: Option<Arc<dyn TokenStore>>,
    api_key: Option<Secret>,
    root_certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    proxy: Option<reqwest::Proxy>,
    no_proxy: bool,
    allow_insecure_http: bool,
    refresh_margin: Duration,
    error: Option<Error>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("platform", &self.platform)
            .field("plugin_name", &self.plugin_name)
            .field("plugin_version", &self.plugin_version)
            .field("sdk_language", &self.sdk_language)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("token_store", &self.token_store)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            platform: Platform::Other,
            plugin_name: "unknown".to_owned(),
            plugin_version: "0.0.0".to_owned(),
            sdk_language: "rust".to_owned(),
            sdk_language_version: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            token_store: None,
            api_key: None,
            root_certs: Vec::new(),
            proxy: None,
            no_proxy: false,
            allow_insecure_http: false,
            refresh_margin: Duration::from_secs(60),
            error: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    fn fail(mut self, e: Error) -> Self {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self
    }

    /// Server to talk to, e.g. `http://127.0.0.1:8787` for the reference server. A path prefix
    /// is kept. Default is `https://renderiq.io`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Host application, sent with every request. Default is [`Platform::Other`].
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }

    /// Plugin name and version, sent with every request. Default is `unknown` / `0.0.0`.
    pub fn plugin(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.plugin_name = name.into();
        self.plugin_version = version.into();
        self
    }

    /// Language binding in use (`python`, `ruby`, `csharp`, `c`) and its runtime version; set by
    /// the bindings. Default is `rust`.
    pub fn sdk_language(mut self, language: impl Into<String>, version: Option<String>) -> Self {
        self.sdk_language = language.into();
        self.sdk_language_version = version;
        self
    }

    /// Timeout of one request (long-polls add their wait to it). Default is 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection. Default is 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retry policy. Default is [`RetryPolicy::default`]: 2 retries from 500 ms, doubling.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Where the session is saved. Default is the OS keychain (feature `keychain`, entry per
    /// base URL), else an in-memory store. When the machine has no keychain service (a headless
    /// Linux box), the default keeps the session in memory and logs one warning; pass an
    /// [`EncryptedFileStore`](crate::token_store::EncryptedFileStore) to keep it there.
    pub fn token_store(mut self, store: impl TokenStore + 'static) -> Self {
        self.token_store = Some(Arc::new(store));
        self
    }

    /// Like [`token_store`](Self::token_store) for a store that is already shared.
    pub fn shared_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Authenticate with an API key instead of signing in. Default is none.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Secret::new(key.into()));
        self
    }

    /// Trust an extra root certificate (PEM), e.g. the TLS-inspecting proxy of an office.
    /// Default is the OS trust store plus Mozilla's roots.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        match crate::tls::parse_pem_bundle(pem) {
            Ok(certs) => self.root_certs.extend(certs),
            Err(e) => self = self.fail(e),
        }
        self
    }

    /// Send every request through this proxy (`http://proxy:3128`). Default is the
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` environment.
    pub fn proxy(mut self, url: &str) -> Self {
        match reqwest::Proxy::all(url) {
            Ok(p) => self.proxy = Some(p),
            Err(e) => {
                self = self.fail(Error::config(format!("invalid proxy URL {url:?}")).with_source(e))
            }
        }
        self
    }

    /// Ignore proxy settings from the environment. Default is to honour them.
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Allow a plain `http://` base URL on a host that is not this machine (a server on the
    /// office network during development). Default is to refuse it: tokens and passwords would
    /// cross the network in clear text. Loopback (`127.0.0.1`, `[::1]`, `localhost`) is always
    /// allowed; the environment variable `RENDERIQ_ALLOW_INSECURE_HTTP=1` allows it too.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// Refresh the access token this long before it expires. Default is 60 s.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The value rules of every setting, in one place for every language: a binding passes
    /// what its caller gave and reports the error this returns.
    fn check_values(&self) -> Result<()> {
        for (name, value) in [
            ("timeout", self.timeout),
            ("connect timeout", self.connect_timeout),
        ] {
            if value.is_zero() {
                return Err(Error::config(format!(
                    "the {name} must be at least 1 millisecond: leave it out for the default"
                )));
            }
        }
        if self.retry.max_retries > MAX_RETRIES {
            return Err(Error::config(format!(
                "max retries must be 0 to {MAX_RETRIES}, not {}: leave it out for the default (2)",
                self.retry.max_retries
            )));
        }
        for (name, value) in [
            ("plugin name", &self.plugin_name),
            ("plugin version", &self.plugin_version),
            ("SDK language", &self.sdk_language),
        ] {
            if value.trim().is_empty() {
                return Err(Error::config(format!(
                    "the {name} must not be blank: it is sent with every request (e.g. \"my-plugin\" / \"1.0.0\")"
                )));
            }
        }
        Ok(())
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for a malformed base URL, certificate or
    /// proxy, a value that cannot be sent as an HTTP header, a zero timeout, more than
    /// [`MAX_RETRIES`] retries, or a blank plugin name or version.
    pub fn build(self) -> Result<Client> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.check_values()?;
        let allow_http = self.allow_insecure_http
            || std::env::var(ALLOW_INSECURE_HTTP_ENV).is_ok_and(|v| v == "1" || v == "true");
        let base_url = parse_base_url(&self.base_url, allow_http)?;
        let user_agent = format!(
            "renderiq-sdk-{}/{} ({}; {}/{})",
            self.sdk_language,
            crate::VERSION,
            self.platform,
            self.plugin_name,
            self.plugin_version
        );
        let mut default_headers = HeaderMap::new();
        let language = match &self.sdk_language_version {
            Some(v) => format!("{} {}", self.sdk_language, v),
            None => self.sdk_language.clone(),
        };
        for (name, value) in [
            (headers::PLATFORM, self.platform.as_str()),
            (headers::PLUGIN_NAME, self.plugin_name.as_str()),
            (headers::PLUGIN_VERSION, self.plugin_version.as_str()),
            (headers::SDK_VERSION, crate::VERSION),
            (headers::SDK_LANGUAGE, language.as_str()),
        ] {
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::config(format!(
                    "{name} value {value:?} is not a valid header value"
                ))
            })?;
            default_headers.insert(HeaderName::from_static(name), value);
        }
        let mut http = reqwest::Client::builder()
            .user_agent(user_agent)
            .default_headers(default_headers)
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(redirect_policy())
            .tls_backend_preconfigured(crate::tls::client_config(self.root_certs)?);
        if self.no_proxy {
            http = http.no_proxy();
        }
        if let Some(p) = self.proxy {
            http = http.proxy(p);
        }
        let http = http
            .build()
            .map_err(|e| Error::config("could not set up the HTTP client").with_source(e))?;
        let store = match self.token_store {
            Some(s) => s,
            None => default_store(&base_url),
        };
        Ok(Client::from_parts(crate::client::Parts {
            http,
            base_url,
            timeout: self.timeout,
            retry: self.retry,
            store,
            api_key: self.api_key,
            refresh_margin: self.refresh_margin,
        }))
    }
}

/// The environment variable that allows a plain `http://` base URL on another host.
pub const ALLOW_INSECURE_HTTP_ENV: &str = "RENDERIQ_ALLOW_INSECURE_HTTP";

/// Redirects stay on their origin when they would re-send the request's body (307, 308), and
/// at most five are followed: a sign-in or refresh body never reaches another server. Other
/// redirects (to a CDN's storage) are followed; reqwest drops `Authorization` on a new host.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        let keeps_body = matches!(attempt.status().as_u16(), 307 | 308);
        if attempt.previous().len() > 5 {
            attempt.error("more than 5 redirects")
        } else if keeps_body && !same_origin {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn parse_base_url(raw: &str, allow_http: bool) -> Result<Url> {
    let mut url = Url::parse(raw.trim()).map_err(|e| {
        Error::config(format!(
            "invalid base URL {raw:?}: {e}; use a full URL such as http://127.0.0.1:8787"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "invalid base URL {raw:?}: the scheme must be http or https"
        )));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::config(format!(
            "invalid base URL {raw:?}: it has no host"
        )));
    }
    if url.scheme() == "http" && !allow_http && !is_loopback(&url) {
        return Err(Error::config(format!(
            "refusing the plain-http base URL {raw:?}: passwords and tokens would cross the \
             network unencrypted; use https, or allow it for development with \
             {ALLOW_INSECURE_HTTP_ENV}=1 (ClientBuilder::allow_insecure_http, \"allowInsecureHttp\")"
        )));
    }
    // Keep a path prefix, normalised to end without a slash.
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// The OS keychain entry for this server; on a machine with no keychain service, memory (with
/// one warning naming the way to keep the session: an `EncryptedFileStore`).
#[cfg(feature = "keychain")]
fn default_store(base: &Url) -> Arc<dyn TokenStore> {
    Arc::new(crate::token_store::MemoryFallback::new(
        crate::token_store::KeychainStore::default_for(base.as_str()),
    ))
}

#[cfg(not(feature = "keychain"))]
fn default_store(_base: &Url) -> Arc<dyn TokenStore> {
    Arc::new(MemoryStore::new())
}

/// A client configuration as plain data, for the language bindings: the C ABI's config JSON, a
/// Python `dict` or a Ruby `Hash` all deserialize into it, so every binding accepts the same
/// settings with the same names and the same errors.
///
/// Field names are camelCase in JSON; every field is optional and defaults as in
/// [`ClientBuilder`]. Unknown fields are rejected, so a misspelt setting is reported instead of
/// silently ignored.
///
/// | JSON field | meaning | default |
/// |---|---|---|
/// | `baseUrl` | server URL | `https://renderiq.io` |
/// | `platform` | `sketchup`, `revit`, `autocad`, `rhino`, `archicad`, `blender`, `other` | `other` |
/// | `pluginName`, `pluginVersion` | the plugin, sent with every request | `unknown`, `0.0.0` |
/// | `sdkLanguage`, `sdkLanguageVersion` | the binding (`c`, `csharp`, `python`, `ruby`) | `rust` |
/// | `timeoutMs`, `connectTimeoutMs` | per-request and connect timeouts | 60000, 10000 |
/// | `maxRetries` | retries of transient failures | 2 |
/// | `apiKey` | authenticate with an API key | none |
/// | `tokenStore` | `"keychain"`, `"memory"` or `{"file": path, "passphrase": "…"}` | `"keychain"` |
/// | `rootCertificatePem` | an extra trusted root certificate (PEM text) | none |
/// | `proxy` | proxy URL for every request | the `HTTPS_PROXY` environment |
/// | `noProxy` | `true` to ignore proxy environment variables | `false` |
/// | `allowInsecureHttp` | `true` to allow `http://` to a host other than this machine | `false` (or `RENDERIQ_ALLOW_INSECURE_HTTP=1`) |
///
/// # Examples
///
/// ```
/// use renderiq_sdk::config::ClientConfig;
///
/// # fn main() -> renderiq_sdk::Result<()> {
/// let config = ClientConfig::from_json(
///     r#"{"baseUrl": "http://127.0.0.1:8787", "platform": "archicad", "tokenStore": "memory"}"#,
/// )?;
/// let client = config.into_builder()?.build()?;
/// assert_eq!(client.base_url().as_str(), "http://127.0.0.1:8787/");
///
/// let err = ClientConfig::from_json(r#"{"baseURL": "http://x"}"#).unwrap_err();
/// assert_eq!(err.kind(), renderiq_sdk::ErrorKind::Config);
/// # Ok(()) }
/// ```
#[derive(Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Server URL. See [`ClientBuilder::base_url`].
    pub base_url: Option<String>,
    /// Host application. See [`ClientBuilder::platform`]. Unlike a server's answer, where an
    /// unknown name reads as `other`, a configuration must name one this SDK knows.
    #[serde(default, deserialize_with = "known_platform")]
    pub platform: Option<Platform>,
    /// Plugin name. See [`ClientBuilder::plugin`].
    pub plugin_name: Option<String>,
    /// Plugin version. See [`ClientBuilder::plugin`].
    pub plugin_version: Option<String>,
    /// Binding language. See [`ClientBuilder::sdk_language`].
    pub sdk_language: Option<String>,
    /// Binding runtime version. See [`ClientBuilder::sdk_language`].
    pub sdk_language_version: Option<String>,
    /// Per-request timeout in milliseconds. See [`ClientBuilder::timeout`].
    pub timeout_ms: Option<u64>,
    /// Connect timeout in milliseconds. See [`ClientBuilder::connect_timeout`].
    pub connect_timeout_ms: Option<u64>,
    /// Retries of transient failures. See [`RetryPolicy::max_retries`].
    pub max_retries: Option<u32>,
    /// API key. See [`ClientBuilder::api_key`].
    pub api_key: Option<Secret>,
    /// Where the session is kept. See [`ClientBuilder::token_store`].
    pub token_store: Option<TokenStoreConfig>,
    /// Extra root certificate, PEM text. See [`ClientBuilder::add_root_certificate_pem`].
    pub root_certificate_pem: Option<String>,
    /// Proxy URL. See [`ClientBuilder::proxy`].
    pub proxy: Option<String>,
    /// Ignore proxy environment variables. See [`ClientBuilder::no_proxy`].
    pub no_proxy: Option<bool>,
    /// Allow `http://` to another host. See [`ClientBuilder::allow_insecure_http`].
    pub allow_insecure_http: Option<bool>,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("platform", &self.platform)
            .field("plugin_name", &self.plugin_name)
            .field("plugin_version", &self.plugin_version)
            .field("sdk_language", &self.sdk_language)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_retries", &self.max_retries)
            .field("api_key", &self.api_key)
            .field("token_store", &self.token_store)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// Which token store a [`ClientConfig`] asks for: JSON `"keychain"`, `"memory"`, or
/// `{"file": "/path/session.rqts", "passphrase": "…"}` for an
/// [`EncryptedFileStore`](crate::token_store::EncryptedFileStore).
#[derive(Clone, serde::Deserialize)]
#[serde(try_from = "serde_json::Value")]
#[non_exhaustive]
pub enum TokenStoreConfig {
    /// The OS keychain (feature `keychain`).
    Keychain,
    /// In memory only.
    Memory,
    /// An encrypted file sealed with a key derived from a passphrase.
    File {
        /// The file.
        path: std::path::PathBuf,
        /// The passphrase the key is derived from.
        passphrase: Secret,
    },
}

impl fmt::Debug for TokenStoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keychain => f.write_str("Keychain"),
            Self::Memory => f.write_str("Memory"),
            Self::File { path, passphrase } => f
                .debug_struct("File")
                .field("path", path)
                .field("passphrase", passphrase)
                .finish(),
        }
    }
}

impl TryFrom<serde_json::Value> for TokenStoreConfig {
    type Error = String;

    fn try_from(v: serde_json::Value) -> std::result::Result<Self, String> {
        const HELP: &str =
            r#"use "keychain", "memory" or {"file": "/path/session.rqts", "passphrase": "…"}"#;
        match v {
            serde_json::Value::String(s) => match s.as_str() {
                "keychain" => Ok(Self::Keychain),
                "memory" => Ok(Self::Memory),
                other => Err(format!("unknown token store {other:?}: {HELP}")),
            },
            serde_json::Value::Object(map) => {
                if let Some(k) = map.keys().find(|k| *k != "file" && *k != "passphrase") {
                    return Err(format!("unknown token store field {k:?}: {HELP}"));
                }
                let path = map.get("file").and_then(|v| v.as_str());
                let passphrase = map.get("passphrase").and_then(|v| v.as_str());
                match (path, passphrase) {
                    (Some(p), Some(pw)) if !p.is_empty() && !pw.is_empty() => Ok(Self::File {
                        path: p.into(),
                        passphrase: Secret::new(pw),
                    }),
                    _ => Err(format!(
                        "a file token store needs a non-empty \"file\" and \"passphrase\": {HELP}"
                    )),
                }
            }
            _ => Err(format!(
                "the token store must be a string or an object: {HELP}"
            )),
        }
    }
}

/// A platform name this SDK knows (any case), for [`ClientConfig::platform`].
fn known_platform<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Platform>, D::Error> {
    let name = <Option<String> as serde::Deserialize>::deserialize(d)?;
    name.map(|n| n.parse().map_err(serde::de::Error::custom))
        .transpose()
}

impl ClientConfig {
    /// Parses a configuration from JSON text.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for text that is not a JSON object, an
    /// unknown field or a value of the wrong type; the message names the field and its line
    /// and column.
    pub fn from_json(json: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let e = e.into_inner();
            if field == "." {
                Error::config(format!("invalid client configuration JSON: {e}"))
            } else {
                Error::config(format!(
                    "invalid client configuration: `{field}` is not valid: {e}"
                ))
            }
        })
    }

    /// A [`ClientBuilder`] with these settings applied.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when the keychain store is asked for
    /// but the crate was built without the `keychain` feature. Bad values (a malformed URL,
    /// PEM or proxy) are reported by [`ClientBuilder::build`].
    pub fn into_builder(self) -> Result<ClientBuilder> {
        let mut b = ClientBuilder::new();
        if let Some(url) = self.base_url {
            b = b.base_url(url);
        }
        if let Some(p) = self.platform {
            b = b.platform(p);
        }
        if self.plugin_name.is_some() || self.plugin_version.is_some() {
            b = b.plugin(
                self.plugin_name.unwrap_or_else(|| "unknown".to_owned()),
                self.plugin_version.unwrap_or_else(|| "0.0.0".to_owned()),
            );
        }
        if let Some(lang) = self.sdk_language {
            b = b.sdk_language(lang, self.sdk_language_version);
        }
        if let Some(ms) = self.timeout_ms {
            b = b.timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = self.connect_timeout_ms {
            b = b.connect_timeout(Duration::from_millis(ms));
        }
        if let Some(n) = self.max_retries {
            b = b.retry_policy(RetryPolicy::default().max_retries(n));
        }
        if let Some(key) = self.api_key {
            b = b.api_key(key.expose());
        }
        match self.token_store {
            None => {}
            Some(TokenStoreConfig::Memory) => b = b.token_store(MemoryStore::new()),
            Some(TokenStoreConfig::File { path, passphrase }) => {
                b = b.token_store(crate::token_store::EncryptedFileStore::with_passphrase(
                    path,
                    passphrase.expose(),
                ))
            }
            #[cfg(feature = "keychain")]
            Some(TokenStoreConfig::Keychain) => {}
            #[cfg(not(feature = "keychain"))]
            Some(TokenStoreConfig::Keychain) => {
                return Err(Error::config(
                    "the keychain token store is not available: this build has no `keychain` \
                     feature; use \"memory\" or a file store",
                ))
            }
        }
        if let Some(pem) = self.root_certificate_pem {
            b = b.add_root_certificate_pem(pem.as_bytes());
        }
        if let Some(proxy) = self.proxy {
            b = b.proxy(&proxy);
        }
        if self.no_proxy == Some(true) {
            b = b.no_proxy();
        }
        if self.allow_insecure_http == Some(true) {
            b = b.allow_insecure_http();
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn malformed_base_url_is_reported_by_build() {
        let err = ClientBuilder::new()
            .base_url("not a url")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("invalid base URL"), "{err}");
        let err = ClientBuilder::new()
            .base_url("ftp://x")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("http or https"), "{err}");
    }

    #[test]
    fn bad_pem_is_reported_by_build() {
        let err = ClientBuilder::new()
            .token_store(MemoryStore::new())
            .add_root_certificate_pem(b"nope")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn plain_http_is_for_this_machine_unless_allowed() {
        for ok in [
            "http://127.0.0.1:8787",
            "http://localhost:1",
            "http://[::1]:2",
            "https://x.io",
        ] {
            assert!(parse_base_url(ok, false).is_ok(), "{ok}");
        }
        let err = parse_base_url("http://10.0.0.5:8787", false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains(ALLOW_INSECURE_HTTP_ENV), "{err}");
        assert!(parse_base_url("http://10.0.0.5:8787", true).is_ok());
        let built = ClientBuilder::new()
            .base_url("http://renderiq.lan")
            .allow_insecure_http()
            .token_store(MemoryStore::new())
            .build();
        assert!(built.is_ok(), "{built:?}");
        let c = ClientConfig::from_json(
            r#"{"baseUrl": "http://h.lan", "allowInsecureHttp": true, "tokenStore": "memory"}"#,
        )
        .and_then(|c| c.into_builder()?.build());
        assert!(c.is_ok(), "{c:?}");
    }

    #[test]
    fn base_url_path_prefix_is_kept_without_trailing_slash() {
        let u = parse_base_url("https://example.com/proxy/", false).unwrap();
        assert_eq!(u.as_str(), "https://example.com/proxy");
    }

    #[test]
    fn client_config_parses_every_token_store_form() {
        let c = ClientConfig::from_json(r#"{"tokenStore": "memory", "maxRetries": 0}"#).unwrap();
        assert!(matches!(c.token_store, Some(TokenStoreConfig::Memory)));
        let c = ClientConfig::from_json(
            r#"{"tokenStore": {"file": "/tmp/s.rqts", "passphrase": "hunter2"}}"#,
        )
        .unwrap();
        assert!(matches!(c.token_store, Some(TokenStoreConfig::File { .. })));
        assert!(!format!("{c:?}").contains("hunter2"));
        for bad in [
            r#"{"tokenStore": "disk"}"#,
            r#"{"tokenStore": {"file": "x"}}"#,
            r#"{"tokenStore": 3}"#,
        ] {
            let err = ClientConfig::from_json(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
            assert!(err.to_string().contains("token store"), "{err}");
        }
    }

    #[test]
    fn value_rules_are_config_errors_that_say_what_to_do() {
        let with = |b: ClientBuilder| b.token_store(MemoryStore::new()).build().unwrap_err();
        for (err, says) in [
            (
                with(ClientBuilder::new().timeout(Duration::ZERO)),
                "timeout",
            ),
            (
                with(ClientBuilder::new().connect_timeout(Duration::ZERO)),
                "connect timeout",
            ),
            (with(ClientBuilder::new().plugin(" ", "1.0")), "plugin name"),
            (with(ClientBuilder::new().plugin("p", "")), "plugin version"),
            (
                with(ClientBuilder::new().retry_policy(RetryPolicy::default().max_retries(11))),
                "0 to 10",
            ),
        ] {
            assert_eq!(err.kind(), ErrorKind::Config, "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
        let ok = ClientBuilder::new()
            .retry_policy(RetryPolicy::default().max_retries(MAX_RETRIES))
            .timeout(Duration::from_millis(1))
            .token_store(MemoryStore::new())
            .build();
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn client_config_names_the_refused_field_and_knows_its_platforms() {
        let err =
            ClientConfig::from_json(r#"{"platform": "revit", "timeoutMs": "soon"}"#).unwrap_err();
        assert!(err.to_string().contains("`timeoutMs`"), "{err}");
        let err = ClientConfig::from_json(r#"{"platform": "revitt"}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("`platform`"), "{err}");
        assert!(err.to_string().contains("archicad"), "{err}");
        let c = ClientConfig::from_json(r#"{"platform": "Revit"}"#).unwrap();
        assert_eq!(c.platform, Some(Platform::Revit));
        let c = ClientConfig::from_json(r#"{"platform": null}"#).unwrap();
        assert_eq!(c.platform, None);
        let err = ClientConfig::from_json(r#"{"timeoutMs": 0, "tokenStore": "memory"}"#)
            .and_then(|c| c.into_builder()?.build())
            .unwrap_err();
        assert!(err.to_string().contains("at least 1 millisecond"), "{err}");
    }

    #[test]
    fn client_config_rejects_unknown_fields_and_hides_secrets() {
        let err = ClientConfig::from_json(r#"{"baseURL": "http://x"}"#).unwrap_err();
        assert!(err.to_string().contains("baseURL"), "{err}");
        let c = ClientConfig::from_json(r#"{"apiKey": "rq_live_topsecret"}"#).unwrap();
        assert!(!format!("{c:?}").contains("topsecret"));
        let err = ClientConfig::from_json(r#"{"apiKey": 5}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let built = ClientConfig::from_json(r#"{"baseUrl": "nope", "tokenStore": "memory"}"#)
            .unwrap()
            .into_builder()
            .unwrap()
            .build()
            .unwrap_err();
        assert!(built.to_string().contains("invalid base URL"), "{built}");
    }

    #[test]
    fn builder_debug_redacts_api_key() {
        let b = ClientBuilder::new().api_key("rq_live_secret");
        assert!(!format!("{b:?}").contains("rq_live_secret"));
    }
}
