//! Loopback stand-ins for an office network: a forward proxy that records what went through it,
//! and a TLS server whose certificate is signed by a CA generated for the test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

/// Reads an HTTP request head (up to the blank line). `None` when the peer closed first.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

/// Writes a `200` with the health envelope and closes.
async fn answer_health<S: AsyncWrite + Unpin>(stream: &mut S, answered_by: &str) {
    let body = serde_json::json!({"success": true, "data": super::health_json()}).to_string();
    let resp = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-request-id: {answered_by}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A forward proxy on 127.0.0.1. `CONNECT` to a loopback port is tunnelled; a plain
/// absolute-form request is answered by the proxy itself with the health envelope (its target
/// host need not exist). Each request line is recorded.
pub struct RecordingProxy {
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(Self::serve(conn, log.clone()));
            }
        });
        Self { url, seen }
    }

    /// The request lines that reached the proxy, e.g. `CONNECT localhost:4431 HTTP/1.1`.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    async fn serve(mut conn: TcpStream, log: Arc<Mutex<Vec<String>>>) {
        let Some(head) = read_head(&mut conn).await else {
            return;
        };
        let line = head.lines().next().unwrap_or_default().to_owned();
        log.lock().unwrap().push(line.clone());
        let mut parts = line.split(' ');
        if parts.next() != Some("CONNECT") {
            answer_health(&mut conn, "proxy").await;
            return;
        }
        // Tunnel only to this machine: the tests never send traffic anywhere else.
        let target = parts.next().unwrap_or_default();
        let port = target.rsplit(':').next().unwrap_or_default();
        let host = target.trim_end_matches(port).trim_end_matches(':');
        if !matches!(host, "localhost" | "127.0.0.1") {
            let _ = conn.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").await;
            return;
        }
        let Ok(mut upstream) = TcpStream::connect(format!("127.0.0.1:{port}")).await else {
            let _ = conn.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
            return;
        };
        if conn
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await
            .is_ok()
        {
            let _ = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await;
        }
    }
}

/// An HTTPS server on 127.0.0.1 answering every request with the health envelope. Its
/// certificate (for `localhost` and `127.0.0.1`) is signed by a CA made for this server alone,
/// which no trust store holds.
pub struct TlsServer {
    pub port: u16,
    /// The generated CA's certificate, PEM.
    pub ca_pem: String,
    answered: Arc<AtomicUsize>,
}

impl TlsServer {
    pub async fn start() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Renderiq test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&leaf_key, &ca, &ca_key)
            .unwrap();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let answered = Arc::new(AtomicUsize::new(0));
        let count = answered.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let count = count.clone();
                tokio::spawn(async move {
                    // A client that does not trust the CA aborts the handshake here.
                    let Ok(mut tls) = acceptor.accept(conn).await else {
                        return;
                    };
                    if read_head(&mut tls).await.is_some() {
                        count.fetch_add(1, Ordering::SeqCst);
                        answer_health(&mut tls, "tls-server").await;
                    }
                });
            }
        });
        Self {
            port,
            ca_pem: ca.pem(),
            answered,
        }
    }

    /// `https://localhost:PORT`.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// Requests answered over a completed handshake.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}
