//! The r2d2 connection manager for PostgreSQL: opens a connection with the session settings
//! every server connection runs with.

use postgres::{Client, NoTls};

/// The session settings of every connection: bounded statements and idle transactions (a stuck
/// server cannot hold row locks for ever), UTC, and a name in `pg_stat_activity`.
const SESSION: &str = "SET statement_timeout = '30s';
     SET idle_in_transaction_session_timeout = '60s';
     SET TIME ZONE 'UTC';
     SET application_name = 'renderiq-server';";

/// Opens a connection with [`SESSION`] applied.
pub(super) fn open(config: &postgres::Config) -> Result<Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute(SESSION)?;
    Ok(client)
}

/// A pooled connection. The synchronous client runs a small runtime of its own, also when it
/// closes: dropped on a thread of the server's runtime (the pool is dropped with the server's
/// state), it is closed on a thread of its own instead.
pub(crate) struct PgConn(Option<Client>);

impl PgConn {
    pub(super) fn new(client: Client) -> Self {
        Self(Some(client))
    }

    /// The client.
    pub(super) fn client(&mut self) -> Result<&mut Client, super::Error> {
        self.0
            .as_mut()
            .ok_or_else(|| super::Error::Database("connection already closed".into()))
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                std::thread::spawn(move || drop(client));
            }
        }
    }
}

/// Opens connections to one database.
#[derive(Debug)]
pub(super) struct PgManager {
    config: postgres::Config,
}

impl PgManager {
    pub(super) fn new(config: postgres::Config) -> Self {
        Self { config }
    }
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        open(&self.config).map(|c| PgConn(Some(c)))
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        match conn.0.as_mut() {
            Some(c) => c.simple_query("").map(|_| ()),
            None => Ok(()),
        }
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.0.as_ref().is_none_or(Client::is_closed)
    }
}
