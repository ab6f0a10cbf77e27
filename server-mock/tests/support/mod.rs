//! Shared helpers: a server on a loopback port with a temporary data dir (stopped on drop), users,
//! requests, images and envelope checks.
#![allow(dead_code)]

pub mod fault_proxy;
pub mod receiver;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use renderiq_server::storage::Storage;
use renderiq_server::store::sql::{Row, ToValue};
use renderiq_server::{testing, Config, RunningServer};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

/// Password of every test user.
pub const PASSWORD: &str = "correct horse battery";

static NEXT_USER: AtomicUsize = AtomicUsize::new(1);

/// A running server and a client for it.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub base: String,
    pub http: reqwest::Client,
    pub config: Config,
    dir: Option<tempfile::TempDir>,
}

/// A user's renders and charges, from [`TestServer::account`].
#[allow(dead_code)] // not every test binary reads every field
pub struct Account {
    pub render_ids: Vec<String>,
    /// The `spend` entries of the credit ledger.
    pub charges: Vec<Value>,
    pub balance: i64,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub token: String,
    pub refresh: String,
}

/// A response: status, headers, JSON body (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    /// The `data` of a success envelope; panics with the body otherwise.
    pub fn data(&self) -> &Value {
        assert!(
            (200..300).contains(&self.status) && self.body["success"] == true,
            "expected success, got {}: {}",
            self.status,
            self.body
        );
        &self.body["data"]
    }

    /// Asserts the error envelope: status, `errorCode`, a message and a request id equal to the
    /// `x-request-id` header.
    pub fn assert_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["success"], false, "{}", self.body);
        assert_eq!(self.body["errorCode"], code, "{}", self.body);
        assert!(
            self.body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{}",
            self.body
        );
        let header = self
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            header.starts_with("req_"),
            "missing x-request-id: {:?}",
            self.headers
        );
        assert_eq!(self.body["requestId"], header, "{}", self.body);
        &self.body
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Defaults for tests: fast renders, no rate limits, fast webhook retries, test hooks on, and
/// webhooks allowed to reach the suites' loopback receivers (`--allow-private-webhooks`); the
/// database of `dir` (SQLite in it, or PostgreSQL with `RENDERIQ_TEST_DATABASE_URL`).
pub fn test_config(dir: &Path) -> Config {
    Config {
        database_url: database_url(dir).map(Into::into),
        storage_url: testing::storage_url(dir),
        test_hooks: true,
        allow_private_webhooks: true,
        render_delay_ms: 50,
        read_rate_limit: 0,
        create_rate_limit: 0,
        auth_rate_limit: 0,
        sign_in_rate_limit: 0,
        webhook_retry_base_ms: 20,
        // Generous: on a loaded machine a receiver may take seconds to answer, and an attempt
        // that timed out would read as another outcome; no test measures the timeout itself.
        webhook_timeout_ms: 30_000,
        ..Config::ephemeral(dir)
    }
}

pub fn client() -> reqwest::Client {
    renderiq_server::tls::client_builder()
        .unwrap()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(dir.path());
        adjust(&mut config);
        let mut server = Self::start_on(config).await;
        server.dir = Some(dir);
        server
    }

    /// A server on an existing data dir (which the caller keeps alive).
    pub async fn start_on(config: Config) -> Self {
        let server = renderiq_server::spawn(config.clone())
            .await
            .expect("server starts");
        let base = server.base_url.clone();
        Self {
            server: Some(server),
            base,
            http: client(),
            config,
            dir: None,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/plugins{path}", self.base)
    }

    /// Creates a user with `credits` (unique email) and signs in.
    pub async fn user(&self, credits: i64) -> TestUser {
        let n = NEXT_USER.fetch_add(1, Ordering::Relaxed);
        let email = format!("user{n}-{}@example.com", std::process::id());
        self.add_user(&email, credits).await;
        self.sign_in(&email).await
    }

    pub async fn add_user(&self, email: &str, credits: i64) -> String {
        let (dir, email) = (self.data_dir(), email.to_owned());
        let user = tokio::task::spawn_blocking(move || {
            testing::add_user(&dir, &email, PASSWORD, Some("Test User"), credits)
        })
        .await
        .unwrap()
        .expect("user added");
        user.id
    }

    pub async fn sign_in(&self, email: &str) -> TestUser {
        let resp = self
            .post(
                None,
                "/auth/signin",
                json!({ "email": email, "password": PASSWORD }),
            )
            .await;
        let data = resp.data();
        TestUser {
            id: data["user"]["id"].as_str().unwrap().to_owned(),
            email: email.to_owned(),
            token: data["accessToken"].as_str().unwrap().to_owned(),
            refresh: data["refreshToken"].as_str().unwrap().to_owned(),
        }
    }

    /// What the user's account holds, read through the API: render ids, `spend` ledger
    /// entries and the balance (the checks of "one render, one charge" tests).
    pub async fn account(&self, email: &str) -> Account {
        let user = self.sign_in(email).await;
        let renders = self.get(Some(&user.token), "/renders?limit=100").await;
        let render_ids = renders.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        let ledger = self
            .get(Some(&user.token), "/credits/transactions?limit=100")
            .await;
        let charges = ledger.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["type"] == "spend")
            .cloned()
            .collect();
        let balance = self.get(Some(&user.token), "/credits").await.data()["balance"]
            .as_i64()
            .unwrap();
        Account {
            render_ids,
            charges,
            balance,
        }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Resp {
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }

    fn authed(
        &self,
        request: reqwest::RequestBuilder,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> Resp {
        self.send(self.authed(self.http.get(self.url(path)), token))
            .await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> Resp {
        self.send(self.authed(self.http.post(self.url(path)).json(&body), token))
            .await
    }

    pub async fn patch(&self, token: Option<&str>, path: &str, body: Value) -> Resp {
        self.send(self.authed(self.http.patch(self.url(path)).json(&body), token))
            .await
    }

    pub async fn delete(&self, token: Option<&str>, path: &str) -> Resp {
        self.send(self.authed(self.http.delete(self.url(path)), token))
            .await
    }

    /// `POST /renders` as multipart: the sample image plus text fields.
    pub async fn create_render(&self, token: &str, fields: &[(&str, &str)]) -> Resp {
        self.create_render_with(token, png(64, 48), fields, &[])
            .await
    }

    pub async fn create_render_with(
        &self,
        token: &str,
        image: Vec<u8>,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut form = reqwest::multipart::Form::new().part(
            "image",
            reqwest::multipart::Part::bytes(image)
                .file_name("view.png")
                .mime_str("image/png")
                .unwrap(),
        );
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        let mut request = self
            .http
            .post(self.url("/renders"))
            .bearer_auth(token)
            .multipart(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// Polls a render until it is completed, failed or cancelled.
    pub async fn wait_for_render(&self, token: &str, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let resp = self
                .get(Some(token), &format!("/renders/{id}?wait=5"))
                .await;
            let render = resp.data().clone();
            if ["completed", "failed", "cancelled"].contains(&render["status"].as_str().unwrap()) {
                return render;
            }
            assert!(
                Instant::now() < deadline,
                "render {id} did not finish: {render}"
            );
        }
    }

    pub async fn balance(&self, token: &str) -> i64 {
        self.get(Some(token), "/credits").await.data()["balance"]
            .as_i64()
            .unwrap()
    }

    /// Sum of the user's whole ledger.
    pub async fn ledger_sum(&self, token: &str) -> i64 {
        let mut sum = 0;
        let mut page = 1;
        loop {
            let resp = self
                .get(
                    Some(token),
                    &format!("/credits/transactions?page={page}&limit=100"),
                )
                .await;
            let data = resp.data();
            sum += data["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["amount"].as_i64().unwrap())
                .sum::<i64>();
            if data["hasMore"] != true {
                return sum;
            }
            page += 1;
        }
    }

    /// Runs one statement on the server's database and answers its rows.
    pub fn query(&self, sql: &str, args: &[&(dyn ToValue + Sync)]) -> Vec<Row> {
        query(&self.data_dir(), sql, args)
    }
}

/// The database URL of a test server on `dir` (`None`: SQLite in the dir).
pub fn database_url(dir: &Path) -> Option<String> {
    testing::database_url(dir).expect("test database")
}

/// The `RENDERIQ_DATABASE_URL` and `RENDERIQ_STORAGE_URL` a server process on `dir` needs, if
/// any.
pub fn database_env(dir: &Path) -> Vec<(&'static str, String)> {
    database_url(dir)
        .map(|url| ("RENDERIQ_DATABASE_URL", url))
        .into_iter()
        .chain(testing::storage_url(dir).map(|url| ("RENDERIQ_STORAGE_URL", url)))
        .collect()
}

/// Runs `work` on the storage of the server on `dir` (its folder, or the suite's bucket), on a
/// thread and runtime of its own (callable from sync and async tests alike).
fn on_storage<T: Send + 'static, F>(
    dir: &Path,
    work: impl FnOnce(Storage) -> F + Send + 'static,
) -> T
where
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    let dir = dir.to_owned();
    std::thread::spawn(move || {
        let storage = testing::storage(&dir).expect("test storage opens");
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work(storage))
            .expect("the test storage answers")
    })
    .join()
    .unwrap()
}

/// The files the server on `dir` keeps under `prefix` (`uploads/<user>`, `""` for all), wherever
/// it keeps them (its folder, or the suite's bucket).
pub fn stored_files(dir: &Path, prefix: &str) -> Vec<String> {
    let prefix = prefix.to_owned();
    on_storage(dir, |storage| async move { storage.list(&prefix).await })
}

/// `true` when the server on `dir` keeps a file at `relative`.
pub fn is_stored(dir: &Path, relative: &str) -> bool {
    let relative = relative.to_owned();
    on_storage(dir, |storage| async move {
        Ok(storage.read_if_any(&relative).await?.is_some())
    })
}

/// Stores `bytes` at `relative` where the server on `dir` keeps its files.
pub fn store_file(dir: &Path, relative: &str, bytes: &[u8]) {
    let (relative, bytes) = (relative.to_owned(), bytes.to_vec());
    on_storage(dir, |storage| async move {
        storage.write(&relative, &bytes).await
    })
}

/// Creates a user on the database of the server on `dir`.
pub fn add_user(
    dir: &Path,
    email: &str,
    password: &str,
    credits: i64,
) -> renderiq_sdk::types::User {
    testing::add_user(dir, email, password, None, credits).expect("user added")
}

/// Runs one statement on the database of the server on `dir` (opened beside it: the store keeps
/// its connections to itself), on a thread of its own (the PostgreSQL client must not run on a
/// runtime's thread): tests read and change rows the API does not show.
pub fn query(dir: &Path, sql: &str, args: &[&(dyn ToValue + Sync)]) -> Vec<Row> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let store = testing::open(dir).expect("test database opens");
            let args: Vec<&dyn ToValue> = args.iter().map(|a| *a as &dyn ToValue).collect();
            store.query_blocking(sql, &args).expect("query")
        })
        .join()
        .unwrap()
    })
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Dropping RunningServer cancels it; the temporary dir goes after.
        self.server.take();
    }
}

/// A PNG of `w`×`h` with a gradient and a few shapes.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    encode(w, h, image::ImageFormat::Png)
}

pub fn encode(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let edge = (x / 8 + y / 8) % 2 == 0;
        image::Rgb([
            (x * 255 / w.max(1)) as u8,
            (y * 255 / h.max(1)) as u8,
            if edge { 200 } else { 60 },
        ])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), format)
        .unwrap();
    out
}

/// Polls `check` until it returns `Some`, for up to `secs` seconds.
pub async fn eventually<T>(secs: u64, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "condition not met within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A PNG of pseudo-random noise: large for its size, as PNG cannot compress it.
pub fn noisy_png(w: u32, h: u32) -> Vec<u8> {
    let mut state: u32 = 0x2545_F491;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        };
        image::Rgb([next(), next(), next()])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}
