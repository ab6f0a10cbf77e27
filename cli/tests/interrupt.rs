//! Ctrl-C while `renderiq status --wait` follows a render: exit 130 (the documented number), and
//! the render keeps running on the server: the CLI stops waiting, it does not cancel.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{code, renderiq, run_with_stdin, show, stdout_json, Sniffer, TestServer};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery";

/// `renderiq --base-url URL --token-store file …` in HOME `home`.
fn cli(base_url: &str, home: &std::path::Path) -> Command {
    let mut cmd = renderiq(home);
    cmd.args(["--base-url", base_url, "--token-store", "file"])
        .env("RENDERIQ_TOKEN_PASSPHRASE", "test passphrase");
    cmd
}

/// Polls `check` every 20 ms until it holds; fails after 30 s with `what`.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_while_waiting_exits_130_and_leaves_the_render_running() {
    // One worker, and a render far longer than the test.
    let server = TestServer::start_with(&[(EMAIL, PASSWORD, 100)], |c| {
        c.workers = 1;
        c.render_delay_ms = 600_000;
    });
    let sniffer = Sniffer::start(server.base_url.trim_start_matches("http://"));
    let home = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        cli(&sniffer.url, home.path()).args(["login", "--email", EMAIL, "--password-stdin"]),
        format!("{PASSWORD}\n").as_bytes(),
    );
    assert_eq!(code(&out), 0, "{}", show(&out));
    let out = cli(&sniffer.url, home.path())
        .args(["--json", "render"])
        .arg(support::sample_png())
        .args(["--prompt", "long"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", show(&out));
    let id = stdout_json(&out)["render"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut waiting = cli(&sniffer.url, home.path())
        .args(["--json", "status", &id, "--wait"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("renderiq starts");
    // The long-poll reaching the server shows the CLI is waiting (its Ctrl-C handler is set up
    // alongside the wait, before the first request goes out).
    wait_until("the CLI long-polls the render", || {
        sniffer.saw(&format!("GET /api/plugins/renders/{id}?wait="))
    });
    let pid = waiting.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    wait_until("the CLI exits after SIGINT", || {
        waiting.try_wait().unwrap().is_some()
    });
    let out = waiting.wait_with_output().unwrap();
    assert_eq!(code(&out), 130, "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&id), "names the render: {}", show(&out));
    assert!(
        !sniffer.saw(&format!("/renders/{id}/cancel")),
        "the CLI did not cancel the render"
    );

    // The render is still running on the server.
    let status = cli(&server.base_url, home.path())
        .args(["--json", "status", &id])
        .output()
        .unwrap();
    assert_eq!(code(&status), 0, "{}", show(&status));
    let render = stdout_json(&status);
    assert!(
        ["pending", "processing"].contains(&render["status"].as_str().unwrap()),
        "{render}"
    );
    server.abandon();
}
