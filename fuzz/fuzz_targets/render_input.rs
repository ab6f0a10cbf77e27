//! The server's `POST /renders` input: multipart forms and JSON documents with base64 images
//! (`renderiq_server::http::renders::check_render_body`, the route's own parsing and checks).
//!
//! Input: one byte choosing the content type (multipart with boundary `XyZ`, JSON, or the
//! first line of the rest), then the body. Checks, besides "never panics": a refused body is a
//! 4xx answer (never a 5xx: nothing in a client's body is the server's fault); an accepted one
//! stores a PNG, JPEG or WebP.
#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use renderiq_server::config::Config;
use renderiq_server::http::renders::check_render_body;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a tokio runtime")
    })
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(Config::default)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (content_type, body) = match mode % 3 {
        0 => ("multipart/form-data; boundary=XyZ".to_owned(), rest),
        1 => ("application/json".to_owned(), rest),
        _ => {
            let (line, body) = match rest.iter().position(|b| *b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &[][..]),
            };
            (String::from_utf8_lossy(line).into_owned(), body)
        }
    };
    let outcome = runtime().block_on(check_render_body(
        config(),
        &content_type,
        Bytes::copy_from_slice(body),
    ));
    match outcome {
        Ok(extension) => assert!(["png", "jpg", "webp"].contains(&extension)),
        Err(e) => assert!(
            e.status().is_client_error(),
            "a client's body answered {}: {e}",
            e.status()
        ),
    }
});
