//! The suite runs on the database it was given: PostgreSQL when RENDERIQ_TEST_DATABASE_URL is
//! set (scripts/test-postgres.sh), else SQLite in each server's data dir.

use renderiq_server::store::Backend;
use renderiq_server::testing::DATABASE_URL_VAR;

trait OfTestSuite {
    fn of_test_suite() -> Self;
}

impl OfTestSuite for Backend {
    /// The backend this run of the suite was given.
    fn of_test_suite() -> Self {
        match std::env::var(DATABASE_URL_VAR) {
            Ok(url) if !url.is_empty() => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

use crate::support::TestServer;

#[tokio::test]
async fn the_server_keeps_its_rows_in_the_database_the_suite_was_given() {
    let expected = Backend::of_test_suite();
    let server = TestServer::start().await;
    let user = server.user(10).await;
    let dir = server.data_dir();
    let opened = dir.clone();
    let store = tokio::task::spawn_blocking(move || renderiq_server::testing::open(&opened))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.backend(), expected);
    // The user the server signed in is a row there…
    let rows = server.query("SELECT email FROM users WHERE id = ?1", &[&user.id]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<String>(0).unwrap(), user.email);
    // …and on PostgreSQL the server made no SQLite file of its own.
    assert_eq!(
        dir.join("renderiq.db").exists(),
        expected == Backend::Sqlite,
        "a server given {expected:?} wrote renderiq.db"
    );
}

#[tokio::test]
async fn a_second_server_on_one_postgres_database_is_refused_naming_the_reason() {
    let server = TestServer::start().await;
    let second = renderiq_server::spawn(crate::support::test_config(&server.data_dir())).await;
    match (Backend::of_test_suite(), second) {
        (Backend::Postgres, Err(e)) => {
            let e = format!("{e:#}");
            assert!(e.contains("another renderiq-server is serving"), "{e}");
        }
        (Backend::Postgres, Ok(_)) => panic!("two servers were let serve one PostgreSQL database"),
        // SQLite: the file's own lock orders the writers of both.
        (Backend::Sqlite, second) => {
            second.expect("a second server on the SQLite file starts");
        }
    }
}
