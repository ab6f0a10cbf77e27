//! The real server binary as a child process, for the tests that kill it (SIGKILL, SIGTERM) or
//! run several of it on one database, and the few HTTP calls they make to it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::support::{self, PASSWORD};

pub struct Process {
    pub child: Child,
    pub base: String,
}

impl Process {
    pub fn start(dir: &Path, render_delay_ms: u64) -> Self {
        Self::start_with(dir, render_delay_ms, &[])
    }

    /// A server on `dir` (its database: the suite's) with `extra` flags, one worker unless they
    /// say otherwise; its log is kept in a file of its own there.
    pub fn start_with(dir: &Path, render_delay_ms: u64, extra: &[&str]) -> Self {
        let log = tempfile::Builder::new()
            .prefix("server-")
            .suffix(".log")
            .tempfile_in(dir)
            .unwrap()
            .into_temp_path()
            .keep()
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_renderiq-server"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            // One worker unless `extra` says otherwise.
            .args(if extra.contains(&"--workers") {
                &[][..]
            } else {
                &["--workers", "1"][..]
            })
            .arg("--render-delay-ms")
            .arg(render_delay_ms.to_string())
            .arg("--data-dir")
            .arg(dir)
            .envs(support::database_env(dir))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("server binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("Renderiq reference server listening on ")
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("the server did not start (first line {line:?}); its log:\n{log}")
            })
            .to_owned();
        Self { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/plugins{path}", self.base)
    }
}

impl Process {
    /// Kills the server with SIGKILL: no shutdown of any kind runs.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh data dir with one user holding `credits`.
pub async fn data_dir_with_user(email: &'static str, credits: i64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    tokio::task::spawn_blocking(move || support::add_user(&data, email, PASSWORD, credits))
        .await
        .unwrap();
    dir
}

pub async fn sign_in(http: &reqwest::Client, server: &Process, email: &str) -> String {
    let session: serde_json::Value = http
        .post(server.url("/auth/signin"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["data"]["accessToken"].as_str().unwrap().to_owned()
}

/// Posts a render of a small PNG (multipart) to `server`: its answer, whatever it is.
pub async fn post_render(
    http: &reqwest::Client,
    server: &Process,
    token: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(support::png(64, 48)).file_name("v.png"),
    );
    http.post(server.url("/renders"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Creates a render of a small PNG on `server`: its id.
pub async fn create_render(http: &reqwest::Client, server: &Process, token: &str) -> String {
    let resp: serde_json::Value = post_render(http, server, token).await.json().await.unwrap();
    resp["data"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("render not created: {resp}"))
        .to_owned()
}

/// Registers a webhook to `url` for `events` on `server`: its signing secret.
pub async fn register_webhook(
    http: &reqwest::Client,
    server: &Process,
    token: &str,
    url: &str,
    events: &[&str],
) -> String {
    let registered: serde_json::Value = http
        .post(server.url("/webhooks/register"))
        .bearer_auth(token)
        .json(&json!({ "url": url, "events": events }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    registered["data"]["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("webhook not registered: {registered}"))
        .to_owned()
}

pub async fn get(http: &reqwest::Client, token: &str, url: String) -> serde_json::Value {
    let resp = http.get(url).bearer_auth(token).send().await.unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["success"], true, "{body}");
    body["data"].clone()
}
