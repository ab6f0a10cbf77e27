//! TLS for the HTTP client: rustls with the `ring` provider, trusting the OS store, Mozilla's
//! roots and any extra roots the caller adds.
//!
//! reqwest 0.13 would otherwise build aws-lc (a slow C build) and trust the OS store only; an
//! explicit configuration keeps Mozilla's roots as the fallback on a machine whose store is
//! empty or unreadable, and leaves the process-wide rustls provider alone.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::error::{Error, Result};

/// Parses every certificate of a PEM bundle. An error, or no certificate at all, is reported.
pub(crate) fn parse_pem_bundle(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::config("the extra root certificate is not valid PEM").with_source(e))?;
    if certs.is_empty() {
        return Err(Error::config(
            "the extra root certificate is not PEM: expected -----BEGIN CERTIFICATE-----",
        ));
    }
    Ok(certs)
}

/// The client configuration: TLS 1.2 and 1.3, HTTP/2 or HTTP/1.1 by ALPN, server certificates
/// checked against the OS store, Mozilla's roots and `extra_roots`.
pub(crate) fn client_config(extra_roots: Vec<CertificateDer<'static>>) -> Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // An unreadable or partly invalid OS store leaves Mozilla's roots, as with reqwest 0.12.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    for cert in extra_roots {
        roots.add(cert).map_err(|e| {
            Error::config("the extra root certificate is not usable").with_source(e)
        })?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config("could not set up TLS").with_source(e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
