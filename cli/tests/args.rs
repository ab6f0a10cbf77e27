//! Argument parsing: every command, the environment variables, and bad values as usage errors.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Mutex;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use renderiq_cli::args::*;

/// Parsing reads `RENDERIQ_*` variables, which one test sets: tests take turns.
static ENV: Mutex<()> = Mutex::new(());

const VARS: [&str; 5] = [
    "RENDERIQ_BASE_URL",
    "RENDERIQ_TOKEN_STORE",
    "RENDERIQ_API_KEY",
    "RENDERIQ_TOKEN_FILE",
    "RENDERIQ_WEBHOOK_SECRET",
];

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    let _guard = ENV.lock().unwrap_or_else(|p| p.into_inner());
    for v in VARS {
        std::env::remove_var(v);
    }
    Cli::try_parse_from(std::iter::once("renderiq").chain(args.iter().copied()))
}

fn ok(args: &[&str]) -> Cli {
    parse(args).unwrap_or_else(|e| panic!("{args:?} should parse: {e}"))
}

fn usage_error(args: &[&str]) -> clap::Error {
    let e = parse(args).expect_err("should be a usage error");
    assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
    e
}

#[test]
fn command_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn defaults_are_production_keychain_and_human_output() {
    let cli = ok(&["whoami"]);
    assert_eq!(cli.global.base_url, DEFAULT_BASE_URL);
    assert_eq!(cli.global.token_store, StoreKind::Keychain);
    assert!(!cli.global.json);
    assert!(cli.global.api_key.is_none());
    assert!(matches!(cli.command, Command::Whoami));
}

#[test]
fn global_options_go_before_or_after_the_command() {
    for args in [
        &[
            "--json",
            "--base-url",
            "http://127.0.0.1:8787",
            "--token-store",
            "memory",
            "credits",
        ][..],
        &[
            "credits",
            "--json",
            "--base-url",
            "http://127.0.0.1:8787",
            "--token-store",
            "memory",
        ][..],
    ] {
        let cli = ok(args);
        assert!(cli.global.json);
        assert_eq!(cli.global.base_url, "http://127.0.0.1:8787");
        assert_eq!(cli.global.token_store, StoreKind::Memory);
        assert!(matches!(
            cli.command,
            Command::Credits(CreditsArgs { command: None })
        ));
    }
}

#[test]
fn environment_variables_set_the_global_options() {
    let _guard = ENV.lock().unwrap_or_else(|p| p.into_inner());
    std::env::set_var("RENDERIQ_BASE_URL", "http://10.0.0.1:9000");
    std::env::set_var("RENDERIQ_TOKEN_STORE", "file");
    std::env::set_var("RENDERIQ_TOKEN_FILE", "/tmp/s.bin");
    std::env::set_var("RENDERIQ_API_KEY", "rq_live_abc");
    let from_env = Cli::try_parse_from(["renderiq", "whoami"]);
    let flag_wins = Cli::try_parse_from(["renderiq", "--base-url", "http://127.0.0.1:1", "whoami"]);
    std::env::set_var("RENDERIQ_TOKEN_STORE", "cloud");
    let bad_store = Cli::try_parse_from(["renderiq", "whoami"]);
    for v in VARS {
        std::env::remove_var(v);
    }

    let cli = from_env.unwrap();
    assert_eq!(cli.global.base_url, "http://10.0.0.1:9000");
    assert_eq!(cli.global.token_store, StoreKind::File);
    assert_eq!(cli.global.token_file, Some(PathBuf::from("/tmp/s.bin")));
    assert_eq!(cli.global.api_key.as_deref(), Some("rq_live_abc"));
    assert_eq!(flag_wins.unwrap().global.base_url, "http://127.0.0.1:1");
    let e = bad_store.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidValue);
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn webhook_secret_comes_from_the_environment_too() {
    let _guard = ENV.lock().unwrap_or_else(|p| p.into_inner());
    std::env::set_var("RENDERIQ_WEBHOOK_SECRET", "whsec_abc");
    let cli = Cli::try_parse_from(["renderiq", "webhook", "verify", "--body-file", "b.json"]);
    std::env::remove_var("RENDERIQ_WEBHOOK_SECRET");
    let missing = Cli::try_parse_from(["renderiq", "webhook", "verify"]);
    let Command::Webhook(WebhookCommand::Verify(v)) = cli.unwrap().command else {
        panic!("verify")
    };
    assert_eq!(v.secret, "whsec_abc");
    assert_eq!(
        missing.unwrap_err().kind(),
        ErrorKind::MissingRequiredArgument
    );
}

#[test]
fn login_takes_email_and_password_from_stdin() {
    let Command::Login(a) =
        ok(&["login", "--email", "ada@example.com", "--password-stdin"]).command
    else {
        panic!("login")
    };
    assert_eq!(a.email.as_deref(), Some("ada@example.com"));
    assert!(a.password_stdin);
    let Command::Login(a) = ok(&["login"]).command else {
        panic!("login")
    };
    assert!(a.email.is_none() && !a.password_stdin);
    assert!(matches!(ok(&["logout"]).command, Command::Logout));
}

#[test]
fn credits_and_transactions_parse_with_paging() {
    let Command::Credits(CreditsArgs {
        command: Some(CreditsCommand::Transactions(p)),
    }) = ok(&["credits", "transactions", "--page", "3", "--limit", "50"]).command
    else {
        panic!("transactions")
    };
    assert_eq!((p.page, p.limit), (3, 50));
    let Command::Credits(CreditsArgs {
        command: Some(CreditsCommand::Transactions(p)),
    }) = ok(&["credits", "transactions"]).command
    else {
        panic!("transactions")
    };
    assert_eq!((p.page, p.limit), (1, 20));
    usage_error(&["credits", "transactions", "--page", "0"]);
    usage_error(&["credits", "transactions", "--limit", "101"]);
    usage_error(&["credits", "transactions", "--limit", "many"]);
}

#[test]
fn projects_list_and_create() {
    assert!(matches!(
        ok(&["projects", "list"]).command,
        Command::Projects(ProjectsCommand::List)
    ));
    let Command::Projects(ProjectsCommand::Create { name, description }) = ok(&[
        "projects",
        "create",
        "Villa Rotonda",
        "--description",
        "Palladio",
    ])
    .command
    else {
        panic!("create")
    };
    assert_eq!(name, "Villa Rotonda");
    assert_eq!(description.as_deref(), Some("Palladio"));
    usage_error(&["projects", "create"]);
    usage_error(&["projects"]);
}

#[test]
fn render_takes_every_option() {
    let Command::Render(r) = ok(&[
        "render",
        "view.png",
        "--prompt",
        "dusk",
        "--style",
        "watercolor",
        "--quality",
        "ultra",
        "--aspect-ratio",
        "21:9",
        "--project",
        "prj_1",
        "--callback-url",
        "https://example.com/hook",
        "--idempotency-key",
        "k1",
        "--wait",
        "--timeout",
        "30",
        "--out",
        "out.png",
    ])
    .command
    else {
        panic!("render")
    };
    assert_eq!(r.image, PathBuf::from("view.png"));
    assert_eq!(r.prompt, "dusk");
    assert_eq!(r.style.as_deref(), Some("watercolor"));
    assert_eq!(r.quality, Some(QualityArg::Ultra));
    assert_eq!(
        renderiq_sdk::Quality::from(r.quality.unwrap()),
        renderiq_sdk::Quality::Ultra
    );
    assert_eq!(r.aspect_ratio.as_deref(), Some("21:9"));
    assert_eq!(r.project.as_deref(), Some("prj_1"));
    assert_eq!(r.callback_url.as_deref(), Some("https://example.com/hook"));
    assert_eq!(r.idempotency_key.as_deref(), Some("k1"));
    assert!(r.wait);
    assert_eq!(r.timeout, 30);
    assert_eq!(r.out, Some(PathBuf::from("out.png")));

    let Command::Render(r) = ok(&["render", "view.png", "--prompt", "dusk"]).command else {
        panic!("render")
    };
    assert!(!r.wait && r.out.is_none() && r.quality.is_none() && r.style.is_none());
    assert_eq!(r.timeout, 600);
}

#[test]
fn render_rejects_bad_values_as_usage_errors() {
    assert_eq!(
        usage_error(&["render", "view.png"]).kind(),
        ErrorKind::MissingRequiredArgument
    );
    assert_eq!(
        usage_error(&["render", "--prompt", "x"]).kind(),
        ErrorKind::MissingRequiredArgument
    );
    assert_eq!(
        usage_error(&["render", "v.png", "--prompt", "x", "--quality", "best"]).kind(),
        ErrorKind::InvalidValue
    );
    for ratio in ["16x9", "16:", ":9", "0:1", "a:b", "16:9:1"] {
        let e = usage_error(&["render", "v.png", "--prompt", "x", "--aspect-ratio", ratio]);
        assert_eq!(e.kind(), ErrorKind::ValueValidation, "{ratio}");
    }
    usage_error(&["render", "v.png", "--prompt", "x", "--timeout", "0"]);
    usage_error(&["render", "v.png", "--prompt", "x", "--timeout", "soon"]);
    assert_eq!(
        usage_error(&["render", "v.png", "--prompt", "x", "--colour", "red"]).kind(),
        ErrorKind::UnknownArgument
    );
}

#[test]
fn status_renders_download_and_cancel() {
    let Command::Status(s) = ok(&["status", "rnd_1", "--wait", "--timeout", "5"]).command else {
        panic!("status")
    };
    assert_eq!((s.id.as_str(), s.wait, s.timeout), ("rnd_1", true, 5));
    usage_error(&["status"]);

    let Command::Renders(RendersCommand::List(l)) = ok(&[
        "renders",
        "list",
        "--status",
        "completed",
        "--project",
        "prj_1",
        "--page",
        "2",
        "--limit",
        "5",
    ])
    .command
    else {
        panic!("renders list")
    };
    assert_eq!(l.status, Some(StatusArg::Completed));
    assert_eq!(
        renderiq_sdk::RenderStatus::from(l.status.unwrap()),
        renderiq_sdk::RenderStatus::Completed
    );
    assert_eq!(l.project.as_deref(), Some("prj_1"));
    assert_eq!((l.paging.page, l.paging.limit), (2, 5));
    assert_eq!(
        usage_error(&["renders", "list", "--status", "done"]).kind(),
        ErrorKind::InvalidValue
    );

    let Command::Download(d) = ok(&["download", "rnd_1", "--out", "x.png"]).command else {
        panic!("download")
    };
    assert_eq!((d.id.as_str(), d.out), ("rnd_1", PathBuf::from("x.png")));
    usage_error(&["download", "rnd_1"]);

    let Command::Cancel(c) = ok(&["cancel", "rnd_1"]).command else {
        panic!("cancel")
    };
    assert_eq!(c.id, "rnd_1");
}

#[test]
fn keys_create_list_revoke() {
    let Command::Keys(KeysCommand::Create {
        name,
        scopes,
        expires_at,
    }) = ok(&[
        "keys",
        "create",
        "ci",
        "--scope",
        "renders:create",
        "--scope",
        "renders:read,credits:read",
        "--expires-at",
        "2030-01-31",
    ])
    .command
    else {
        panic!("keys create")
    };
    assert_eq!(name, "ci");
    assert_eq!(scopes, ["renders:create", "renders:read", "credits:read"]);
    assert_eq!(
        expires_at.unwrap().to_rfc3339(),
        "2030-01-31T00:00:00+00:00"
    );

    let Command::Keys(KeysCommand::Create { expires_at, .. }) = ok(&[
        "keys",
        "create",
        "ci",
        "--scope",
        "renders:read",
        "--expires-at",
        "2030-01-31T12:30:00+02:00",
    ])
    .command
    else {
        panic!("keys create")
    };
    assert_eq!(
        expires_at.unwrap().to_rfc3339(),
        "2030-01-31T10:30:00+00:00"
    );

    assert_eq!(
        usage_error(&["keys", "create", "ci"]).kind(),
        ErrorKind::MissingRequiredArgument
    );
    assert_eq!(
        usage_error(&[
            "keys",
            "create",
            "ci",
            "--scope",
            "x",
            "--expires-at",
            "next week"
        ])
        .kind(),
        ErrorKind::ValueValidation
    );
    assert!(matches!(
        ok(&["keys", "list"]).command,
        Command::Keys(KeysCommand::List)
    ));
    let Command::Keys(KeysCommand::Revoke(r)) = ok(&["keys", "revoke", "key_1"]).command else {
        panic!("revoke")
    };
    assert_eq!(r.id, "key_1");
}

#[test]
fn webhooks_register_list_delete() {
    let Command::Webhooks(WebhooksCommand::Register { url, events }) = ok(&[
        "webhooks",
        "register",
        "https://example.com/hook",
        "--event",
        "render.completed",
        "--event",
        "render.failed",
    ])
    .command
    else {
        panic!("register")
    };
    assert_eq!(url, "https://example.com/hook");
    assert_eq!(events, ["render.completed", "render.failed"]);
    let Command::Webhooks(WebhooksCommand::Register { events, .. }) =
        ok(&["webhooks", "register", "https://example.com/hook"]).command
    else {
        panic!("register")
    };
    assert!(events.is_empty(), "no --event means all events");
    assert!(matches!(
        ok(&["webhooks", "list"]).command,
        Command::Webhooks(WebhooksCommand::List)
    ));
    let Command::Webhooks(WebhooksCommand::Delete(d)) = ok(&["webhooks", "delete", "wh_1"]).command
    else {
        panic!("delete")
    };
    assert_eq!(d.id, "wh_1");
    usage_error(&["webhooks", "register"]);
}

#[test]
fn webhook_verify_reads_headers_body_and_clock() {
    let Command::Webhook(WebhookCommand::Verify(v)) = ok(&[
        "webhook",
        "verify",
        "--secret",
        "whsec_abc",
        "-H",
        "webhook-id: msg_1",
        "--header",
        "Webhook-Timestamp:1614265330",
        "--headers-file",
        "h.txt",
        "--body-file",
        "-",
        "--now",
        "1614265330",
    ])
    .command
    else {
        panic!("verify")
    };
    assert_eq!(v.secret, "whsec_abc");
    assert_eq!(
        v.headers,
        [
            ("webhook-id".to_owned(), "msg_1".to_owned()),
            ("Webhook-Timestamp".to_owned(), "1614265330".to_owned())
        ]
    );
    assert_eq!(v.headers_file, Some(PathBuf::from("h.txt")));
    assert_eq!(v.body_file.as_deref(), Some("-"));
    assert_eq!(v.now, Some(1614265330));

    assert_eq!(
        usage_error(&["webhook", "verify", "--secret", "s", "-H", "no colon here"]).kind(),
        ErrorKind::ValueValidation
    );
    assert_eq!(
        usage_error(&["webhook", "verify", "--secret", "s", "--now", "yesterday"]).kind(),
        ErrorKind::ValueValidation
    );
}

#[test]
fn settings_get_and_set_needs_a_change() {
    assert!(matches!(
        ok(&["settings", "get"]).command,
        Command::Settings(SettingsCommand::Get)
    ));
    let Command::Settings(SettingsCommand::Set(s)) = ok(&[
        "settings",
        "set",
        "--default-style",
        "sketch",
        "--default-quality",
        "standard",
        "--default-aspect-ratio",
        "4:3",
        "--default-project",
        "prj_1",
        "--notify-on-complete",
        "false",
    ])
    .command
    else {
        panic!("set")
    };
    assert_eq!(s.default_style.as_deref(), Some("sketch"));
    assert_eq!(s.default_quality, Some(QualityArg::Standard));
    assert_eq!(s.default_aspect_ratio.as_deref(), Some("4:3"));
    assert_eq!(s.default_project.as_deref(), Some("prj_1"));
    assert_eq!(s.notify_on_complete, Some(false));
    assert_eq!(
        usage_error(&["settings", "set"]).kind(),
        ErrorKind::MissingRequiredArgument
    );
    usage_error(&["settings", "set", "--notify-on-complete", "maybe"]);
}

#[test]
fn health_and_demo() {
    assert!(matches!(ok(&["health"]).command, Command::Health));
    let Command::Demo(d) = ok(&["demo"]).command else {
        panic!("demo")
    };
    assert_eq!(d.out, PathBuf::from("renderiq-demo.png"));
    assert!(!d.keep);
    let Command::Demo(d) = ok(&["demo", "--out", "x.png", "--keep", "--prompt", "snow"]).command
    else {
        panic!("demo")
    };
    assert_eq!(
        (d.out, d.keep, d.prompt.as_str()),
        (PathBuf::from("x.png"), true, "snow")
    );
}

#[test]
fn unknown_commands_and_options_are_usage_errors() {
    assert_eq!(usage_error(&["paint"]).kind(), ErrorKind::InvalidSubcommand);
    assert_eq!(
        usage_error(&["--token-store", "cloud", "whoami"]).kind(),
        ErrorKind::InvalidValue
    );
    usage_error(&[]);
}

#[test]
fn help_documents_the_exit_codes() {
    let help = Cli::command().render_long_help().to_string();
    for line in [
        "Exit codes:",
        "3  authentication",
        "4  insufficient credits",
        "5  rate limited",
        "6  not found",
    ] {
        assert!(help.contains(line), "help lacks {line:?}:\n{help}");
    }
    let e = parse(&["--help"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DisplayHelp);
    assert_eq!(e.exit_code(), 0);
}

#[test]
fn parsers_accept_and_reject_as_documented() {
    assert_eq!(parse_aspect_ratio("16:9").unwrap(), "16:9");
    assert!(parse_aspect_ratio("16/9").unwrap_err().contains("W:H"));
    assert_eq!(
        parse_header(" webhook-id :  msg_1 ").unwrap(),
        ("webhook-id".into(), "msg_1".into())
    );
    assert!(parse_header("webhook id: x").is_err());
    assert!(parse_time("2030-02-30").is_err());
}
