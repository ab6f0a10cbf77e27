//! Notifications between the servers of one database (`LISTEN`/`NOTIFY`): a server announces a
//! render's change on a channel, and every server listening on it hears it, so a long-poll held
//! by one server answers when a worker of another moves the render on.

use std::time::Duration;

use fallible_iterator::FallibleIterator as _;
use tokio_util::sync::CancellationToken;

use super::{pool, Postgres};

/// How often the listening thread checks for the server's shutdown.
const POLL: Duration = Duration::from_millis(500);

/// How long the listening thread waits before reconnecting after a failure.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// What a listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// A notification's payload.
    Message(String),
    /// The connection was lost and made again: notifications sent meanwhile were missed.
    Reconnected,
}

impl Postgres {
    /// Calls `on_heard` with every notification on `channel` until `stop` is cancelled, from a
    /// thread of its own holding one connection outside the pool; after a lost connection it
    /// reconnects (every second until it succeeds) and says so with [`Heard::Reconnected`].
    pub(crate) fn listen(
        &self,
        channel: &'static str,
        on_heard: Box<dyn Fn(Heard) + Send>,
        stop: CancellationToken,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        let (config, security) = (self.config.clone(), self.security.clone());
        std::thread::Builder::new()
            .name(format!("pg-listen-{channel}"))
            .spawn(move || {
                let mut first = true;
                while !stop.is_cancelled() {
                    match listen_once(&config, &security, channel, &*on_heard, &stop, first) {
                        Ok(()) => break,
                        Err(e) => {
                            tracing::warn!(channel, error = %e, "listening for notifications failed; reconnecting");
                            first = false;
                            std::thread::sleep(RECONNECT_AFTER);
                        }
                    }
                }
            })
    }

    /// Sends `payload` on `channel` to every listening server (this one included).
    pub(crate) fn notify_blocking(&self, channel: &str, payload: &str) -> super::Result<()> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| super::Error::Database(Box::new(e)))?;
        conn.client()?
            .execute("SELECT pg_notify($1, $2)", &[&channel, &payload])
            .map_err(super::database)?;
        Ok(())
    }
}

/// One connection's life: `LISTEN`, then notifications until `stop` (`Ok`) or a failure.
fn listen_once(
    config: &postgres::Config,
    security: &pool::Security,
    channel: &str,
    on_heard: &dyn Fn(Heard),
    stop: &CancellationToken,
    first: bool,
) -> anyhow::Result<()> {
    let mut conn = pool::PgConn::new(pool::open(config, security)?);
    let client = conn.client()?;
    // The channel is one of ours, a plain identifier.
    client.batch_execute(&format!("LISTEN {channel}"))?;
    if !first {
        on_heard(Heard::Reconnected);
    }
    while !stop.is_cancelled() {
        {
            let mut notifications = client.notifications();
            let mut heard = notifications.timeout_iter(POLL);
            while let Some(n) = heard.next()? {
                on_heard(Heard::Message(n.payload().to_owned()));
            }
        }
        if client.is_closed() {
            anyhow::bail!("the connection was closed");
        }
    }
    Ok(())
}
