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
    type Connection = Client;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Client, postgres::Error> {
        open(&self.config)
    }

    fn is_valid(&self, conn: &mut Client) -> Result<(), postgres::Error> {
        conn.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Client) -> bool {
        conn.is_closed()
    }
}
