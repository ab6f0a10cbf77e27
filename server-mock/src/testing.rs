//! For the test suites of the server and of its clients: the database a test server runs on,
//! and where it keeps its files.
//!
//! With `RENDERIQ_TEST_DATABASE_URL` unset, a test server keeps its SQLite file in its data dir.
//! Set to a PostgreSQL URL whose user may create databases (`postgres://rq:pw@localhost/postgres`),
//! each data dir gets a database of its own on that server, named after the dir
//! (`rq_test_…`) and created on first use, so a server restarted on the same dir finds its rows
//! again: the same suites then run on PostgreSQL. The databases are left for the caller to drop
//! (`scripts/test-postgres.sh` drops them all).
//!
//!
//! With `RENDERIQ_TEST_STORAGE_URL` set to a bucket (`s3://renderiq-test`, the endpoint and
//! credentials in the usual `AWS_*` variables), each data dir keeps its files under a prefix of
//! its own in that bucket instead of `<data dir>/files` ([`storage_url`], [`storage`]).
//!
//! ```no_run
//! # fn demo() -> anyhow::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let mut config = renderiq_server::Config::ephemeral(dir.path());
//! config.database_url = renderiq_server::testing::database_url(dir.path())?.map(Into::into);
//! # Ok(()) }
//! ```

use std::path::Path;

use anyhow::Context as _;
use renderiq_sdk::types::User;
use sha2::Digest as _;

use crate::Store;

/// The variable naming the PostgreSQL server the suites run on (unset: SQLite).
pub const DATABASE_URL_VAR: &str = "RENDERIQ_TEST_DATABASE_URL";

/// The variable naming the bucket the suites keep files in (unset: the data dir's folder).
pub const STORAGE_URL_VAR: &str = "RENDERIQ_TEST_STORAGE_URL";

/// The `--storage-url` of a test server on `data_dir`: `None` (the data dir's folder) unless
/// [`STORAGE_URL_VAR`] is set, else `<that bucket URL>/<a prefix named after the dir>`.
pub fn storage_url(data_dir: &Path) -> Option<String> {
    match std::env::var(STORAGE_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(format!(
            "{}/{}",
            url.trim_end_matches('/'),
            dir_name(data_dir)
        )),
        _ => None,
    }
}

/// The storage of the test server on `data_dir`, opened beside it, to look at the files it
/// keeps (or to leave one behind, as a crash would).
///
/// # Errors
///
/// It cannot be opened.
pub fn storage(data_dir: &Path) -> anyhow::Result<crate::storage::Storage> {
    let config = crate::Config::ephemeral(data_dir);
    crate::storage::Storage::open_url_or_folder(
        storage_url(data_dir).as_deref(),
        config.storage_dir(),
    )
}

/// The prefix of the test databases' names.
pub const DATABASE_PREFIX: &str = "rq_test_";

/// The `--database-url` of a test server on `data_dir`: `None` (SQLite in the data dir) unless
/// [`DATABASE_URL_VAR`] is set, else the URL of the dir's PostgreSQL database, created if it
/// does not exist yet. Blocking, safe to call inside a runtime.
///
/// # Errors
///
/// The PostgreSQL server cannot be reached or refuses to create the database.
pub fn database_url(data_dir: &Path) -> anyhow::Result<Option<String>> {
    let admin_url = match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => return Ok(None),
    };
    let admin: postgres::Config = admin_url
        .parse()
        .with_context(|| format!("{DATABASE_URL_VAR}: not a PostgreSQL URL"))?;
    let name = format!("{DATABASE_PREFIX}{}", dir_name(data_dir));
    let mut url =
        url::Url::parse(&admin_url).with_context(|| format!("{DATABASE_URL_VAR}: not a URL"))?;
    url.set_path(&name);
    off_runtime(move || -> anyhow::Result<()> {
        let mut client = admin.connect(postgres::NoTls)?;
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])?
            .is_some();
        if !exists {
            match client.batch_execute(&format!("CREATE DATABASE {name}")) {
                // Created meanwhile by another test of the same dir: as good.
                Err(e) if e.code() == Some(&postgres::error::SqlState::DUPLICATE_DATABASE) => {}
                other => other?,
            }
        }
        Ok(())
    })
    .with_context(|| {
        format!(
            "creating a test database on {}",
            crate::store::redact_url(&admin_url)
        )
    })?;
    Ok(Some(url.into()))
}

/// Opens the database of the test server on `data_dir` beside it, to read and change rows the
/// API does not show ([`Store::query_blocking`]).
///
/// # Errors
///
/// It cannot be opened.
pub fn open(data_dir: &Path) -> anyhow::Result<Store> {
    let url = database_url(data_dir)?;
    let dir = data_dir.to_owned();
    off_runtime(move || crate::open_database(&dir, url.as_deref()))
}

/// [`crate::add_user`] on the database of the test server on `data_dir`.
///
/// # Errors
///
/// As [`crate::create_user`].
pub fn add_user(
    data_dir: &Path,
    email: &str,
    password: &str,
    name: Option<&str>,
    credits: i64,
) -> anyhow::Result<User> {
    let store = open(data_dir)?;
    let (email, password, name) = (
        email.to_owned(),
        password.to_owned(),
        name.map(str::to_owned),
    );
    off_runtime(move || crate::create_user(&store, &email, &password, name.as_deref(), credits))
}

/// A name of `data_dir` fit for a database or an object prefix: 24 hex digits of its hash.
fn dir_name(data_dir: &Path) -> String {
    let digest = sha2::Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    hex(&digest)[..24].to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs blocking PostgreSQL work on a thread of its own: the synchronous client starts a
/// runtime, which must not happen on a runtime's thread.
fn off_runtime<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    std::thread::spawn(f)
        .join()
        .map_err(|_| anyhow::anyhow!("database thread panicked"))?
}
