//! Loopback fault injection between an HTTP client and the reference server: HTTP/1.1 message
//! framing shared by the proxies of the tests (`sdk_retries.rs` rewrites and drops replies), and
//! [`FaultProxy`], which drops a reply after the server acted, resets the connection midway
//! through an upload, or stalls (reads the request, never answers).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The head of an HTTP/1.1 message: start line and headers.
pub struct Head {
    /// The start line.
    pub start: String,
    /// The headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Length of the head, with its empty line.
    pub len: usize,
}

impl Head {
    /// Parses the head at the start of `message`.
    pub fn parse(message: &[u8]) -> Self {
        let len = find(message, b"\r\n\r\n").expect("a complete head") + 4;
        let text = String::from_utf8_lossy(&message[..len - 4]).into_owned();
        let mut lines = text.split("\r\n");
        let start = lines.next().unwrap_or_default().to_owned();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Self {
            start,
            headers,
            len,
        }
    }

    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Replaces every value of header `name` (lower-case).
    pub fn set_header(&mut self, name: &str, value: &str) {
        for (k, v) in &mut self.headers {
            if k == name {
                *v = value.to_owned();
            }
        }
    }

    /// This head followed by the body of `message`.
    pub fn with_body(&self, message: &[u8]) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.start).into_bytes();
        for (k, v) in &self.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&message[self.len..]);
        out
    }
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Length of the complete message at the start of `buf` (Content-Length or chunked), if all of
/// it is there.
pub fn complete_length(buf: &[u8], no_body: bool) -> Option<usize> {
    let head_end = find(buf, b"\r\n\r\n")? + 4;
    if no_body {
        return Some(head_end);
    }
    let head = Head::parse(buf);
    if head
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        let mut at = head_end;
        loop {
            let line_end = at + find(&buf[at..], b"\r\n")?;
            let size_text = String::from_utf8_lossy(&buf[at..line_end]);
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = line_end + 2;
            if size == 0 {
                // Optional trailers, then an empty line.
                return if buf.get(at..at + 2)? == b"\r\n" {
                    Some(at + 2)
                } else {
                    Some(at + find(&buf[at..], b"\r\n\r\n")? + 4)
                };
            }
            at += size + 2;
            if buf.len() < at {
                return None;
            }
        }
    }
    let body: usize = head
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (buf.len() >= head_end + body).then_some(head_end + body)
}

/// Reads one message from `stream`; bytes after it stay in `pending`. `None` at end of stream.
pub async fn read_message(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    no_body: bool,
) -> Option<Vec<u8>> {
    loop {
        if let Some(len) = complete_length(pending, no_body) {
            let rest = pending.split_off(len);
            return Some(std::mem::replace(pending, rest));
        }
        let mut chunk = [0u8; 16 * 1024];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
        }
    }
}

/// What a [`FaultProxy`] does to the requests its rule matches; other requests pass unchanged.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Forward the request and read the server's whole reply, then close the client's
    /// connection without passing the reply on: the server has acted, the client never hears.
    DropReply,
    /// Forward the head and the first `n` body bytes, then reset both connections (RST): an
    /// upload cut midway.
    ResetAfterBodyBytes(usize),
    /// Read the request and never answer (the connection stays open).
    Stall,
}

/// A loopback HTTP/1.1 proxy in front of `upstream` that applies a [`Fault`] to the first
/// `times` requests whose method and path match, and counts them.
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    faulted: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// Starts the proxy: `fault` on the first `times` requests `method path` (path without the
    /// query), for example `("POST", "/api/plugins/renders")`.
    pub async fn start(
        upstream: SocketAddr,
        method: &'static str,
        path: &'static str,
        fault: Fault,
        times: usize,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let faulted = Arc::new(AtomicUsize::new(0));
        let counter = faulted.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let rule = Rule {
                        method,
                        path,
                        fault,
                        times,
                        faulted: counter,
                    };
                    rule.serve(client, upstream).await;
                });
            }
        });
        Self { url, faulted }
    }

    /// How many requests the fault was applied to.
    pub fn faulted(&self) -> usize {
        self.faulted.load(Ordering::SeqCst)
    }
}

struct Rule {
    method: &'static str,
    path: &'static str,
    fault: Fault,
    times: usize,
    faulted: Arc<AtomicUsize>,
}

impl Rule {
    /// Takes one of the rule's remaining faults when the request matches.
    fn applies(&self, head: &Head) -> bool {
        let mut parts = head.start.split(' ');
        let (method, target) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        let path = target.split('?').next().unwrap_or_default();
        method == self.method
            && path == self.path
            && self
                .faulted
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < self.times).then_some(n + 1)
                })
                .is_ok()
    }

    async fn serve(&self, mut client: TcpStream, upstream: SocketAddr) {
        let mut pending = Vec::new();
        loop {
            // The head first: a cut upload is decided before its body is read.
            while find(&pending, b"\r\n\r\n").is_none() {
                let mut chunk = [0u8; 16 * 1024];
                match client.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => pending.extend_from_slice(&chunk[..n]),
                }
            }
            let head = Head::parse(&pending);
            let fault = self.applies(&head).then_some(self.fault);
            let mut server = TcpStream::connect(upstream).await.unwrap();
            if let Some(Fault::ResetAfterBodyBytes(n)) = fault {
                while pending.len() < head.len + n {
                    let mut chunk = [0u8; 16 * 1024];
                    match client.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(read) => pending.extend_from_slice(&chunk[..read]),
                    }
                }
                let cut = pending.len().min(head.len + n);
                let _ = server.write_all(&pending[..cut]).await;
                for stream in [&client, &server] {
                    stream.set_zero_linger().unwrap();
                }
                return; // both dropped: RST to each side
            }
            let Some(request) = read_message(&mut client, &mut pending, false).await else {
                return;
            };
            if let Some(Fault::Stall) = fault {
                // Keep the connection open and silent until the client gives up.
                let mut sink = [0u8; 1024];
                while matches!(client.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
            server.write_all(&request).await.unwrap();
            let no_body = head.start.starts_with("HEAD ");
            let Some(response) = read_message(&mut server, &mut Vec::new(), no_body).await else {
                return;
            };
            if let Some(Fault::DropReply) = fault {
                return;
            }
            if client.write_all(&response).await.is_err() {
                return;
            }
        }
    }
}
