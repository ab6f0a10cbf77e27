//! The accept loop: HTTP/1 and HTTP/2 on each accepted TCP connection (hyper-util's `auto`
//! builder), with the limits that keep slow or idle clients from holding the server.
//!
//! - **Headers in time.** A connection must deliver a complete request head within
//!   `--header-read-timeout-seconds` (10 s by default): hyper's HTTP/1 header-read timer covers
//!   every request head, also the wait for the next request on a kept-alive connection, and a
//!   guard of our own covers the first request on every connection (including the protocol
//!   sniffing before hyper's timer starts, and HTTP/2). Otherwise the connection is closed.
//! - **Bodies in time.** A request body that delivers nothing for `--request-body-timeout-seconds`
//!   (60 s) fails the request (tower-http's `RequestBodyTimeout`; the timer restarts on every
//!   chunk, so a large upload on a slow but moving link still passes).
//! - **A cap on connections.** At most `--max-connections` (1024) are served at once. At the cap
//!   the loop *stops accepting* until one closes, rather than accepting and closing: a client
//!   waiting in the listen backlog is served late instead of failing, and slots free up quickly
//!   because every idle or slow connection is closed by the header timeout above.
//! - **Graceful stop.** When the shutdown token is cancelled the loop stops accepting; each
//!   connection finishes the request in hand and closes (idle ones at once). The stop waits for
//!   them at most [`SHUTDOWN_GRACE`].
//!
//! Every request carries the peer address as axum's `ConnectInfo<SocketAddr>` extension.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;
use tower_http::timeout::RequestBodyTimeout;

use crate::config::Config;

/// How long a stop waits for open connections to finish their requests.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(60);

/// Connection limits of the accept loop (from [`Config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time a client has to send a complete request head.
    pub header_read_timeout: Duration,
    /// Longest silence within a request body.
    pub request_body_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Limits {
    /// The limits `config` asks for (zero values are raised to the smallest workable ones).
    pub fn from_config(config: &Config) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_seconds.max(1)),
            request_body_timeout: Duration::from_secs(config.request_body_timeout_seconds.max(1)),
            max_connections: config.max_connections.max(1),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` is cancelled, then lets open connections finish
/// (see the [module documentation](self)).
///
/// # Errors
///
/// None today: a failed `accept` (for example no file descriptors left) is logged and retried.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let app = RequestBodyTimeout::new(app, limits.request_body_timeout);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // the semaphore is never closed
            },
        };
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let first_request = Arc::new(Notify::new());
        let service = {
            let (app, first_request) = (app.clone(), first_request.clone());
            hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                first_request.notify_one();
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request)
            })
        };
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        let header_read_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            tokio::pin!(connection);
            let served = tokio::select! {
                served = connection.as_mut() => Some(served),
                () = first_request.notified() => None,
                () = tokio::time::sleep(header_read_timeout) => {
                    // Dropping the connection closes the socket.
                    tracing::debug!(%peer, "closed a connection that sent no request in time");
                    return;
                }
            };
            let served = match served {
                Some(served) => served,
                None => connection.await,
            };
            if let Err(e) = served {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?SHUTDOWN_GRACE,
            "stopped with connections still open: their requests did not finish in time"
        );
    }
    Ok(())
}
