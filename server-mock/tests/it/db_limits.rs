//! Numbers that would overflow are refused instead of corrupting the ledger.

// A failed unwrap is how a test reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn a_grant_that_would_overflow_the_balance_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::add_user(dir.path(), "ada@example.com", "pw", 100);
    let db = renderiq_server::testing::open(dir.path()).unwrap();
    let err = renderiq_server::grant_credits(&db, "ada@example.com", i64::MAX).unwrap_err();
    assert!(err.to_string().contains("overflow"), "{err:#}");
    let after = renderiq_server::grant_credits(&db, "ada@example.com", 1).unwrap();
    assert_eq!(after.balance, 101, "the refused grant left no trace");
    assert_eq!(after.total_earned, 101);
}
