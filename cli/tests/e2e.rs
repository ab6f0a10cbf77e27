//! The CLI end to end against the reference server running in this process: sign in with the
//! encrypted file store in a temporary HOME, render, follow, list, sign out; the error exit
//! codes; and `demo`.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{code, renderiq, run_with_stdin, show, stderr_json, stdout_json, TestServer};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery";

/// `renderiq --base-url URL --token-store file …` with the passphrase set, in HOME `home`.
fn cli(server: &TestServer, home: &Path) -> Command {
    let mut cmd = renderiq(home);
    cmd.args(["--base-url", &server.base_url, "--token-store", "file"])
        .env("RENDERIQ_TOKEN_PASSPHRASE", "test passphrase");
    cmd
}

fn ok_json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.arg("--json").output().expect("renderiq runs");
    assert_eq!(code(&out), 0, "{}", show(&out));
    stdout_json(&out)
}

fn login(server: &TestServer, home: &Path, email: &str, password: &str) -> Output {
    run_with_stdin(
        cli(server, home).args(["login", "--email", email, "--password-stdin"]),
        format!("{password}\n").as_bytes(),
    )
}

fn assert_decodes(path: &Path) -> (u32, u32) {
    let img =
        image::open(path).unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()));
    assert!(img.width() > 0 && img.height() > 0);
    (img.width(), img.height())
}

#[test]
fn login_render_follow_list_and_logout_against_the_reference_server() {
    let server = TestServer::start(&[(EMAIL, PASSWORD, 100)]);
    let home = tempfile::tempdir().unwrap();

    // login: the session is saved encrypted in the default file under HOME.
    let out = login(&server, home.path(), EMAIL, PASSWORD);
    assert_eq!(code(&out), 0, "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("signed in as ada@example.com"), "{stdout}");
    let session_file = home.path().join(".config/renderiq/session.bin");
    let sealed = std::fs::read(&session_file).expect("session file written");
    assert!(
        !String::from_utf8_lossy(&sealed).contains("ada@example.com"),
        "the session file is encrypted"
    );

    // whoami, credits
    assert_eq!(
        ok_json(cli(&server, home.path()).arg("whoami"))["email"],
        EMAIL
    );
    let credits = ok_json(cli(&server, home.path()).arg("credits"));
    assert_eq!(credits["balance"], 100);
    let out = cli(&server, home.path()).arg("credits").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "100 credits (earned 100, spent 0)\n"
    );

    // render --wait --out
    let out_png = home.path().join("out.png");
    let doc = ok_json(
        cli(&server, home.path())
            .arg("render")
            .arg(support::sample_png())
            .args([
                "--prompt",
                "dusk, warm light",
                "--quality",
                "high",
                "--wait",
                "--out",
            ])
            .arg(&out_png),
    );
    assert_eq!(doc["render"]["status"], "completed", "{doc}");
    assert_eq!(doc["render"]["creditsCost"], 10);
    assert_eq!(doc["output"]["path"], out_png.display().to_string());
    let bytes = std::fs::metadata(&out_png).unwrap().len();
    assert_eq!(doc["output"]["bytes"], bytes);
    assert_decodes(&out_png);
    let id = doc["render"]["id"].as_str().unwrap().to_owned();

    // status, in both forms
    let status = ok_json(cli(&server, home.path()).args(["status", &id]));
    assert_eq!(status["id"], id.as_str());
    assert_eq!(status["status"], "completed");
    let out = cli(&server, home.path())
        .args(["status", &id])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(&format!("render {id}  completed\n")),
        "{}",
        show(&out)
    );

    // renders list --json
    let list = ok_json(cli(&server, home.path()).args(["renders", "list"]));
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(list["total"], 1);

    // download again
    let again = home.path().join("again.png");
    let doc = ok_json(
        cli(&server, home.path())
            .args(["download", &id, "--out"])
            .arg(&again),
    );
    assert_eq!(doc["bytes"], bytes);
    assert_decodes(&again);

    // the ledger shows the spend
    assert_eq!(
        ok_json(cli(&server, home.path()).arg("credits"))["balance"],
        90
    );
    let ledger = ok_json(cli(&server, home.path()).args(["credits", "transactions"]));
    assert_eq!(ledger["items"].as_array().unwrap().len(), 2, "{ledger}");

    // logout: whoami now fails as an auth error (exit 3)
    let out = cli(&server, home.path()).arg("logout").output().unwrap();
    assert_eq!(code(&out), 0, "{}", show(&out));
    let out = cli(&server, home.path())
        .args(["--json", "whoami"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", show(&out));
    assert_eq!(stderr_json(&out)["error"]["kind"], "auth");
}

#[test]
fn projects_settings_keys_and_webhooks_round_trip() {
    let server = TestServer::start(&[(EMAIL, PASSWORD, 50)]);
    let home = tempfile::tempdir().unwrap();
    assert_eq!(code(&login(&server, home.path(), EMAIL, PASSWORD)), 0);

    let project = ok_json(cli(&server, home.path()).args([
        "projects",
        "create",
        "Villa Rotonda",
        "--description",
        "Palladio",
    ]));
    assert_eq!(project["name"], "Villa Rotonda");
    let listed = ok_json(cli(&server, home.path()).args(["projects", "list"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let settings =
        ok_json(cli(&server, home.path()).args(["settings", "set", "--default-style", "sketch"]));
    assert_eq!(settings["defaultStyle"], "sketch");
    assert_eq!(
        ok_json(cli(&server, home.path()).args(["settings", "get"]))["defaultStyle"],
        "sketch"
    );

    let key = ok_json(cli(&server, home.path()).args([
        "keys",
        "create",
        "ci",
        "--scope",
        "credits:read",
    ]));
    let secret = key["key"]
        .as_str()
        .expect("the key is shown once")
        .to_owned();
    let key_id = key["apiKey"]["id"].as_str().unwrap().to_owned();
    // The key works on its own, with no saved session (memory store) ...
    let other_home = tempfile::tempdir().unwrap();
    let out = renderiq(other_home.path())
        .args([
            "--base-url",
            &server.base_url,
            "--token-store",
            "memory",
            "--json",
            "credits",
        ])
        .env("RENDERIQ_API_KEY", &secret)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", show(&out));
    assert_eq!(stdout_json(&out)["balance"], 50);
    // ... and lacks the scope to list projects: exit 3.
    let out = renderiq(other_home.path())
        .args([
            "--base-url",
            &server.base_url,
            "--token-store",
            "memory",
            "--api-key",
            &secret,
            "projects",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", show(&out));
    assert_eq!(
        ok_json(cli(&server, home.path()).args(["keys", "list"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ok_json(cli(&server, home.path()).args(["keys", "revoke", &key_id]));

    let hook = ok_json(cli(&server, home.path()).args([
        "webhooks",
        "register",
        "http://127.0.0.1:9/hook",
    ]));
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));
    let hook_id = hook["webhook"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        hook["webhook"]["events"].as_array().unwrap().len(),
        3,
        "no --event registers every event"
    );
    assert_eq!(
        ok_json(cli(&server, home.path()).args(["webhooks", "list"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ok_json(cli(&server, home.path()).args(["webhooks", "delete", &hook_id]));
    assert_eq!(
        ok_json(cli(&server, home.path()).args(["webhooks", "list"]))
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let health = ok_json(cli(&server, home.path()).arg("health"));
    assert_eq!(health["database"], "ok");
}

#[test]
fn errors_exit_with_their_codes_and_json_on_stderr() {
    let server = TestServer::start(&[("poor@example.com", PASSWORD, 5)]);
    let home = tempfile::tempdir().unwrap();

    // Wrong password: auth, exit 3.
    let out = login(&server, home.path(), "poor@example.com", "wrong");
    assert_eq!(code(&out), 3, "{}", show(&out));

    assert_eq!(
        code(&login(&server, home.path(), "poor@example.com", PASSWORD)),
        0
    );

    // 5 credits, a high-quality render costs 10: exit 4 with both figures.
    let out = cli(&server, home.path())
        .args(["--json", "render"])
        .arg(support::sample_png())
        .args(["--prompt", "x", "--quality", "high"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "{}", show(&out));
    assert!(out.stdout.is_empty());
    let err = stderr_json(&out)["error"].clone();
    assert_eq!(err["kind"], "insufficient_credits");
    assert_eq!(err["code"], "INSUFFICIENT_CREDITS");
    assert_eq!(err["status"], 402);
    assert_eq!(err["requiredCredits"], 10);
    assert_eq!(err["availableCredits"], 5);
    assert!(err["requestId"].is_string(), "{err}");

    // Unknown render: exit 6.
    let out = cli(&server, home.path())
        .args(["status", "rnd_doesnotexist"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 6, "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: "),
        "{}",
        show(&out)
    );

    // The file store without its passphrase: a clear message, exit 1.
    let out = renderiq(home.path())
        .args([
            "--base-url",
            &server.base_url,
            "--token-store",
            "file",
            "whoami",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("RENDERIQ_TOKEN_PASSPHRASE"),
        "{}",
        show(&out)
    );

    // A server that is not there: network failure, exit 1.
    let out = renderiq(home.path())
        .args([
            "--base-url",
            "http://127.0.0.1:9",
            "--token-store",
            "memory",
            "--json",
            "health",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", show(&out));
    assert_eq!(stderr_json(&out)["error"]["kind"], "network");
}

#[test]
fn demo_writes_a_decodable_image_with_no_setup() {
    let home = tempfile::tempdir().unwrap();
    let out_png = home.path().join("demo.png");
    let out = renderiq(home.path())
        .args(["--json", "demo", "--out"])
        .arg(&out_png)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", show(&out));
    let doc = stdout_json(&out);
    assert_eq!(doc["render"]["status"], "completed");
    assert_eq!(doc["creditsLeft"], 90);
    assert_eq!(doc["dataDir"], serde_json::Value::Null);
    let (w, h) = assert_decodes(&out_png);
    assert_eq!(
        (
            doc["output"]["width"].as_u64(),
            doc["output"]["height"].as_u64()
        ),
        (Some(w.into()), Some(h.into()))
    );

    // Human form, keeping the data dir.
    let out_png = home.path().join("demo2.png");
    let out = renderiq(home.path())
        .args(["demo", "--keep", "--out"])
        .arg(&out_png)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("output   {}", out_png.display())),
        "{stdout}"
    );
    assert!(stdout.contains("credits  90 of 100 left"), "{stdout}");
    let data_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("data "))
        .expect("data line");
    let dir = data_line
        .trim_start()
        .trim_start_matches("data")
        .trim()
        .split(" (")
        .next()
        .unwrap();
    assert!(
        Path::new(dir).join("renderiq.db").exists(),
        "kept data dir {dir}"
    );
    std::fs::remove_dir_all(dir).unwrap();
    assert_decodes(&out_png);
}
