//! The r2d2 connection manager for PostgreSQL: opens a connection, over TLS where the database is
//! not on this machine, with the session settings every server connection runs with.

use std::collections::HashMap;

use postgres::config::{Host, SslMode};
use postgres::{Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The session settings of every connection: bounded statements and idle transactions (a stuck
/// server cannot hold row locks for ever), UTC, and a name in `pg_stat_activity`.
const SESSION: &str = "SET statement_timeout = '30s';
     SET idle_in_transaction_session_timeout = '60s';
     SET TIME ZONE 'UTC';
     SET application_name = 'renderiq-server';";

/// How connections to one database are made: in clear, or over TLS with the server's
/// certificate and host name verified (the OS store and Mozilla's roots, [`crate::tls`]).
///
/// `sslmode=disable` is clear, `sslmode=require` is verified TLS; without `sslmode` (or with
/// `prefer`) a database on a loopback address, `localhost` or a Unix socket is reached in clear and
/// any other host over verified TLS, so a password and the rows never cross a network in clear
/// unless the URL says so.
#[derive(Clone)]
pub(super) enum Security {
    Clear,
    Tls(MakeRustlsConnect),
}

impl Security {
    /// The security of connections made with `config`.
    pub(super) fn of(config: &postgres::Config) -> anyhow::Result<Self> {
        let tls = match config.get_ssl_mode() {
            SslMode::Disable => false,
            SslMode::Prefer => {
                !(config.get_hosts().iter().all(is_local)
                    && config
                        .get_hostaddrs()
                        .iter()
                        .all(std::net::IpAddr::is_loopback))
            }
            _ => true,
        };
        Ok(if tls {
            Self::Tls(MakeRustlsConnect::new(crate::tls::client_config()?))
        } else {
            Self::Clear
        })
    }

    /// `true` for verified TLS.
    pub(super) fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }
}

fn is_local(host: &Host) -> bool {
    match host {
        Host::Tcp(name) => {
            name == "localhost"
                || name
                    .trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

/// Opens a connection with [`SESSION`] applied.
pub(super) fn open(
    config: &postgres::Config,
    security: &Security,
) -> Result<Client, postgres::Error> {
    let mut client = match security {
        Security::Clear => config.connect(NoTls)?,
        Security::Tls(tls) => {
            let mut config = config.clone();
            config.ssl_mode(SslMode::Require);
            config.connect(tls.clone())?
        }
    };
    client.batch_execute(SESSION)?;
    Ok(client)
}

/// Statements prepared on one connection, by their SQL: a query prepared once runs with one
/// round trip (bind and execute) instead of two (parse and describe first), and is planned
/// from its prepared form. Our queries are a fixed set, so the map stays small; it is emptied
/// if it ever passes [`MAX_STATEMENTS`].
pub(super) type Statements = HashMap<String, postgres::Statement>;

/// The most statements kept prepared on one connection.
const MAX_STATEMENTS: usize = 512;

/// A pooled connection. The synchronous client runs a small runtime of its own, also when it
/// closes: dropped on a thread of the server's runtime (the pool is dropped with the server's
/// state), it is closed on a thread of its own instead.
pub(crate) struct PgConn(Option<Client>, Statements);

impl PgConn {
    pub(super) fn new(client: Client) -> Self {
        Self(Some(client), Statements::new())
    }

    /// The client.
    pub(super) fn client(&mut self) -> Result<&mut Client, super::Error> {
        self.0
            .as_mut()
            .ok_or_else(|| super::Error::Database("connection already closed".into()))
    }

    /// The client and the statements prepared on it.
    pub(super) fn parts(&mut self) -> Result<(&mut Client, &mut Statements), super::Error> {
        match self.0.as_mut() {
            Some(client) => {
                if self.1.len() > MAX_STATEMENTS {
                    self.1.clear();
                }
                Ok((client, &mut self.1))
            }
            None => Err(super::Error::Database("connection already closed".into())),
        }
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
pub(super) struct PgManager {
    config: postgres::Config,
    security: Security,
}

impl PgManager {
    pub(super) fn new(config: postgres::Config, security: Security) -> Self {
        Self { config, security }
    }
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        open(&self.config, &self.security).map(PgConn::new)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(url: &str) -> bool {
        Security::of(&url.parse().unwrap()).unwrap().is_tls()
    }

    #[test]
    fn a_remote_database_is_reached_over_tls_unless_the_url_disables_it() {
        assert!(!tls("postgres://rq@localhost/x"));
        assert!(!tls("postgres://rq@127.0.0.1:5432/x"));
        assert!(!tls("postgres://rq@[::1]/x"));
        assert!(!tls("host=/run/postgresql user=rq"));
        assert!(tls("postgres://rq@db.example.com/x"));
        assert!(tls("postgres://rq@10.0.0.7/x"));
        assert!(tls("postgres://rq@db.example.com/x?sslmode=prefer"));
        assert!(tls("postgres://rq@localhost/x?sslmode=require"));
        assert!(!tls("postgres://rq@db.example.com/x?sslmode=disable"));
        // The address connected to counts, not only the name.
        assert!(tls("postgres://rq@localhost/x?hostaddr=10.0.0.7"));
        assert!(!tls("postgres://rq@localhost/x?hostaddr=127.0.0.1"));
    }
}
