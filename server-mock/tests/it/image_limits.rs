//! Bounded image work at the upload: the pixel limit (`--max-image-pixels`) is checked from the
//! header on both upload paths (multipart and base64 JSON), inclusive, with a 413 naming the
//! flag, and nothing is charged or stored for a refused image.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use base64::Engine as _;
use serde_json::json;
use support::{png, Resp, TestServer};

/// An all-black 8-bit RGB PNG of `w`×`h`, written row by row (cheap even at 40 MP).
fn black_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0u8; w as usize * 3];
    for _ in 0..h {
        std::io::Write::write_all(&mut stream, &row).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    out
}

async fn create_json(server: &TestServer, token: &str, image: &[u8]) -> Resp {
    server
        .post(
            Some(token),
            "/renders",
            json!({
                "uploadedImageData": base64::engine::general_purpose::STANDARD.encode(image),
                "uploadedImageType": "image/png",
            }),
        )
        .await
}

fn uploads_on_disk(server: &TestServer) -> usize {
    support::stored_files(&server.data_dir(), "uploads").len()
}

#[tokio::test]
async fn the_pixel_limit_is_inclusive_on_both_upload_paths() {
    // 640×480 = 307 200 pixels: exactly at the limit on the first server, one over on the second.
    let image = png(640, 480);
    let at_limit = TestServer::start_with(|c| c.max_image_pixels = 640 * 480).await;
    let user = at_limit.user(100).await;
    let created = at_limit
        .create_render_with(&user.token, image.clone(), &[], &[])
        .await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let render = at_limit.wait_for_render(&user.token, &id).await;
    assert_eq!(render["status"], "completed", "{render}");
    let created = create_json(&at_limit, &user.token, &image).await;
    assert_eq!(created.data()["status"], "pending");

    let one_over = TestServer::start_with(|c| c.max_image_pixels = 640 * 480 - 1).await;
    let user = one_over.user(100).await;
    let multipart = one_over
        .create_render_with(&user.token, image.clone(), &[], &[])
        .await;
    let base64 = create_json(&one_over, &user.token, &image).await;
    for refused in [multipart, base64] {
        let body = refused.assert_error(413, "PAYLOAD_TOO_LARGE");
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains("640x480") && message.contains("--max-image-pixels"),
            "{message}"
        );
    }
    assert_eq!(one_over.balance(&user.token).await, 100, "nothing charged");
    assert_eq!(one_over.ledger_sum(&user.token).await, 100);
    assert_eq!(uploads_on_disk(&one_over), 0, "nothing stored");
}

#[tokio::test]
async fn at_the_default_limit_40_megapixels_pass_and_more_are_refused_from_the_header() {
    let server = TestServer::start().await;
    // No credits: an image that passes every image check is answered 402, never rendered.
    let user = server.user(0).await;
    let exactly = black_png(8000, 5000); // 40 000 000 pixels
    server
        .create_render_with(&user.token, exactly.clone(), &[], &[])
        .await
        .assert_error(402, "INSUFFICIENT_CREDITS");
    create_json(&server, &user.token, &exactly)
        .await
        .assert_error(402, "INSUFFICIENT_CREDITS");
    let over = black_png(8000, 5001); // the smallest step over with these edges
    server
        .create_render_with(&user.token, over.clone(), &[], &[])
        .await
        .assert_error(413, "PAYLOAD_TOO_LARGE");
    create_json(&server, &user.token, &over)
        .await
        .assert_error(413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn an_image_over_the_memory_budget_is_refused_with_the_flag_named() {
    // 64 MiB: 48 MiB of working buffers leave 16 MiB for the decoded input.
    let server = TestServer::start_with(|c| c.image_memory_budget_mb = 64).await;
    let user = server.user(100).await;
    let fits = black_png(2000, 2000); // 11.4 MiB decoded
    let created = server.create_render_with(&user.token, fits, &[], &[]).await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        server.wait_for_render(&user.token, &id).await["status"],
        "completed"
    );
    let too_big = black_png(3000, 2000); // 17.2 MiB decoded
    let refused = server
        .create_render_with(&user.token, too_big, &[], &[])
        .await;
    let message = refused.assert_error(413, "PAYLOAD_TOO_LARGE")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("--image-memory-budget-mb"), "{message}");
}
