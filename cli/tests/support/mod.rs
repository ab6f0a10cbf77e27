//! Helpers shared by the CLI's tests: the binary with a clean environment, a canned HTTP peer
//! for real SDK errors, and the reference server in-process.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

/// The bundled sample viewport screenshot.
pub fn sample_png() -> PathBuf {
    repo_root().join("examples/assets/sample-viewport.png")
}

/// The `renderiq` binary with every `RENDERIQ_*` variable removed and HOME pointed at `home`.
pub fn renderiq(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_renderiq"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RENDERIQ_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env("NO_PROXY", "127.0.0.1,localhost");
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("renderiq starts");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin)
        .expect("stdin written");
    child.wait_with_output().expect("renderiq ends")
}

/// Stdout parsed as the one JSON document `--json` promises.
pub fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Stderr parsed as the `{"error": …}` document of `--json`.
pub fn stderr_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stderr).unwrap_or_else(|e| {
        panic!(
            "stderr is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Exit code, with the output in the panic message when there is none.
pub fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {out:?}"))
}

/// Summary of an output for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// An HTTP peer on loopback that answers every request with the same response. Returns its
/// base URL; the thread lives as long as the test process.
pub fn canned_server(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let mut response = format!("HTTP/1.1 {status} Canned\r\ncontent-type: application/json\r\n");
    for (k, v) in headers {
        response.push_str(&format!("{k}: {v}\r\n"));
    }
    response.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}

/// A real SDK error: what `GET /credits` fails with when the server answers `status` + `body`.
pub fn sdk_error(status: u16, headers: &[(&str, &str)], body: &str) -> renderiq_sdk::Error {
    let url = canned_server(status, headers, body);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = renderiq_sdk::Client::builder()
            .base_url(url)
            .api_key("rq_test_key")
            .no_proxy()
            .retry_policy(renderiq_sdk::RetryPolicy::none())
            .build()
            .expect("client");
        client
            .credits()
            .await
            .expect_err("the canned answer is an error")
    })
}

/// The reference server running in this process, on a free port with a temporary data dir.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The data dir.
    pub dir: tempfile::TempDir,
    server: Option<renderiq_server::RunningServer>,
    rt: tokio::runtime::Runtime,
}

impl TestServer {
    /// Starts a server whose users are `(email, password, credits)`.
    pub fn start(users: &[(&str, &str, i64)]) -> Self {
        Self::start_with(users, |_| {})
    }

    /// [`TestServer::start`] with the configuration adjusted by `adjust`.
    pub fn start_with(
        users: &[(&str, &str, i64)],
        adjust: impl FnOnce(&mut renderiq_server::Config),
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for (email, password, credits) in users {
            renderiq_server::add_user(dir.path(), email, password, None, *credits)
                .expect("add user");
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let mut config = renderiq_server::Config::ephemeral(dir.path());
        config.render_delay_ms = 100;
        // The suites register webhooks on loopback.
        config.allow_private_webhooks = true;
        adjust(&mut config);
        let server = rt
            .block_on(renderiq_server::spawn(config))
            .expect("server starts");
        Self {
            base_url: server.base_url.clone(),
            dir,
            server: Some(server),
            rt,
        }
    }
}

impl TestServer {
    /// Stops the server without waiting for the render in hand to finish (a graceful stop
    /// would wait for it): for tests that leave a long render running.
    pub fn abandon(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown.cancel();
        }
    }
}

/// A loopback TCP forwarder to `upstream` (`host:port`) that keeps every byte the client sent,
/// so a test can see which requests were made and when.
pub struct Sniffer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    sent: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Sniffer {
    pub fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let sent: std::sync::Arc<std::sync::Mutex<Vec<u8>>> = Default::default();
        let (upstream, log) = (upstream.to_owned(), sent.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let (mut from_client, mut to_server) = (client.try_clone().unwrap(), server);
                let (mut from_server, mut to_client) = (to_server.try_clone().unwrap(), client);
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        match from_client.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                log.lock().unwrap().extend_from_slice(&buf[..n]);
                                if to_server.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = to_server.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_server, &mut to_client);
                    let _ = to_client.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Self { url, sent }
    }

    /// Whether the client has sent `needle` so far.
    pub fn saw(&self, needle: &str) -> bool {
        String::from_utf8_lossy(&self.sent.lock().unwrap()).contains(needle)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.rt.block_on(server.stop());
        }
    }
}
