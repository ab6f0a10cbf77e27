//! The suite runs on the database it was given: PostgreSQL when RENDERIQ_TEST_DATABASE_URL is
//! set (scripts/test-postgres.sh), else SQLite in each server's data dir.

use renderiq_server::store::Backend;
use renderiq_server::testing::DATABASE_URL_VAR;

pub(crate) trait OfTestSuite {
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

use crate::support::{self, TestServer};

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
async fn the_server_keeps_its_files_where_the_suite_said() {
    let in_bucket = renderiq_server::testing::storage_url(std::path::Path::new("x")).is_some();
    let server = TestServer::start().await;
    let user = server.user(10).await;
    let created = server.create_render(&user.token, &[]).await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let done = server.wait_for_render(&user.token, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let dir = server.data_dir();
    // The upload and the output are where the server keeps its files…
    let stored = support::stored_files(&dir, &format!("uploads/{}", user.id));
    assert_eq!(stored.len(), 1, "{stored:?}");
    let outputs = support::stored_files(&dir, &format!("outputs/{}", user.id));
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    // …which is the data dir's folder only without a bucket.
    assert_eq!(
        dir.join("files/uploads").exists(),
        !in_bucket,
        "a server given a bucket ({in_bucket}) wrote into its folder, or the reverse"
    );
    // The output is served from there through its signed link.
    let link = done["outputUrl"].as_str().unwrap();
    let served = server.http.get(link).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(served.bytes().await.unwrap().starts_with(b"\x89PNG"));
}

/// What scripts/test-postgres.sh tells the suite about the cluster's TLS certificate:
/// `<host name in the certificate>,<the certificate file>`.
const TLS_VAR: &str = "RENDERIQ_TEST_DATABASE_TLS";

/// A database reached over TLS is reached only when its certificate and host name check out,
/// against the roots the server trusts (the OS store, here `SSL_CERT_FILE`): the admin command
/// is a server process like `serve`.
#[tokio::test]
async fn tls_to_postgres_checks_the_certificate_and_the_host_name() {
    if Backend::of_test_suite() == Backend::Sqlite {
        return; // no database server to reach
    }
    let tls = std::env::var(TLS_VAR)
        .unwrap_or_else(|_| panic!("{TLS_VAR} must name the cluster's certificate host and file"));
    let (host, cert) = tls.split_once(',').expect("HOST,CERT_FILE");
    let dir = tempfile::tempdir().unwrap();
    let plain = crate::support::database_url(dir.path()).unwrap();
    let url_for = |host: &str| {
        let mut url = url::Url::parse(&plain).unwrap();
        url.set_host(Some(host)).unwrap();
        // The cluster listens on loopback: connect there, check the certificate for `host`.
        url.query_pairs_mut()
            .append_pair("sslmode", "require")
            .append_pair("hostaddr", "127.0.0.1");
        url.to_string()
    };
    // The OS store is what these name (Debian's /etc/ssl/certs holds the cluster's self-signed
    // certificate too, so the machine's own store is not used here).
    let no_dir = tempfile::tempdir().unwrap();
    let add_user = |email: &str, url: &str, trusted: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_renderiq-server"))
            .args([
                "user",
                "add",
                "--email",
                email,
                "--password",
                "pw",
                "--data-dir",
            ])
            .arg(dir.path())
            .env("RENDERIQ_DATABASE_URL", url)
            .env("SSL_CERT_FILE", trusted)
            .env("SSL_CERT_DIR", no_dir.path())
            .output()
            .unwrap()
    };
    // Some other certificate: the test's own, made here.
    let other = rcgen::generate_simple_self_signed(vec![host.to_owned()]).unwrap();
    let certs = tempfile::tempdir().unwrap();
    let other_file = certs.path().join("other.pem");
    std::fs::write(&other_file, other.cert.pem()).unwrap();
    let other_file = other_file.to_str().unwrap().to_owned();
    let refused = |out: &std::process::Output, why: &str| {
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(!out.status.success(), "{why}: accepted");
        assert!(stderr.contains("certificate"), "{why}: {stderr}");
        assert!(!stderr.contains(":pw@"), "the password shows: {stderr}");
    };

    let ok = add_user("tls@example.com", &url_for(host), cert);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // Not among the roots the server trusts (only another certificate is): refused, nothing
    // sent in clear instead.
    refused(
        &add_user("untrusted@example.com", &url_for(host), &other_file),
        "an untrusted certificate",
    );
    // A trusted certificate for another name: refused.
    refused(
        &add_user("misnamed@example.com", &url_for("127.0.0.1"), cert),
        "a certificate for another host name",
    );
}

#[tokio::test]
async fn a_second_server_on_the_same_sqlite_file_stops_at_start() {
    // The data dir is the test's, so it outlives the first server.
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_on(support::test_config(dir.path())).await;
    let mut second = server.config.clone();
    second.bind = "127.0.0.1:0".parse().unwrap();
    let started = renderiq_server::spawn(second.clone()).await;
    match Backend::of_test_suite() {
        Backend::Sqlite => {
            let Err(refused) = started.map(|_| ()) else {
                panic!("a second server started on the same SQLite file");
            };
            let refused = refused.to_string();
            assert!(refused.contains("already serves"), "{refused}");
            // Once the first has stopped, the file can be served again.
            server.stop().await;
            let again = renderiq_server::spawn(second).await.expect("serves");
            again.stop().await.unwrap();
        }
        // Several servers share a PostgreSQL database.
        Backend::Postgres => started.expect("serves").stop().await.unwrap(),
    }
}
