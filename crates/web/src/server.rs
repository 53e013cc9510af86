//! The HTTP server around the router: at most so many connections at once, a deadline for a
//! request's headers (a client trickling them in one byte at a time is cut off), and a graceful
//! stop. axum's own `serve` has neither limit, so connections are served by hyper directly.
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::Service;

/// Limits on connections, before any request reaches the router.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Open connections at once; more wait in the listen queue until one closes.
    pub connections: usize,
    /// A request's headers must arrive within this long (also bounds an idle keep-alive).
    pub header_timeout: Duration,
    /// How long a stop waits for requests in flight.
    pub drain: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            connections: 1024,
            header_timeout: Duration::from_secs(10),
            drain: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `stop` completes, then lets requests in flight finish.
/// Handlers see the TCP peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    stop: impl std::future::Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.connections));
    let (stopping, stopped) = watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        // Answers go out at once rather than waiting on Nagle's algorithm for more to send.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                let mut app = app.clone();
                async move { app.call(req.map(axum::body::Body::new)).await }
            });
        let mut stopped = stopped.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    let _ = stopping.send(true);
    // Every connection gives its permit back when it has finished.
    let all = u32::try_from(limits.connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.drain, permits.acquire_many(all)).await;
}
