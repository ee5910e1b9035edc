//! Accepting connections under limits (issue 12): at most `max_connections` open at once, the
//! next ones refused at once with a 503 instead of exhausting file descriptors; a deadline for a
//! request's headers, which also closes keep-alive connections left idle; a deadline between two
//! pieces of a request body; and the process's open-file limit raised at start so that the cap,
//! not the kernel, is what a flood meets.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// How many connections, and for how long, the server keeps open.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Time to send a request's headers, counted from the end of the previous answer: a
    /// slow-loris client and an idle keep-alive connection are both closed after it.
    pub header_timeout: Duration,
    /// Longest silence inside a request body (an upload that stalls is cut).
    pub body_idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 512,
            header_timeout: Duration::from_secs(15),
            body_idle_timeout: Duration::from_secs(60),
        }
    }
}

/// File descriptors kept for everything that is not a connection: the catalogue, the index,
/// the store, tool pipes.
const DESCRIPTORS_FOR_THE_REST: u64 = 256;

/// The answer given to a connection beyond the cap, written before it is closed.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n\
Content-Type: application/json\r\nContent-Length: 85\r\n\r\n\
{\"code\":\"too-many-connections\",\"message\":\"the server is busy: try again in a second\"}";

/// Serves `app` on `listener` until `shutdown` turns true, then lets the open connections finish
/// the request they are answering.
pub(crate) async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let limits = ConnectionLimits { max_connections: connection_budget(limits.max_connections), ..limits };
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopping(&mut shutdown) => break,
        };
        while connections.try_join_next().is_some() {}
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors or a connection reset before accept: wait a little rather
                // than spin, and keep serving the connections already open.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            refuse(&stream);
            continue;
        };
        let app = app.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            serve_one(stream, remote, app, limits, shutdown).await;
            drop(permit);
        });
    }
    while connections.join_next().await.is_some() {}
}

/// Resolves once the server is told to stop.
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

/// Answers 503 without waiting: the send buffer of a new connection takes the few bytes.
fn refuse(stream: &TcpStream) {
    let _ = stream.try_write(REFUSAL);
}

async fn serve_one(
    stream: TcpStream,
    remote: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let body_idle_timeout = limits.body_idle_timeout;
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(remote));
        let request = request.map(|body| axum::body::Body::new(TimeoutBody::new(body_idle_timeout, body)));
        app.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, %remote, "connection closed");
            }
        }
        () = stopping(&mut shutdown) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Raises the soft open-file limit to the hard one and returns how many connections fit under
/// it (at most `wanted`), keeping descriptors for the rest of the server.
fn connection_budget(wanted: usize) -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
        && current < maximum
    {
        limit.current = Some(maximum);
        if let Err(error) = setrlimit(Resource::Nofile, limit) {
            tracing::warn!(%error, "cannot raise the open-file limit");
            limit = getrlimit(Resource::Nofile);
        }
    }
    let Some(descriptors) = limit.current else { return wanted };
    let fits = descriptors.saturating_sub(DESCRIPTORS_FOR_THE_REST).max(16);
    if (wanted as u64) > fits {
        tracing::warn!(wanted, fits, "the open-file limit allows fewer connections than configured");
        return fits as usize;
    }
    wanted
}
