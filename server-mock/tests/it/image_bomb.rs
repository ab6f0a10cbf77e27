//! A decompression bomb against the real server binary (a separate process, so its memory is its
//! own): a PNG of about half a megabyte declaring 8192×8192 RGBA16 (512 MiB decoded) is refused
//! from its header, on both upload paths, and the server's peak resident memory (`VmHWM`) stays
//! under 600 MB while it also renders legitimate images.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use renderiq_server::image_limits;
use serde_json::{json, Value};
use support::client;

use crate::process::{self, data_dir_with_user, Process};

/// The ceiling the issue sets for the server's peak memory under the bomb.
const PEAK_RSS_LIMIT_KB: u64 = 600 * 1024;

/// An all-zero 8192×8192 RGBA16 PNG: 512 MiB of pixels in about half a megabyte.
fn bomb() -> Vec<u8> {
    zero_rgba16_png(8192, 8192)
}

/// An all-zero RGBA16 PNG (8 bytes a pixel decoded), written row by row.
fn zero_rgba16_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Sixteen);
    encoder.set_compression(png::Compression::High);
    encoder.set_filter(png::Filter::NoFilter);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0u8; w as usize * 8];
    for _ in 0..h {
        std::io::Write::write_all(&mut stream, &row).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    out
}

/// The real server binary with the shipped image limits.
struct Server(Process);

impl Server {
    fn start(dir: &Path) -> Self {
        let pixels = image_limits::DEFAULT_MAX_IMAGE_PIXELS.to_string();
        let budget = image_limits::DEFAULT_IMAGE_MEMORY_BUDGET_MB.to_string();
        Self(Process::start_with(
            dir,
            10,
            &[
                "--workers",
                "2",
                "--max-image-pixels",
                &pixels,
                "--image-memory-budget-mb",
                &budget,
            ],
        ))
    }

    async fn sign_in(&self, http: &reqwest::Client, email: &str) -> String {
        process::sign_in(http, &self.0, email).await
    }

    async fn upload(&self, http: &reqwest::Client, token: &str, image: Vec<u8>) -> (u16, Value) {
        let form = reqwest::multipart::Form::new().part(
            "image",
            reqwest::multipart::Part::bytes(image).file_name("v.png"),
        );
        json_of(
            http.post(self.url("/renders"))
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Waits until every render in `ids` has ended; their final states.
    async fn wait_all(&self, http: &reqwest::Client, token: &str, ids: &[String]) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(300);
        let mut ended = Vec::new();
        for id in ids {
            loop {
                let (_, body) = json_of(
                    http.get(self.url(&format!("/renders/{id}?wait=10")))
                        .bearer_auth(token)
                        .send()
                        .await
                        .unwrap(),
                )
                .await;
                let status = body["data"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if ["completed", "failed", "cancelled"].contains(&status.as_str()) {
                    ended.push(status);
                    break;
                }
                assert!(Instant::now() < deadline, "render {id} did not end: {body}");
            }
        }
        ended
    }

    fn url(&self, path: &str) -> String {
        self.0.url(path)
    }

    /// The process's peak resident set size in KiB (`VmHWM` of `/proc/<pid>/status`).
    fn peak_rss_kb(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.0.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no VmHWM in {status}"))
    }
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_decompression_bomb_is_refused_and_peak_memory_stays_under_600_mb() {
    let bomb = bomb();
    assert!(bomb.len() < 1024 * 1024, "the bomb is {} bytes", bomb.len());
    let dir = data_dir_with_user("bomb@example.com", 1000).await;
    let server = Server::start(dir.path());
    let http = client();
    let token = server.sign_in(&http, "bomb@example.com").await;
    let baseline = server.peak_rss_kb();

    let mut created = Vec::new();
    let mut refusals = Vec::new();
    for _ in 0..2 {
        // Multipart upload.
        refusals.push(server.upload(&http, &token, bomb.clone()).await);
        // JSON upload (base64).
        let body = json!({
            "uploadedImageData": base64::engine::general_purpose::STANDARD.encode(&bomb),
            "uploadedImageType": "image/png",
        });
        let answer = json_of(
            http.post(server.url("/renders"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        refusals.push(answer);
        // A legitimate render beside it.
        let (status, body) = server
            .upload(&http, &token, support::noisy_png(1600, 1200))
            .await;
        assert_eq!(status, 200, "{body}");
        created.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    for (status, body) in &refusals {
        if *status == 200 {
            // Accepted (the unfixed server): let it render, so the peak below is the real one.
            created.push(body["data"]["id"].as_str().unwrap().to_owned());
        }
    }
    // Every accepted render ends (the legitimate ones complete).
    let ended = server.wait_all(&http, &token, &created).await;
    let peak = server.peak_rss_kb();
    eprintln!(
        "peak RSS (VmHWM) of the server: {} MiB (baseline after start {} MiB); bomb answers: {:?}",
        peak / 1024,
        baseline / 1024,
        refusals.iter().map(|(s, _)| *s).collect::<Vec<_>>()
    );
    for (status, body) in &refusals {
        assert_eq!(*status, 413, "the bomb must be refused: {body}");
        assert_eq!(body["errorCode"], "PAYLOAD_TOO_LARGE", "{body}");
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains("8192x8192") && message.contains("--max-image-pixels"),
            "{message}"
        );
    }
    assert!(
        ended.iter().all(|s| s == "completed"),
        "legitimate renders complete: {ended:?}"
    );
    assert!(
        peak < PEAK_RSS_LIMIT_KB,
        "peak RSS {} MiB is over 600 MB",
        peak / 1024
    );
}

/// A fresh data dir with one user holding plenty of credits.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn renders_of_the_largest_accepted_images_share_the_memory_budget() {
    // 40 MP of RGBA16: 305 MiB decoded, just inside the default budget (384 MiB) with the
    // working buffers. Two at once with two workers: the second waits for the first's memory.
    let image = zero_rgba16_png(8000, 5000);
    let dir = data_dir_with_user("large@example.com", 1000).await;
    let server = Server::start(dir.path());
    let http = client();
    let token = server.sign_in(&http, "large@example.com").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, body) = server.upload(&http, &token, image.clone()).await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    let ended = server.wait_all(&http, &token, &ids).await;
    let peak = server.peak_rss_kb();
    eprintln!(
        "peak RSS (VmHWM) rendering two 40 MP RGBA16 images: {} MiB",
        peak / 1024
    );
    assert_eq!(ended, ["completed", "completed"]);
    assert!(peak < PEAK_RSS_LIMIT_KB, "peak RSS {} MiB", peak / 1024);
}
