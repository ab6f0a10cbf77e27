//! The file and memory token stores. (The keychain store is tested in `tests/keychain.rs`.)

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use renderiq_sdk::token_store::{
    Credential, EncryptedFileStore, MemoryStore, StoredSession, TokenStore,
};
use renderiq_sdk::{Error, ErrorKind};

const ACCESS: &str = "eyJhbGciOiJIUzI1NiJ9.access-token-in-clear";
const REFRESH: &str = "rt_refresh_token_in_clear";
const KEY: [u8; 32] = [0x5a; 32];

fn session() -> Credential {
    Credential::Session(StoredSession {
        access_token: ACCESS.into(),
        refresh_token: REFRESH.into(),
        expires_at: Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap(),
        email: Some("ada@example.com".into()),
    })
}

/// A small session, so flipping every byte of its file stays quick.
fn small_session() -> Credential {
    Credential::Session(StoredSession {
        access_token: "a".into(),
        refresh_token: "r".into(),
        expires_at: Utc.timestamp_opt(0, 0).unwrap(),
        email: None,
    })
}

fn assert_tampered(e: &Error, path: &std::path::Path) {
    assert_eq!(e.kind(), ErrorKind::TokenStore, "{e}");
    assert_eq!(e.error_code(), Some("TOKEN_STORE_TAMPERED"), "{e}");
    let msg = e.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("failed authentication"), "{msg}");
    assert!(msg.contains("sign in again"), "{msg}");
}

#[test]
fn encrypted_store_round_trips_a_session_with_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = EncryptedFileStore::with_key(dir.path().join("session.rqts"), KEY);
    store.save(&session()).unwrap();
    assert_eq!(store.load().unwrap(), Some(session()));

    let key = Credential::ApiKey("rq_live_key".into());
    store.save(&key).unwrap();
    assert_eq!(
        store.load().unwrap(),
        Some(key),
        "a save replaces the previous credential"
    );

    let fresh_instance = EncryptedFileStore::with_key(store.path(), KEY);
    assert!(fresh_instance.load().unwrap().is_some());
}

#[test]
fn encrypted_store_round_trips_a_session_with_a_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    let store = EncryptedFileStore::with_passphrase(&path, "correct horse battery staple");
    store.save(&session()).unwrap();
    assert_eq!(store.load().unwrap(), Some(session()));

    // Another instance (another run of the host app) derives the key from the stored salt.
    let reopened = EncryptedFileStore::with_passphrase(&path, "correct horse battery staple");
    assert_eq!(reopened.load().unwrap(), Some(session()));
}

#[test]
fn passphrase_file_has_a_random_salt_and_the_key_file_a_zero_salt() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    EncryptedFileStore::with_passphrase(&a, "pw")
        .save(&small_session())
        .unwrap();
    EncryptedFileStore::with_passphrase(&b, "pw")
        .save(&small_session())
        .unwrap();
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert_eq!(&a[..5], b"RQTS\x01");
    assert_ne!(a[5..21], [0u8; 16]);
    assert_ne!(a[5..21], b[5..21], "each new file gets its own salt");

    let k = dir.path().join("k");
    EncryptedFileStore::with_key(&k, KEY)
        .save(&small_session())
        .unwrap();
    assert_eq!(std::fs::read(k).unwrap()[5..21], [0u8; 16]);
}

#[test]
fn every_flipped_byte_of_the_file_is_reported_as_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    let store = EncryptedFileStore::with_key(&path, KEY);
    store.save(&small_session()).unwrap();
    let original = std::fs::read(&path).unwrap();
    assert!(original.len() > 45 + 16);

    for i in 0..original.len() {
        for mask in [0x01u8, 0x80] {
            let mut bytes = original.clone();
            bytes[i] ^= mask;
            std::fs::write(&path, &bytes).unwrap();
            let e = store
                .load()
                .expect_err(&format!("byte {i} ^ {mask:#04x} went unnoticed"));
            assert_tampered(&e, &path);
        }
    }
    std::fs::write(&path, &original).unwrap();
    assert_eq!(store.load().unwrap(), Some(small_session()));
}

#[test]
fn flipped_salt_byte_of_a_passphrase_file_is_reported_as_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    let store = EncryptedFileStore::with_passphrase(&path, "pw");
    store.save(&small_session()).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[5] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    assert_tampered(&store.load().unwrap_err(), &path);
}

#[test]
fn truncated_empty_or_foreign_file_is_reported_as_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    let store = EncryptedFileStore::with_key(&path, KEY);
    store.save(&small_session()).unwrap();
    let original = std::fs::read(&path).unwrap();

    for len in [0, 3, 4, 5, 45, 60, original.len() - 1] {
        std::fs::write(&path, &original[..len]).unwrap();
        assert_tampered(&store.load().unwrap_err(), &path);
    }
    let mut longer = original.clone();
    longer.push(0);
    std::fs::write(&path, &longer).unwrap();
    assert_tampered(&store.load().unwrap_err(), &path);

    std::fs::write(
        &path,
        br#"{"accessToken":"a","refreshToken":"r","expiresAt":"1970-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    assert_tampered(&store.load().unwrap_err(), &path);
}

#[test]
fn wrong_passphrase_is_reported_and_not_treated_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    EncryptedFileStore::with_passphrase(&path, "right")
        .save(&session())
        .unwrap();
    let e = EncryptedFileStore::with_passphrase(&path, "wrong")
        .load()
        .unwrap_err();
    assert_tampered(&e, &path);
}

#[test]
fn wrong_key_is_reported_and_not_treated_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    EncryptedFileStore::with_key(&path, KEY)
        .save(&session())
        .unwrap();
    let e = EncryptedFileStore::with_key(&path, [0xa5; 32])
        .load()
        .unwrap_err();
    assert_tampered(&e, &path);
    let e = EncryptedFileStore::with_passphrase(&path, "anything")
        .load()
        .unwrap_err();
    assert_tampered(&e, &path);
}

#[test]
fn missing_file_loads_as_no_session() {
    let dir = tempfile::tempdir().unwrap();
    let store = EncryptedFileStore::with_key(dir.path().join("nothing-here"), KEY);
    assert_eq!(store.load().unwrap(), None);
    store.clear().unwrap();
}

#[test]
fn clear_removes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    let store = EncryptedFileStore::with_key(&path, KEY);
    store.save(&session()).unwrap();
    assert!(path.exists());
    store.clear().unwrap();
    assert!(!path.exists());
    assert_eq!(store.load().unwrap(), None);
}

#[test]
fn save_creates_missing_folders_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("renderiq")
        .join("profiles")
        .join("session.rqts");
    let store = EncryptedFileStore::with_key(&path, KEY);
    store.save(&session()).unwrap();
    store.save(&session()).unwrap();
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["session.rqts"]);
}

#[cfg(unix)]
#[test]
fn token_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    // A pre-existing world-readable file is replaced, not reused.
    std::fs::write(&path, b"old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let store = EncryptedFileStore::with_passphrase(&path, "pw");
    store.save(&session()).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
}

#[test]
fn token_file_does_not_contain_the_tokens_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    let store = EncryptedFileStore::with_key(&path, KEY);
    for (credential, secrets) in [
        (
            session(),
            &[ACCESS, REFRESH, "ada@example.com", "accessToken"][..],
        ),
        (
            Credential::ApiKey("rq_live_apikey_in_clear".into()),
            &["rq_live_apikey_in_clear", "apiKey"][..],
        ),
    ] {
        store.save(&credential).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        for secret in secrets {
            assert!(!contains(secret), "{secret:?} is readable in the file");
        }
    }
}

#[test]
fn store_debug_output_hides_the_key_and_passphrase() {
    let with_key = format!("{:?}", EncryptedFileStore::with_key("f", [0x41; 32]));
    assert!(
        !with_key.contains("65") && !with_key.contains("AAAA"),
        "{with_key}"
    );
    let with_pass = format!("{:?}", EncryptedFileStore::with_passphrase("f", "hunter2"));
    assert!(!with_pass.contains("hunter2"), "{with_pass}");
}

#[test]
fn errors_never_contain_the_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.rqts");
    EncryptedFileStore::with_key(&path, KEY)
        .save(&session())
        .unwrap();
    let e = EncryptedFileStore::with_key(&path, [1; 32])
        .load()
        .unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains(ACCESS) && !text.contains(REFRESH), "{text}");
}

#[test]
fn memory_store_round_trips_and_clears() {
    let store = MemoryStore::new();
    assert_eq!(store.load().unwrap(), None);
    store.save(&session()).unwrap();
    assert_eq!(store.load().unwrap(), Some(session()));
    store.clear().unwrap();
    assert_eq!(store.load().unwrap(), None);
}

#[test]
fn stores_are_usable_as_shared_trait_objects() {
    fn assert_store<T: TokenStore + 'static>() {}
    assert_store::<EncryptedFileStore>();
    assert_store::<MemoryStore>();
    let dir = tempfile::tempdir().unwrap();
    let store: std::sync::Arc<dyn TokenStore> =
        std::sync::Arc::new(EncryptedFileStore::with_key(dir.path().join("s"), KEY));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                store.save(&small_session()).unwrap();
                store.load().unwrap()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Some(small_session()));
    }
}
