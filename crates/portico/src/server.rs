//! The accept loop: each socket becomes one hyper HTTP/1.1 connection (upgrades allowed, for
//! WebSocket) over `portico_http::capture`, which supplies the header-read and idle timeouts,
//! the original header names and the lingering close; graceful shutdown on request.

use crate::State;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use portico_http::capture::{self, Timeouts, Tracked};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long a stopping Portico waits for requests in flight (an HTTP_PROXY call may take 29 s;
/// `docker stop` sends SIGKILL after 10 s).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long an unread request body is read and dropped before its connection closes.
const LINGER: Duration = Duration::from_secs(2);

/// Serves `listener` until `shutdown` completes, then stops accepting, closes idle
/// connections at once and gives requests in flight `SHUTDOWN_GRACE` to finish.
pub async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = &state.config;
    let timeouts = Timeouts {
        header: config.header_timeout,
        idle: config.idle_timeout,
        linger: LINGER,
    };
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .max_header_size(config.max_header_size as usize)
        // `capture` times heads and idle connections apart; hyper's one timer does both.
        .header_read_timeout(None);
    let front = Front {
        state: state.clone(),
        builder,
        timeouts,
    };
    let (stop, stopped) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: the open connections go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        front.connection(stream, peer, stopped.clone());
    }
    drop(listener);
    drop(stopped);
    tracing::info!(
        open_connections = stop.receiver_count(),
        "stopping: no new connections; idle ones closed, requests in flight finishing"
    );
    let _ = stop.send(());
    if tokio::time::timeout(SHUTDOWN_GRACE, stop.closed()).await.is_err() {
        tracing::warn!(
            cut = stop.receiver_count(),
            grace = ?SHUTDOWN_GRACE,
            "requests still in flight after the grace period are cut"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

struct Front {
    state: Arc<State>,
    builder: http1::Builder,
    timeouts: Timeouts,
}

impl Front {
    /// Serves one accepted socket on its own task, until it closes or Portico stops.
    fn connection(&self, stream: TcpStream, peer: SocketAddr, mut stop: watch::Receiver<()>) {
        // Small request/answer pairs: don't let Nagle hold them back.
        let _ = stream.set_nodelay(true);
        let (io, handle) = capture::capture(stream, self.timeouts);
        let state = self.state.clone();
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            let in_flight = handle.begin();
            let original = handle.take(request.method(), request.uri());
            let mut request = request.map(axum::body::Body::new);
            let extensions = request.extensions_mut();
            extensions.insert(ConnectInfo(peer));
            if let Some(original) = original {
                extensions.insert(original);
            }
            // Boxed: hyper moves the service's future into its slot, and the data plane's is
            // kilobytes; a box is moved as a pointer.
            let call = Box::pin(crate::handle(state.clone(), request));
            async move {
                let response = call.await;
                Ok::<_, Infallible>(response.map(|body| Tracked::new(body, in_flight)))
            }
        });
        let connection = self.builder.serve_connection(TokioIo::new(io), service).with_upgrades();
        tokio::spawn(async move {
            let mut connection = pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop.changed() => {
                    // Idle: closed now. Busy: closed once the answer in flight is written.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                // Clients hanging up, bad requests hyper answered itself: not Portico's failure.
                tracing::debug!(%peer, %error, "connection ended");
            }
        });
    }
}
