//! The accept loop: serves a router on a listener, one task per connection, and gives every request a
//! [`ConnectionKill`] switch so the "drop" fault can close the connection without any response.

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

/// Closes the connection a request arrived on, without writing a response.
#[derive(Clone, Debug, Default)]
pub struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// Serve `router` on `listener` until the returned task is aborted (which also ends its connections).
pub fn spawn_server(listener: TcpListener, router: Router) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            connections.spawn(serve_connection(stream, router.clone()));
            while connections.try_join_next().is_some() {}
        }
    })
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let kill = ConnectionKill::default();
    let request_kill = kill.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(request_kill.clone());
        router.clone().oneshot(request.map(Body::new))
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = kill.0.notified() => {}
    }
}
