//! The Rust side of `bench/ffi_overhead.sh`: the calls `bench/ffi_overhead.c` makes through the
//! C ABI, made on the SDK directly, printed as `<name> <ns per call> <calls>` lines.
//!
//! - `webhook_verify_1k`: `Webhook::verify_at` of a 1 KiB body (the C side also parses the
//!   secret on every call, as `renderiq_webhook_verify` takes it as a string, so this does too);
//! - `render_get`: `blocking::Client::retrieve_render` against the local reference server;
//! - `render_get_call`: the same read the way the bindings make it (`bench/kotlin_overhead.sh`
//!   compares Kotlin with it): the call's JSON text parsed (`Call::from_json`), run with
//!   `Client::start`, awaited with `Operation::finished` and the result written back as JSON text;
//! - `op_poll`: `Operation::is_done` of a finished operation.
//!
//! Run by the script: `cargo run --release -p renderiq-ffi --example ffi_overhead`.

use std::hint::black_box;
use std::time::Instant;

use renderiq_sdk::call::Call;
use renderiq_sdk::screenshot::PixelFormat;
use renderiq_sdk::token_store::MemoryStore;
use renderiq_sdk::webhooks::Webhook;
use renderiq_sdk::{CreateRender, Quality, Screenshot, WaitOptions};

fn env_n(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> renderiq_sdk::Result<()> {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let ts = 1_700_000_000i64;
    let body: Vec<u8> = (0..1024).map(|k| b'a' + (k % 26) as u8).collect();
    let sig = Webhook::new(secret)?.sign("msg_bench", ts, &body);
    let headers = [
        ("webhook-id", "msg_bench"),
        ("webhook-timestamp", "1700000000"),
        ("webhook-signature", sig.as_str()),
    ];

    let n = env_n("RENDERIQ_BENCH_VERIFY_N", 200_000);
    for _ in 0..n / 10 {
        Webhook::new(secret)?.verify_at(&body, headers, ts)?;
    }
    let t = Instant::now();
    for _ in 0..n {
        black_box(Webhook::new(black_box(secret))?.verify_at(black_box(&body), headers, ts))?;
    }
    println!(
        "webhook_verify_1k {:.1} {n}",
        t.elapsed().as_nanos() as f64 / n as f64
    );

    let Ok(url) = std::env::var("RENDERIQ_BENCH_URL") else {
        return Ok(());
    };
    let client = renderiq_sdk::blocking::Client::builder()
        .configure(|b| b.base_url(url).token_store(MemoryStore::new()))
        .build()?;
    client.sign_in(
        &std::env::var("RENDERIQ_TEST_EMAIL").unwrap(),
        &std::env::var("RENDERIQ_TEST_PASSWORD").unwrap(),
    )?;
    let shot = Screenshot::raw(vec![0x80u8; 64 * 64 * 4], 64, 64, 256, PixelFormat::Bgra8);
    let op = client.as_async().start_render(
        CreateRender::new(shot).quality(Quality::Standard),
        WaitOptions::new(),
    )?;
    let render = op.wait(None).expect("finished")?;

    let n = env_n("RENDERIQ_BENCH_GET_N", 2000);
    for _ in 0..n / 10 {
        black_box(client.retrieve_render(&render.id)?);
    }
    let t = Instant::now();
    for _ in 0..n {
        black_box(client.retrieve_render(black_box(&render.id))?);
    }
    println!(
        "render_get {:.1} {n}",
        t.elapsed().as_nanos() as f64 / n as f64
    );

    // What renderiq-uniffi's `Client::call` does inside, minus the foreign-language crossing.
    let call_json = serde_json::json!({ "call": "retrieve_render", "id": render.id }).to_string();
    let get_call = |text: &str| {
        renderiq_sdk::runtime::block_on(async {
            let op = client.as_async().start(Call::from_json(text)?)?;
            let value = op.finished().await?;
            Ok(serde_json::to_string(&value).expect("JSON"))
        })
    };
    for _ in 0..n / 10 {
        black_box(get_call(&call_json)?);
    }
    let t = Instant::now();
    for _ in 0..n {
        black_box(get_call(black_box(&call_json))?);
    }
    println!(
        "render_get_call {:.1} {n}",
        t.elapsed().as_nanos() as f64 / n as f64
    );

    let n = env_n("RENDERIQ_BENCH_VERIFY_N", 200_000) * 5;
    let t = Instant::now();
    for _ in 0..n {
        assert!(black_box(&op).is_done());
    }
    println!(
        "op_poll {:.1} {n}",
        t.elapsed().as_nanos() as f64 / n as f64
    );
    Ok(())
}
