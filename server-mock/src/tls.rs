//! TLS for the server's outbound connections (webhook deliveries, the Gemini API, a remote
//! PostgreSQL): rustls with the `ring` provider, trusting the OS store (which honours
//! `SSL_CERT_FILE` and `SSL_CERT_DIR`) and Mozilla's roots.
//!
//! reqwest 0.13 is built without a crypto provider of its own (it would build aws-lc); every
//! `reqwest::Client` of the server, and of its tests, starts from [`client_builder`].

use std::sync::Arc;

use anyhow::Context;
use rustls::{ClientConfig, RootCertStore};

/// A `reqwest` client builder with the server's TLS configuration: TLS 1.2 and 1.3, HTTP/2 or
/// HTTP/1.1 by ALPN, certificates checked against the OS store and Mozilla's roots.
///
/// # Errors
///
/// The TLS configuration cannot be built.
pub fn client_builder() -> anyhow::Result<reqwest::ClientBuilder> {
    let mut config = client_config()?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(reqwest::Client::builder().tls_backend_preconfigured(config))
}

/// The server's TLS client configuration: TLS 1.2 and 1.3, certificates and host names checked
/// against the OS store and Mozilla's roots.
///
/// # Errors
///
/// The configuration cannot be built.
pub fn client_config() -> anyhow::Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // An unreadable or partly invalid OS store leaves Mozilla's roots.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("setting up TLS for outbound connections")?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
