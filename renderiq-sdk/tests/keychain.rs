//! The OS keychain store against a real platform store. On Linux these need a running,
//! unlocked Secret Service; `scripts/with-keyring.sh` provides a throwaway one:
//!
//! ```text
//! scripts/with-keyring.sh cargo test -p renderiq-sdk --test keychain -- --ignored
//! ```

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "keychain")]

use chrono::{TimeZone, Utc};
use renderiq_sdk::token_store::{Credential, KeychainStore, StoredSession, TokenStore};

/// Service name of every entry these tests create (`secret-tool search --all service renderiq-test`).
const SERVICE: &str = "renderiq-test";

fn session(access: &str) -> Credential {
    Credential::Session(StoredSession {
        access_token: access.into(),
        refresh_token: "rt_keychain_test".into(),
        expires_at: Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap(),
        email: Some("ada@example.com".into()),
    })
}

/// A store with an account name of its own, so tests running in parallel do not collide.
fn store(test: &str) -> KeychainStore {
    KeychainStore::new(SERVICE, &format!("{test}-{}", std::process::id()))
}

#[test]
#[ignore = "needs a Secret Service; run by scripts/with-keyring.sh"]
fn keychain_saves_loads_overwrites_and_clears_a_session() {
    let store = store("lifecycle");
    store.clear().unwrap();
    assert_eq!(store.load().unwrap(), None);

    store.save(&session("at_first")).unwrap();
    assert_eq!(store.load().unwrap(), Some(session("at_first")));

    store.save(&session("at_second")).unwrap();
    assert_eq!(
        store.load().unwrap(),
        Some(session("at_second")),
        "a save replaces the entry"
    );

    store.clear().unwrap();
    assert_eq!(store.load().unwrap(), None);
    store.clear().unwrap(); // clearing nothing succeeds
}

#[test]
#[ignore = "needs a Secret Service; run by scripts/with-keyring.sh"]
fn keychain_entries_for_different_accounts_do_not_clash() {
    let dev = store("dev");
    let prod = store("prod");
    dev.save(&session("at_dev")).unwrap();
    prod.save(&session("at_prod")).unwrap();
    assert_eq!(dev.load().unwrap(), Some(session("at_dev")));
    assert_eq!(prod.load().unwrap(), Some(session("at_prod")));
    dev.clear().unwrap();
    assert_eq!(dev.load().unwrap(), None);
    assert_eq!(prod.load().unwrap(), Some(session("at_prod")));
    prod.clear().unwrap();
}

#[test]
#[ignore = "needs a Secret Service; run by scripts/with-keyring.sh"]
fn keychain_holds_a_session_with_a_large_access_token() {
    // A long JWT plus refresh token, close to what production issues.
    let store = store("large");
    let big = session(&"x".repeat(1500));
    store.save(&big).unwrap();
    assert_eq!(store.load().unwrap(), Some(big));
    store.clear().unwrap();
}

/// Left behind on purpose when `RENDERIQ_KEEP_TEST_ENTRY` is set, so `with-keyring.sh` users can
/// see the item with `secret-tool search --all service renderiq-test`.
#[test]
#[ignore = "needs a Secret Service; run by scripts/with-keyring.sh"]
fn keychain_entry_is_a_real_item_in_the_store() {
    let store = KeychainStore::new(SERVICE, "visible");
    store.save(&session("at_visible")).unwrap();
    assert_eq!(store.load().unwrap(), Some(session("at_visible")));
    if std::env::var_os("RENDERIQ_KEEP_TEST_ENTRY").is_none() {
        store.clear().unwrap();
    }
}

#[test]
fn keychain_debug_output_names_the_entry_only() {
    let store = KeychainStore::new(SERVICE, "debug");
    let dbg = format!("{store:?}");
    assert!(dbg.contains(SERVICE) && dbg.contains("debug"), "{dbg}");
}

/// A session saved by an SDK built on keyring 3 (item attributes `service`, `username`,
/// `target=default`, `application=rust-keyring`) is still found after the move to keyring 4, so
/// an upgrade does not sign anyone out; saving over it keeps one item. The old item is written
/// with `secret-tool`, independent of either keyring version.
#[test]
#[ignore = "needs a Secret Service and secret-tool; run by scripts/with-keyring.sh"]
#[cfg(target_os = "linux")]
fn keychain_reads_and_replaces_a_session_saved_by_keyring_3() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let store = store("keyring3");
    store.clear().unwrap();
    let json = serde_json::to_vec(&session("at_from_keyring_3")).unwrap();
    let mut child = Command::new("secret-tool")
        .args(["store", "--label", "keyring-rs v3 item"])
        .args(["service", store.service(), "username", store.account()])
        .args(["target", "default", "application", "rust-keyring"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool (Debian: libsecret-tools) must be installed");
    child.stdin.take().unwrap().write_all(&json).unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool store failed");

    assert_eq!(store.load().unwrap(), Some(session("at_from_keyring_3")));
    store.save(&session("at_after_upgrade")).unwrap();
    assert_eq!(store.load().unwrap(), Some(session("at_after_upgrade")));
    let found = Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            store.service(),
            "username",
            store.account(),
        ])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&found.stdout).into_owned()
        + &String::from_utf8_lossy(&found.stderr);
    assert_eq!(listing.matches("secret = ").count(), 1, "{listing}");
    store.clear().unwrap();
    assert_eq!(store.load().unwrap(), None);
}

/// With no session bus the store answers "unavailable" (so the default store falls back to
/// memory), and the message carries why the platform store could not be opened and what to do.
/// The check runs in a child process: keyring opens the platform store once per process.
#[test]
#[cfg(target_os = "linux")]
fn keychain_without_a_session_bus_is_unavailable_and_says_why() {
    const CHILD: &str = "RENDERIQ_KEYCHAIN_NO_BUS_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let e = store("nobus").load().unwrap_err();
        let message = e.to_string();
        assert_eq!(e.error_code(), Some("TOKEN_STORE_UNAVAILABLE"), "{message}");
        assert!(message.contains("could not be opened: "), "{message}");
        assert!(message.contains("start gnome-keyring"), "{message}");
        assert!(message.contains("restart this application"), "{message}");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "keychain_without_a_session_bus_is_unavailable_and_says_why",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/renderiq-test-bus",
        )
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let log =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("1 passed"), "{log}");
}
